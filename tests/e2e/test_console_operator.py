"""The operator's console in a real browser: tests/browser/console_operator.mjs
(playwright-core driving Debian's chromium) against a real kassad. An
operator signs in with a login and password, sees the overview's figures
as GET /admin/v1/overview gives them, filters the orders, opens one with
the payer's receipt, completes it with another amount (the admin API then
shows exactly that amount_received), resends its callback, pays a
withdrawal out and decides a dispute with both sides' evidence; a viewer's
attempt is refused with the API's own message. Every view passes the
layout check at 375 and 1280 px. SQLite and (KASSA_TEST_DB=postgres)
PostgreSQL."""
import json
import os
import subprocess
import time

from kassa_client import REPO
from test_browser import CHROMIUM, check_tools
from test_callbacks import Receiver, wait_until
from test_disputes import open_dispute
from test_money import png_bytes, upload_receipt
from test_trader_p2p import PDF, multipart, online, order_on, requisite, rub_trader
from tegro_client import tegro_for

BROWSER_DIR = REPO / "tests" / "browser"
PASSWORD = "correct horse battery"


def operator(server, name, role):
    login = name.lower()
    st, op = server.admin("POST", "/admin/v1/operators",
                          {"name": name, "role": role, "login": login, "password": PASSWORD})
    assert st == 201, op
    return login, op["id"]


def admin_get(server, path):
    st, body = server.admin("GET", path)
    assert st == 200, body
    return body


def test_operator_console(kassad, make_shop):
    node = check_tools()
    rec = Receiver()
    try:
        run(kassad, make_shop, node, rec)
    finally:
        rec.close()


