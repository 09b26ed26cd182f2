"""End-to-end tests of the Tegro.money REST dialect (spec/tegro.md) against a
real kassad, with a client written the way the seed writes it."""

import hashlib
import hmac
import html as htmllib
import json
import re
import time
import urllib.parse
import urllib.request

import pytest

from kassa_client import create_requisite, create_shop
from tegro_client import DATE_RE, PAY_URL_RE, TegroClient, get, post_form, tegro_for

SEED_ORDER = {
    "currency": "RUB",
    "amount": 1200,
    "payment_system": 28,
    "fields": {"email": "user@example.com", "phone": "79111231212"},
    "receipt": {"items": [{"name": "test item 1", "count": 1, "price": 600},
                          {"name": "test item 2", "count": 1, "price": 600}]},
}


@pytest.fixture(scope="module")
def shop_t(kassad_shared):
    return create_shop(kassad_shared)


@pytest.fixture(scope="module")
def tc(kassad_shared, shop_t):
    return tegro_for(kassad_shared, shop_t)


def counts(server):
    return (server.count_rows("orders"), server.count_rows("request_nonces"),
            server.count_rows("receipt_items"), server.count_rows("idempotency"))


def error_of(r):
    assert r.status == 200, r
    assert r.json is not None and r.json["type"] == "error", r.body
    assert set(r.json) == {"type", "desc"}
    return r.json["desc"]


# ---- the seed's own program -------------------------------------------------

def test_seed_program_lists_orders_unchanged(kassad_shared, shop_t):
    """The seed's Python, verbatim but for the URL and keys (urllib for requests)."""
    api_key = shop_t["tegro"]["api_key"]
    data = {
        'shop_id': shop_t["shop_id"],
        'nonce': int(time.time()),
    }
    body = json.dumps(data)
    sign = hmac.new(api_key.encode('utf-8'), body.encode('utf-8'), hashlib.sha256).hexdigest()
    headers = {
        'Authorization': 'Bearer ' + sign,
        'Content-Type': 'application/json'
    }
    url = kassad_shared.url('/api/orders/')
    req = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(req) as resp:
        text = resp.read().decode()
        assert resp.status == 200
    answer = json.loads(text)
    assert answer["type"] == "success" and answer["desc"] == ""
    assert isinstance(answer["data"], list)


def test_create_order_seed_example(kassad_shared, tc):
    before = kassad_shared.count_rows("receipt_items")
    data = dict(SEED_ORDER, order_id="test order seed")
    r = tc.call("createOrder", data)
    assert r.status == 200
    assert r.json["type"] == "success" and r.json["desc"] == "", r.body
    d = r.json["data"]
    assert set(d) == {"id", "url"}
    m = PAY_URL_RE.match(d["url"])
    assert m and int(m["id"]) == d["id"] and m["base"] == kassad_shared.base_url
    assert kassad_shared.count_rows("receipt_items") == before + 2

    o = tc.ok("order", {"order_id": d["id"]})
    assert set(o) == {"id", "date_created", "date_payed", "status", "payment_system_id",
                      "currency_id", "amount", "fee", "email", "test_order", "payment_id"}
    assert o["id"] == d["id"]
    assert DATE_RE.match(o["date_created"])
    assert o["date_payed"] is None
    assert o["status"] == 0
    assert o["payment_system_id"] == 28
    assert o["currency_id"] == 1
    assert o["amount"] == "1200.00000000"
    assert o["fee"] == "30.00000000"  # 2.5 %
    assert o["email"] == "user@example.com"
    assert o["test_order"] == 0
    assert o["payment_id"] == "test order seed"
    # order_id as a numeric string, and payment_id: the same object
    assert tc.ok("order", {"order_id": str(d["id"])}) == o
    assert tc.ok("order", {"payment_id": "test order seed"}) == o


def test_compact_and_spaced_bodies_both_verify(tc):
    for sep in ((",", ":"), (", ", ": ")):
        body = json.dumps({"shop_id": tc.shop_id, "nonce": time.time_ns()}, separators=sep)
        r = tc.post("orders", body)
        assert r.json["type"] == "success", r.body


