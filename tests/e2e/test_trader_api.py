"""The trader API, /trader/v1/... (docs/p2p.md "The trader API"): signed like
panda (X-API-Key, X-Timestamp, X-Signature = HMAC-SHA256(secret, timestamp +
body)) with the trader's own credentials; a suspended trader is refused
(403); every change's signature is taken once. A trader sees and acts on
its own requisites, orders and postings only: another trader's order
answers 404 exactly as a missing one. Completing an order ("received")
sends the merchant's callback as an operator's completion does.
SQLite and (KASSA_TEST_DB=postgres) PostgreSQL. Every figure is by hand."""
import hashlib
import hmac
import json
import time

import pytest

from kassa_client import SBP_REQUISITE, compact, create_shop, urllib_request
from test_callbacks import Receiver, panda_check, wait_state

REPLAYED = ("signature already used for another request: sign this one with its own "
            "X-Timestamp (or use X-Signature-Mode: strict)")


class Trader:
    """A client of the trader API with a trader's credentials, on the
    server's clock. Each change is signed with a second of its own (a
    body-less plain signature covers the timestamp alone, and every
    change's signature is taken once)."""

    def __init__(self, server, creds):
        self.server = server
        self.id = creds["id"]
        self.api_key = creds["api_key"]
        self.secret = creds["secret"]
        self.last_change = 0

    def sign(self, ts, body):
        return hmac.new(self.secret.encode(), str(ts).encode() + body,
                        hashlib.sha256).hexdigest()

    def headers(self, body, ts, api_key=None, signature=None):
        h = {"X-API-Key": self.api_key if api_key is None else api_key,
             "X-Timestamp": str(ts),
             "X-Signature": signature if signature is not None else self.sign(ts, body)}
        if body:
            h["Content-Type"] = "application/json"
        return h

    def change_ts(self):
        self.last_change = max(self.server.now() + 1, self.last_change + 1)
        return self.last_change

    def call(self, method, path, body=None, ts=None, **kw):
        raw = b"" if body is None else (body if isinstance(body, bytes)
                                        else compact(body).encode())
        if ts is None:
            ts = self.server.now() if method == "GET" else self.change_ts()
        r = urllib_request(self.server.url(path), method, raw or None,
                           self.headers(raw, ts, **kw))
        return r

    def get(self, path, **kw):
        r = self.call("GET", path, **kw)
        return r.status, r.json

    def post(self, path, body=None, **kw):
        r = self.call("POST", path, body, **kw)
        return r.status, r.json


# ---- helpers --------------------------------------------------------------

def new_trader(server, name="Ivan", verified_name="Иван Иванов", deposit=None):
    st, t = server.admin("POST", "/admin/v1/traders",
                         {"name": name, "verified_name": verified_name, "reward_bps": 150})
    assert st == 201, t
    if deposit is not None:
        st, body = server.admin("POST", f"/admin/v1/traders/{t['id']}/deposits",
                                {"amount": deposit})
        assert st == 201, body
    return Trader(server, t)


def add_requisite(trader, **fields):
    body = dict(SBP_REQUISITE)
    body["owner_full_name"] = trader_names(trader)["verified_name"]
    body.update(fields)
    st, r = trader.post("/trader/v1/requisites", body)
    assert st == 201, r
    return r


def trader_names(trader):
    st, t = trader.server.admin("GET", f"/admin/v1/traders/{trader.id}")
    assert st == 200, t
    return t


def verify_ok(server):
    st, report = server.admin("GET", "/admin/v1/ledger/verify")
    assert st == 200 and report["ok"] is True, report


def new_order(server, shop, amount="1000.00"):
    r = server.panda(shop).create_order(amount=amount)
    assert r.status == 200 and r.json["status"] == "pending", r
    st, o = server.admin("GET", f"/admin/v1/orders/{r.json['uuid']}")
    assert st == 200, o
    return o


def set_rate(server):
    st, body = server.admin("PUT", "/admin/v1/rates/USDT-RUB", {"rate": "95.00"})
    assert st == 200, body


def online(trader):
    st, p = trader.post("/trader/v1/online", {"online": True})
    assert st == 200 and p["online"] is True, p


def money(trader):
    st, p = trader.get("/trader/v1/profile")
    assert st == 200, p
    b = p["balances"]
    return b["available"], b["reserved"], b["earned"]


