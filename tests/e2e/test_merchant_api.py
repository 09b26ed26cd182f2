"""The merchant API, /merchant/v1/...: a merchant user signed in to the
console sees and changes only its merchant's shops and what belongs to
them (another merchant's shop, order, withdrawal or callback answers 404
exactly as a missing one), requests withdrawals under the core's balance
rule, rotates credentials with an overlap, resends callbacks and makes test
payments that never move a balance. SQLite and (KASSA_TEST_DB=postgres)
PostgreSQL."""
import json

from kassa_client import create_shop, send_raw
from test_console_session import PASSWORD, session
from test_callbacks import complete, receivers, wait_until  # noqa: F401 (fixture)


class Merchant:
    """A merchant user's console session: its cookie, and the CSRF header on
    every change (test_console_session.py's sign-in)."""

    def __init__(self, server, session):
        self.server = server
        self.session = session

    def call(self, method, path, body=None, csrf=True):
        return self.session.call(method, "/merchant/v1" + path, body, csrf)

    def get(self, path):
        return self.call("GET", path)

    def post(self, path, body=None, csrf=True):
        return self.call("POST", path, body if body is not None else {}, csrf)


_logins = iter(range(1, 1000000))


def sign_in(server, shop):
    """A new user of the shop's merchant (POST /admin/v1/merchants/{id}/users)
    signed in through POST /console/api/session."""
    login = f"merchant-user-{next(_logins)}"
    st, u = server.admin("POST", f"/admin/v1/merchants/{shop['merchant_id']}/users",
                         {"name": "Mila", "login": login, "password": PASSWORD})
    assert st == 201, u
    assert (u["merchant_id"], u["login"]) == (shop["merchant_id"], login)
    s, me = session(server, login)
    assert (me["kind"], me["id"], me["merchant_id"]) == ("merchant", u["id"], shop["merchant_id"])
    return Merchant(server, s)


def panda_order(server, shop, amount, moid):
    r = server.panda(shop).create_order(amount=amount, merchant_order_id=moid)
    assert r.status in (200, 201), r
    return r.json


def balances(m, shop_id):
    st, shop = m.get(f"/shops/{shop_id}")
    assert st == 200, shop
    return shop["balances"]


def two_merchants(server, **fields):
    a = create_shop(server, **fields)
    b = create_shop(server, requisite=False, name="Other shop")
    assert a["merchant_id"] != b["merchant_id"]
    return a, b


# ---- what a merchant sees ----