def test_path_without_trailing_slash(tc):
    r = tc.call("orders", nonce=time.time_ns(), path="/api/orders")
    assert r.json["type"] == "success"


# ---- amounts -----------------------------------------------------------------

@pytest.mark.parametrize("amount,expect", [
    ("64.18", "64.18000000"),
    (64.18, "64.18000000"),
    ("1000.4747448348385", "1000.47000000"),
    ("1.005", "1.01000000"),
    (1000000, "1000000.00000000"),  # the largest order in RUB (--max-order-amount)
])
def test_amounts_exact(tc, amount, expect):
    r = tc.create_order(amount=amount)
    assert r.json["type"] == "success", r.body
    o = tc.ok("order", {"order_id": r.json["data"]["id"]})
    assert o["amount"] == expect


def test_usdt_amount_has_8_decimals_and_currency_id(tc):
    r = tc.create_order(amount="12.345678", currency="USDT", payment_system=51, test=1)
    assert r.json["type"] == "success", r.body
    o = tc.ok("order", {"order_id": r.json["data"]["id"]})
    assert o["amount"] == "12.34567800"
    assert o["currency_id"] == 16
    assert o["test_order"] == 1


# ---- refusals store nothing ------------------------------------------------------

@pytest.mark.parametrize("fields,message", [
    ({"currency": "XXX"}, "Unknown currency XXX"),
    ({"currency": None}, "Empty required param currency"),
    ({"amount": 0}, "Wrong amount: amount must be greater than zero"),
    ({"amount": "-5"}, "Wrong amount: amount must not be negative"),
    ({"amount": "1e3"}, "Wrong amount: amount is not a plain decimal number"),
    ({"amount": "NaN"}, "Wrong amount: amount is not a plain decimal number"),
    ({"amount": "99999999999999999999"}, "Wrong amount: amount is out of range"),
    ({"amount": None}, "Empty required param amount"),
    ({"order_id": ""}, "Empty required param order_id"),
    ({"payment_system": 999}, "Unknown payment system 999"),
    ({"payment_system": "999"}, "Unknown payment system 999"),
    ({"payment_system": 0}, "Unknown payment system 0"),
    ({"payment_system": "sbp"}, "Unknown payment system sbp"),
    ({"fields": {"email": "not-an-email"}}, "Wrong email in fields"),
    ({"fields": {"phone": "12ab"}}, "Wrong phone in fields: 10 to 15 digits, optionally after '+'"),
    ({"success_url": "javascript:alert(1)"}, "success_url: must be an http or https URL"),
    ({"lang": "de"}, "lang: must be ru or en"),
    ({"test": 7}, "Wrong test: must be 0 or 1"),
    ({"receipt": {"items": [{"name": "a", "count": 1, "price": 600}]}},
     "receipt: items total 600.00, but amount is 1200.00"),
    ({"receipt": {"items": [{"name": "a", "count": 3, "price": 400.001}]}},
     "receipt item 0: price must be a number greater than 0 with at most 2 decimals"),
    ({"receipt": {"items": [{"name": "", "count": 1, "price": 1200}]}},
     "receipt item 0: name must be 1 to 255 bytes"),
    ({"receipt": {"items": [{"name": "a", "count": 0, "price": 1200}]}},
     "receipt item 0: count must be a number greater than 0 with at most 3 decimals"),
    ({"receipt": {"items": "x"}}, 'Wrong receipt: expected {"items": [...]}'),
])
def test_create_order_refusals_store_nothing(kassad_shared, tc, fields, message):
    before = counts(kassad_shared)
    data = {"currency": "RUB", "amount": 1200, "order_id": f"refused-{time.time_ns()}",
            "payment_system": 28}
    for k, v in fields.items():
        if v is None:
            data.pop(k, None)
        else:
            data[k] = v
    r = tc.call("createOrder", data, nonce=time.time_ns())
    assert error_of(r) == message
    assert counts(kassad_shared) == before


def test_receipt_fractional_count_and_float_prices(tc):
    r = tc.create_order(amount="64.18", receipt={"items": [
        {"name": "кофе \"зерно\"", "count": 2, "price": 30.09},
        {"name": "weight", "count": "0.5", "price": "8"}]})
    assert r.json["type"] == "success", r.body