def wait_status(server, uuid, status, timeout=10):
    """Wait until the sweeper moved the order (it runs at once after the
    clock moved, on its own thread)."""
    deadline = time.monotonic() + timeout
    while True:
        st, o = server.admin("GET", f"/admin/v1/orders/{uuid}")
        if st == 200 and o["status"] == status:
            return o
        assert time.monotonic() < deadline, o
        time.sleep(0.05)


def balances(server, shop_id):
    st, body = server.admin("GET", f"/admin/v1/shops/{shop_id}/balances")
    assert st == 200, body
    return body["RUB"]


@pytest.fixture
def rec():
    r = Receiver()
    yield r
    r.close()


# ---- the profile ----------------------------------------------------------

def test_profile_exact(kassad):
    t = new_trader(kassad, deposit="1000.50")
    st, p = t.get("/trader/v1/profile")
    assert st == 200, p
    created = p.pop("created_at")
    assert p == {"id": t.id, "name": "Ivan", "verified_name": "Иван Иванов", "reward_bps": 150,
                 "currency": "USDT", "active": True, "online": False,
                 "balances": {"available": "1000.500000", "reserved": "0.000000",
                              "earned": "0.000000"}}
    assert created == trader_names(t)["created_at"]
    st, me = t.get("/trader/v1/me")
    assert st == 200 and me == dict(p, created_at=created)
    assert kassad.wait_log(f"who=trader:{t.id}")
    verify_ok(kassad)


def test_online_switch(kassad):
    t = new_trader(kassad)
    st, p = t.post("/trader/v1/online", {"online": True})
    assert st == 200 and p["online"] is True, p
    assert trader_names(t)["online"] is True
    st, p = t.post("/trader/v1/me/online", {"online": False})
    assert st == 200 and p["online"] is False, p
    assert trader_names(t)["online"] is False
    for body, msg in [({}, "online: required, true or false"),
                      ({"online": "yes"}, "online: required, true or false"),
                      ({"online": None}, "online: must not be null"),
                      ({"online": True, "busy": 1}, "unknown field 'busy': it takes online"),
                      (b"[1]", "request body must be a JSON object")]:
        assert t.post("/trader/v1/online", body) == (400, {"error": msg}), body
    assert trader_names(t)["online"] is False
    verify_ok(kassad)


# ---- authentication -------------------------------------------------------

def test_signature_refusals(kassad, make_shop):
    t = new_trader(kassad)
    now = kassad.now()
    body = b'{"online":true}'

    def send(method, path, raw, headers):
        r = urllib_request(kassad.url(path), method, raw or None, headers)
        return r.status, r.json

    cases = [
        ({"X-Timestamp": str(now), "X-Signature": t.sign(now, b"")},
         "missing X-API-Key header"),
        (t.headers(b"", now, api_key="0" * 32), "invalid API key"),
        ({"X-API-Key": t.api_key, "X-Signature": t.sign(now, b"")},
         "missing or malformed X-Timestamp header"),
        (t.headers(b"", now, signature="0" * 64), "invalid signature"),
        (t.headers(b"", now - 301), "timestamp outside the allowed window of 300 seconds"),
        (t.headers(b"", now + 301), "timestamp outside the allowed window of 300 seconds"),
    ]
    for headers, msg in cases:
        assert send("GET", "/trader/v1/profile", b"", headers) == (401, {"error": msg}), msg
    # A signature over another body is not this body's.
    h = t.headers(b'{"online":false}', now)
    assert send("POST", "/trader/v1/online", body, h) == (401, {"error": "invalid signature"})
    # A shop's panda key is no trader's, and a trader's key no shop's.
    shop = make_shop(kassad)
    pk = shop["panda"]
    ts = kassad.now()
    sig = hmac.new(pk["secret"].encode(), str(ts).encode(), hashlib.sha256).hexdigest()
    assert send("GET", "/trader/v1/profile", b"",
                {"X-API-Key": pk["api_key"], "X-Timestamp": str(ts), "X-Signature": sig}) == (
        401, {"error": "invalid API key"})
    r = urllib_request(kassad.url("/v1/orders/00000000-0000-0000-0000-000000000000"), "GET",
                       None, t.headers(b"", ts))
    assert (r.status, r.json) == (401, {"error": "invalid API key"})
    assert trader_names(t)["online"] is False
    assert kassad.wait_log("trader authentication failed")


