"""End-to-end tests of the PandaPay24 ("panda") dialect, per spec/panda.md."""

import concurrent.futures
import datetime
import json
import re
import subprocess
import sys
import threading
import time
import uuid as uuidlib

import pytest

import kassa_client
from kassa_client import compact, new_key, panda_signature, public_get, send_raw
from kassa_client import create_shop

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ISO_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
SEED_AMOUNT = 1000.4747448348385

# The seed's "create order" script (000_1fba6158b579d03c.txt), verbatim.
SEED_CREATE_ORDER = r'''
import os
import json
import time
import uuid
import hmac
import hashlib
import urllib.request
import urllib.error


def generate_signature(secret: str, payload: str) -> tuple[str, str]:
    ts = str(int(time.time()))
    string_to_sign = ts + payload
    signature = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
    return signature, ts


def main() -> None:
    api_key = os.getenv("API_KEY", "apiKey")
    secret = os.getenv("SECRET_KEY", "secret")
    api_host = os.getenv("API_HOST", "https://api.pandapay24.com")

    payload_dict = {
        "amount_rub": 1000.4747448348385,
        "requisite_type": "SBP",
        "idempotency_key": str(uuid.uuid4()),
    }

    json_payload = json.dumps(payload_dict, separators=(",", ":"))
    signature, timestamp = generate_signature(secret, json_payload)

    req = urllib.request.Request(
        url=f"{api_host.rstrip('/')}/orders",
        data=json_payload.encode(),
        headers={
            "Content-Type": "application/json",
            "X-API-Key": api_key,
            "X-Signature": signature,
            "X-Timestamp": timestamp,
        },
        method="POST",
    )

    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            body = resp.read().decode("utf-8", errors="replace")
            print(f"Response: {resp.status} {resp.reason}")
            if body:
                print(body)
    except urllib.error.HTTPError as e:
        body = e.read().decode("utf-8", errors="replace")
        print(f"Response: {e.code} {e.reason}")
        if body:
            print(body)
    except urllib.error.URLError as e:
        print(f"Request failed: {e.reason}")


if __name__ == "__main__":
    main()
'''

# The seed's "alternative version": /v1/orders with a string amount.
SEED_CREATE_ORDER_V1 = SEED_CREATE_ORDER.replace(
    '"amount_rub": 1000.4747448348385', '"amount": "1000.4747448348385"').replace(
    "/orders\",", "/v1/orders\",")
assert '"amount": "1000.4747448348385"' in SEED_CREATE_ORDER_V1
assert "}/v1/orders\"," in SEED_CREATE_ORDER_V1