def test_idempotent_order_id(kassad_shared, tc):
    oid = f"idem-{time.time_ns()}"
    a = tc.create_order(order_id=oid, amount="10.00")
    b = tc.create_order(order_id=oid, amount="10.00")
    assert a.json["type"] == b.json["type"] == "success"
    assert a.json["data"] == b.json["data"]
    before = counts(kassad_shared)
    c = tc.create_order(order_id=oid, amount="11.00")
    assert error_of(c) == "Order already exists"
    assert counts(kassad_shared) == before


# ---- authentication -----------------------------------------------------------

def test_auth_refusals(kassad_shared, tc, shop_t):
    before = counts(kassad_shared)
    assert error_of(tc.post("orders", json.dumps({"nonce": time.time_ns()}))) == \
        "Empty required param shop_id"
    assert error_of(tc.post("balance", json.dumps({"shop_id": "", "nonce": 1}))) == \
        "Empty required param shop_id"
    assert error_of(tc.post("shops", "not json")) == "Empty required param shop_id"
    body = tc.body({}, nonce=time.time_ns())
    assert error_of(tc.post("orders", body, sign="")) == "Wrong authorization token"
    assert error_of(tc.post("orders", body, sign="0" * 64)) == "Wrong authorization token"
    other = TegroClient(kassad_shared.base_url, shop_t["shop_id"], "wrong-key", "x")
    assert error_of(other.call("orders", nonce=time.time_ns())) == "Wrong authorization token"
    ghost = TegroClient(kassad_shared.base_url, "0" * 32, tc.api_key, "x")
    assert error_of(ghost.call("orders", nonce=time.time_ns())) == "Shop not found"
    assert error_of(tc.post("orders", json.dumps({"shop_id": tc.shop_id}))) == \
        "Empty required param nonce"
    assert error_of(tc.call("orders", nonce="abc")) == \
        "Wrong nonce: must be an integer or a decimal number"
    assert error_of(tc.call("orders", nonce=-5)) == \
        "Wrong nonce: must be an integer or a decimal number"
    assert error_of(tc.call("unknownThing", nonce=time.time_ns())) == "Unknown method unknownThing"
    r = tc.post("orders", tc.body({}, nonce=time.time_ns()) + " ,")
    assert error_of(r).startswith("Invalid request: invalid JSON")
    # A message that echoes the client's bytes stays UTF-8 (fuzz_request found
    # the answer carrying a lone 0xDE): the broken byte becomes U+FFFD.
    body = tc.body({}, nonce=time.time_ns())[:-1].encode() + b', "p\\\xde\x9em%\\"\\'
    r = tc.post("orders", body)
    r.body.decode("utf-8")  # strict: raises on invalid UTF-8
    assert error_of(r) == "Invalid request: invalid JSON: invalid escape near '\"p\\\ufffd'"
    assert counts(kassad_shared) == before


@pytest.mark.parametrize("make_nonce", [
    lambda now: now,                       # seconds (the seed)
    lambda now: now * 1000 + 7,            # milliseconds
    lambda now: now * 1000000 + 7,         # microseconds
    lambda now: now * 1000000000 + 7,      # nanoseconds, beyond 2**53
    lambda now: str(now * 1000000000 + 8),  # numeric string
    lambda now: now + 0.25,                # float
    lambda now: 42,                        # a small counter: opaque
])
def test_nonce_forms_accepted_once(kassad_shared, tc, make_nonce):
    n = make_nonce(kassad_shared.now())
    body = tc.body({"page": 1}, nonce=n)
    body = body.replace('"page": 1', f'"page": 1, "x": {time.time_ns()}')
    assert tc.post("orders", body).json["type"] == "success"
    assert error_of(tc.post("orders", body)) == "Nonce already used"


def test_time_nonce_outside_a_day_refused(kassad_shared, tc):
    now = kassad_shared.now()
    for n in (now - 86400 - 100, now + 86400 + 100, (now - 2 * 86400) * 1000):
        assert error_of(tc.call("orders", nonce=n)) == \
            "Wrong nonce: a time nonce must be within 24 hours of the server time"