def test_replayed_signature_refused(kassad):
    t = new_trader(kassad)
    ts = t.change_ts()
    assert t.post("/trader/v1/online", {"online": True}, ts=ts)[0] == 200
    # the same request again, byte for byte
    assert t.post("/trader/v1/online", {"online": True}, ts=ts) == (401, {"error": REPLAYED})
    # a body-less GET's signature (the timestamp alone) used for a change
    ts = t.change_ts()
    assert t.get("/trader/v1/profile", ts=ts)[0] == 200
    st, body = t.post("/trader/v1/orders/00000000-0000-0000-0000-000000000000/not-received",
                      ts=ts)
    assert (st, body) == (401, {"error": REPLAYED})
    # strict signatures cover method and target: a GET's is no POST's
    ts = t.change_ts()
    strict = hmac.new(t.secret.encode(), f"{ts}\nPOST\n/trader/v1/online\n".encode() +
                      b'{"online":false}', hashlib.sha256).hexdigest()
    r = urllib_request(kassad.url("/trader/v1/online"), "POST", b'{"online":false}',
                       dict(t.headers(b"", ts, signature=strict), **{
                           "X-Signature-Mode": "strict", "Content-Type": "application/json"}))
    assert r.status == 200 and r.json["online"] is False, r
    r = urllib_request(kassad.url("/trader/v1/online"), "POST", b'{"online":false}',
                       dict(t.headers(b"", ts, signature=strict), **{
                           "X-Signature-Mode": "strict", "Content-Type": "application/json"}))
    assert (r.status, r.json) == (401, {"error": REPLAYED})
    assert kassad.count_rows("request_nonces") == 2
    verify_ok(kassad)


def test_suspended_trader_refused(kassad):
    t = new_trader(kassad)
    st, _ = kassad.admin("PATCH", f"/admin/v1/traders/{t.id}", {"status": "suspended"})
    assert st == 200
    msg = {"error": "this trader is suspended: ask the operator"}
    assert t.get("/trader/v1/profile") == (403, msg)
    assert t.post("/trader/v1/online", {"online": True}) == (403, msg)
    assert t.get("/trader/v1/orders") == (403, msg)
    assert trader_names(t)["online"] is False
    st, _ = kassad.admin("PATCH", f"/admin/v1/traders/{t.id}", {"status": "active"})
    assert st == 200 and t.get("/trader/v1/profile")[0] == 200


def test_failed_authentications_lock_the_trader_key(kassad_factory, make_shop):
    k = kassad_factory("guard", extra_args=["--auth-fail-limit", "3", "--auth-fail-window", "60"])
    t = new_trader(k)
    shop = make_shop(k)
    for _ in range(3):
        assert t.get("/trader/v1/profile", signature="0" * 64) == (
            401, {"error": "invalid signature"})
    r = t.call("GET", "/trader/v1/profile")
    assert r.status == 429, r
    assert r.json["error"].startswith("too many failed authentications; try again in ")
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    # a trader key is a kind of key apart: the panda API from the same
    # address is not locked
    r = k.panda(shop).get("/v1/orders/00000000-0000-0000-0000-000000000000")
    assert (r.status, r.json) == (404, {"error": "Order not found"})


# ---- requisites -----------------------------------------------------------

