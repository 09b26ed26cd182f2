"""The console end to end (issue 22, "How"), in Debian's chromium:
tests/browser/console_flow.mjs drives an operator's cabinet at 1280 px and a
trader's on a phone (375x812, touch) step by step; this test answers each
step with what the seed's scripts and the APIs did meanwhile, and checks
what the pages showed and the state after.

1. An operator signs in; the seed's create-order script (test_panda.py's
   SEED_CREATE_ORDER, run verbatim) makes an order; the only requisite is a
   trader's, so the order is the trader's; the trader signs in on a phone
   and answers "Received", confirmed; the seed's webhook server
   (test_callbacks.py's SEED_WEBHOOK_SERVER) gets the signed callback; the
   operator sees the order completed and the ledger verifying.
2. A trader's order times out, the merchant opens a dispute with the
   payer's receipt (the panda disputes API); the trader sees it on the phone
   and rejects it with a reason and a statement; the operator sees both
   sides' evidence side by side and decides "paid" with the amount that
   arrived; the order completes late with it; the merchant's callback
   reaches the seed's webhook server.

Every page visited passes tests/browser/layout.mjs at its viewport (and no
rule of style.css is nested in another: an unclosed brace). Every
figure by hand: a shop with a 2.5 % fee, a RUB trader (reward 1 %) with a
100000.00 deposit, USDT-RUB at 95.00."""
import json
import os
import subprocess
import sys

from kassa_client import create_shop, free_port
from test_browser import CHROMIUM, check_tools
from test_callbacks import SEED_WEBHOOK_SERVER, wait_until
from test_console_operator import BROWSER_DIR, operator
from test_console_operator import PASSWORD as OP_PASSWORD
from test_console_trader import LOGIN, PASSWORD, admin_get, balances, png_pixel, trader
from test_disputes import open_dispute
from test_panda import SEED_CREATE_ORDER, _run_seed

PYTHON = sys.executable


class SeedWebhook:
    """The seed's webhook server, run exactly as
    test_callbacks.test_seed_webhook_server_accepts_kassa_callback runs it:
    verbatim but for its key, secret and port."""

    def __init__(self, creds, tmp_path, port):
        script = (SEED_WEBHOOK_SERVER
                  .replace('api_key = "apiKey"', f'api_key = "{creds["panda"]["api_key"]}"')
                  .replace('api_secret = "apiSecret"', f'api_secret = "{creds["panda"]["secret"]}"')
                  .replace("port = 3000", f"port = {port}"))
        path = tmp_path / "webhook_server.py"
        path.write_text(script)
        self.out = tmp_path / "webhook_server.out"
        with open(self.out, "wb") as out:
            self.proc = subprocess.Popen([PYTHON, "-u", str(path)], stdout=out,
                                         stderr=subprocess.STDOUT)
        wait_until(lambda: "starting on port" in self.out.read_text(), 10, "seed server")

    def callbacks(self):
        """The bodies of its `Callback JSON:` lines so far."""
        return [json.loads(x[len("Callback JSON: "):]) for x in self.out.read_text().splitlines()
                if x.startswith("Callback JSON: ")]

    def wait(self, n):
        wait_until(lambda: len(self.callbacks()) >= n, 10, f"{n} 'Callback JSON:' lines")
        return self.callbacks()

    def close(self):
        self.proc.kill()
        self.proc.wait()


def cast(kassad, tmp_path):
    """The shop (its callbacks to the seed's webhook server), the trader with
    the only requisite, online, and the operator."""
    st, _ = kassad.admin("PUT", "/admin/v1/rates/USDT-RUB", {"rate": "95.00"})
    assert st == 200
    port = free_port()
    shop = create_shop(kassad, requisite=False, name="Flow Shop",
                       callback_url=f"http://127.0.0.1:{port}/webhook")
    tr = trader(kassad, "Ivan", "Иван Иванов", login=LOGIN)
    st, p = tr.post("/trader/v1/online", {"online": True})
    assert st == 200 and p["online"] is True, p
    assert [r["id"] for r in admin_get(kassad, "/admin/v1/requisites?limit=500")["items"]] == [
        tr.requisite["id"]]
    op_login, _ = operator(kassad, "Olga", "admin")
    hook = SeedWebhook(shop, tmp_path, port)
    return shop, tr, op_login, hook