def test_same_nonce_different_body_accepted(tc):
    n = int(time.time())
    assert tc.call("orders", {"page": 1}, nonce=n).json["type"] == "success"
    assert tc.call("orders", {"page": 2}, nonce=n).json["type"] == "success"
    # the seed's recipe: the same {"shop_id","nonce"} body to several methods
    # within one second is several requests, not a replay
    assert tc.call("balance", nonce=n).json["type"] == "success"
    assert tc.call("shops", nonce=n).json["type"] == "success"
    assert error_of(tc.call("shops", nonce=n)) == "Nonce already used"


def test_replayed_create_order_refused_and_stores_nothing(kassad_shared, tc):
    body = tc.body(dict(SEED_ORDER, order_id=f"replay-{time.time_ns()}"))
    first = tc.post("createOrder", body)
    assert first.json["type"] == "success"
    before = counts(kassad_shared)
    assert error_of(tc.post("createOrder", body)) == "Nonce already used"
    assert counts(kassad_shared) == before


def test_replay_refused_after_restart(kassad, shop):
    t = tegro_for(kassad, shop)
    body = t.body({"page": 1})
    assert t.post("orders", body).json["type"] == "success"
    kassad.restart()
    assert error_of(t.post("orders", body)) == "Nonce already used"


def test_nonce_records_kept_a_day_then_pruned(kassad, shop):
    t = tegro_for(kassad, shop)
    body = t.body({"page": 1}, nonce=42)
    assert t.post("orders", body).json["type"] == "success"
    kassad.advance_clock(23 * 3600)
    assert error_of(t.post("orders", body)) == "Nonce already used"
    kassad.advance_clock(26 * 3600)
    t.call("orders", {"page": 3}, nonce=43)  # triggers pruning of records older than 48 h
    assert kassad.count_rows("request_nonces", "nonce = '42'") == 0


# ---- the other methods ------------------------------------------------------------

def test_orders_pages_newest_first(kassad, shop):
    t = tegro_for(kassad, shop)
    ids = []
    for i in range(53):
        r = t.create_order(order_id=f"p{i}", amount=f"{i + 1}.00")
        ids.append(r.json["data"]["id"])
    p1 = t.ok("orders")
    assert [o["id"] for o in p1] == list(reversed(ids))[:50]
    p2 = t.ok("orders", {"page": 2})
    assert [o["id"] for o in p2] == list(reversed(ids))[50:]
    assert t.ok("orders", {"page": "3"}) == []
    assert p2[-1]["payment_id"] == "p0" and p2[-1]["amount"] == "1.00000000"
    assert error_of(t.call("orders", {"page": 0}, nonce=time.time_ns())) == \
        "Wrong page: must be a positive integer"


def test_shops_lists_the_merchants_shops(kassad):
    a = create_shop(kassad, name="DEMO1", url="https://demo1")
    b = create_shop(kassad, requisite=False, name="DEMO2", url="https://demo2",
                    merchant_id=a["merchant_id"])
    create_shop(kassad, requisite=False, name="someone else")
    d = tegro_for(kassad, b).ok("shops")
    assert d["user_id"] == a["merchant_id"]
    assert [s["public_key"] for s in d["shops"]] == [a["shop_id"], b["shop_id"]]
    s = d["shops"][0]
    assert set(s) == {"id", "date_added", "name", "url", "status", "public_key", "desc"}
    assert s["id"] == a["id"] and s["name"] == "DEMO1" and s["url"] == "https://demo1"
    assert s["status"] == 1 and DATE_RE.match(s["date_added"])


def test_balance_every_currency_two_decimals(kassad, shop):
    t = tegro_for(kassad, shop)
    d = t.ok("balance")
    assert d["user_id"] == shop["merchant_id"]
    assert d["balance"]["RUB"] == "0.00" and d["balance"]["USD"] == "0.00"
    assert d["balance"]["EUR"] == "0.00" and d["balance"]["UAH"] == "0.00"
    assert all(v == "0.00" for v in d["balance"].values())
    oid = t.create_order(amount="1000.00").json["data"]["id"]
    status, _ = kassad.admin("POST", f"/admin/v1/orders/{oid}/complete")
    assert status == 200
    assert t.ok("balance")["balance"]["RUB"] == "975.00"  # 1000 - 2.5 %
    o = t.ok("order", {"order_id": oid})
    assert o["status"] == 1 and DATE_RE.match(o["date_payed"])


