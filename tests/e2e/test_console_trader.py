"""The trader's console on a phone (issue 22, "Trader (mobile first)"):
tests/browser/console_trader.mjs drives Debian's chromium at 375x812 step by
step; this test answers each step through the admin, panda and device APIs
and checks what the page showed and what the API then holds.

A trader signs in, goes online, sees an order made through the panda API
appear without a reload (the exact amount, the requisite, a countdown that
runs), answers "Received" (the dialog repeats the amount), "Received" with
another amount and "Not received"; the admin API then shows each order's
state, confirmed_by trader and the trader's exact balances. Another
trader's order typed into the address is not found. The deposit view shows
the API's figures; a requisite is paused and resumed; a dispute is rejected
with a reason and a PDF, another accepted with the amount that arrived; a
phone is paired with the code shown large and its unmatched bank message
attached to the waiting order. Each view passes the layout check at 375 and
1280 px. The phone view's screenshot: tests/artifacts/console-trader-phone.png.

Every figure by hand: a RUB trader (reward 1 %), a 100000.00 deposit."""
import json
import os
import struct
import subprocess
import zlib

from kassa_client import REPO, SBP_REQUISITE, create_shop, send_raw
from test_browser import ARTIFACTS, BROWSER_DIR, CHROMIUM, check_tools
from test_devices import SBER_140, Device, sms
from test_disputes import open_dispute
from test_trader_api import Trader, verify_ok

LOGIN, PASSWORD = "ivan-trader", "trader-pass-1234"