def test_orders_only_its_own_with_the_admin_filters(kassad):
    a, b = two_merchants(kassad)
    a2 = create_shop(kassad, requisite=False, name="Second shop", merchant_id=a["merchant_id"])
    o1 = panda_order(kassad, a, "100.00", "a-1")
    o2 = panda_order(kassad, a2, "200.00", "a-2")
    ob = panda_order(kassad, b, "300.00", "b-1")
    complete(kassad, o1["uuid"])
    m = sign_in(kassad, a)

    st, page = m.get("/orders")
    assert st == 200, page
    assert [(o["uuid"], o["shop_id"], o["merchant_order_id"], o["status"], o["amount"],
             o["currency"], o["fee"], o["test"]) for o in page["items"]] == [
        (o2["uuid"], a2["id"], "a-2", "pending", "200.00", "RUB", "5.00", False),
        (o1["uuid"], a["id"], "a-1", "completed", "100.00", "RUB", "2.50", False)]
    assert page["next_cursor"] is None
    assert "requisite" not in page["items"][0] and "trader_id" not in page["items"][0]

    st, page = m.get("/orders?limit=1")
    assert [o["uuid"] for o in page["items"]] == [o2["uuid"]] and page["next_cursor"]
    st, page = m.get(f"/orders?limit=1&cursor={page['next_cursor']}")
    assert ([o["uuid"] for o in page["items"]], page["next_cursor"]) == ([o1["uuid"]], None)
    st, page = m.get("/orders?status=completed")
    assert [o["uuid"] for o in page["items"]] == [o1["uuid"]]
    st, page = m.get(f"/orders?shop_id={a2['id']}")
    assert [o["uuid"] for o in page["items"]] == [o2["uuid"]]
    # Another merchant's shop or the merchant itself named: nothing, never its orders.
    assert m.get(f"/orders?shop_id={b['id']}") == (200, {"items": [], "next_cursor": None})
    assert m.get(f"/orders?merchant_id={b['merchant_id']}") == (
        200, {"items": [], "next_cursor": None})
    assert m.get(f"/orders?q={ob['uuid']}") == (200, {"items": [], "next_cursor": None})
    assert m.get("/orders?colour=red") == (400, {
        "error": "unknown argument 'colour': orders are listed by status, shop_id, merchant_id, "
                 "dialect, from, to, requisite_id, trader_id, confirmed_by_customer, currency, amount_min, "
                 "amount_max, merchant_order_id, q (with limit, cursor, order)"})

    st, one = m.get(f"/orders/{o1['uuid']}")
    assert (st, one["id"], one["status"], one["amount"]) == (200, o1["id"], "completed", "100.00")
    assert m.get(f"/orders/{o1['id']}")[1] == one
    st, events = m.get(f"/orders/{o1['uuid']}/events")
    assert st == 200
    assert [(e["kind"], e["status"]) for e in events["items"]] == [
        ("order.completed", "completed")]

    assert m.get(f"/orders/{ob['uuid']}") == (404, {"error": "Order not found"})
    assert m.get(f"/orders/{ob['id']}") == (404, {"error": "Order not found"})
    assert m.get(f"/orders/{ob['uuid']}/events") == (404, {"error": "Order not found"})
    assert m.get("/orders/00000000-0000-7000-8000-000000000000") == (
        404, {"error": "Order not found"})

    st, shops = m.get("/shops")
    assert st == 200
    assert [(s["id"], s["name"]) for s in shops["items"]] == [
        (a2["id"], "Second shop"), (a["id"], "Test shop")]
    assert shops["items"][1]["balances"] == {"RUB": {"available": "97.50", "held": "0.00"}}
    assert shops["items"][0]["balances"] == {}
    assert m.get(f"/shops/{b['id']}") == (404, {"error": "Shop not found"})
    assert m.get("/shops/999999") == (404, {"error": "Shop not found"})


def test_another_merchants_records_are_not_found(kassad, receivers):
    rec = receivers()
    a, b = two_merchants(kassad, callback_url=rec.url())
    b2 = create_shop(kassad, requisite=False, merchant_id=b["merchant_id"], callback_url=rec.url())
    ob = panda_order(kassad, b2, "100.00", "b-1")
    complete(kassad, ob["uuid"])
    rec.wait(1)
    mb = sign_in(kassad, b)
    st, cbs = mb.get(f"/callbacks?order={ob['uuid']}")
    assert st == 200 and len(cbs["items"]) == 1, cbs
    cb_b = cbs["items"][0]["id"]
    st, w = mb.post("/withdrawals", {"shop_id": b2["id"], "amount": "10.00",
                                     "account": "4111111111111111"})
    assert st == 201, w

    m = sign_in(kassad, a)
    assert m.get(f"/callbacks/{cb_b}") == (404, {"error": "Callback not found"})
    assert m.post(f"/callbacks/{cb_b}/resend") == (404, {"error": "Callback not found"})
    assert m.get(f"/callbacks?order={ob['uuid']}") == (404, {"error": "Order not found"})
    assert m.get("/callbacks") == (200, {"items": [], "next_cursor": None})
    assert m.get(f"/withdrawals/{w['id']}") == (404, {"error": "Withdrawal not found"})
    assert m.get("/withdrawals") == (200, {"items": [], "next_cursor": None})
    assert m.post(f"/shops/{b['id']}/rotate", {"dialect": "panda"}) == (
        404, {"error": "Shop not found"})
    assert m.post(f"/shops/{b['id']}/test-payment", {"amount": "10.00"}) == (
        404, {"error": "Shop not found"})
    assert m.post("/withdrawals", {"shop_id": b2["id"], "amount": "1.00",
                                   "account": "x"}) == (404, {"error": "Shop not found"})
    # Nothing of it happened: one resend would be a second delivery.
    assert len(rec.requests) == 1
    st, wb = mb.get(f"/withdrawals/{w['id']}")
    assert (st, wb["status"], wb["amount"]) == (200, "pending", "10.00")