def run(kassad, make_shop, node, rec):
    shop = make_shop(kassad, requisite=False, name="Console Shop", callback_url=rec.url(),
                     fee_percent="2.5")
    other_shop = make_shop(kassad, requisite=False, name="Other Shop")
    trader = rub_trader(kassad, "Ivan", "Иван Иванов")
    requisite(trader, max_pending=5)
    online(trader)

    # a dispute awaiting the operator: the merchant's evidence (an image and
    # a PDF), the trader's rejection with its own image (the clock moves:
    # before any other order is made)
    png = png_bytes(64)
    o_disputed = order_on(kassad, shop, "700.00")
    assert o_disputed["trader_id"] == trader.id
    kassad.advance_clock(901)
    wait_until(lambda: admin_get(kassad, f"/admin/v1/orders/{o_disputed['uuid']}")["status"] ==
               "expired", what="expiry")
    r = open_dispute(kassad, shop, o_disputed["uuid"], [
        ("comment", "paid at 10:02", None), ("evidence", png, "receipt.png"),
        ("evidence", PDF, "statement.pdf")])
    assert r.status == 201, r.body
    d = r.json
    st, rej = multipart(trader, f"/trader/v1/disputes/{d['uuid']}/reject", [
        ("reason", "payment_not_found", None), ("comment", "not on the statement", None),
        ("evidence", png, "statement.png")])
    assert st == 200 and rej["awaiting"] == "operator", rej

    # the orders: one the payer says is paid, with a receipt; one for the
    # viewer; one of another shop (filtered out)
    o1 = order_on(kassad, shop, "1500.00")
    assert kassad.panda(shop).get(f"/v1/orders/{o1['uuid']}/confirm").status == 200
    r = upload_receipt(kassad, shop, o1["uuid"], png)
    assert r.status == 200, r.body
    o2 = order_on(kassad, shop, "1200.00")
    o3 = order_on(kassad, other_shop, "900.00")

    # a withdrawal: the other shop has money from a completed order
    t = tegro_for(kassad, other_shop)
    paid = t.create_order(amount="5000.00")
    assert paid.json["type"] == "success", paid.body
    assert kassad.admin("POST", f"/admin/v1/orders/{paid.json['data']['id']}/complete")[0] == 200
    w = t.call("createWithdrawal", {"currency": "RUB", "account": "2200000000000004",
                                    "amount": "300.00", "payment_id": "w-console",
                                    "payment_system": 36}, nonce=time.time_ns())
    assert w.json["type"] == "success", w.body
    wid = int(w.json["data"]["id"])

    owner, owner_id = operator(kassad, "Olga", "admin")
    viewer, _ = operator(kassad, "Vera", "viewer")
    ov_before = admin_get(kassad, "/admin/v1/overview?hours=6")

    env = dict(os.environ, KASSA_BASE=kassad.base_url, CHROMIUM=CHROMIUM,
               OP_LOGIN=owner, OP_PASSWORD=PASSWORD, VIEWER_LOGIN=viewer,
               VIEWER_PASSWORD=PASSWORD, SHOP_ID=str(shop["id"]), ORDER_UUID=o1["uuid"],
               RECEIVED="1450.50", OTHER_UUID=o2["uuid"], WITHDRAWAL_ID=str(wid),
               DISPUTE_UUID=d["uuid"], DISPUTE_RECEIVED="650.00")
    proc = subprocess.run([node, "console_operator.mjs"], cwd=BROWSER_DIR, env=env,
                          capture_output=True, text=True, timeout=300)
    out = proc.stdout.strip().splitlines()
    seen = json.loads(out[-1]) if out else {}
    assert proc.returncode == 0, f"console_operator.mjs failed:\n{proc.stderr}\n{seen}"

    assert seen["steps"] == ["signed in", "overview", "orders", "completed", "resent",
                             "withdrawal", "dispute", "russian", "signed out", "viewer refused"]
    assert seen["who"] == "Olga"
    assert seen["console_errors"] == [] and seen["external_requests"] == []
    # the answers >= 400: "not signed in" before each sign-in, the viewer's
    # order has no receipt, the viewer's refusal
    assert seen["refused"] == ["GET /console/api/session 401", "GET /console/api/session 401",
                               f"GET /admin/v1/orders/{o2['uuid']}/receipt 404",
                               f"POST /admin/v1/orders/{o2['uuid']}/complete 403"]

    # the overview: the figures the API gave at the time
    check_overview(seen, ov_before, other_shop)

    # the orders: the filter is in the address, the list that of the API
    assert seen["orders_hash"] == f"#/orders?status=pending&shop_id={shop['id']}"
    assert seen["orders_filters_kept"] == {"status": "pending", "shop_id": str(shop["id"])}
    # (the API's list then: both, newest first; o1 is completed since)
    assert [row[0] for row in seen["orders_rows"]] == [str(o2["id"]), str(o1["id"])]
    assert [r[3:5] for r in seen["orders_rows"]] == [["1 200.00 RUB", "pending"],
                                                     ["1 500.00 RUB", "pending payer says paid"]]
    api_list = admin_get(kassad, f"/admin/v1/orders?status=pending&shop_id={shop['id']}")
    assert [o["id"] for o in api_list["items"]] == [o2["id"]]
    assert str(o3["id"]) not in [row[0] for row in seen["orders_rows"]]

    # the order page: the receipt, then completion with another amount
    assert seen["receipt"] == {"complete": True, "width": 1, "height": 1}
    assert seen["order_before"]["amount"] == "1 500.00 RUB"
    assert seen["order_before"]["received"] == "—"
    assert seen["complete_prefill"] == "1500.00"
    assert seen["complete_question"] == (f"Mark order {o1['id']} paid with the amount actually "
                                         "received?")
    assert seen["complete_toast"] == f"Order {o1['id']} is completed."
    assert seen["order_after"]["received"] == "1 450.50 RUB"
    assert seen["order_after"]["status"] == "completed"
    assert seen["order_before"]["timeline"] == 1  # created
    assert seen["order_after"]["timeline"] == 2  # created, completed
    o1_after = admin_get(kassad, f"/admin/v1/orders/{o1['uuid']}")
    assert (o1_after["status"], o1_after["amount_received"], o1_after["confirmed_by"]) == (
        "completed", "1450.50", "operator")

    # the callback: delivered, then resent once more
    [cb1] = admin_get(kassad, f"/admin/v1/callbacks?order={o1['uuid']}")
    assert seen["callback_before"]["id"] == str(cb1["id"])
    assert seen["callback_before"]["answer"] == "200"
    assert seen["resend_question"] == (f"Deliver callback {cb1['id']} ({cb1['event']}) to "
                                       f"{rec.url()} once more?")
    assert seen["resend_toast"] == f"Callback {cb1['id']} is queued again."
    wait_until(lambda: len(admin_get(kassad, f"/admin/v1/callbacks?order={o1['uuid']}")[0][
        "attempts"]) == seen["callback_before"]["attempts"] + 1, what="the resent attempt")
    mine = [r for r in rec.requests if json.loads(r["body"])["uuid"] == o1["uuid"]]
    assert len(mine) == seen["callback_before"]["attempts"] + 1
    assert [json.loads(r["body"])["amount_local"] for r in mine] == [1450.5] * len(mine)

    # the withdrawal: paid out
    assert seen["withdrawal_question"] == (f"Pay out withdrawal {wid}: 300.00 RUB to "
                                           "2200000000000004?")
    assert seen["withdrawal_toast"] == f"Withdrawal {wid} is paid out."
    assert str(wid) in seen["withdrawals_completed"]
    assert admin_get(kassad, f"/admin/v1/withdrawals/{wid}")["status"] == "completed"

    # the dispute: first in the queue, both sides' evidence, decided
    assert seen["disputes_first"] == f"#/disputes/{d['uuid']}"
    ev = seen["evidence"]
    assert ev["claim"] == ["evidence image:merchant", "evidence pdf:merchant"]
    assert ev["trader"] == ["evidence image:trader"]
    assert len(ev["pdf_links"]) == 1 and ev["pdf_links"][0].startswith(
        f"/admin/v1/disputes/{d['uuid']}/evidence/")
    assert seen["dispute_toast"] == "The dispute is resolved."
    assert seen["dispute_status"] == "resolved: paid"
    d_after = admin_get(kassad, f"/admin/v1/disputes/{d['uuid']}")
    assert (d_after["status"], d_after["amount_received"]) == ("resolved_success", "650.00")
    assert admin_get(kassad, f"/admin/v1/orders/{o_disputed['uuid']}")["amount_received"] == (
        "650.00")

    # the viewer: refused, nothing changed
    assert seen["viewer_error"] == "the viewer role may not do order.complete"
    assert seen["viewer_status_after"] == "pending"
    assert admin_get(kassad, f"/admin/v1/orders/{o2['uuid']}")["status"] == "pending"

    # the layout of every view, at both widths
    assert seen["ru_title"] == f"Спор по заказу {o_disputed['id']} решён: оплачен"
    for view in ("overview", "orders", "order", "order_completed", "withdrawals", "disputes",
                 "dispute", "dispute_ru", "overview_ru", "orders_ru", "order_ru",
                 "withdrawals_ru"):
        assert seen["layout"][view] == {"375": [], "1280": []}, view

    # the audit log names the operator who signed in
    for action in ("order.complete", "callback.resend", "withdrawal.complete", "dispute.decide"):
        lines = admin_get(kassad, f"/admin/v1/audit?action={action}")["items"]
        assert (owner_id, "Olga") in [(x["actor_id"], x["actor"]) for x in lines], action