def test_requisites_own_only(kassad):
    a = new_trader(kassad)
    b = new_trader(kassad, name="Petr", verified_name="Пётр Петров")
    r = add_requisite(a)
    created = r.pop("created_at")
    assert r == {"id": r["id"], "type": "SBP", "requisite": SBP_REQUISITE["requisite"],
                 "owner_full_name": "Иван Иванов", "bank_code": SBP_REQUISITE["bank_code"],
                 "bank_name_ru": SBP_REQUISITE["bank_name_ru"],
                 "bank_name_en": SBP_REQUISITE["bank_name_en"], "currency": "RUB",
                 "country_code": "RUS", "bic": "", "corr_account": "", "active": True,
                 "paused": False, "min_amount": None, "max_amount": None, "daily_amount": None,
                 "daily_count": None, "max_pending": 1, "pending_orders": 0}
    rb = add_requisite(b, requisite="+79990000002")
    st, page = a.get("/trader/v1/requisites")
    assert st == 200 and page == {"items": [dict(r, created_at=created)], "next_cursor": None}
    st, page = b.get("/trader/v1/requisites?active=true")
    assert [x["id"] for x in page["items"]] == [rb["id"]]
    st, admin_view = kassad.admin("GET", "/admin/v1/requisites")
    assert {x["id"]: x["trader_id"] for x in admin_view["items"]} == {r["id"]: a.id,
                                                                       rb["id"]: b.id}
    cases = [
        (dict(SBP_REQUISITE, owner_full_name="Пётр Петров"),
         "owner_full_name: a trader's requisite must be in the trader's verified name "
         "'Иван Иванов'"),
        (dict(SBP_REQUISITE, owner_full_name="Иван Иванов", trader_id=b.id),
         "unknown field 'trader_id': a requisite takes type, requisite, owner_full_name, "
         "bank_code, bank_name_ru, bank_name_en, currency, country_code, min_amount, max_amount, "
         "daily_amount, daily_count, max_pending, paused, bic and corr_account"),
        (dict(SBP_REQUISITE, owner_full_name="Иван Иванов", max_pending=-1),
         "max_pending: expected a count, 0 or more (0 or null: no limit)"),
        (dict(SBP_REQUISITE, owner_full_name="Иван Иванов", type="pigeon"),
         "type: unknown requisite type 'pigeon'"),
        (dict(SBP_REQUISITE, owner_full_name="Иван Иванов", requisite=""),
         "requisite: required"),
    ]
    for body, msg in cases:
        assert a.post("/trader/v1/requisites", body) == (400, {"error": msg}), msg
    assert kassad.count_rows("requisites") == 2
    assert a.get("/trader/v1/requisites?active=maybe") == (
        400, {"error": "active: expected true or false"})
    assert a.get("/trader/v1/requisites?trader_id=2") == (
        400, {"error": "unknown argument 'trader_id': requisites are listed by type, currency "
                       "and active (with limit, cursor, order)"})


# ---- orders ---------------------------------------------------------------

def two_traders_with_orders(kassad, rec):
    """A shop with no pool requisite; traders a and b online with 100 USDT
    each and one SBP requisite each; two orders, one on each (of the
    trader online), each reserving its amount at 95.00 RUB a USDT."""
    set_rate(kassad)
    shop = create_shop(kassad, requisite=False, callback_url=rec.url())
    rec.check = panda_check(shop["panda"]["api_key"], shop["panda"]["secret"])
    a = new_trader(kassad, deposit="100.00")
    b = new_trader(kassad, name="Petr", verified_name="Пётр Петров", deposit="100.00")
    ra = add_requisite(a)
    rb = add_requisite(b, requisite="+79990000002")
    # only an online trader's requisite is picked: a's first, then b's
    online(a)
    oa = new_order(kassad, shop)
    assert a.post("/trader/v1/online", {"online": False})[0] == 200
    online(b)
    ob = new_order(kassad, shop, amount="500.00")
    online(a)
    assert (oa["requisite"]["id"], ob["requisite"]["id"]) == (ra["id"], rb["id"])
    return shop, a, b, oa, ob