def test_order_of_another_shop_not_found(kassad_shared, tc):
    other = tegro_for(kassad_shared, create_shop(kassad_shared, requisite=False))
    oid = tc.create_order().json["data"]["id"]
    assert error_of(other.call("order", {"order_id": oid}, nonce=time.time_ns())) == \
        "Order not found"
    assert error_of(tc.call("order", {"payment_id": "no such"}, nonce=time.time_ns())) == \
        "Order not found"
    assert error_of(tc.call("order", {}, nonce=time.time_ns())) == \
        "Empty required param order_id or payment_id"


def test_no_requisite_order_is_rejected_status_4(kassad):
    creds = create_shop(kassad, requisite=False)
    t = tegro_for(kassad, creds)
    r = t.create_order(payment_system=36)
    assert r.json["type"] == "success", r.body
    assert t.ok("order", {"order_id": r.json["data"]["id"]})["status"] == 4


def test_method_switches_per_shop(kassad, shop):
    t = tegro_for(kassad, shop)
    mods = t.ok("modules")
    assert {m["id"] for m in mods} >= {28, 36}
    assert all(m["id"] != 5 for m in mods)  # no provider yet
    sbp = next(m for m in mods if m["id"] == 28)
    assert set(sbp) == {"id", "name", "currency", "min", "max"} and sbp["currency"] == "RUB"

    status, body = kassad.admin("PUT", f"/admin/v1/shops/{shop['id']}/methods/28",
                                {"enabled": False})
    assert status == 200
    assert body == {"payment_system": 28, "name": "SBP (fast payment system)",
                    "provider": "requisites", "requisite_type": "SBP", "enabled": False}
    before = counts(kassad)
    assert error_of(t.create_order(payment_system=28)) == \
        "Payment system 28 is disabled for this shop"
    assert counts(kassad) == before
    assert all(m["id"] != 28 for m in t.ok("modules"))
    status, listing = kassad.admin("GET", f"/admin/v1/shops/{shop['id']}/methods")
    assert status == 200
    assert next(m for m in listing if m["payment_system"] == 28)["enabled"] is False
    assert next(m for m in listing if m["payment_system"] == 36)["enabled"] is True

    status, _ = kassad.admin("PUT", f"/admin/v1/shops/{shop['id']}/methods/28",
                             {"enabled": True})
    assert status == 200
    assert t.create_order(payment_system=28).json["type"] == "success"
    # refusals of the admin endpoint
    assert kassad.admin("PUT", f"/admin/v1/shops/{shop['id']}/methods/999",
                        {"enabled": True}) == (404, {"error": "Unknown payment system '999'"})
    assert kassad.admin("PUT", f"/admin/v1/shops/{shop['id']}/methods/28",
                        {"enabled": "yes"}) == (400, {"error": "enabled: required, true or false"})
    assert kassad.admin("PUT", "/admin/v1/shops/99999/methods/28",
                        {"enabled": True}) == (404, {"error": "Shop not found"})
    assert kassad.admin("GET", f"/admin/v1/shops/{shop['id']}/methods", token="")[0] == 401


# ---- createOrder without a usable payment_system: the payer chooses -------------

def page_of(server, url):
    """GET an order's page (the createOrder url): (path, html)."""
    m = PAY_URL_RE.match(url)
    assert m and m["base"] == server.base_url, url
    path = url[len(m["base"]):]
    r = get(server, path)
    assert r.status == 200, r.body
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    return path, r.body.decode()


def offered(page):
    """The methods the page's chooser offers (ids, in page order)."""
    return [int(x) for x in re.findall(r'<button type="submit" id="method-(\d+)">', page)]


