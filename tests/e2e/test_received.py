"""Amounts actually received and reversals (issue 21, spec p2p.md "Amount
actually received" and "Reversal"), on the operator's own requisite pool.

Completing may name the amount actually received A': the order keeps its
amount and gains amount_received; its fee becomes the order's own rate
applied to A' (fee * A' / amount, half-up) and amount_usdt that of A'; the
ledger moves A'; the panda callback carries A' as amount_local, the tegro
notification as amount. The operator may reverse a completed order: the
completion's postings undone (the fee back, or kept with
--reversal-keeps-fee), the merchant's available balance may go below zero
(a debt: withdrawals refused until covered), panda's callback says
"canceled". Every figure below is computed by hand.
"""
import hashlib
import json
import subprocess
import time
import urllib.parse

import pytest

from kassa_client import create_shop
from tegro_client import tegro_for
from test_callbacks import Receiver, wait_state, callbacks_of, settle


@pytest.fixture
def rec():
    r = Receiver()
    yield r
    r.close()


def balances(server, shop_id):
    st, body = server.admin("GET", f"/admin/v1/shops/{shop_id}/balances")
    assert st == 200, body
    return body["RUB"]


def platform(server):
    st, body = server.admin("GET", "/admin/v1/ledger/accounts?shop_id=0&currency=RUB")
    assert st == 200, body
    return {x["kind"]: x["balance"] for x in body["items"]}


def verify_ok(server):
    st, report = server.admin("GET", "/admin/v1/ledger/verify")
    assert st == 200 and report["ok"] is True, report


def figures(server, shop_id):
    """(available, held, platform fees, provider clearing) in RUB, as text."""
    b = balances(server, shop_id)
    p = platform(server)
    verify_ok(server)
    return (b["available"], b["held"], p.get("platform_fees", "0.00"),
            p.get("provider_clearing", "0.00"))


def set_rate(server):
    st, body = server.admin("PUT", "/admin/v1/rates/USDT-RUB", {"rate": "95.00"})
    assert st == 200, body


def complete(server, ref, body=None, raw=None):
    return server.admin("POST", f"/admin/v1/orders/{ref}/complete", body, raw=raw)


def reverse(server, ref):
    return server.admin("POST", f"/admin/v1/orders/{ref}/reverse")


def panda_bodies(rec, n):
    return [json.loads(q["body"]) for q in rec.wait(n)]


# ---- panda: amount received, then reversed (the fee goes back) ----------

def test_panda_received_less_then_reversed(kassad, rec):
    set_rate(kassad)
    shop = create_shop(kassad, callback_url=rec.url())
    r = kassad.panda(shop).create_order(amount="1000.00", merchant_order_id="m-950")
    assert r.status == 200, r.body
    assert r.json["merchant_commission"] == "25.00"      # 2.5 % of 1000.00
    ref = r.json["uuid"]

    st, o = complete(kassad, ref, {"amount_received": "950.00"})
    assert st == 200, o
    assert (o["status"], o["amount"], o["amount_received"], o["fee"]) == (
        "completed", "1000.00", "950.00", "23.75")     # 25.00 * 950 / 1000
    assert o["reversed_at"] is None and o["paid_at"] is not None
    # merchant +926.25, fees +23.75, clearing -950.00
    assert figures(kassad, shop["id"]) == ("926.25", "0.00", "23.75", "-950.00")

    got = rec.wait(1)[0]
    assert got["body"] == (
        b'{"uuid":"' + ref.encode() + b'","status":"completed","amount_usdt":10.00,'
        b'"amount_local":950.00,"currency":"RUB","merchant_commission":-23.75,'
        b'"merchant_order_id":"m-950"}')                # 950.00 / 95.00 = 10.00 USDT
    assert wait_state(kassad, ref, "delivered", 1)["event"] == "order.completed"
    # the merchant's own view: the order's fee is that of the amount received
    view = kassad.panda(shop).get_order(ref)
    assert view.json["status"] == "completed"
    assert view.json["merchant_commission"] == "23.75"

    st, o = reverse(kassad, ref)
    assert st == 200, o
    assert o["status"] == "reversed" and o["reversed_at"] is not None
    assert (o["amount"], o["amount_received"], o["fee"]) == ("1000.00", "950.00", "23.75")
    assert figures(kassad, shop["id"]) == ("0.00", "0.00", "0.00", "0.00")
    bodies = panda_bodies(rec, 2)
    assert bodies[1] == {"uuid": ref, "status": "canceled", "amount_usdt": 10.0,
                         "amount_local": 950.0, "currency": "RUB",
                         "merchant_commission": -23.75, "merchant_order_id": "m-950"}
    view = kassad.panda(shop).get_order(ref)
    assert view.json["status"] == "canceled"
    st, shown = kassad.admin("GET", f"/admin/v1/orders/{ref}")
    assert st == 200 and shown == o
    st, listed = kassad.admin("GET", "/admin/v1/orders?status=reversed")
    assert st == 200 and [x["uuid"] for x in listed["items"]] == [ref]

    # twice: refused, nothing moves
    st, body = reverse(kassad, ref)
    assert (st, body) == (409, {"error": f"order {o['id']} is reversed: it cannot become "
                                         "reversed"})
    st, body = complete(kassad, ref)
    assert (st, body) == (409, {"error": f"order {o['id']} is reversed: it cannot become "
                                         "completed"})
    assert figures(kassad, shop["id"]) == ("0.00", "0.00", "0.00", "0.00")
    settle()
    assert len(rec.requests) == 2