def test_orders_listed_and_received(kassad, rec):
    shop, a, b, oa, ob = two_traders_with_orders(kassad, rec)
    st, page = a.get("/trader/v1/orders")
    assert st == 200 and page["next_cursor"] is None, page
    [item] = page["items"]
    assert item == {
        "uuid": oa["uuid"], "status": "pending", "amount": oa["amount"], "currency": "RUB",
        "amount_received": None,
        "requisite": {"id": oa["requisite"]["id"], "type": "SBP",
                      "requisite": SBP_REQUISITE["requisite"],
                      "bank_code": SBP_REQUISITE["bank_code"]},
        "confirmed_by_customer": False, "created_at": oa["created_at"],
        "expires_at": oa["expires_at"], "seconds_left": item["seconds_left"], "paid_at": None}
    assert 895 <= item["seconds_left"] <= 900
    assert [x["uuid"] for x in b.get("/trader/v1/orders")[1]["items"]] == [ob["uuid"]]
    # E = 1000.00 / 95.00 = 10.526316 and 500.00 / 95.00 = 5.263158 USDT reserved
    assert money(a) == ("89.473684", "10.526316", "0.000000")
    assert money(b) == ("94.736842", "5.263158", "0.000000")
    # another trader's order is no order at all
    nf = (404, {"error": "Order not found"})
    assert b.post(f"/trader/v1/orders/{oa['uuid']}/received") == nf
    assert b.post(f"/trader/v1/orders/{oa['uuid']}/not-received") == nf
    assert b.post("/trader/v1/orders/not-a-uuid/received") == nf
    # one order: the trader's own (the list's item), another's not found
    st, one = a.get(f"/trader/v1/orders/{oa['uuid']}")
    assert st == 200 and one == dict(item, seconds_left=one["seconds_left"]), one
    assert 895 <= one["seconds_left"] <= 900
    assert b.get(f"/trader/v1/orders/{oa['uuid']}") == nf
    assert b.get("/trader/v1/orders/not-a-uuid") == nf
    assert b.get("/trader/v1/orders/" + "a" * 80) == nf
    # received, with the amount that actually arrived
    st, done = a.post(f"/trader/v1/orders/{oa['uuid']}/received",
                      {"amount_received": "950.00"})
    assert st == 200, done
    assert (done["status"], done["amount"], done["amount_received"], done["seconds_left"]) == (
        "completed", "1000.00", "950.00", 0)
    assert done["paid_at"] is not None
    st, o = kassad.admin("GET", f"/admin/v1/orders/{oa['uuid']}")
    assert (o["status"], o["amount_received"], o["fee"]) == ("completed", "950.00", "23.75")
    cb = wait_state(kassad, oa["uuid"], "delivered")
    assert cb["attempts"][0]["http_status"] == 200
    got = json.loads(rec.wait(1)[0]["body"])
    assert (got["uuid"], got["status"], got["amount_local"], got["merchant_commission"]) == (
        oa["uuid"], "completed", 950.0, -23.75)
    # 950.00 - 2.5 % = 926.25 for the merchant; E' = 950.00 / 95.00 = 10 USDT
    # of a's deposit spent (the reserve 10.526316 and 0.526316 back), and the
    # reward 1.5 % of E' = 0.15 earned
    assert balances(kassad, shop["id"])["available"] == "926.25"
    assert money(a) == ("90.150000", "0.000000", "0.150000")
    assert kassad.count_rows("orders", "confirmed_by = 'trader'") == 1
    # once completed, neither again
    assert a.post(f"/trader/v1/orders/{oa['uuid']}/received") == (
        409, {"error": f"order {oa['uuid']} is completed: it cannot become completed"})
    assert a.post(f"/trader/v1/orders/{oa['uuid']}/not-received") == (
        409, {"error": f"order {oa['uuid']} is completed: it cannot become failed"})
    # b's order not received: failed, and the merchant hears of it
    st, failed = b.post(f"/trader/v1/orders/{ob['uuid']}/not-received")
    assert (st, failed["status"], failed["amount_received"]) == (200, "failed", None)
    wait_state(kassad, ob["uuid"], "delivered")
    assert json.loads(rec.wait(2)[1]["body"])["status"] == "failed"
    assert balances(kassad, shop["id"])["available"] == "926.25"
    assert money(b) == ("100.000000", "0.000000", "0.000000")  # the reserve released
    # the lists by status
    assert [x["uuid"] for x in a.get("/trader/v1/orders?status=completed")[1]["items"]] == [
        oa["uuid"]]
    assert a.get("/trader/v1/orders")[1]["items"] == []
    assert a.get(f"/trader/v1/orders/{oa['uuid']}") == (200, done)
    assert a.get("/trader/v1/orders?status=failed")[1]["items"] == []
    assert a.get("/trader/v1/orders?status=done") == (
        400, {"error": "status: expected pending, completed, failed, expired, canceled or "
                       "reversed"})
    verify_ok(kassad)