def choose_on_page(server, page, method):
    """Press the chooser's button for `method`, as a browser posts its form."""
    for m in re.finditer(r'<form method="(get|post)" action="([^"]+)">(.*?)</form>', page):
        if f'id="method-{method}"' in m[3]:
            fields = re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', m[3])
            assert m[1] == "post"
            return post_form(server, htmllib.unescape(m[2]),
                             [(htmllib.unescape(k), htmllib.unescape(v)) for k, v in fields])
    raise AssertionError(f"no method-{method} on the page")


POOL_METHODS = {28, 36, 25, 41, 15, 27, 38}  # the catalogue's pool-served methods


def test_create_order_without_payment_system_lets_the_payer_choose(kassad, shop):
    t = tegro_for(kassad, shop)
    # the operator switched one pool method off for this shop: not offered
    assert kassad.admin("PUT", f"/admin/v1/shops/{shop['id']}/methods/41",
                        {"enabled": False})[0] == 200
    r = t.create_order(order_id="no-method-1", payment_system=None)
    assert r.status == 200 and r.json["type"] == "success", r.body
    d = r.json["data"]
    assert set(d) == {"id", "url"}
    assert PAY_URL_RE.match(d["url"])["id"] == str(d["id"])
    o = t.ok("order", {"order_id": d["id"]})
    assert o["status"] == 0 and o["payment_system_id"] == 0
    path, page = page_of(kassad, d["url"])
    assert 'id="methods"' in page and "Выберите способ оплаты" in page
    assert set(offered(page)) == POOL_METHODS - {41}  # the shop's enabled methods
    assert 'id="requisite"' not in page and 'id="sandbox"' not in page
    assert "1200.00 RUB" in page
    # the payer picks SBP: the order gets its method and the pool's requisite
    r = choose_on_page(kassad, page, 28)
    assert r.status == 303, r.body
    assert r.headers["Location"] == path
    _, page = page_of(kassad, d["url"])
    assert offered(page) == [] and 'id="methods"' not in page
    assert 'id="requisite-value">+79001234567<' in page
    o = t.ok("order", {"order_id": d["id"]})
    assert o["status"] == 0 and o["payment_system_id"] == 28
    # a second press (another tab) changes nothing
    r = post_form(kassad, path + "method", {"payment_system": "36"})
    assert r.status == 303
    assert t.ok("order", {"order_id": d["id"]})["payment_system_id"] == 28
    # the same createOrder again answers the same order
    again = t.create_order(order_id="no-method-1", payment_system=None)
    assert again.json["data"] == d
    # an empty string and null mean none as well
    r = t.create_order(order_id="no-method-2", payment_system="")
    assert r.json["type"] == "success", r.body
    assert offered(page_of(kassad, r.json["data"]["url"])[1])
    r = t.call("createOrder", {"currency": "RUB", "amount": 5, "order_id": "no-method-3",
                               "payment_system": None}, nonce=time.time_ns())
    assert r.json["type"] == "success", r.body
    assert offered(page_of(kassad, r.json["data"]["url"])[1])