def test_reverse_a_pending_or_unknown_order(kassad, shop):
    r = kassad.panda(shop).create_order(amount="100.00")
    st, body = reverse(kassad, r.json["uuid"])
    st2, o = kassad.admin("GET", f"/admin/v1/orders/{r.json['uuid']}")
    assert (st, body) == (409, {"error": f"order {o['id']} is pending: it cannot become "
                                         "reversed"})
    assert o["status"] == "pending" and o["reversed_at"] is None
    st, body = kassad.admin("POST", f"/admin/v1/orders/{r.json['uuid']}/fail")
    assert st == 200
    st, body = reverse(kassad, r.json["uuid"])
    assert (st, body) == (409, {"error": f"order {o['id']} is failed: it cannot become "
                                         "reversed"})
    assert reverse(kassad, "999999") == (404, {"error": "Order not found"})
    assert kassad.count_rows("ledger_tx") == 0


def test_complete_without_a_body_is_as_before(kassad, rec):
    shop = create_shop(kassad, callback_url=rec.url())
    r = kassad.panda(shop).create_order(amount="1001.47")
    for body, raw in ((None, None), ({}, None), ({"amount_received": None}, None)):
        o = kassad.panda(shop).create_order(amount="1000.47").json
        st, done = complete(kassad, o["uuid"], body, raw)
        assert st == 200, done
        assert (done["amount_received"], done["fee"]) == (None, "25.01")
    assert figures(kassad, shop["id"]) == ("2926.38", "0.00", "75.03", "-3001.41")
    assert r.status == 200


# ---- tegro, a debt, withdrawals, --reversal-keeps-fee --------------------

def withdraw(t, amount, payment_id):
    return t.call("createWithdrawal", {"currency": "RUB", "account": "2200000000000004",
                                       "amount": amount, "payment_id": payment_id,
                                       "payment_system": 36}, nonce=time.time_ns())