class Driver:
    """console_flow.mjs as a subprocess: its steps in, our answers out."""

    def __init__(self, node, kassad, flow, tmp_path, op_login, **extra):
        env = dict(os.environ, KASSA_BASE=kassad.base_url, CHROMIUM=CHROMIUM, FLOW=flow,
                   OP_LOGIN=op_login, OP_PASSWORD=OP_PASSWORD, TRADER_LOGIN=LOGIN,
                   TRADER_PASSWORD=PASSWORD, **extra)
        self.err = open(tmp_path / "node.err", "w+")
        self.proc = subprocess.Popen([node, "console_flow.mjs"], cwd=BROWSER_DIR, env=env,
                                     text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.err, bufsize=1)

    def steps(self):
        for line in self.proc.stdout:
            msg = json.loads(line)
            yield msg
            if msg["step"] in ("done", "error"):
                return

    def answer(self, **kw):
        self.proc.stdin.write(json.dumps(kw) + "\n")
        self.proc.stdin.flush()

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        self.rc = self.proc.wait(timeout=60)
        self.err.seek(0)
        self.log = self.err.read()
        self.err.close()

    def seen(self, last):
        """What the pages showed (the script ended well)."""
        assert last is not None and last["step"] == "done" and self.rc == 0, f"{self.log}\n{last}"
        return last["seen"]


def check_pages(seen, pages):
    """Every page visited, at its own viewport: no overflow, no broken word."""
    assert seen["console_errors"] == [] and seen["external_requests"] == []
    assert {k: v["width"] for k, v in seen["layout"].items()} == pages
    for name, v in seen["layout"].items():
        assert v["problems"] == [], name


def platform(kassad):
    items = admin_get(kassad, "/admin/v1/ledger/accounts?shop_id=0&currency=RUB")["items"]
    return {x["kind"]: x["balance"] for x in items}


def test_order_confirmed_on_a_phone(kassad, tmp_path):
    node = check_tools()
    shop, tr, op_login, hook = cast(kassad, tmp_path)
    drv = Driver(node, kassad, "order", tmp_path, op_login)
    made = {}
    last = None
    try:
        for msg in drv.steps():
            step = msg["step"]
            if step in ("done", "error"):
                last = msg
            elif step == "operator_in":
                # the seed's script, verbatim: 1000.4747448348385 is 1000.47
                o = _run_seed(kassad, shop, SEED_CREATE_ORDER)
                assert (o["status"], o["amount"]) == ("pending", "1000.47"), o
                made = admin_get(kassad, f"/admin/v1/orders/{o['uuid']}")
                assert (made["trader_id"], made["requisite"]["id"]) == (tr.id, tr.requisite["id"])
                assert balances(kassad, tr) == ("98999.53", "1000.47", "0.00")
                drv.answer(uuid=o["uuid"])
            elif step == "confirmed":
                # the callback, signed, as the seed's webhook server prints it
                [cb] = hook.wait(1)
                assert cb == {"uuid": made["uuid"], "status": "completed", "amount_usdt": 10.53,
                              "amount_local": 1000.47, "currency": "RUB",
                              "merchant_commission": -25.01, "merchant_order_id": None}, cb
                drv.answer()
            else:
                raise AssertionError(f"unknown step {step}")
    finally:
        drv.close()
        hook.close()
    seen = drv.seen(last)

    assert seen["steps"] == ["operator signed in", "trader signed in", "trader confirmed",
                             "operator saw it"]
    assert (seen["operator"], seen["trader"]) == ("Olga", "Ivan")
    # the trader's phone: the exact amount, the requisite; "Received" asks
    # with the amount and completes it
    assert seen["card"] == {
        "amount": "1 000.47 RUB", "requisite": tr.requisite["requisite"],
        "listed": [made["uuid"]],
        "question": f"Did 1 000.47 RUB arrive on {tr.requisite['requisite']}?",
        "dialog_amount": "1 000.47 RUB", "toast": "Order completed",
        "empty_after": "No orders are waiting for your requisites."}
    assert seen["trader_order"] == {"status": "completed", "amount": "1 000.47 RUB"}
    # the operator: the order completed, the ledger adding up
    assert seen["order"] == {"title": f"Order {made['id']} completed", "status": "completed",
                             "amount": "1 000.47 RUB", "received": "—"}
    assert seen["verify"] == {"ok": "true", "text": "The ledger adds up"}
    check_pages(seen, {"operator-overview": 1280, "trader-orders": 375,
                       "trader-orders-after": 375, "trader-order": 375, "operator-order": 1280,
                       "operator-ledger": 1280})

    o = admin_get(kassad, f"/admin/v1/orders/{made['uuid']}")
    assert (o["status"], o["confirmed_by"], o["amount"], o["amount_received"], o["fee"]) == (
        "completed", "trader", "1000.47", None, "25.01")
    # the trader: 1000.47 of the deposit spent, 1 % of it (10.0047) earned
    # as 10.00: 100000.00 - 1000.47 + 10.00
    assert balances(kassad, tr) == ("99009.53", "0.00", "10.00")
    # the shop: 1000.47 less the 2.5 % fee (25.01175: 25.01)
    st, b = kassad.admin("GET", f"/admin/v1/shops/{shop['id']}/balances")
    assert (st, b) == (200, {"RUB": {"available": "975.46", "held": "0.00"}})
    # the platform: the deposit in custody, the fee, and the exchange that
    # paid the shop 1000.47 for the trader's 1000.47 less the reward
    assert platform(kassad) == {"platform_custody": "-100000.00", "platform_fees": "25.01",
                                "platform_exchange": "-10.00"}
    assert admin_get(kassad, "/admin/v1/ledger/verify")["ok"] is True
    [cb] = admin_get(kassad, f"/admin/v1/callbacks?order={made['uuid']}")
    assert cb["state"] == "delivered" and cb["attempts"][0]["http_status"] == 200