def iso_to_unix(s):
    assert ISO_RE.match(s), s
    return int(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


def error_of(r):
    """The {"error": "..."} message of a response (asserts the shape)."""
    assert isinstance(r.json, dict), (r.status, r.body)
    assert isinstance(r.json.get("error"), str) and r.json["error"], r.json
    return r.json["error"]


# ---- module fixtures: one server, one shop with one SBP requisite ----

@pytest.fixture(scope="module")
def env(kassad_shared):
    creds = create_shop(kassad_shared)
    return kassad_shared, creds, kassad_shared.panda(creds)


@pytest.fixture(autouse=True)
def _amounts_free(request):
    """Each test starts with no order pending on the server's requisites: a
    requisite takes one pending order of an amount at a time, and these
    tests ask for the seed's amount again and again."""
    if "env" in request.fixturenames:
        kassa_client.release_pending(request.getfixturevalue("env")[0])


@pytest.fixture(scope="module")
def other_shop(env):
    server, _, _ = env
    creds = create_shop(server, requisite=False, name="Other shop")
    return creds, server.panda(creds)


def assert_sbp_order(o, creds, legacy):
    req = creds["requisite"]
    assert UUID_RE.match(o["uuid"]), o
    assert UUID_RE.match(o["uuid_callback"]), o
    assert o["uuid"] != o["uuid_callback"]
    assert o["status"] == "pending"
    assert o["amount"] == "1000.47"
    assert o["currency"] == "RUB"
    assert o["merchant_commission"] == "25.01"  # 2.5 % of 1000.47, half-up
    assert str(o["merchant_id"]) == str(creds["merchant_id"])
    assert o["requisite_type"] == "SBP"
    assert o["requisite"] == req["requisite"]
    assert o["requisite_attributes"] == {"phoneNumber": req["requisite"]}
    assert o["owner_full_name"] == req["owner_full_name"]
    assert o["bank_code"] == req["bank_code"]
    assert o["bank_name_ru"] == req["bank_name_ru"]
    assert o["bank_name_en"] == req["bank_name_en"]
    assert o["country_code"] == "RUS"
    created = iso_to_unix(o["created_at"])
    expires = iso_to_unix(o["expires_at"])
    assert expires - created == 900
    assert abs(created - time.time()) < 60
    if legacy:
        assert o["requisite_data"] == {
            "requisites": req["requisite"],
            "owner_full_name": req["owner_full_name"],
            "bank_name_ru": req["bank_name_ru"],
            "bank_name_en": req["bank_name_en"],
            "bank_code": req["bank_code"],
        }
    else:
        assert "requisite_data" not in o


# ---- creating orders the seed's way ----

def test_seed_legacy_create_order(env):
    server, creds, client = env
    payload = {"amount_rub": SEED_AMOUNT, "requisite_type": "SBP",
               "idempotency_key": str(uuidlib.uuid4())}
    body = compact(payload)
    assert body.startswith('{"amount_rub":1000.4747448348385,')
    r = client.post("/orders", body)
    assert r.status == 200, r
    assert r.headers.get("Content-Type", "").startswith("application/json")
    assert_sbp_order(r.json, creds, legacy=True)


def test_v1_create_order_string_amount(env):
    server, creds, client = env
    r = client.post("/v1/orders", {"amount": "1000.4747448348385", "requisite_type": "SBP",
                                   "idempotency_key": new_key()})
    assert r.status == 200, r
    assert_sbp_order(r.json, creds, legacy=False)


def test_v1_number_amount_and_legacy_string_amount(env):
    server, creds, client = env
    r = client.post("/v1/orders", {"amount": SEED_AMOUNT, "requisite_type": "SBP",
                                   "idempotency_key": new_key()})
    assert r.status == 200, r
    assert r.json["amount"] == "1000.47"
    r = client.post("/orders", {"amount_rub": "1000.4747448348385", "requisite_type": "SBP",
                                "idempotency_key": new_key()})
    assert r.status == 200, r
    assert r.json["amount"] == "1000.47"


@pytest.mark.parametrize("amount,expect", [
    ("1.005", "1.01"),       # half-up, exactly (a double would give 1.00)
    ("1.004", "1.00"),
    ("0.005", "0.01"),
    ("100", "100.00"),
    ("2.5", "2.50"),
    (0.1, "0.10"),
])
def test_amount_rounding(env, amount, expect):
    _, _, client = env
    r = client.create_order(amount=amount)
    assert r.status == 200, r
    assert r.json["amount"] == expect


def test_all_optional_fields_echoed(env):
    server, creds, client = env
    r = client.create_order(merchant_order_id="mo-optional-1", customer_name="Пётр Петров",
                            customer_requisite="+79990001122", currency="RUB",
                            countries=["RUS", "ANY"], payment_systems=["MIR"],
                            bank_code="Sber")
    assert r.status == 200, r
    o = r.json
    assert o["merchant_order_id"] == "mo-optional-1"
    assert o["customer_name"] == "Пётр Петров"
    assert o["customer_requisite"] == "+79990001122"
    assert o["currency"] == "RUB"
    assert o["requisite"] == creds["requisite"]["requisite"]


def test_non_compact_json_and_no_content_type(env):
    """The signature covers the exact bytes; the body is JSON whatever the Content-Type."""
    server, creds, client = env
    body = json.dumps({"amount": "5.00", "requisite_type": "SBP",
                       "idempotency_key": new_key()}, indent=2).encode()
    ts = str(server.now())
    r = send_raw(server.base_url, "POST", "/v1/orders", body, [
        ("X-API-Key", creds["panda"]["api_key"]),
        ("X-Timestamp", ts),
        ("X-Signature", panda_signature(creds["panda"]["secret"], ts, body)),
    ])
    assert r.status == 200, r
    assert r.json["amount"] == "5.00"


def _run_seed(server, creds, script):
    env = {"API_KEY": creds["panda"]["api_key"], "SECRET_KEY": creds["panda"]["secret"],
           "API_HOST": server.base_url, "PATH": "/usr/bin:/bin"}
    p = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == "Response: 200 OK", p.stdout
    return json.loads("\n".join(lines[1:]))


def test_seed_script_verbatim(env):
    server, creds, _ = env
    o = _run_seed(server, creds, SEED_CREATE_ORDER)
    assert_sbp_order(o, creds, legacy=True)


def test_seed_script_alternative_verbatim(env):
    server, creds, _ = env
    o = _run_seed(server, creds, SEED_CREATE_ORDER_V1)
    assert_sbp_order(o, creds, legacy=False)


# ---- authentication ----

def _valid_body():
    return compact({"amount": "10", "requisite_type": "SBP", "idempotency_key": new_key()})


def _auth_headers(server, creds, body, ts=None, secret=None, sig_case=str.lower):
    ts = str(server.now()) if ts is None else str(ts)
    sig = panda_signature(secret or creds["panda"]["secret"], ts, body)
    return [("Content-Type", "application/json"),
            ("X-API-Key", creds["panda"]["api_key"]),
            ("X-Signature", sig_case(sig)),
            ("X-Timestamp", ts)]


def _drop(headers, name):
    return [(k, v) for k, v in headers if k.lower() != name.lower()]


def _replace(headers, name, value):
    return [(k, value if k.lower() == name.lower() else v) for k, v in headers]


def _post(server, headers, body, path="/v1/orders"):
    return send_raw(server.base_url, "POST", path, body.encode() if isinstance(body, str)
                    else body, headers)


def test_auth_valid_baseline(env):
    server, creds, _ = env
    body = _valid_body()
    r = _post(server, _auth_headers(server, creds, body), body)
    assert r.status == 200, r


@pytest.mark.parametrize("case", [
    "missing_key", "unknown_key", "empty_key", "missing_signature", "bad_signature",
    "wrong_secret", "signature_of_other_body", "missing_timestamp", "garbage_timestamp",
    "stale_past", "stale_past_301", "stale_future", "signature_without_timestamp_prefix",
    "timestamp_milliseconds",
])
def test_auth_rejected(env, case):
    server, creds, _ = env
    body = _valid_body()
    h = _auth_headers(server, creds, body)
    now = server.now()
    if case == "missing_key":
        h = _drop(h, "X-API-Key")
    elif case == "unknown_key":
        h = _replace(h, "X-API-Key", "no-such-key-" + new_key())
    elif case == "empty_key":
        h = _replace(h, "X-API-Key", "")
    elif case == "missing_signature":
        h = _drop(h, "X-Signature")
    elif case == "bad_signature":
        h = _replace(h, "X-Signature", "0" * 64)
    elif case == "wrong_secret":
        h = _auth_headers(server, creds, body, secret="not-the-secret")
    elif case == "signature_of_other_body":
        h = _auth_headers(server, creds, body.replace('"10"', '"11"'))
    elif case == "missing_timestamp":
        h = _drop(h, "X-Timestamp")
    elif case == "garbage_timestamp":
        h = _auth_headers(server, creds, body, ts="12ab")
    elif case == "stale_past":
        h = _auth_headers(server, creds, body, ts=now - 330)
    elif case == "stale_past_301":
        h = _auth_headers(server, creds, body, ts=now - 301)
    elif case == "timestamp_milliseconds":
        h = _auth_headers(server, creds, body, ts=now * 1000)
    elif case == "stale_future":
        h = _auth_headers(server, creds, body, ts=now + 330)
    elif case == "signature_without_timestamp_prefix":
        sig = panda_signature(creds["panda"]["secret"], "", body)
        h = _replace(h, "X-Signature", sig)
    r = _post(server, h, body)
    assert r.status == 401, r
    error_of(r)


def test_auth_timestamp_inside_window(env):
    server, creds, _ = env
    for delta in (-299, -280, 280, 299):
        body = _valid_body()
        r = _post(server, _auth_headers(server, creds, body, ts=server.now() + delta), body)
        assert r.status == 200, (delta, r)


def test_auth_upper_case_hex_accepted(env):
    server, creds, _ = env
    body = _valid_body()
    r = _post(server, _auth_headers(server, creds, body, sig_case=str.upper), body)
    assert r.status == 200, r


@pytest.mark.parametrize("names", [
    ("X-Api-Key", "X-Signature", "X-Timestamp"),
    ("x-api-key", "x-signature", "x-timestamp"),
    ("X-API-KEY", "X-SIGNATURE", "X-TIMESTAMP"),
])
def test_auth_header_names_case_insensitive(env, names):
    server, creds, _ = env
    body = _valid_body()
    ts = str(server.now())
    h = [(names[0], creds["panda"]["api_key"]),
         (names[1], panda_signature(creds["panda"]["secret"], ts, body)),
         (names[2], ts)]
    r = _post(server, h, body)
    assert r.status == 200, r


def test_auth_other_shops_secret_rejected(env, other_shop):
    server, creds, _ = env
    other, _ = other_shop
    body = _valid_body()
    h = _auth_headers(server, creds, body, secret=other["panda"]["secret"])
    r = _post(server, h, body)
    assert r.status == 401, r


def test_auth_on_get(env):
    server, creds, client = env
    r = client.create_order()
    assert r.status == 200
    u = r.json["uuid"]
    assert client.get(f"/v1/orders/{u}").status == 200
    r = client.get(f"/v1/orders/{u}", secret="wrong")
    assert r.status == 401, r
    error_of(r)
    r = client.get(f"/v1/orders/{u}", ts=server.now() - 400)
    assert r.status == 401, r
    r = kassa_client.urllib_request(server.url(f"/v1/orders/{u}"))
    assert r.status == 401, r
    error_of(r)
    r = kassa_client.urllib_request(server.url("/v1/orders/merchant/x"))
    assert r.status == 401, r


# ---- idempotency ----

def test_idempotent_replay_same_uuid(env):
    _, _, client = env
    key = new_key()
    r1 = client.create_order(idempotency_key=key, merchant_order_id="idem-1")
    r2 = client.create_order(idempotency_key=key, merchant_order_id="idem-1")
    assert r1.status == 200 and r2.status == 200, (r1, r2)
    assert r1.json["uuid"] == r2.json["uuid"]
    assert r1.json == r2.json
    r = client.orders_by_merchant_id("idem-1")
    assert r.status == 200
    assert [o["uuid"] for o in r.json] == [r1.json["uuid"]]


def test_idempotent_replay_legacy_route(env):
    _, _, client = env
    key = new_key()
    r1 = client.create_order(idempotency_key=key, legacy=True, amount=SEED_AMOUNT)
    r2 = client.create_order(idempotency_key=key, legacy=True, amount=SEED_AMOUNT)
    assert r1.status == 200 and r2.status == 200, (r1, r2)
    assert r1.json == r2.json


def test_idempotent_replay_other_formatting(env):
    """Same parameters, other JSON bytes (spaces, key order): the same order."""
    server, creds, client = env
    key = new_key()
    r1 = client.post("/v1/orders", {"amount": "7.50", "requisite_type": "SBP",
                                    "idempotency_key": key})
    r2 = client.post("/v1/orders", json.dumps({"idempotency_key": key, "requisite_type": "SBP",
                                               "amount": "7.50"}, indent=1))
    assert r1.status == 200 and r2.status == 200, (r1, r2)
    assert r1.json["uuid"] == r2.json["uuid"]


@pytest.mark.parametrize("change", [
    {"amount": "11"}, {"requisite_type": "card"}, {"merchant_order_id": "other"},
    {"customer_name": "Someone"},
])
def test_idempotency_key_reused_with_other_params(env, change):
    _, _, client = env
    key = new_key()
    base = {"amount": "10", "requisite_type": "SBP", "idempotency_key": key}
    r1 = client.post("/v1/orders", base)
    assert r1.status == 200, r1
    r2 = client.post("/v1/orders", dict(base, **change))
    assert r2.status == 409, r2
    assert r2.json == {"error": "idempotency key reused with different parameters"}
    # the first answer is still the stored one
    r3 = client.post("/v1/orders", base)
    assert r3.status == 200 and r3.json["uuid"] == r1.json["uuid"]


def test_idempotency_key_scoped_per_shop(env, other_shop):
    server, creds, client = env
    _, other_client = other_shop
    key = new_key()
    r1 = client.create_order(idempotency_key=key)
    r2 = other_client.create_order(idempotency_key=key)
    assert r1.status == 200 and r2.status == 200, (r1, r2)
    assert r1.json["uuid"] != r2.json["uuid"]


def test_idempotency_concurrent_duplicates_one_order(env):
    server, creds, client = env
    key = new_key()
    mid = "concurrent-" + key
    payload = {"amount": "123.45", "requisite_type": "SBP", "idempotency_key": key,
               "merchant_order_id": mid}
    barrier = threading.Barrier(20)

    def one(_):
        barrier.wait()
        return client.post("/v1/orders", payload)

    with concurrent.futures.ThreadPoolExecutor(20) as ex:
        results = list(ex.map(one, range(20)))
    ok = [r for r in results if r.status == 200]
    others = [r for r in results if r.status != 200]
    # 409 is allowed only for "still in flight" (spec); nothing else
    assert all(r.status == 409 for r in others), [(r.status, r.body) for r in others]
    for r in others:
        error_of(r)
    assert ok, "no request succeeded"
    assert len({r.json["uuid"] for r in ok}) == 1
    r = client.orders_by_merchant_id(mid)
    assert r.status == 200
    assert [o["uuid"] for o in r.json] == [ok[0].json["uuid"]]
    again = client.post("/v1/orders", payload)
    assert again.status == 200 and again.json["uuid"] == ok[0].json["uuid"]


def test_idempotency_kept_24h(kassad, shop):
    client = kassad.panda(shop)
    key = new_key()
    payload = {"amount": "10", "requisite_type": "SBP", "idempotency_key": key}
    r1 = client.post("/v1/orders", payload)
    assert r1.status == 200, r1
    kassad.advance_clock(24 * 3600 - 60)
    r2 = client.post("/v1/orders", payload)
    assert r2.status == 200, r2
    assert r2.json["uuid"] == r1.json["uuid"]
    r3 = client.post("/v1/orders", dict(payload, amount="11"))
    assert r3.status == 409, r3
    assert r3.json == {"error": "idempotency key reused with different parameters"}
    # Past the retention (24 h), the hourly purge forgets the key: it then
    # makes a new order. (The sweeper purges in chunks of its own commands.)
    kassad.advance_clock(2 * 3600)
    deadline = time.time() + 10
    while True:
        r4 = client.post("/v1/orders", dict(payload, amount="11"))
        if r4.status == 200 or time.time() > deadline:
            break
        assert r4.status == 409, r4
        time.sleep(0.1)
    assert r4.status == 200, r4
    assert r4.json["uuid"] != r1.json["uuid"]
    assert r4.json["amount"] == "11.00"


def test_concurrent_distinct_orders_all_committed(env):
    """Many different orders at once (one group-commit batch): each answered, each stored."""
    server, creds, client = env
    mid = "batch-" + new_key()
    n = 60

    def one(i):
        return client.create_order(amount=f"{i + 1}.00", merchant_order_id=mid)

    with concurrent.futures.ThreadPoolExecutor(30) as ex:
        results = list(ex.map(one, range(n)))
    assert [r.status for r in results] == [200] * n, [(r.status, r.body) for r in results]
    uuids = {r.json["uuid"] for r in results}
    assert len(uuids) == n
    assert sorted(r.json["amount"] for r in results) == sorted(f"{i + 1}.00" for i in range(n))
    r = client.orders_by_merchant_id(mid)
    assert r.status == 200
    assert {o["uuid"] for o in r.json} == uuids


# ---- bad input: 400, the field named, nothing stored ----

GOOD = {"amount": "10", "requisite_type": "SBP"}

BAD_BODIES = [
    # (id, body-or-dict-without-key, field expected in the message or None)
    ("invalid_json", '{"amount":"10","requisite_type":"SBP",', None),
    ("empty_body", "", None),
    ("not_object_array", '["amount","10"]', None),
    ("not_object_string", '"hello"', None),
    ("missing_amount", {"requisite_type": "SBP"}, "amount"),
    ("amount_zero", {"amount": "0", "requisite_type": "SBP"}, "amount"),
    ("amount_zero_number", {"amount": 0, "requisite_type": "SBP"}, "amount"),
    ("amount_rounds_to_zero", {"amount": "0.001", "requisite_type": "SBP"}, "amount"),
    ("amount_negative", {"amount": "-5", "requisite_type": "SBP"}, "amount"),
    ("amount_negative_number", {"amount": -5, "requisite_type": "SBP"}, "amount"),
    ("amount_exponent", {"amount": "1e3", "requisite_type": "SBP"}, "amount"),
    ("amount_garbage", {"amount": "abc", "requisite_type": "SBP"}, "amount"),
    ("amount_empty", {"amount": "", "requisite_type": "SBP"}, "amount"),
    ("amount_spaces", {"amount": " 10", "requisite_type": "SBP"}, "amount"),
    ("amount_overflow", {"amount": "99999999999999999999999", "requisite_type": "SBP"},
     "amount"),
    ("amount_overflow_number", '{"amount":99999999999999999999999,"requisite_type":"SBP"',
     "amount"),
    ("amount_int64_edge", {"amount": "92233720368547758.08", "requisite_type": "SBP"},
     "amount"),
    ("amount_two_dots", {"amount": "1.2.3", "requisite_type": "SBP"}, "amount"),
    ("amount_comma", {"amount": "10,50", "requisite_type": "SBP"}, "amount"),
    ("amount_nan", {"amount": "NaN", "requisite_type": "SBP"}, "amount"),
    ("amount_bool", {"amount": True, "requisite_type": "SBP"}, "amount"),
    ("amount_null", {"amount": None, "requisite_type": "SBP"}, "amount"),
    ("missing_requisite_type", {"amount": "10"}, "requisite_type"),
    ("unknown_requisite_type", {"amount": "10", "requisite_type": "Bitcoin"},
     "requisite_type"),
    ("requisite_type_lowercase", {"amount": "10", "requisite_type": "sbp"}, "requisite_type"),
    ("requisite_type_number", {"amount": "10", "requisite_type": 5}, "requisite_type"),
    ("unknown_currency", dict(GOOD, currency="XXX"), "currency"),
    ("currency_number", dict(GOOD, currency=643), "currency"),
    ("countries_not_array", dict(GOOD, countries="RUS"), "countries"),
    ("countries_not_strings", dict(GOOD, countries=[1, 2]), "countries"),
    ("payment_systems_not_array", dict(GOOD, payment_systems="MIR"), "payment_systems"),
    ("merchant_order_id_too_long", dict(GOOD, merchant_order_id="m" * 256),
     "merchant_order_id"),
    ("merchant_order_id_too_many_bytes", dict(GOOD, merchant_order_id="я" * 128),
     "merchant_order_id"),
    ("merchant_order_id_number", dict(GOOD, merchant_order_id=5), "merchant_order_id"),
    ("customer_name_too_long", dict(GOOD, customer_name="c" * 256), "customer_name"),
    ("customer_requisite_too_long", dict(GOOD, customer_requisite="c" * 256),
     "customer_requisite"),
    ("bank_code_number", dict(GOOD, bank_code=7), "bank_code"),
    ("duplicate_keys", '{"amount":"10","amount":"20","requisite_type":"SBP"', "amount"),
]


def _bad_body_bytes(spec, key, amount_field="amount"):
    """Turn a BAD_BODIES entry into bytes carrying idempotency key `key`."""
    if isinstance(spec, dict):
        d = dict(spec)
        if amount_field != "amount" and "amount" in d:
            d[amount_field] = d.pop("amount")
        d["idempotency_key"] = key
        return compact(d)
    if spec.startswith("{") and not spec.endswith("}"):
        # a truncated/handwritten object: append the key and close it, except
        # for the deliberately invalid JSON
        if spec.endswith(","):
            return spec  # invalid JSON on purpose
        s = spec + f',"idempotency_key":"{key}"}}'
        if amount_field != "amount":
            s = s.replace('"amount"', f'"{amount_field}"')
        return s
    return spec


def _orders_count(server):
    return server.count_rows("orders") if server.db_path else None


@pytest.mark.parametrize("case,spec,field", BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
@pytest.mark.parametrize("route", ["/v1/orders", "/orders"])
def test_bad_input_400_nothing_stored(env, case, spec, field, route):
    server, creds, client = env
    amount_field = "amount_rub" if route == "/orders" else "amount"
    key = new_key()
    body = _bad_body_bytes(spec, key, amount_field)
    before = _orders_count(server)
    r = client.post(route, body)
    assert r.status == 400, r
    msg = error_of(r)
    if field is not None:
        expect = amount_field if field == "amount" else field
        assert expect in msg, msg
    assert _orders_count(server) == before
    # the key was not taken: a valid request with it creates a fresh order
    r = client.post(route, {amount_field: "10", "requisite_type": "SBP",
                            "idempotency_key": key})
    assert r.status == 200, r


@pytest.mark.parametrize("case,payload,field", [
    ("missing_idempotency_key", {"amount": "10", "requisite_type": "SBP"}, "idempotency_key"),
    ("idempotency_key_too_long", dict(GOOD, idempotency_key="k" * 256), "idempotency_key"),
    ("idempotency_key_empty", dict(GOOD, idempotency_key=""), "idempotency_key"),
    ("idempotency_key_number", dict(GOOD, idempotency_key=12345), "idempotency_key"),
])
def test_bad_idempotency_key(env, case, payload, field):
    server, creds, client = env
    before = _orders_count(server)
    r = client.post("/v1/orders", payload)
    assert r.status == 400, r
    assert field in error_of(r)
    assert _orders_count(server) == before


def test_length_limits_accept_255_bytes(env):
    _, _, client = env
    r = client.create_order(idempotency_key="k" * 254 + "1",
                            merchant_order_id="я" * 127 + "m",
                            customer_name="c" * 255)
    assert r.status == 200, r
    assert r.json["merchant_order_id"] == "я" * 127 + "m"


def test_unknown_fields_ignored(env):
    _, _, client = env
    r = client.create_order(something_new="x", nested={"a": 1})
    assert r.status == 200, r


# ---- requisite assignment ----

def test_no_requisite_of_type_trader_not_found(env):
    server, creds, client = env
    r = client.create_order(requisite_type="tips", merchant_order_id="tnf-1")
    assert r.status == 200, r
    o = r.json
    assert o["status"] == "traderNotFound"
    assert UUID_RE.match(o["uuid"])
    assert o["amount"] == "1000.47"
    assert o.get("requisite") in (None, ""), o
    r = client.get_order(o["uuid"])
    assert r.status == 200 and r.json["status"] == "traderNotFound"


def test_no_requisite_in_currency_trader_not_found(env):
    _, _, client = env
    r = client.create_order(currency="USD")  # the pool's SBP requisite takes RUB
    assert r.status == 200, r
    assert r.json["status"] == "traderNotFound"
    assert r.json["currency"] == "USD"


def test_requisites_spread_and_bank_preference(kassad, make_shop, make_requisite):
    creds = make_shop(kassad, requisite=False)
    phones = ["+79001110001", "+79001110002", "+79001110003"]
    banks = ["Sber", "Tinkoff", "Alfa"]
    for p, b in zip(phones, banks):
        make_requisite(kassad, requisite=p, bank_code=b)
    make_requisite(kassad, type="card", requisite="2200000000000004", bank_code="Sber")
    client = kassad.panda(creds)
    used = []
    for i in range(30):
        r = client.create_order(amount=f"{100 + i}")
        assert r.status == 200, r
        assert r.json["status"] == "pending"
        used.append(r.json["requisite"])
    assert set(used) == set(phones), used
    # In rotation: every requisite of the type takes its turn.
    assert [used.count(p) for p in phones] == [10, 10, 10], used
    for i in range(5):
        r = client.create_order(bank_code="Tinkoff", amount=f"{300 + i}")
        assert r.status == 200, r
        assert r.json["requisite"] == "+79001110002"
        assert r.json["bank_code"] == "Tinkoff"
    r = client.create_order(requisite_type="card")
    assert r.status == 200 and r.json["requisite"] == "2200000000000004"


# ---- countries: null entries, and only requisites of the listed countries ----

REQUISITE_KEYS = ("requisite", "requisite_attributes", "owner_full_name", "bank_code",
                  "bank_name_ru", "bank_name_en", "country_code", "requisite_data")


def test_countries_null_entries_ignored(env):
    """A production client sends "countries":[null] on every RUB order: accepted,
    no filter; nulls beside a country are dropped and the country kept."""
    server, creds, client = env
    req = creds["requisite"]
    for i, countries in enumerate(([None], [None, None], [None, "RUS"], [])):
        r = client.create_order(countries=countries, amount=f"{1000 + i}.47")
        assert r.status == 200, (countries, r)
        assert r.json["status"] == "pending", r.json
        assert r.json["requisite"] == req["requisite"]
        assert r.json["country_code"] == "RUS"
    # That client's own body: the legacy route, a number amount, no Content-Type.
    body = compact({"amount_rub": 1500.5, "requisite_type": "SBP",
                    "idempotency_key": new_key(), "countries": [None]}).encode()
    hdrs = client.headers(body)
    del hdrs["Content-Type"]
    r = send_raw(server.base_url, "POST", "/orders", body, list(hdrs.items()))
    assert r.status == 200, r
    assert r.json["status"] == "pending"
    assert r.json["amount"] == "1500.50"
    assert r.json["requisite_data"]["requisites"] == req["requisite"]
    # Replayed with the same key: the same order.
    r2 = send_raw(server.base_url, "POST", "/orders", body, list(client.headers(body).items()))
    assert r2.status == 200, r2
    assert r2.json["uuid"] == r.json["uuid"]
    # Nothing but strings and nulls, and only known countries, still.
    for bad in ([None, 5], [None, "MARS"], [{"code": "RUS"}]):
        r = client.create_order(countries=bad)
        assert r.status == 400, (bad, r)
        assert "countries" in error_of(r)


def test_countries_pick_only_listed_countries(kassad, make_shop, make_requisite):
    creds = make_shop(kassad)  # one SBP requisite of RUS
    rus = creds["requisite"]["requisite"]
    client = kassad.panda(creds)

    # KAZ asked, only RUS in the pool: the answer of a create no requisite can
    # take (status traderNotFound, no requisite fields), as for a type without any.
    none_of_type = client.create_order(requisite_type="tips")
    assert none_of_type.status == 200 and none_of_type.json["status"] == "traderNotFound"
    before = kassad.count_rows("orders")
    for legacy in (False, True):
        r = client.create_order(countries=["KAZ"], merchant_order_id="kaz-none", legacy=legacy)
        assert r.status == 200, r
        o = r.json
        assert o["status"] == "traderNotFound", o
        assert set(o) == set(none_of_type.json), o
        for k in REQUISITE_KEYS:
            assert k not in o, (k, o)
        assert o["requisite_type"] == "SBP"
        assert o["amount"] == "1000.47"
        assert o["merchant_order_id"] == "kaz-none"
        g = client.get_order(o["uuid"])
        assert g.status == 200 and g.json["status"] == "traderNotFound", g
        assert "requisites" not in g.json
    assert kassad.count_rows("orders") == before + 2
    assert kassad.count_rows("orders", "requisite_id IS NOT NULL AND merchant_order_id = ?",
                             ("kaz-none",)) == 0

    # KAZ requisites join the pool (and another RUS one, and a UZB one).
    kaz_sber = make_requisite(kassad, requisite="+77010000001", country_code="KAZ")
    kaz_halyk = make_requisite(kassad, requisite="+77010000002", country_code="KAZ",
                               bank_code="Halyk")
    rus2 = make_requisite(kassad, requisite="+79001234500")
    uzb = make_requisite(kassad, requisite="+998900000001", country_code="UZB")
    kaz = {kaz_sber["requisite"], kaz_halyk["requisite"]}
    everyone = kaz | {rus, rus2["requisite"], uzb["requisite"]}

    # Many creates, never a RUS one: the KAZ requisites in turn.
    used = []
    for i in range(12):
        r = client.create_order(amount=f"{200 + i}", countries=["KAZ"], legacy=i % 2 == 1)
        assert r.status == 200, r
        assert r.json["status"] == "pending", r.json
        assert r.json["country_code"] == "KAZ", r.json
        used.append(r.json["requisite"])
    assert set(used) == kaz, used
    assert sorted(used.count(p) for p in kaz) == [6, 6], used

    # Several countries (null entries ignored beside them).
    used = []
    for i in range(9):
        r = client.create_order(countries=[None, "UZB", "KAZ"], amount=f"{300 + i}")
        assert r.status == 200 and r.json["status"] == "pending", r
        assert r.json["country_code"] in ("KAZ", "UZB"), r.json
        used.append(r.json["requisite"])
    assert set(used) == kaz | {uzb["requisite"]}, used

    # A preferred bank among the listed countries only: Sber's KAZ requisite,
    # not the RUS ones of Sber; a bank no KAZ requisite has: any KAZ one.
    for i in range(3):
        r = client.create_order(countries=["KAZ"], bank_code="Sber", amount=f"{400 + i}")
        assert r.status == 200 and r.json["requisite"] == kaz_sber["requisite"], r
        r = client.create_order(countries=["KAZ"], bank_code="Halyk", amount=f"{400 + i}")
        assert r.status == 200 and r.json["requisite"] == kaz_halyk["requisite"], r
        r = client.create_order(countries=["KAZ"], bank_code="Tinkoff", amount=f"{500 + i}")
        assert r.status == 200 and r.json["requisite"] in kaz, r

    # ANY (alone or beside a country), or no countries: every requisite in turn.
    for j, countries in enumerate((["ANY"], ["KAZ", "ANY"], None)):
        extra = {} if countries is None else {"countries": countries}
        used = [client.create_order(amount=f"{600 + 10 * j + i}", **extra).json["requisite"]
                for i in range(10)]
        assert set(used) == everyone, (countries, used)
        assert [used.count(p) for p in everyone] == [2] * 5, (countries, used)

    # A country with none: traderNotFound even with others in the pool.
    r = client.create_order(countries=["TJK"])
    assert r.status == 200 and r.json["status"] == "traderNotFound", r


def test_countries_concurrent_creates_never_other_countries(kassad, make_shop, make_requisite):
    """Creates with and without countries in the same group-commit batches:
    each filtered one gets a requisite of its country, none goes without."""
    creds = make_shop(kassad)  # RUS
    make_requisite(kassad, requisite="+79001234501")
    kaz = {make_requisite(kassad, requisite=f"+7701000000{i}", country_code="KAZ")["requisite"]
           for i in range(3)}
    client = kassad.panda(creds)
    n = 80

    def one(i):
        extra = {"countries": ["KAZ"]} if i % 2 == 0 else {"countries": [None]}
        return i, client.create_order(amount=f"{i + 1}.00", **extra)

    with concurrent.futures.ThreadPoolExecutor(32) as ex:
        results = list(ex.map(one, range(n)))
    kaz_used = []
    for i, r in results:
        assert r.status == 200, r
        assert r.json["status"] == "pending", r.json
        if i % 2 == 0:
            assert r.json["country_code"] == "KAZ", r.json
            kaz_used.append(r.json["requisite"])
    assert set(kaz_used) == kaz, kaz_used


# ---- a payment method the shop switched off ----

def test_switched_off_method_refused(kassad, make_shop):
    creds = make_shop(kassad)  # one SBP requisite
    client = kassad.panda(creds)
    other = make_shop(kassad, requisite=False, name="Other shop")
    other_client = kassad.panda(other)
    r = client.create_order()  # the shop is authenticated (and cached) already
    assert r.status == 200 and r.json["status"] == "pending", r

    def switch(method, enabled):
        status, body = kassad.admin("PUT", f"/admin/v1/shops/{creds['id']}/methods/{method}",
                                    {"enabled": enabled})
        assert status == 200 and body["enabled"] is enabled, (status, body)

    switch(28, False)  # SBP
    orders = kassad.count_rows("orders")
    keys = kassad.count_rows("idempotency")
    key = new_key()
    for legacy in (False, True):
        r = client.create_order(idempotency_key=key, legacy=legacy, merchant_order_id="off-1")
        assert r.status == 400, r
        assert r.json == {"error": "requisite_type SBP is switched off for this shop"}, r.json
    assert kassad.count_rows("orders") == orders
    assert kassad.count_rows("idempotency") == keys
    r = client.orders_by_merchant_id("off-1")
    assert r.status == 200 and r.json == [], r
    # Another type is not refused (no card requisite: traderNotFound), nor is
    # the same type at another shop (the pool serves every shop).
    r = client.create_order(requisite_type="card")
    assert r.status == 200 and r.json["status"] == "traderNotFound", r
    r = other_client.create_order(amount="1001.47")
    assert r.status == 200 and r.json["status"] == "pending", r
    switch(36, False)  # bank card: panda's "card"
    r = client.create_order(requisite_type="card")
    assert r.status == 400, r
    assert r.json == {"error": "requisite_type card is switched off for this shop"}, r.json

    # Switched on again: the same key creates the order (nothing was kept),
    # once the first order's amount is free on the shop's one requisite.
    switch(28, True)
    kassa_client.release_pending(kassad, creds["id"])
    r = client.create_order(idempotency_key=key, merchant_order_id="off-1")
    assert r.status == 200, r
    assert r.json["status"] == "pending"
    assert r.json["requisite"] == creds["requisite"]["requisite"]
    assert kassad.count_rows("orders") == orders + 3


# ---- reading orders ----

@pytest.mark.parametrize("prefix", ["/orders", "/v1/orders"])
def test_get_order(env, prefix):
    server, creds, client = env
    r = client.create_order(merchant_order_id="get-1", legacy=(prefix == "/orders"),
                            amount=SEED_AMOUNT)
    assert r.status == 200, r
    created = r.json
    r = client.get(f"{prefix}/{created['uuid']}")
    assert r.status == 200, r
    o = r.json
    assert o["uuid"] == created["uuid"]
    assert o["uuid_callback"] == created["uuid_callback"]
    assert o["status"] == "pending"
    assert isinstance(o["amount"], (int, float)) and not isinstance(o["amount"], bool)
    assert o["amount"] == 1000.47
    assert b'"amount":1000.47' in r.body.replace(b" ", b"")
    assert o["requisites"] == creds["requisite"]["requisite"]
    assert isinstance(o["url_callback"], str)
    assert o["url_callback"].startswith(server.base_url), o["url_callback"]
    assert o["merchant_order_id"] == "get-1"
    assert o["currency"] == "RUB"
    assert o["created_at"] == created["created_at"]
    assert o["expires_at"] == created["expires_at"]


@pytest.mark.parametrize("prefix", ["/orders", "/v1/orders"])
def test_get_order_not_found(env, other_shop, prefix):
    server, creds, client = env
    r = client.get(f"{prefix}/{uuidlib.uuid4()}")
    assert r.status == 404, r
    assert r.json == {"error": "Order not found"}
    # another shop's order is not found either
    _, other_client = other_shop
    theirs = other_client.create_order()
    assert theirs.status == 200
    r = client.get(f"{prefix}/{theirs.json['uuid']}")
    assert r.status == 404, r
    assert r.json == {"error": "Order not found"}


@pytest.mark.parametrize("prefix", ["/orders", "/v1/orders"])
def test_orders_by_merchant_order_id(env, other_shop, prefix):
    server, creds, client = env
    mid = "shared-mid-" + prefix.strip("/").replace("/", "-")
    a = client.create_order(merchant_order_id=mid, amount="10")
    b = client.create_order(merchant_order_id=mid, amount="20")
    _, other_client = other_shop
    c = other_client.create_order(merchant_order_id=mid, amount="30")
    assert a.status == b.status == c.status == 200
    r = client.orders_by_merchant_id(mid, prefix=prefix)
    assert r.status == 200, r
    assert isinstance(r.json, list)
    assert sorted(o["uuid"] for o in r.json) == sorted([a.json["uuid"], b.json["uuid"]])
    for o in r.json:
        assert o["merchant_order_id"] == mid


def test_orders_by_merchant_order_id_many(kassad, shop):
    """No silent cap: 300 orders sharing a merchant_order_id are all listed."""
    client = kassad.panda(shop)
    made = set()
    for i in range(300):
        r = client.create_order(amount=f"{i + 1}", merchant_order_id="many")
        assert r.status == 200, r
        made.add(r.json["uuid"])
    r = client.orders_by_merchant_id("many")
    assert r.status == 200, r
    assert {o["uuid"] for o in r.json} == made


@pytest.mark.parametrize("mid", ["ord 1/2", "заказ-1", "a%2Fb", "x?y=1#z"])
def test_orders_by_merchant_order_id_encoded(env, mid):
    """The id travels percent-encoded in the path; it is matched decoded."""
    _, _, client = env
    mid = mid + "-" + new_key()[:8]
    r = client.create_order(merchant_order_id=mid)
    assert r.status == 200, r
    lst = client.orders_by_merchant_id(mid)
    assert lst.status == 200, lst
    assert [o["uuid"] for o in lst.json] == [r.json["uuid"]]
    assert lst.json[0]["merchant_order_id"] == mid


def test_orders_by_merchant_order_id_none(env):
    _, _, client = env
    r = client.orders_by_merchant_id("never-used-" + new_key())
    assert r.status == 200, r
    assert r.json == []


@pytest.mark.parametrize("prefix", ["/orders", "/v1/orders"])
def test_public_callback_view(env, prefix):
    server, creds, client = env
    r = client.create_order()
    assert r.status == 200
    created = r.json
    r = public_get(server.base_url, f"{prefix}/callback/{created['uuid_callback']}")
    assert r.status == 200, r
    v = r.json
    assert v["uuid"] == created["uuid"]
    assert v["uuid_callback"] == created["uuid_callback"]
    assert v["amount_rub"] == 1000.47 and not isinstance(v["amount_rub"], str)
    assert v["status"] == "pending"
    assert v["currency"] == "RUB"
    assert isinstance(v["ttl_sec"], int) and 800 < v["ttl_sec"] <= 900, v["ttl_sec"]
    assert v["confirmed_by_customer"] is False
    req = creds["requisite"]
    info = v["requisite_info"]
    assert info["type"] == "SBP"
    assert info["requisites"] == req["requisite"]
    assert info["owner_full_name"] == req["owner_full_name"]
    assert info["bank_code"] == req["bank_code"]
    assert info["bank_name"] in (req["bank_name_ru"], req["bank_name_en"])
    assert isinstance(info["attributes"], dict)
    assert v["created_at"] == created["created_at"]
    for k in ("payment_redirect_url", "dark_qr_code_url", "light_qr_code_url", "receipt"):
        assert k in v, k


@pytest.mark.parametrize("prefix", ["/orders", "/v1/orders"])
def test_public_callback_errors(env, prefix):
    server, _, _ = env
    for bad in ("not-a-uuid", "1234", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"):
        r = public_get(server.base_url, f"{prefix}/callback/{bad}")
        assert r.status == 400, (bad, r)
        assert r.json == {"error": "Invalid callback UUID format"}
    r = public_get(server.base_url, f"{prefix}/callback/{uuidlib.uuid4()}")
    assert r.status == 404, r
    assert r.json == {"error": "Order not found"}


def test_public_callback_not_by_order_uuid(env):
    """The payer's view is reached by uuid_callback, not by the order's uuid."""
    server, _, client = env
    r = client.create_order()
    r = public_get(server.base_url, f"/orders/callback/{r.json['uuid']}")
    assert r.status == 404, r
    assert r.json == {"error": "Order not found"}


def test_ttl_follows_clock(kassad, shop):
    client = kassad.panda(shop)
    r = client.create_order()
    assert r.status == 200
    cb = r.json["uuid_callback"]
    kassad.advance_clock(100)
    v = public_get(kassad.base_url, f"/orders/callback/{cb}").json
    assert 700 < v["ttl_sec"] <= 800, v["ttl_sec"]


def test_order_ttl_option(kassad_factory, make_shop):
    server = kassad_factory(extra_args=["--panda-order-ttl", "60"])
    creds = make_shop(server)
    r = server.panda(creds).create_order()
    assert r.status == 200, r
    assert iso_to_unix(r.json["expires_at"]) - iso_to_unix(r.json["created_at"]) == 60


# ---- durability ----

def test_restart_keeps_orders(kassad, shop):
    client = kassad.panda(shop)
    key = new_key()
    r = client.create_order(idempotency_key=key, merchant_order_id="restart-1", legacy=True,
                            amount=SEED_AMOUNT)
    assert r.status == 200, r
    created = r.json
    before = client.get_order(created["uuid"]).json
    kassad.stop()
    kassad.start()
    client = kassad.panda(shop)
    r = client.get_order(created["uuid"])
    assert r.status == 200, r
    assert r.json == before
    r = client.create_order(idempotency_key=key, merchant_order_id="restart-1", legacy=True,
                            amount=SEED_AMOUNT)
    assert r.status == 200 and r.json["uuid"] == created["uuid"]
    r = client.orders_by_merchant_id("restart-1")
    assert [o["uuid"] for o in r.json] == [created["uuid"]]


def test_kill_keeps_answered_orders(kassad, shop):
    """An order answered 200 was committed: it survives SIGKILL."""
    client = kassad.panda(shop)
    uuids = []
    for i in range(10):
        r = client.create_order(amount=f"{i + 1}")
        assert r.status == 200
        uuids.append(r.json["uuid"])
    kassad.kill()
    kassad.start()
    client = kassad.panda(shop)
    for u in uuids:
        assert client.get_order(u).status == 200


@pytest.mark.parametrize("how", ["sigterm", "sigkill"])
def test_answered_orders_survive_stop_under_load(kassad, shop, how):
    """Orders are created by 16 threads while kassad is stopped (SIGTERM) or
    killed (SIGKILL): every order answered 200 is there after the restart, and
    no request is answered with anything but 200 (the others fail to connect
    or lose their connection)."""
    client = kassad.panda(shop)
    mid = f"load-{how}"
    stop = threading.Event()
    answered, bad = [], []
    lock = threading.Lock()

    def worker():
        while not stop.is_set():
            try:
                r = client.create_order(amount="10", merchant_order_id=mid)
            except OSError:
                continue
            with lock:
                (answered if r.status == 200 else bad).append(r)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    if how == "sigterm":
        rc = kassad.stop()
        assert rc == 0
    else:
        kassad.kill()
    time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    assert not bad, [(r.status, r.body) for r in bad[:5]]
    assert len(answered) > 20, len(answered)
    kassad.start()
    client = kassad.panda(shop)
    missing = [a.json["uuid"] for a in answered
               if client.get_order(a.json["uuid"]).status != 200]
    assert not missing, f"{len(missing)} of {len(answered)} answered orders lost"


def _strict_headers(creds, ts, method, target, body=b""):
    import hashlib
    import hmac
    msg = f"{ts}\n{method}\n{target}\n".encode() + body
    sig = hmac.new(creds["panda"]["secret"].encode(), msg, hashlib.sha256).hexdigest()
    return {"X-API-Key": creds["panda"]["api_key"], "X-Timestamp": str(ts),
            "X-Signature": sig, "X-Signature-Mode": "strict"}


def test_strict_signature_holds_for_one_request(env):
    """A plain GET signature covers the timestamp alone, so any signed GET's
    headers cancel any order of the shop for the window; a strict signature
    covers method and target: it cancels the order it was made for only."""
    server, creds, client = env
    a = client.create_order(amount="10.00").json
    b = client.create_order(amount="11.00").json
    ts = server.now()
    h = _strict_headers(creds, ts, "GET", f"/v1/orders/{a['uuid']}/cancel")
    r = send_raw(server.base_url, "GET", f"/v1/orders/{b['uuid']}/cancel", headers=h.items())
    assert r.status == 401 and r.json == {"error": "invalid signature"}, r
    r = send_raw(server.base_url, "GET", f"/v1/orders/{a['uuid']}/cancel", headers=h.items())
    assert r.status == 200, r
    assert server.admin("GET", f"/admin/v1/orders/{b['uuid']}")[1]["status"] == "pending"
    bad = dict(h, **{"X-Signature-Mode": "loose"})
    r = send_raw(server.base_url, "GET", f"/v1/orders/{b['uuid']}", headers=bad.items())
    assert r.status == 401 and r.json == {"error": "X-Signature-Mode: expected strict"}, r
    body = json.dumps({"amount": "12.00", "requisite_type": "SBP",
                       "idempotency_key": new_key()}).encode()
    hc = dict(_strict_headers(creds, ts, "POST", "/v1/orders", body),
              **{"Content-Type": "application/json"})
    r = send_raw(server.base_url, "POST", "/v1/orders", body, headers=hc.items())
    assert r.status == 200, r


def test_shop_requiring_strict_signatures(env):
    """A shop switched to strict signatures (strict_signing: true)
    refuses plain ones on every panda call, reads included, and stores
    nothing for a refused create; strict ones pass. Off again, plain ones
    pass again."""
    server, _, _ = env
    creds = create_shop(server, name="Strict shop")
    client = server.panda(creds)
    path = f"/admin/v1/shops/{creds['id']}"
    st, view = server.admin("GET", path)
    assert st == 200 and view["strict_signing"] is False, view
    a = client.create_order(amount="10.00").json

    st, body = server.admin("PATCH", path, {"strict_signing": "yes"})
    assert st == 400 and body == {"error": "strict_signing: expected true or false"}
    assert server.admin("GET", path)[1] == view
    st, body = server.admin("PATCH", path, {"strict_signing": True})
    assert st == 200 and body["strict_signing"] is True, body
    assert server.admin("GET", path)[1]["strict_signing"] is True

    refused = {"error": "this shop takes strict signatures only: send X-Signature-Mode: strict "
                        "with X-Signature = HMAC over timestamp, method, target and body"}
    n = server.count_rows("orders")
    r = client.get_order(a["uuid"])
    assert r.status == 401 and r.json == refused, r
    r = client.create_order(amount="11.00")
    assert r.status == 401 and r.json == refused, r
    assert server.count_rows("orders") == n
    ts = server.now()
    h = _strict_headers(creds, ts, "GET", f"/v1/orders/{a['uuid']}")
    r = send_raw(server.base_url, "GET", f"/v1/orders/{a['uuid']}", headers=h.items())
    assert r.status == 200 and r.json["uuid"] == a["uuid"], r
    body = json.dumps({"amount": "12.00", "requisite_type": "SBP",
                       "idempotency_key": new_key()}).encode()
    hc = dict(_strict_headers(creds, ts, "POST", "/v1/orders", body),
              **{"Content-Type": "application/json"})
    r = send_raw(server.base_url, "POST", "/v1/orders", body, headers=hc.items())
    assert r.status == 200, r
    assert server.count_rows("orders") == n + 1

    st, body = server.admin("PATCH", path, {"strict_signing": False})
    assert st == 200 and body["strict_signing"] is False, body
    assert client.get_order(a["uuid"]).status == 200


def test_plain_signature_reused_for_another_change_refused(env):
    """A plain GET signature covers the timestamp alone: the headers of one
    signed request (a read seen in a log, or a cancel) used to cancel any
    other pending order of the shop for the whole window. kassa now refuses
    a plain signature on a cancel or confirm once another target used it,
    and a change's signature on any second change, on every node (recorded
    with the change). A fresh timestamp signs anew."""
    server, creds, client = env
    a = client.create_order(amount="10.00").json
    b = client.create_order(amount="11.00").json
    ts = server.now() + 7  # no other request of this test signs with it
    msg = {"error": "signature already used for another request: sign this one with its own "
                    "X-Timestamp (or use X-Signature-Mode: strict)"}
    assert client.get(f"/v1/orders/{a['uuid']}", ts=ts).status == 200  # a read, seen
    r = client.get(f"/v1/orders/{b['uuid']}/cancel", ts=ts)
    assert r.status == 401 and r.json == msg, r
    r = client.get(f"/v1/orders/{a['uuid']}/cancel", ts=ts + 1)
    assert r.status == 200, r
    r = client.get(f"/v1/orders/{b['uuid']}/cancel", ts=ts + 1)  # the cancel's headers again
    assert r.status == 401 and r.json == msg, r
    r = client.get(f"/v1/orders/{b['uuid']}/confirm", ts=ts + 1)
    assert r.status == 401 and r.json == msg, r
    assert server.admin("GET", f"/admin/v1/orders/{b['uuid']}")[1]["status"] == "pending"
    assert client.get(f"/v1/orders/{b['uuid']}/cancel", ts=ts + 2).status == 200