def test_tegro_debt_blocks_withdrawals_fee_kept(kassad_factory, rec):
    k = kassad_factory(extra_args=["--reversal-keeps-fee"])
    shop = create_shop(k, callback_url=rec.url("/shop"))
    t = tegro_for(k, shop)
    a = t.create_order(order_id="t-a", amount="1000.00").json["data"]["id"]
    st, o = complete(k, a)
    assert st == 200 and o["amount_received"] is None and o["fee"] == "25.00", o
    w = t.ok("createWithdrawal", {"currency": "RUB", "account": "2200000000000004",
                                  "amount": "900.00", "payment_id": "w-1", "payment_system": 36})
    assert figures(k, shop["id"]) == ("75.00", "900.00", "25.00", "-1000.00")

    st, o = reverse(k, a)
    assert st == 200 and o["status"] == "reversed", o
    # the fee kept: the merchant is debited all 1000.00; a debt of 925.00
    assert figures(k, shop["id"]) == ("-925.00", "900.00", "25.00", "0.00")
    assert t.ok("balance")["balance"]["RUB"] == "-925.00"
    assert t.ok("order", {"order_id": a})["status"] == 3
    # the withdrawal in flight is still paid out; no new one while in debt
    assert k.admin("POST", f"/admin/v1/withdrawals/{w['id']}/complete")[0] == 200
    r = withdraw(t, "1.00", "w-2")
    assert r.json == {"type": "error", "desc": "Insufficient funds"}, r.body

    b = t.create_order(order_id="t-b", amount="1000.00").json["data"]["id"]
    st, o = complete(k, b, {"amount_received": 1200})   # a JSON number; paid more
    assert st == 200, o
    assert (o["amount"], o["amount_received"], o["fee"]) == ("1000.00", "1200.00", "30.00")
    # -925.00 + (1200.00 - 30.00) = 245.00
    assert figures(k, shop["id"]) == ("245.00", "0.00", "55.00", "-1200.00")
    r = withdraw(t, "245.01", "w-3")
    assert r.json == {"type": "error", "desc": "Insufficient funds"}, r.body
    assert t.ok("createWithdrawal", {"currency": "RUB", "account": "2200000000000004",
                                     "amount": "245.00", "payment_id": "w-4",
                                     "payment_system": 36})["status"] == 0
    assert figures(k, shop["id"]) == ("0.00", "245.00", "55.00", "-1200.00")

    # the notifications: A's for 1000.00, B's for the amount received; the
    # reversal sends none (tegro's notification says "paid", nothing else)
    got = rec.wait(2)
    fields = [dict(urllib.parse.parse_qsl(q["body"].decode())) for q in got]
    assert [(f["order_id"], f["amount"]) for f in fields] == [("t-a", "1000.00"),
                                                              ("t-b", "1200.00")]
    for f in fields:
        sign = f.pop("sign")
        q = urllib.parse.urlencode(sorted(f.items()))
        assert sign == hashlib.md5((q + shop["tegro"]["secret"]).encode()).hexdigest()
    settle()
    assert len(rec.requests) == 2
    assert [c["event"] for c in callbacks_of(k, a)] == ["order.completed"]


# ---- refusals: 400, nothing stored ---------------------------------------

@pytest.mark.parametrize("body, raw, message", [
    ({"amount_received": "0"}, None,
     "amount_received: expected a positive amount in RUB, e.g. 950.00"),
    ({"amount_received": "0.001"}, None,
     "amount_received: expected a positive amount in RUB, e.g. 950.00"),
    ({"amount_received": "-5.00"}, None,
     "amount_received: expected a positive amount in RUB, e.g. 950.00"),
    ({"amount_received": "1e3"}, None,
     "amount_received: expected a positive amount in RUB, e.g. 950.00"),
    ({"amount_received": ""}, None,
     "amount_received: expected a positive amount in RUB, e.g. 950.00"),
    ({"amount_received": "99999999999999999999"}, None,
     "amount_received: expected a positive amount in RUB, e.g. 950.00"),
    ({"amount_received": "1000000.01"}, None, "amount_received: at most 1000000.00 RUB"),
    ({"amount_received": True}, None,
     "amount_received: must be a decimal number or a string holding one"),
    ({"amount_received": ["950"]}, None,
     "amount_received: must be a decimal number or a string holding one"),
    ({"amount": "950.00"}, None, "unknown field 'amount': a completion takes amount_received"),
    (None, b"[1]", "request body must be a JSON object"),
])
def test_amount_received_refusals(kassad, shop, body, raw, message):
    ref = kassad.panda(shop).create_order(amount="1000.00").json["uuid"]
    st, answer = complete(kassad, ref, body, raw)
    assert (st, answer) == (400, {"error": message})
    st, o = kassad.admin("GET", f"/admin/v1/orders/{ref}")
    assert (o["status"], o["amount_received"], o["fee"]) == ("pending", None, "25.00")
    assert kassad.count_rows("ledger_tx") == 0
    assert kassad.count_rows("events") == 0