def test_received_refusals(kassad, rec):
    shop, a, b, oa, ob = two_traders_with_orders(kassad, rec)
    url = f"/trader/v1/orders/{oa['uuid']}/received"
    cases = [
        ({"amount_received": "0"}, "amount_received: expected a positive amount in RUB, "
                                   "e.g. 950.00"),
        ({"amount_received": "abc"}, "amount_received: expected a positive amount in RUB, "
                                     "e.g. 950.00"),
        ({"amount": "1"}, "unknown field 'amount': a completion takes amount_received"),
        ({"amount_received": "1000000.01"}, "amount_received: at most 1000000.00 RUB"),
    ]
    for body, msg in cases:
        assert a.post(url, body) == (400, {"error": msg}), body
    assert a.post(f"/trader/v1/orders/{oa['uuid']}/not-received", {"x": 1}) == (
        400, {"error": "not-received takes no body"})
    # the alias names of DESIGN.md: confirm and reject
    st, o = a.post(f"/trader/v1/orders/{oa['uuid']}/confirm")
    assert (st, o["status"], o["amount_received"]) == (200, "completed", None)
    # an expired order is the operator's to complete (a late payment)
    kassad.advance_clock(901)
    wait_status(kassad, ob["uuid"], "expired")
    assert b.post(f"/trader/v1/orders/{ob['uuid']}/reject") == (
        409, {"error": f"order {ob['uuid']} is expired: it cannot become failed"})
    assert b.post(f"/trader/v1/orders/{ob['uuid']}/received") == (
        409, {"error": f"order {ob['uuid']} is expired: it cannot become completed"})
    # 1000.00 - 25.00 for the merchant; a spent E = 10.526316 and earned
    # 1.5 % of it, 0.157895; b's reserve came back when its order expired
    assert balances(kassad, shop["id"])["available"] == "975.00"
    assert money(a) == ("89.631579", "0.000000", "0.157895")
    assert money(b) == ("100.000000", "0.000000", "0.000000")
    verify_ok(kassad)


def test_orders_pages(kassad, rec):
    set_rate(kassad)
    shop = create_shop(kassad, requisite=False, callback_url=rec.url())
    a = new_trader(kassad, deposit="100")
    assert add_requisite(a, max_pending=3)["max_pending"] == 3
    online(a)
    made = [new_order(kassad, shop, amount=f"{100 + i}.00")["uuid"] for i in range(3)]
    st, p1 = a.get("/trader/v1/orders?limit=2")
    assert st == 200 and [x["uuid"] for x in p1["items"]] == made[::-1][:2], p1
    st, p2 = a.get(f"/trader/v1/orders?limit=2&cursor={p1['next_cursor']}")
    assert [x["uuid"] for x in p2["items"]] == made[:1] and p2["next_cursor"] is None
    st, asc = a.get("/trader/v1/orders?order=asc")
    assert [x["uuid"] for x in asc["items"]] == made
    assert a.get("/trader/v1/orders?limit=0") == (
        400, {"error": "limit: expected an integer between 1 and 500"})
    assert a.get("/trader/v1/orders?shop_id=1") == (
        400, {"error": "unknown argument 'shop_id': orders are listed by status (with limit, "
                       "cursor, order)"})
    assert a.get("/trader/v1/nothing") == (404, {"error": "Not found"})
    assert a.post("/trader/v1/profile") == (404, {"error": "Not found"})


# ---- the ledger -----------------------------------------------------------

def test_ledger_own_postings_only(kassad):
    a = new_trader(kassad, deposit="250.00")
    b = new_trader(kassad, name="Petr", verified_name="Пётр Петров", deposit="70.00")
    st, body = kassad.admin("POST", f"/admin/v1/traders/{a.id}/withdrawals", {"amount": "50"})
    assert st == 201, body
    st, page = a.get("/trader/v1/ledger")
    assert st == 200 and page["next_cursor"] is None, page
    got = [(x["kind"], x["ref_type"], x["ref_id"], x["account_kind"], x["owner"], x["currency"],
            x["amount"]) for x in page["items"]]
    assert got == [
        ("trader.withdrawal", "trader", a.id, "trader_available", f"trader:{a.id}", "USDT",
         "-50.000000"),
        ("trader.deposit", "trader", a.id, "trader_available", f"trader:{a.id}", "USDT",
         "250.000000"),
    ]
    st, pb = b.get("/trader/v1/ledger")
    assert [(x["owner"], x["amount"]) for x in pb["items"]] == [(f"trader:{b.id}", "70.000000")]
    # naming another's account or transaction finds nothing
    other = pb["items"][0]
    assert a.get(f"/trader/v1/ledger?account={other['account']}")[1]["items"] == []
    assert a.get(f"/trader/v1/ledger?tx={other['tx']}")[1]["items"] == []
    st, one = a.get("/trader/v1/ledger?limit=1")
    assert len(one["items"]) == 1 and one["next_cursor"] is not None
    st, rest = a.get(f"/trader/v1/ledger?limit=1&cursor={one['next_cursor']}")
    assert rest["items"] == page["items"][1:] and rest["next_cursor"] is None
    verify_ok(kassad)