def test_create_order_with_a_method_without_provider_lets_the_payer_choose(kassad, shop):
    """Every public example sends payment_system 5 (YooMoney), which no
    provider here serves: the order is created and the payer chooses."""
    t = tegro_for(kassad, shop)
    before = kassad.count_rows("orders")
    r = t.create_order(order_id="yoomoney-1", payment_system=5, amount=700)
    assert r.status == 200 and r.json["type"] == "success", r.body
    d = r.json["data"]
    assert kassad.count_rows("orders") == before + 1
    path, page = page_of(kassad, d["url"])
    assert set(offered(page)) == POOL_METHODS and 5 not in offered(page)
    assert t.ok("order", {"order_id": d["id"]})["payment_system_id"] == 0
    # a card, but the pool holds no card: the payer is told and chooses again
    r = choose_on_page(kassad, page, 36)
    assert r.status == 200
    page2 = r.body.decode()
    assert 'id="refused"' in page2 and set(offered(page2)) == POOL_METHODS
    assert t.ok("order", {"order_id": d["id"]})["payment_system_id"] == 0
    # a method outside what the chooser offers is refused as well
    r = post_form(kassad, path + "method", {"payment_system": "5"})
    assert r.status == 200 and 'id="refused"' in r.body.decode()
    assert t.ok("order", {"order_id": d["id"]})["payment_system_id"] == 0
    create_requisite(kassad, type="card", requisite="2200123412341234")
    r = choose_on_page(kassad, page2, 36)
    assert r.status == 303 and r.headers["Location"] == path
    assert 'id="requisite-value">2200123412341234<' in page_of(kassad, d["url"])[1]
    assert t.ok("order", {"order_id": d["id"]})["payment_system_id"] == 36

    # retries: the same request answers the same order; naming another
    # method (or none) is another request
    assert t.create_order(order_id="yoomoney-1", payment_system=5, amount=700).json["data"] == d
    n = kassad.count_rows("orders")
    assert error_of(t.create_order(order_id="yoomoney-1", payment_system=11, amount=700)) == \
        "Order already exists"
    assert error_of(t.create_order(order_id="yoomoney-1", payment_system=None, amount=700)) == \
        "Order already exists"
    assert kassad.count_rows("orders") == n

    # test=1 behaves as before: the sandbox serves method 5 itself
    r = t.create_order(order_id="yoomoney-test", payment_system=5, test=1)
    assert r.json["type"] == "success", r.body
    _, page = page_of(kassad, r.json["data"]["url"])
    assert offered(page) == [] and 'id="sandbox"' in page and "ЮMoney" in page
    assert t.ok("order", {"order_id": r.json["data"]["id"]})["payment_system_id"] == 5

    # a catalogue method the shop switched off stays refused, nothing stored
    assert kassad.admin("PUT", f"/admin/v1/shops/{shop['id']}/methods/5",
                        {"enabled": False})[0] == 200
    n = counts(kassad)
    assert error_of(t.create_order(payment_system=5)) == \
        "Payment system 5 is disabled for this shop"
    assert error_of(t.create_order(payment_system=5, test=1)) == \
        "Payment system 5 is disabled for this shop"
    assert counts(kassad) == n


def test_test_order_without_payment_system_offers_every_enabled_method(kassad, shop):
    t = tegro_for(kassad, shop)
    r = t.create_order(order_id="test-choose", payment_system=None, test=1, lang="en")
    assert r.json["type"] == "success", r.body
    d = r.json["data"]
    path, page = page_of(kassad, d["url"])
    assert "Choose a payment method" in page
    assert {5, 11, 28, 36} <= set(offered(page))  # the sandbox serves any method
    assert 'id="sandbox"' not in page  # first the method
    r = choose_on_page(kassad, page, 5)
    assert r.status == 303
    _, page = page_of(kassad, d["url"])
    assert 'id="sandbox"' in page and "YooMoney" in page
    r = post_form(kassad, path + "pay", {})
    assert r.status == 303
    o = t.ok("order", {"order_id": d["id"]})
    assert o["status"] == 1 and o["payment_system_id"] == 5 and o["test_order"] == 1


def test_choose_refusals(kassad, shop):
    t = tegro_for(kassad, shop)
    d = t.create_order(payment_system=None).json["data"]
    path = PAY_URL_RE.match(d["url"])
    path = f"/pay/complete/{path['id']}/{path['token']}/"
    r = post_form(kassad, path + "method", {"payment_system": "abc"})
    assert r.status == 400 and "Missing or bad parameter: payment_system" in r.body.decode()
    r = post_form(kassad, path + "method", {})
    assert r.status == 400
    wrong = path.replace(path.split("/")[4], "0" * 32)
    r = post_form(kassad, wrong + "method", {"payment_system": "28"})
    assert r.status == 404
    # a finished order does not change its method
    assert kassad.admin("POST", f"/admin/v1/orders/{d['id']}/fail")[0] == 200
    r = post_form(kassad, path + "method", {"payment_system": "28"})
    assert r.status == 303
    assert t.ok("order", {"order_id": d["id"]})["payment_system_id"] == 0
    assert offered(get(kassad, path).body.decode()) == []