def check_overview(seen, ov_before, other_shop):
    """The overview's figures are those GET /admin/v1/overview gave."""
    fig = seen["overview"]["fig"]
    assert fig["pending"] == str(ov_before["orders"]["pending"]) == "3"
    assert fig["payer_says_paid"] == str(ov_before["orders"]["payer_says_paid"]) == "1"
    assert fig["disputes_open"] == "1" and fig["withdrawals_pending"] == "1"
    assert ov_before["disputes"]["open"] == 1 and ov_before["withdrawals"]["pending"] == 1
    cb = ov_before["callbacks"]
    assert fig["outbox"] == str(cb["pending"] + cb["in_flight"])
    assert fig["created"] == str(ov_before["totals"]["created"])
    db = ov_before["database"]
    assert fig["db_backend"] == db["backend"]
    assert fig["db_state"] == "up" and db["up"] is True
    shops = {row[0]: row for row in seen["overview"]["shops"]}
    for s in ov_before["shops"]:
        row = shops[f"{s['name']} (#{s['shop_id']})"]
        assert row[1] == f"{group(s['amount'])} {s['currency']}"
        assert row[2] == str(s["created"]) and row[3] == str(s["completed"])
    assert "Other Shop (#%d)" % other_shop["id"] in shops
    assert shops["Other Shop (#%d)" % other_shop["id"]][1] == "5 000.00 RUB"
    assert seen["overview"]["chart"] is True and seen["overview"]["canvas"] is True
    n = len(ov_before["series"])
    assert n > 0 and seen["overview"]["chart_points"] == [n, n, n]
    assert seen["overview"]["refreshed_in_place"] is True


def group(amount):
    whole, _, frac = amount.partition(".")
    out = ""
    while len(whole) > 3:
        out = " " + whole[-3:] + out
        whole = whole[:-3]
    return whole + out + ("." + frac if frac else "")