# ---- pause, resume, limits ------------------------------------------------

def test_pause_resume_and_limits(kassad, rec):
    set_rate(kassad)
    shop = create_shop(kassad, requisite=False, callback_url=rec.url())
    a = new_trader(kassad, deposit="100")
    b = new_trader(kassad, name="Petr", verified_name="Пётр Петров", deposit="100")
    r = add_requisite(a)
    online(a)
    online(b)
    rid = r["id"]
    st, paused = a.post(f"/trader/v1/requisites/{rid}/pause")
    assert (st, paused["paused"], paused["active"]) == (200, True, True), paused
    assert "pending_orders" not in paused
    # a paused requisite takes no order
    o = kassad.panda(shop).create_order(amount="300.00").json
    assert o["status"] == "traderNotFound", o
    st, resumed = a.post(f"/trader/v1/requisites/{rid}/resume")
    assert (st, resumed["paused"]) == (200, False)
    assert new_order(kassad, shop, amount="300.00")["requisite"]["id"] == rid
    # its limits: amounts in the requisite's currency, counts
    limited = a.call("PATCH", f"/trader/v1/requisites/{rid}", {
        "min_amount": "100", "max_amount": "5000.00", "daily_amount": 20000,
        "daily_count": 10, "max_pending": 2})
    assert limited.status == 200, limited
    assert {k: limited.json[k] for k in ("min_amount", "max_amount", "daily_amount",
                                         "daily_count", "max_pending", "paused")} == {
        "min_amount": "100.00", "max_amount": "5000.00", "daily_amount": "20000.00",
        "daily_count": 10, "max_pending": 2, "paused": False}
    st, page = a.get("/trader/v1/requisites")
    got = page["items"][0]
    assert (got["min_amount"], got["max_amount"], got["daily_amount"], got["daily_count"],
            got["max_pending"], got["pending_orders"]) == (
        "100.00", "5000.00", "20000.00", 10, 2, 1), got
    # below its min_amount: no requisite; within: taken (a second open one)
    assert kassad.panda(shop).create_order(amount="99.99").json["status"] == "traderNotFound"
    assert new_order(kassad, shop, amount="150.00")["requisite"]["id"] == rid
    # null or 0: no limit
    r2 = a.call("PATCH", f"/trader/v1/requisites/{rid}", {"min_amount": None, "daily_count": 0})
    assert r2.status == 200 and (r2.json["min_amount"], r2.json["daily_count"]) == (None, None)
    cases = [
        ({"min_amount": "6000"}, "min_amount: must not exceed max_amount"),
        ({"max_pending": -1}, "max_pending: expected a count, 0 or more (0 or null: no limit)"),
        ({"daily_amount": "abc"}, "daily_amount: expected an amount in RUB (0 or null: no limit)"),
        ({"paused": True}, "unknown field 'paused': a trader's requisite update takes min_amount, "
                           "max_amount, daily_amount, daily_count and max_pending (pause and "
                           "resume: POST .../pause, .../resume)"),
        ({"owner_full_name": "X"}, "unknown field 'owner_full_name': a trader's requisite update "
                                   "takes min_amount, max_amount, daily_amount, daily_count and "
                                   "max_pending (pause and resume: POST .../pause, .../resume)"),
        ({}, "nothing to change"),
    ]
    for body, msg in cases:
        resp = a.call("PATCH", f"/trader/v1/requisites/{rid}", body)
        assert (resp.status, resp.json) == (400, {"error": msg}), body
    assert a.post(f"/trader/v1/requisites/{rid}/pause", {"x": 1}) == (
        400, {"error": "pause takes no body"})
    # another trader's requisite is no requisite at all
    nf = (404, {"error": "Requisite not found"})
    assert b.post(f"/trader/v1/requisites/{rid}/pause") == nf
    assert b.post(f"/trader/v1/requisites/{rid}/resume") == nf
    resp = b.call("PATCH", f"/trader/v1/requisites/{rid}", {"max_pending": 5})
    assert (resp.status, resp.json) == nf
    assert a.post("/trader/v1/requisites/999/pause") == nf
    st, mine = a.get("/trader/v1/requisites")
    assert (mine["items"][0]["paused"], mine["items"][0]["max_pending"]) == (False, 2)
    assert a.post(f"/trader/v1/requisites/{rid}/stop") == (404, {"error": "Not found"})
    verify_ok(kassad)