def test_amount_received_rounds_and_bounds(kassad, shop):
    # more places than RUB has: rounded half-up, as every amount (DESIGN.md)
    ref = kassad.panda(shop).create_order(amount="1000.00").json["uuid"]
    st, o = complete(kassad, ref, {"amount_received": "950.005"})
    assert st == 200 and (o["amount_received"], o["fee"]) == ("950.01", "23.75"), o
    # the largest order is the largest amount received
    ref = kassad.panda(shop).create_order(amount="1.00").json["uuid"]
    st, o = complete(kassad, ref, {"amount_received": "1000000.00"})
    # 2.5 % of 1.00 is 0.03 (half-up); scaled: 0.03 * 1000000.00 / 1.00
    assert st == 200 and (o["amount_received"], o["fee"]) == ("1000000.00", "30000.00"), o
    verify_ok(kassad)
    st, body = kassad.admin("POST", "/admin/v1/orders/x/complete", raw=b"{")
    assert st == 404  # the order is looked up first


# ---- roles, audit, CLI ---------------------------------------------------

def test_reverse_is_finances_and_audited(kassad, shop):
    from test_operators import as_role
    ref = kassad.panda(shop).create_order(amount="100.00").json["uuid"]
    _, support = as_role(kassad, "support")
    _, finance = as_role(kassad, "finance")
    st, o = kassad.admin("POST", f"/admin/v1/orders/{ref}/complete",
                         {"amount_received": "80.00"}, token=support)
    assert st == 200 and o["amount_received"] == "80.00", o
    st, body = kassad.admin("POST", f"/admin/v1/orders/{ref}/reverse", token=support)
    assert (st, body) == (403, {"error": "the support role may not do order.reverse"})
    st, o = kassad.admin("POST", f"/admin/v1/orders/{ref}/reverse", token=finance)
    assert st == 200 and o["status"] == "reversed", o
    st, lines = kassad.admin("GET", "/admin/v1/audit?kind=order")
    got = {x["action"]: x for x in lines["items"]}
    done, back = got["order.complete"], got["order.reverse"]
    assert (done["before"]["amount_received"], done["after"]["amount_received"]) == (0, 8000)
    assert (done["before"]["fee"], done["after"]["fee"]) == (250, 200)
    assert (back["before"]["status"], back["after"]["status"]) == ("completed", "reversed")
    assert back["before"]["reversed_at"] == 0 and back["after"]["reversed_at"] > 0
    assert back["target"] == str(o["id"])


def test_cli_complete_with_amount_and_reverse(kassad, shop):
    import os
    from test_cli import cli_path
    cli = cli_path()
    env = dict(os.environ, KASSA_SERVER=kassad.base_url, KASSA_ADMIN_TOKEN=kassad.admin_token)
    ref = kassad.panda(shop).create_order(amount="500.00").json["uuid"]
    r = subprocess.run([cli, "order", "complete", ref, "--amount-received", "400.00"],
                       env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    o = json.loads(r.stdout)
    assert (o["status"], o["amount_received"], o["fee"]) == ("completed", "400.00", "10.00")
    r = subprocess.run([cli, "order", "reverse", ref], env=env, capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["status"] == "reversed"
    r = subprocess.run([cli, "order", "reverse", ref], env=env, capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 1
    assert r.stderr.strip() == (f"kassa: HTTP 409 Conflict: order {o['id']} is reversed: it "
                                "cannot become reversed")
    r = subprocess.run([cli, "order", "complete", ref, "--amount-received", "0"], env=env,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert r.stderr.strip() == ("kassa: HTTP 400 Bad Request: amount_received: expected a "
                                "positive amount in RUB, e.g. 950.00")
    verify_ok(kassad)