# ---- money ----

def test_withdrawal_holds_and_never_overdraws(kassad):
    a, b = two_merchants(kassad)
    o = panda_order(kassad, a, "1000.00", "w-1")
    complete(kassad, o["uuid"])
    m = sign_in(kassad, a)
    assert balances(m, a["id"]) == {"RUB": {"available": "975.00", "held": "0.00"}}

    st, w = m.post("/withdrawals", {"shop_id": a["id"], "amount": "300.00", "currency": "RUB",
                                    "account": "4111111111111111", "payment_id": "p-1"})
    assert st == 201, w
    assert (w["shop_id"], w["payment_id"], w["status"], w["amount"], w["currency"],
            w["account"]) == (a["id"], "p-1", "pending", "300.00", "RUB", "4111111111111111")
    assert balances(m, a["id"]) == {"RUB": {"available": "675.00", "held": "300.00"}}
    # The same payment_id and parameters: the same withdrawal, nothing held twice.
    st, again = m.post("/withdrawals", {"shop_id": a["id"], "amount": "300.00",
                                        "account": "4111111111111111", "payment_id": "p-1"})
    assert (st, again["id"]) == (200, w["id"])
    assert m.post("/withdrawals", {"shop_id": a["id"], "amount": "301.00",
                                   "account": "4111111111111111", "payment_id": "p-1"}) == (
        409, {"error": "payment_id: a withdrawal with other parameters has it"})
    assert m.post("/withdrawals", {"shop_id": a["id"], "amount": "675.01",
                                   "account": "4111111111111111"}) == (
        409, {"error": "insufficient funds: the available balance is less than 675.01 RUB"})
    assert m.post("/withdrawals", {"shop_id": a["id"], "amount": "-1",
                                   "account": "x"})[0] == 400
    assert m.post("/withdrawals", {"shop_id": a["id"], "amount": "1.00"}) == (
        400, {"error": "account: required, where to pay"})
    assert m.post("/withdrawals", {"shop_id": a["id"], "amount": "1.00", "account": "x",
                                   "fee": "0"}) == (
        400, {"error": "unknown field 'fee': a withdrawal takes shop_id, amount, currency, "
                       "account, payment_system and payment_id"})
    assert balances(m, a["id"]) == {"RUB": {"available": "675.00", "held": "300.00"}}

    st, rest = m.post("/withdrawals", {"shop_id": a["id"], "amount": "675.00",
                                       "account": "4111111111111111"})
    assert st == 201 and len(rest["payment_id"]) == 36, rest
    assert balances(m, a["id"]) == {"RUB": {"available": "0.00", "held": "975.00"}}
    st, page = m.get("/withdrawals")
    assert [(x["id"], x["status"]) for x in page["items"]] == [
        (rest["id"], "pending"), (w["id"], "pending")]
    st, done = kassad.admin("POST", f"/admin/v1/withdrawals/{w['id']}/complete")
    assert st == 200, done
    st, page = m.get("/withdrawals?status=completed")
    assert [(x["id"], x["status"]) for x in page["items"]] == [(w["id"], "completed")]
    assert balances(m, a["id"]) == {"RUB": {"available": "0.00", "held": "675.00"}}
    st, verify = kassad.admin("GET", "/admin/v1/ledger/verify")
    assert verify["ok"] is True, verify


# ---- credentials ----