def png_pixel():
    """A real 1x1 PNG (the browser shows the payer's evidence as an image)."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(b"\x00\x1f\x5f\xd6")) + chunk(b"IEND", b""))


def trader(server, name, verified_name, login=None):
    body = {"name": name, "verified_name": verified_name, "reward_bps": 100, "currency": "RUB"}
    if login:
        body.update(login=login, password=PASSWORD)
    st, t = server.admin("POST", "/admin/v1/traders", body)
    assert st == 201, t
    st, dep = server.admin("POST", f"/admin/v1/traders/{t['id']}/deposits", {"amount": "100000"})
    assert st == 201, dep
    tr = Trader(server, t)
    tr.name = name
    st, r = tr.post("/trader/v1/requisites", dict(SBP_REQUISITE, owner_full_name=verified_name,
                                                   requisite="+7999" + str(t["id"]).zfill(7)))
    assert st == 201, r
    tr.requisite = r
    return tr


def set_online(tr, on):
    st, p = tr.post("/trader/v1/online", {"online": on})
    assert st == 200 and p["online"] is on, p


def admin_get(server, path):
    st, body = server.admin("GET", path)
    assert st == 200, body
    return body


def balances(server, tr):
    b = admin_get(server, f"/admin/v1/traders/{tr.id}")["balances"]
    return b["available"], b["reserved"], b["earned"]


def paused(server, tr):
    [r] = [x for x in admin_get(server, "/admin/v1/requisites?limit=500")["items"]
           if x["id"] == tr.requisite["id"]]
    return r["paused"]


def new_order(server, shop, amount):
    r = server.panda(shop).create_order(amount=amount)
    assert r.status == 200 and r.json["status"] == "pending", r.body
    return admin_get(server, f"/admin/v1/orders/{r.json['uuid']}")


def expired_dispute(server, shop, amount, evidence):
    o = new_order(server, shop, amount)
    server.advance_clock(901)
    for _ in range(400):
        if admin_get(server, f"/admin/v1/orders/{o['uuid']}")["status"] == "expired":
            break
    else:
        raise AssertionError("the order did not expire")
    r = open_dispute(server, shop, o["uuid"], [("amount", amount, None)] + evidence)
    assert r.status == 201, r.body
    return o, r.json


def rub(text):
    """What the console shows for an amount: money() groups by thousands."""
    whole, frac = text.split(".")
    return f"{int(whole):,}".replace(",", " ") + f".{frac} RUB"


def test_trader_console_on_a_phone(kassad, tmp_path):
    node = check_tools()
    shop = create_shop(kassad, requisite=False)
    a = trader(kassad, "Ivan", "Иван Иванов", login=LOGIN)
    b = trader(kassad, "Petr", "Пётр Петров")
    # b's order, made while a is offline: a must never see it
    set_online(b, True)
    ob = new_order(kassad, shop, "600.00")
    assert ob["requisite"]["id"] == b.requisite["id"]
    set_online(b, False)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "console-trader-phone.png"
    if shot.exists():
        shot.unlink()
    env = dict(os.environ, KASSA_BASE=kassad.base_url, SCREENSHOT=str(shot), CHROMIUM=CHROMIUM,
               TRADER_LOGIN=LOGIN, TRADER_PASSWORD=PASSWORD)
    err = open(tmp_path / "node.err", "w+")
    proc = subprocess.Popen([node, "console_trader.mjs"], cwd=BROWSER_DIR, env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, bufsize=1)
    made = {}
    device = None

    def answer(**kw):
        proc.stdin.write(json.dumps(kw) + "\n")
        proc.stdin.flush()

    seen = None
    try:
        for line in proc.stdout:
            msg = json.loads(line)
            step = msg["step"]
            if step in ("done", "error"):
                seen = msg
                break
            if step == "online":
                assert admin_get(kassad, f"/admin/v1/traders/{a.id}")["online"] is True
                made["first"] = new_order(kassad, shop, "1234.56")
                assert made["first"]["requisite"]["id"] == a.requisite["id"]
                # the 1234.56 reserved from the deposit
                assert balances(kassad, a) == ("98765.44", "1234.56", "0.00")
                answer(uuid=made["first"]["uuid"])
            elif step == "received":
                o = admin_get(kassad, f"/admin/v1/orders/{msg['uuid']}")
                assert (o["status"], o["confirmed_by"], o["amount"], o["amount_received"]) == (
                    "completed", "trader", "1234.56", None)
                # 1234.56 spent, 1 % of it (12.3456, half-up 12.35) earned
                assert balances(kassad, a) == ("98777.79", "0.00", "12.35")
                made["second"] = new_order(kassad, shop, "700.00")
                answer(uuid=made["second"]["uuid"])
            elif step == "received_other":
                o = admin_get(kassad, f"/admin/v1/orders/{msg['uuid']}")
                assert (o["status"], o["confirmed_by"], o["amount"], o["amount_received"]) == (
                    "completed", "trader", "700.00", "650.00")
                # the reserve of 700.00 back, 650.00 spent, 6.50 earned
                assert balances(kassad, a) == ("98134.29", "0.00", "18.85")
                made["third"] = new_order(kassad, shop, "500.00")
                assert balances(kassad, a) == ("97634.29", "500.00", "18.85")
                answer(uuid=made["third"]["uuid"])
            elif step == "not_received":
                o = admin_get(kassad, f"/admin/v1/orders/{msg['uuid']}")
                assert (o["status"], o["amount_received"]) == ("failed", None)
                assert balances(kassad, a) == ("98134.29", "0.00", "18.85")
                made["fourth"] = new_order(kassad, shop, "450.00")
                answer(uuid=made["fourth"]["uuid"])
            elif step == "dialog_open":
                st, o = kassad.admin("POST", f"/admin/v1/orders/{msg['uuid']}/fail")
                assert (st, o["status"]) == (200, "failed"), o
                answer()
            elif step == "refused":
                o = admin_get(kassad, f"/admin/v1/orders/{made['fourth']['uuid']}")
                assert (o["status"], o["confirmed_by"]) == ("failed", None), o
                assert balances(kassad, a) == ("98134.29", "0.00", "18.85")
                answer(uuid=ob["uuid"])
            elif step == "money":
                answer()
            elif step == "paused":
                assert paused(kassad, a) is True
                answer()
            elif step == "resumed":
                assert paused(kassad, a) is False
                answer()
            elif step == "dispute":
                made["disputed"], made["dispute"] = expired_dispute(
                    kassad, shop, "800.00", [("evidence", png_pixel(), "receipt.png")])
                answer(uuid=made["dispute"]["uuid"])
            elif step == "rejected":
                d = admin_get(kassad, f"/admin/v1/disputes/{msg['uuid']}")
                assert (d["status"], d["awaiting"], d["reject_reason"]) == (
                    "in_progress", "operator", "fake_proof")
                assert [(e["uploader"], e["content_type"]) for e in d["evidence"]] == [
                    ("merchant", "image/png"), ("trader", "application/pdf")]
                assert (d["logs"][-1]["actor_role"], d["logs"][-1]["details"]) == (
                    "trader", "rejected (fake_proof): awaiting the operator: "
                              "no such transfer on the statement")
                made["disputed2"], made["dispute2"] = expired_dispute(kassad, shop, "300.00", [])
                answer(uuid=made["dispute2"]["uuid"])
            elif step == "accepted":
                d = admin_get(kassad, f"/admin/v1/disputes/{msg['uuid']}")
                assert (d["status"], d["amount_received"]) == ("resolved_success", "290.00")
                o = admin_get(kassad, f"/admin/v1/orders/{made['disputed2']['uuid']}")
                assert (o["status"], o["amount_received"], o["confirmed_by"]) == (
                    "completed", "290.00", "dispute")
                # late: 290.00 taken from the available deposit, 2.90 earned
                assert balances(kassad, a) == ("97847.19", "0.00", "21.75")
                answer()
            elif step == "pair":
                r = send_raw(kassad.base_url, "POST", "/device/v1/pair",
                             json.dumps({"code": msg["code"], "name": "Pixel 7"}).encode(),
                             [("Content-Type", "application/json")])
                assert r.status == 201, r.body
                device = Device(kassad, r.json["device_id"], r.json["token"], r.json["secret"])
                made["waiting"] = new_order(kassad, shop, "1000.00")
                r = device.messages(sms("t-1", SBER_140, kassad))
                assert r.status == 200, r.body
                [res] = r.json["results"]
                assert (res["state"], res["order"]) == ("unmatched", None), res
                answer(message_id=res["id"], order_uuid=made["waiting"]["uuid"])
            elif step == "attached":
                o = admin_get(kassad, f"/admin/v1/orders/{msg['order_uuid']}")
                assert (o["status"], o["amount_received"], o["confirmed_by"]) == (
                    "completed", "140.00", "trader")
                # 140.00 spent of the 1000.00 reserve, 1.40 earned
                assert balances(kassad, a) == ("97708.59", "0.00", "23.15")
                answer()
            else:
                raise AssertionError(f"unknown step {step}")
    finally:
        if proc.poll() is None:
            try:
                proc.stdin.close()
            except OSError:
                pass
        rc = proc.wait(timeout=60)
        err.seek(0)
        log = err.read()
        err.close()
    assert seen is not None and seen["step"] == "done" and rc == 0, f"{log}\n{seen}"
    s = seen["seen"]
    first, second, third = made["first"], made["second"], made["third"]

    assert s["signed_in_as"] == "Ivan"
    assert s["nav"] == ["Orders", "Disputes", "Bank messages", "Requisites", "Deposit", "Devices",
                        "Settings"]
    assert s["online_before"] == "false"
    assert s["empty_text"] == "You are offline: no new orders come to your requisites."
    # the order: its exact amount, its requisite, a running countdown, no reload
    assert s["first"]["amount"] == "1 234.56 RUB"
    assert s["first"]["requisite"] == f"SBP {a.requisite['requisite']} {SBP_REQUISITE['bank_code']}"
    assert s["first"]["listed"] == [first["uuid"]]
    c0, c1 = s["first"]["countdown"]
    m0, s0 = (int(x) for x in c0.split(":"))
    m1, s1 = (int(x) for x in c1.split(":"))
    assert 14 * 60 <= m0 * 60 + s0 <= 15 * 60 and 1 <= (m0 * 60 + s0) - (m1 * 60 + s1) <= 3, (c0, c1)
    assert s["first"]["reloaded"] is False
    assert s["first"]["question"] == f"Did 1 234.56 RUB arrive on {a.requisite['requisite']}?"
    assert s["first"]["dialog_amount"] == "1 234.56 RUB"
    assert s["second"]["amount"] == "700.00 RUB"
    assert s["third"]["amount"] == "500.00 RUB"
    assert s["third"]["question"] == (
        f"500.00 RUB did not arrive on {a.requisite['requisite']}? The order fails.")
    assert s["third"]["empty_after"] == "No orders are waiting for your requisites."
    assert s["race_error"] == (f"order {made['fourth']['uuid']} is failed: it cannot become "
                               "completed")
    assert s["completed_listed"] == [second["uuid"], first["uuid"]]
    assert s["order_page"] == {"uuid": first["uuid"], "status": "completed",
                               "amount": "1 234.56 RUB"}
    # another trader's order is not found, exactly as a missing one
    assert s["other_order"] == {"title": "Order not found", "text": "Order not found"}
    assert ob["uuid"] not in s["first"]["listed"] + s["completed_listed"]
    # the deposit as the API has it (at the "money" step, before the disputes)
    assert s["money"]["available"] == rub("98134.29")
    assert s["money"]["reserved"] == rub("0.00")
    assert s["money"]["earned"] == rub("18.85")
    assert s["money"]["earned_hint"] == "your reward, 1 % of each order"
    # the trader's postings, newest first: the deposit (1); per order its
    # reserve (4 x 2: available, reserved); 1234.56 completed (the reserve
    # taken, the reward: 2), 700.00 completed for 650.00 (the reserve taken
    # and 50.00 back, the reward: 3), 500.00 and 450.00 released (2 x 2): 18
    assert s["money"]["ledger_rows"] == 18
    assert s["money"]["ledger_first"] == ["reserve released", "frozen", "−450.00 RUB"]
    assert s["requisite"]["head"].startswith(f"SBP {a.requisite['requisite']}")
    assert s["requisite"]["head"].endswith("taking orders")
    # the dispute, announced on the orders screen
    assert s["dispute_banner"] == "A dispute awaits your answer"
    assert s["dispute"]["amount"] == "800.00 RUB" and s["dispute"]["badge"] == "your answer"
    assert s["dispute"]["countdown"] in ("30:00", "29:59", "29:58", "29:57")
    assert s["dispute"]["title"] == "The payer says 800.00 RUB was sent"
    assert s["dispute"]["evidence_images"] == 1 and s["dispute"]["image_loaded"] is True
    assert s["dispute"]["question"] == ("Reject the dispute (Fake proof)? The operator decides "
                                        "with your evidence.")
    assert s["dispute"]["after"] == "with the operator" and s["dispute"]["forms_after"] == 0
    assert s["dispute2"]["question"] == ("Accept the dispute: 290.00 RUB arrived? The order "
                                         "completes for this amount.")
    # the pairing code, large; the paired phone
    assert len(s["pair"]["code"]) == 12
    assert s["pair"]["shown"].replace("\u2009", "") == s["pair"]["code"]
    assert s["pair"]["font_px"] >= 24
    assert s["device"] == "Pixel 7 online"
    # the bank message attached
    assert s["message"]["amount"] == "140.00 RUB" and s["message"]["text"] == SBER_140
    assert s["message"]["question"] == "Attach 140.00 RUB to this order? It completes for 140.00 RUB."
    assert s["message"]["options"] == ["", made["waiting"]["uuid"]]
    assert s["message"]["empty_after"] == "No unmatched bank messages."
    # every view at 375 and 1280 px: no overflow, no broken word
    assert s["ru_nav"] == ["Заказы", "Споры", "Уведомления банка", "Реквизиты", "Депозит",
                           "Устройства", "Настройки"]
    assert set(s["layout"]) == {"orders-empty", "orders", "order", "order-notfound", "money",
                                "requisites", "disputes", "dispute", "devices-code", "devices",
                                "messages", "settings"} | {
        f"ru #{p}" for p in ["/", "/?status=completed", f"/orders/{first['uuid']}", "/disputes",
                             f"/disputes/{made['dispute']['uuid']}", "/messages", "/requisites",
                             "/money", "/devices", "/settings"]}
    shared = [] if (BROWSER_DIR / "layout.mjs").exists() else None
    for view, widths in s["layout"].items():
        for width, got in widths.items():
            assert got == {"overflow": 0, "broken": [], "wide": [], "shared": shared}, (
                view, width, got)
    assert s["console_errors"] == []
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    verify_ok(kassad)