def test_rates(kassad, shop):
    t = tegro_for(kassad, shop)
    assert t.ok("rates") == []
    assert kassad.admin("PUT", "/admin/v1/rates/USDT-RUB", {"rate": "95.00"})[0] == 200
    assert t.ok("rates") == [{"from": "USDT", "to": "RUB", "rate": "95.00"}]
    assert t.ok("rates", {"from": "USDT", "to": "RUB"}) == \
        [{"from": "USDT", "to": "RUB", "rate": "95.00"}]
    assert t.ok("rates", {"from": "RUB"}) == []


def test_get_is_refused(kassad_shared):
    r = kassad_shared.request("GET", "/api/orders/")
    assert r.status == 200 and r.json == {"type": "error", "desc": "Use POST"}


def test_withdrawals(kassad, shop):
    t = tegro_for(kassad, shop)
    oid = t.create_order(amount="1000.00").json["data"]["id"]
    assert kassad.admin("POST", f"/admin/v1/orders/{oid}/complete")[0] == 200
    before = kassad.count_rows("withdrawals")
    short = t.call("createWithdrawal", {"currency": "RUB", "account": "2200000000000004",
                                        "amount": "975.01", "payment_id": "w-short",
                                        "payment_system": 36}, nonce=time.time_ns())
    assert error_of(short) == "Insufficient funds"
    assert kassad.count_rows("withdrawals") == before
    for fields, message in [({"account": ""}, "Empty required param account"),
                            ({"payment_id": None}, "Empty required param payment_id"),
                            ({"currency": "XXX"}, "Unknown currency XXX"),
                            ({"amount": "0"}, "Wrong amount: amount must be greater than zero"),
                            ({"payment_system": 999}, "Unknown payment system 999")]:
        data = {"currency": "RUB", "account": "2200000000000004", "amount": "500",
                "payment_id": "w-bad", "payment_system": 36}
        for k, v in fields.items():
            if v is None:
                data.pop(k)
            else:
                data[k] = v
        assert error_of(t.call("createWithdrawal", data, nonce=time.time_ns())) == message
    assert kassad.count_rows("withdrawals") == before

    data = {"currency": "RUB", "account": "2200000000000004", "amount": 500,
            "payment_id": 77, "payment_system": 36}
    w = t.ok("createWithdrawal", data)
    assert set(w) == {"id", "date_created", "date_completed", "status", "currency", "amount",
                      "fee", "account", "payment_system", "payment_id"}
    assert w["status"] == 0 and w["date_completed"] is None and DATE_RE.match(w["date_created"])
    assert w["amount"] == "500.00000000" and w["fee"] == "0.00000000"
    assert w["currency"] == "RUB" and w["payment_system"] == 36 and w["payment_id"] == "77"
    assert t.ok("createWithdrawal", data) == w  # the same payout again
    assert error_of(t.call("createWithdrawal", dict(data, amount=501), nonce=time.time_ns())) \
        == "Withdrawal already exists"
    assert t.ok("balance")["balance"]["RUB"] == "475.00"
    assert t.ok("withdrawal", {"order_id": w["id"]}) == w
    assert t.ok("withdrawal", {"payment_id": "77"}) == w
    assert t.ok("withdrawals") == [w]
    assert error_of(t.call("withdrawal", {"order_id": w["id"] + 1}, nonce=time.time_ns())) == \
        "Withdrawal not found"
    assert kassad.admin("POST", f"/admin/v1/withdrawals/{w['id']}/complete")[0] == 200
    done = t.ok("withdrawal", {"order_id": str(w["id"])})
    assert done["status"] == 1 and DATE_RE.match(done["date_completed"])


def test_panda_orders_listed_with_their_method(kassad, shop):
    """The method catalogue maps panda's requisite types onto Tegro's ids."""
    p = kassad.panda(shop)
    o = p.create_order(amount="10.00", requisite_type="SBP").json
    t = tegro_for(kassad, shop)
    listed = t.ok("orders")
    assert [x["id"] for x in listed] == [o["id"]]
    assert listed[0]["payment_system_id"] == 28 and listed[0]["amount"] == "10.00000000"
    assert listed[0]["payment_id"] == ""