def test_rotation_shows_the_secret_once_and_keeps_the_old_key(kassad):
    a, _ = two_merchants(kassad)
    m = sign_in(kassad, a)
    st, new = m.post(f"/shops/{a['id']}/rotate", {"dialect": "panda", "overlap_seconds": 3600})
    assert st == 200, new
    assert set(new) == {"shop_id", "dialect", "api_key", "secret", "old_valid_until"}
    assert new["api_key"] != a["panda"]["api_key"] and new["secret"] != a["panda"]["secret"]
    st, shop = m.get(f"/shops/{a['id']}")
    assert shop["credentials"]["panda"]["api_key"] == new["api_key"]
    assert shop["credentials"]["panda"]["old_valid_until"] == new["old_valid_until"]
    assert new["secret"] not in json.dumps(shop)
    # The old pair works during the overlap, the new one at once.
    assert kassad.panda(a).create_order(amount="100.00", merchant_order_id="old").status == 200
    fresh = dict(a, panda={"api_key": new["api_key"], "secret": new["secret"]})
    assert kassad.panda(fresh).create_order(amount="101.00", merchant_order_id="new").status == 200
    assert m.post(f"/shops/{a['id']}/rotate", {"dialect": "nope"}) == (
        400, {"error": "dialect: unknown dialect 'nope'"})
    assert m.post(f"/shops/{a['id']}/rotate", {"overlap_seconds": 1}) == (
        400, {"error": "dialect: required (e.g. panda or tegro)"})
    # After the overlap (the console's idle session is over too) the old key is refused.
    kassad.advance_clock(3601)
    r = kassad.panda(a).create_order(amount="102.00", merchant_order_id="old-2")
    assert (r.status, r.json) == (401, {"error": "invalid API key"})
    assert kassad.panda(fresh).create_order(amount="103.00", merchant_order_id="new-2").status == 200


# ---- callbacks ----

def test_resend_delivers_once_more(kassad, receivers):
    rec = receivers()
    a, _ = two_merchants(kassad, callback_url=rec.url())
    o = panda_order(kassad, a, "100.00", "cb-1")
    complete(kassad, o["uuid"])
    rec.wait(1)
    m = sign_in(kassad, a)
    st, cbs = m.get(f"/callbacks?order={o['uuid']}")
    assert st == 200
    assert [(c["order_id"], c["event"], c["receiver"]) for c in cbs["items"]] == [
        (o["id"], "order.completed", "panda")]
    cb = cbs["items"][0]
    wait_until(lambda: m.get(f"/callbacks/{cb['id']}")[1]["state"] == "delivered")
    assert m.get("/callbacks?state=delivered")[1]["items"][0]["id"] == cb["id"]
    assert m.get("/callbacks?state=failed") == (200, {"items": [], "next_cursor": None})
    st, again = m.post(f"/callbacks/{cb['id']}/resend")
    assert st == 200, again
    got = rec.wait(2)
    assert len(got) == 2 and got[0]["body"] == got[1]["body"]
    one = wait_until(lambda: (lambda c: c if len(c["attempts"]) == 2 else None)(
        m.get(f"/callbacks/{cb['id']}")[1]))
    assert [x["http_status"] for x in one["attempts"]] == [200, 200]


# ---- the test payment ----

def test_test_payment_walks_the_sandbox_and_moves_no_money(kassad, receivers):
    rec = receivers()
    a, _ = two_merchants(kassad, callback_url=rec.url())
    o = panda_order(kassad, a, "1000.00", "real")
    complete(kassad, o["uuid"])
    m = sign_in(kassad, a)
    before = balances(m, a["id"])
    assert before == {"RUB": {"available": "975.00", "held": "0.00"}}

    st, tp = m.post(f"/shops/{a['id']}/test-payment", {"amount": "250.00"})
    assert st == 201, tp
    t = tp["order"]
    assert (t["shop_id"], t["status"], t["amount"], t["currency"], t["test"], t["origin"]) == (
        a["id"], "pending", "250.00", "RUB", True, "panda")
    assert tp["pay_url"].startswith(kassad.base_url + f"/pay/complete/{t['id']}/")
    page = send_raw(kassad.base_url, "GET", tp["pay_url"][len(kassad.base_url):])
    assert page.status == 200 and b"sandbox" in page.body
    pay = send_raw(kassad.base_url, "POST", tp["pay_url"][len(kassad.base_url):] + "pay")
    assert pay.status == 303, pay
    st, done = m.get(f"/orders/{t['uuid']}")
    assert (done["status"], done["test"]) == ("completed", True)
    assert balances(m, a["id"]) == before
    got = rec.wait(2)
    assert json.loads(got[1]["body"])["uuid"] == t["uuid"]
    st, verify = kassad.admin("GET", "/admin/v1/ledger/verify")
    assert verify["ok"] is True, verify
    assert m.post(f"/shops/{a['id']}/test-payment", {}) == (
        400, {"error": "amount: required, e.g. \"100.00\""})
    assert m.post(f"/shops/{a['id']}/test-payment", {"amount": "1.00", "currency": "XXX"}) == (
        400, {"error": "currency: unknown currency 'XXX'"})