def test_dispute_through_both_cabinets(kassad, tmp_path):
    node = check_tools()
    shop, tr, op_login, hook = cast(kassad, tmp_path)
    # the trader's order times out: its reserve goes back to the deposit
    r = kassad.panda(shop).create_order(amount="1500.00", merchant_order_id="m-flow")
    assert r.status == 200 and r.json["status"] == "pending", r.body
    o = admin_get(kassad, f"/admin/v1/orders/{r.json['uuid']}")
    assert o["trader_id"] == tr.id
    assert balances(kassad, tr) == ("98500.00", "1500.00", "0.00")
    kassad.advance_clock(901)
    wait_until(lambda: admin_get(kassad, f"/admin/v1/orders/{o['uuid']}")["status"] == "expired",
               what="expiry")
    assert balances(kassad, tr) == ("100000.00", "0.00", "0.00")
    [expired] = hook.wait(1)
    assert expired == {"uuid": o["uuid"], "status": "timeout", "amount_usdt": 15.79,
                       "amount_local": 1500.0, "currency": "RUB", "merchant_commission": -37.5,
                       "merchant_order_id": "m-flow"}, expired
    # the merchant opens a dispute with the payer's receipt
    r = open_dispute(kassad, shop, o["uuid"], [("amount", "1500.00", None),
                                               ("comment", "paid at 10:02", None),
                                               ("evidence", png_pixel(), "receipt.png")])
    assert r.status == 201, r.body
    d = r.json

    drv = Driver(node, kassad, "dispute", tmp_path, op_login, RECEIVED="1450.00")
    last = None
    try:
        for msg in drv.steps():
            step = msg["step"]
            if step in ("done", "error"):
                last = msg
            elif step == "start":
                drv.answer(uuid=d["uuid"], order_uuid=o["uuid"])
            elif step == "rejected":
                a = admin_get(kassad, f"/admin/v1/disputes/{d['uuid']}")
                assert (a["status"], a["awaiting"], a["reject_reason"]) == (
                    "in_progress", "operator", "payment_not_found")
                assert [(e["uploader"], e["content_type"]) for e in a["evidence"]] == [
                    ("merchant", "image/png"), ("trader", "application/pdf")]
                assert (a["logs"][-1]["actor_role"], a["logs"][-1]["details"]) == (
                    "trader", "rejected (payment_not_found): awaiting the operator: "
                              "not on the statement")
                # nothing moves until the operator decides
                assert admin_get(kassad, f"/admin/v1/orders/{o['uuid']}")["status"] == "expired"
                assert balances(kassad, tr) == ("100000.00", "0.00", "0.00")
                drv.answer()
            elif step == "decided":
                a = admin_get(kassad, f"/admin/v1/disputes/{d['uuid']}")
                assert (a["status"], a["amount_received"]) == ("resolved_success", "1450.00")
                drv.answer()
            else:
                raise AssertionError(f"unknown step {step}")
    finally:
        drv.close()
        hook.close()
    seen = drv.seen(last)

    assert seen["steps"] == ["trader rejected", "operator decided", "operator saw it"]
    assert (seen["operator"], seen["trader"]) == ("Olga", "Ivan")
    # the trader's phone: the dispute announced, the payer's receipt shown,
    # the rejection confirmed, then the operator's to decide
    assert seen["banner"] == "A dispute awaits your answer"
    assert seen["trader_list"] == {"amount": "1 500.00 RUB", "badge": "your answer"}
    assert seen["trader_dispute"] == {
        "title": "The payer says 1 500.00 RUB was sent", "images": 1,
        "question": "Reject the dispute (Payment not found)? The operator decides with your "
                    "evidence.",
        "after": "with the operator", "answer_forms": 0}
    # the operator: the claim and the trader's answer side by side
    assert seen["queue_first"] == f"#/disputes/{d['uuid']}"
    assert seen["evidence"] == {"claim": ["image:merchant"], "trader": ["pdf:trader"],
                                "side_by_side": True}
    assert seen["operator_dispute"] == {
        "title": f"Dispute on order {o['id']} in progress",
        "amount": "1 500.00 RUB", "reason": "payment not found"}
    assert seen["decide"] == {"question": "Resolve the dispute as paid? The order completes with "
                                          "the amount below.", "prefill": "1500.00",
                              "toast": "The dispute is resolved.", "status": "resolved: paid",
                              "received": "1 450.00 RUB"}
    assert seen["order"] == {"title": f"Order {o['id']} completed", "status": "completed",
                             "amount": "1 500.00 RUB", "received": "1 450.00 RUB"}
    assert seen["verify"] == {"ok": "true", "text": "The ledger adds up"}
    check_pages(seen, {"trader-orders": 375, "trader-disputes": 375, "trader-dispute": 375,
                       "trader-dispute-rejected": 375, "operator-disputes": 1280,
                       "operator-dispute": 1280, "operator-dispute-decided": 1280,
                       "operator-order": 1280, "operator-ledger": 1280})

    # the order completed late with the operator's amount; its callback
    after = admin_get(kassad, f"/admin/v1/orders/{o['uuid']}")
    assert (after["status"], after["confirmed_by"], after["amount"], after["amount_received"],
            after["fee"]) == ("completed", "dispute", "1500.00", "1450.00", "36.25")
    cbs = hook.wait(2)
    assert cbs[1] == {"uuid": o["uuid"], "status": "completed", "amount_usdt": 15.26,
                      "amount_local": 1450.0, "currency": "RUB", "merchant_commission": -36.25,
                      "merchant_order_id": "m-flow"}, cbs
    assert len(cbs) == 2
    # the trader: 1450.00 taken from the available deposit late, 14.50 earned
    assert balances(kassad, tr) == ("98564.50", "0.00", "14.50")
    # the shop: 1450.00 less 2.5 % (36.25)
    st, b = kassad.admin("GET", f"/admin/v1/shops/{shop['id']}/balances")
    assert (st, b) == (200, {"RUB": {"available": "1413.75", "held": "0.00"}})
    assert platform(kassad) == {"platform_custody": "-100000.00", "platform_fees": "36.25",
                                "platform_exchange": "-14.50"}
    assert admin_get(kassad, "/admin/v1/ledger/verify")["ok"] is True