# ---- sign-in and CSRF ----

def test_session_and_csrf(kassad):
    a, _ = two_merchants(kassad)
    m = sign_in(kassad, a)
    st, body = m.post(f"/shops/{a['id']}/rotate", {"dialect": "panda"}, csrf=False)
    assert (st, body) == (403, {"error": "missing or wrong CSRF token"})
    st, shop = m.get(f"/shops/{a['id']}")
    assert shop["credentials"]["panda"]["api_key"] == a["panda"]["api_key"]  # nothing rotated
    r = send_raw(kassad.base_url, "GET", "/merchant/v1/orders")
    assert (r.status, r.json) == (401, {"error": "not signed in"})
    r = send_raw(kassad.base_url, "GET", "/merchant/v1/orders",
                 headers=[("Authorization", f"Bearer {kassad.admin_token}")])
    assert (r.status, r.json) == (401, {"error": "not signed in"})
    # An operator's session is no merchant user's: answered as none.
    st, op = kassad.admin("POST", "/admin/v1/operators", {"name": "Olga", "role": "owner",
                                                           "login": "olga", "password": PASSWORD})
    assert st == 201, op
    s, _ = session(kassad, "olga")
    assert s.call("GET", "/merchant/v1/orders") == (401, {"error": "not signed in"})
    # Signed out: the cookie is refused.
    assert m.session.call("DELETE", "/console/api/session")[0] == 204
    assert m.get("/orders") == (401, {"error": "not signed in"})


# ---- the console's merchant views (Chromium) ----

def test_console_merchant_views_in_chromium(kassad):
    import os
    import shutil
    import subprocess
    import pytest
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    browser = os.path.join(root, "tests", "browser")
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not (shutil.which("node") and os.path.exists(chromium) and
            os.path.isdir(os.path.join(browser, "node_modules", "playwright-core"))):
        pytest.skip("node, chromium or playwright-core (tests/browser/setup.sh) missing")
    a, _ = two_merchants(kassad)
    complete(kassad, panda_order(kassad, a, "1000.00", "real")["uuid"])
    login = "mila-browser"
    st, u = kassad.admin("POST", f"/admin/v1/merchants/{a['merchant_id']}/users",
                         {"name": "Mila", "login": login, "password": PASSWORD})
    assert st == 201, u
    r = subprocess.run(["node", os.path.join(browser, "merchant.mjs")], cwd=browser,
                       env=dict(os.environ, KASSA_BASE=kassad.base_url, LOGIN=login,
                                PASSWORD=PASSWORD),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    seen = json.loads(r.stdout.strip().splitlines()[-1])
    for width in (375, 1280):
        assert "975.00 RUB" in seen[f"shop_{width}"], seen
        assert seen[f"overflow_shops_{width}"] is False
    assert "100.00 RUB" in seen["withdrawals"] and "pending" in seen["withdrawals"], seen
    assert seen["overflow_withdrawals"] is False
    assert "250.00 RUB" in seen["orders"] and "completed" in seen["orders"], seen
    # After the test payment and the withdrawal: 975.00 - 100.00 available, 100.00 held.
    m = sign_in(kassad, a)
    assert balances(m, a["id"]) == {"RUB": {"available": "875.00", "held": "100.00"}}
    st, page = m.get("/orders?status=completed")
    assert [(o["amount"], o["test"]) for o in page["items"]] == [
        ("250.00", True), ("1000.00", False)]
