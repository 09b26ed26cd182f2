"""End-to-end tests of the admin API (DESIGN.md, "Interfaces operators and scripts rely on")."""

import json
import re
import sqlite3
import time
from datetime import datetime

import pytest

from kassa_client import compact, new_key, panda_signature, pg_scalar, send_raw
from kassa_client import SBP_REQUISITE, SHOP, create_shop
from tegro_client import tegro_for

HEX32_UPPER = re.compile(r"^[0-9A-F]{32}$")


def error_of(status_body):
    status, body = status_body
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], body
    return body["error"]


# ---- authentication ----

@pytest.mark.parametrize("method,path,body", [
    ("POST", "/admin/v1/shops", SHOP),
    ("POST", "/admin/v1/requisites", SBP_REQUISITE),
    ("GET", "/admin/v1/orders/1", None),
    ("POST", "/admin/v1/clock/advance", {"seconds": 10}),
])
@pytest.mark.parametrize("token", ["", "wrong-token", "WRONG"])
def test_admin_requires_bearer(kassad_shared, method, path, body, token):
    if token == "WRONG":
        # the right token with one character changed
        t = kassad_shared.admin_token
        token = t[:-1] + ("0" if t[-1] != "0" else "1")
    r = kassad_shared.admin(method, path, body, token=token)
    assert r[0] == 401, r
    error_of(r)


def test_admin_other_schemes_rejected(kassad_shared):
    tok = kassad_shared.admin_token
    for value in (tok, f"Basic {tok}", f"Bearer{tok}", f"Bearer  {tok}x"):
        r = kassad_shared.request("POST", "/admin/v1/shops", compact(SHOP).encode(),
                                  [("Authorization", value),
                                   ("Content-Type", "application/json")])
        assert r.status == 401, (value, r)


# ---- shops ----

def test_create_shop(kassad_shared):
    status, body = kassad_shared.admin("POST", "/admin/v1/shops", SHOP)
    assert status == 201, body
    for k in ("id", "merchant_id", "shop_id", "panda", "tegro"):
        assert k in body, k
    assert HEX32_UPPER.match(body["shop_id"]), body["shop_id"]
    for d in ("panda", "tegro"):
        assert set(body[d]) >= {"api_key", "secret"}
        assert isinstance(body[d]["api_key"], str) and len(body[d]["api_key"]) >= 16
        assert isinstance(body[d]["secret"], str) and len(body[d]["secret"]) >= 16
        assert body[d]["api_key"] != body[d]["secret"]
    assert body["panda"]["api_key"] != body["tegro"]["api_key"]
    assert body["panda"]["secret"] != body["tegro"]["secret"]
    status2, body2 = kassad_shared.admin("POST", "/admin/v1/shops", SHOP)
    assert status2 == 201
    assert body2["id"] != body["id"]
    assert body2["shop_id"] != body["shop_id"]
    assert body2["panda"]["api_key"] != body["panda"]["api_key"]
    assert body2["panda"]["secret"] != body["panda"]["secret"]


def test_create_shop_for_existing_merchant(kassad_shared):
    status, a = kassad_shared.admin("POST", "/admin/v1/shops", SHOP)
    assert status == 201
    status, b = kassad_shared.admin("POST", "/admin/v1/shops",
                                    dict(SHOP, name="Second", merchant_id=a["merchant_id"]))
    assert status == 201, b
    assert str(b["merchant_id"]) == str(a["merchant_id"])
    assert b["id"] != a["id"]


def test_new_shop_credentials_work(kassad_shared):
    creds = create_shop(kassad_shared)
    r = kassad_shared.panda(creds).create_order()
    assert r.status == 200, r


@pytest.mark.parametrize("case,body,field", [
    ("missing_name", {k: v for k, v in SHOP.items() if k != "name"}, "name"),
    ("empty_name", dict(SHOP, name=""), "name"),
    ("fee_garbage", dict(SHOP, fee_percent="abc"), "fee_percent"),
    ("fee_negative", dict(SHOP, fee_percent="-1"), "fee_percent"),
    ("fee_over_100", dict(SHOP, fee_percent="101"), "fee_percent"),
    ("callback_not_url", dict(SHOP, callback_url="not a url"), "callback_url"),
    ("callback_ftp", dict(SHOP, callback_url="ftp://example.com/x"), "callback_url"),
    ("name_number", dict(SHOP, name=5), "name"),
    ("unknown_merchant", dict(SHOP, merchant_id=987654321), "merchant_id"),
])
def test_create_shop_bad_input(kassad_shared, case, body, field):
    r = kassad_shared.admin("POST", "/admin/v1/shops", body)
    expected = (400, 404) if case == "unknown_merchant" else (400,)
    assert r[0] in expected, r
    assert field in error_of(r)


@pytest.mark.parametrize("raw", [b"{", b"[]", b"", b'{"name":"a","name":"b"}'])
def test_create_shop_bad_json(kassad_shared, raw):
    r = kassad_shared.admin("POST", "/admin/v1/shops", raw=raw)
    assert r[0] == 400, r
    error_of(r)


# ---- shop settings: notification_format, PATCH ----

SHOP_VIEW = {"id", "merchant_id", "shop_id", "name", "url", "callback_url", "fee_percent",
             "fee_fixed", "allowed_hosts", "rate_limit", "rate_burst", "amount_adjust_max",
             "dispute_ttl",
             "dispute_callbacks", "dispute_auto_success", "test_mode", "callback_version", "panda_order_ttl",
             "strict_signing", "tegro_order_ttl", "notification_format", "active", "logo_url",
             "brand_color"}


def get_shop(server, shop_id):
    status, body = server.admin("GET", f"/admin/v1/shops/{shop_id}")
    assert status == 200, body
    return body


def test_create_shop_notification_format(kassad_shared):
    status, body = kassad_shared.admin("POST", "/admin/v1/shops", SHOP)
    assert status == 201 and body["notification_format"] == "form", body
    status, body = kassad_shared.admin("POST", "/admin/v1/shops",
                                       dict(SHOP, notification_format="json"))
    assert status == 201 and body["notification_format"] == "json", body
    view = get_shop(kassad_shared, body["id"])
    assert set(view) == SHOP_VIEW  # no credentials outside the creation's answer
    assert view["notification_format"] == "json"
    assert {k: body[k] for k in SHOP_VIEW} == view
    before = kassad_shared.count_rows("shops")
    for bad in ("xml", "JSON", "", 1, ["json"], "json" * 10):
        r = kassad_shared.admin("POST", "/admin/v1/shops", dict(SHOP, notification_format=bad))
        assert r == (400, {"error": 'notification_format: expected "form" or "json"'}), (bad, r)
    assert kassad_shared.count_rows("shops") == before


def test_patch_shop(kassad_shared):
    creds = create_shop(kassad_shared, requisite=False)
    sid = creds["id"]
    before = get_shop(kassad_shared, sid)
    assert before["notification_format"] == "form"
    status, body = kassad_shared.admin("PATCH", f"/admin/v1/shops/{sid}",
                                       {"notification_format": "json"})
    assert status == 200, body
    assert body == dict(before, notification_format="json")
    assert get_shop(kassad_shared, sid) == body
    # the create fields and settings; what is not given stays
    change = {"name": "Renamed shop", "url": "https://renamed.example",
              "callback_url": "https://renamed.example/cb", "fee_percent": "3.25",
              "fee_fixed": {"RUB": "5.00"}, "callback_version": 2, "tegro_order_ttl": 3600}
    status, body = kassad_shared.admin("PATCH", f"/admin/v1/shops/{sid}", change)
    assert status == 200, body
    want = dict(before, notification_format="json", name="Renamed shop",
                url="https://renamed.example", callback_url="https://renamed.example/cb",
                fee_percent="3.25", fee_fixed={"RUB": "5.00"}, callback_version=2,
                tegro_order_ttl=3600)
    assert body == want
    assert get_shop(kassad_shared, sid) == want
    # the shop's credentials still work, its keys did not change
    assert body["shop_id"] == creds["shop_id"]
    r = kassad_shared.panda(creds).create_order(requisite_type="SBP")
    assert r.status == 200, r


@pytest.mark.parametrize("patch,status,message", [
    ({"notification_format": "xml"}, 400, 'notification_format: expected "form" or "json"'),
    ({"notification_format": None}, 400, "notification_format: must not be null"),
    ({"notification_format": 1}, 400, 'notification_format: expected "form" or "json"'),
    ({"name": "New", "notification_format": "xml"}, 400,
     'notification_format: expected "form" or "json"'),
    ({"notification_format": "json", "url": "ftp://x"}, 400,
     "url: must be an http or https URL"),
    ({"name": ""}, 400, "name: required"),
    ({"callback_url": "not a url", "name": "x"}, 400,
     "callback_url: must be an http or https URL"),
    ({"fee_percent": "101"}, 400, "fee_percent: expected a decimal percent between 0 and 100 "
                                  "with at most 4 decimal places"),
    ({"callback_version": 4}, 400, "callback_version: expected an integer between 2 and 3"),
    ({"tegro_order_ttl": 10}, 400, "tegro_order_ttl: expected an integer between 60 and 2592000"),
    ({"notification_format": "json", "colour": "red"}, 400,
     "unknown field 'colour': a shop update takes name, url, callback_url, fee_percent, "
     "fee_fixed, allowed_hosts, callback_version, panda_order_ttl, strict_signing, "
     "tegro_order_ttl, "
     "notification_format"),
    ({"merchant_id": 1}, 400, "merchant_id: a shop cannot move to another merchant"),
    ({}, 400, "nothing to change: give any of name, url, callback_url, fee_percent, fee_fixed, "
              "allowed_hosts, callback_version, panda_order_ttl, strict_signing, "
              "tegro_order_ttl, "
              "notification_format"),
])
def test_patch_shop_refusals_change_nothing(kassad_shared, patch, status, message):
    creds = create_shop(kassad_shared, requisite=False)
    before = get_shop(kassad_shared, creds["id"])
    r = kassad_shared.admin("PATCH", f"/admin/v1/shops/{creds['id']}", patch)
    assert r == (status, {"error": message})
    assert get_shop(kassad_shared, creds["id"]) == before


def test_patch_and_get_shop_not_found(kassad_shared):
    assert kassad_shared.admin("PATCH", "/admin/v1/shops/987654321",
                               {"notification_format": "json"}) == \
        (404, {"error": "Shop not found"})
    assert kassad_shared.admin("GET", "/admin/v1/shops/987654321") == \
        (404, {"error": "Shop not found"})
    creds = create_shop(kassad_shared, requisite=False)
    r = kassad_shared.admin("PATCH", f"/admin/v1/shops/{creds['id']}", raw=b"[1]")
    assert r[0] == 400
    assert kassad_shared.admin("PATCH", f"/admin/v1/shops/{creds['id']}",
                               {"notification_format": "json"}, token="")[0] == 401


def raw_sql(server, sql):
    """Run statements on the server's database behind its back (stopped)."""
    if server.db_url.startswith(("postgresql://", "postgres://")):
        pg_scalar(server.db_url, sql)
        return
    con = sqlite3.connect(server.db_path)
    try:
        con.executescript(sql)
    finally:
        con.close()


# The shops table as it was before migration 010 moved each dialect's
# credentials and settings into rows of shop_dialects: the same SQL undoes
# it on both backends (the columns back, filled from the rows; the rows
# gone; 010 forgotten), so that the next start runs 010 on these shops (and
# 013, which adds a column to the shops 010 rebuilds, after it).
UNDO_010 = """
DROP INDEX orders_trader;
DELETE FROM schema_migrations WHERE name LIKE '%order_trader%';
ALTER TABLE shops DROP COLUMN logo_url;
ALTER TABLE shops DROP COLUMN brand_color;
ALTER TABLE requisites DROP COLUMN bic;
ALTER TABLE requisites DROP COLUMN corr_account;
DELETE FROM schema_migrations WHERE name LIKE '%payer_page%';
ALTER TABLE shops DROP COLUMN test_mode;
DELETE FROM schema_migrations WHERE name LIKE '%test_mode%';
DROP TABLE dispute_logs;
DROP TABLE dispute_evidence;
DROP TABLE disputes;
ALTER TABLE shops DROP COLUMN dispute_ttl;
ALTER TABLE shops DROP COLUMN dispute_callbacks;
ALTER TABLE shops DROP COLUMN dispute_auto_success;
DELETE FROM schema_migrations WHERE name LIKE '%disputes%';
ALTER TABLE shops ADD COLUMN panda_api_key TEXT NOT NULL DEFAULT '';
ALTER TABLE shops ADD COLUMN panda_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE shops ADD COLUMN tegro_api_key TEXT NOT NULL DEFAULT '';
ALTER TABLE shops ADD COLUMN tegro_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE shops ADD COLUMN panda_order_ttl INTEGER NOT NULL DEFAULT 0;
ALTER TABLE shops ADD COLUMN tegro_order_ttl INTEGER NOT NULL DEFAULT 0;
ALTER TABLE shops ADD COLUMN callback_version INTEGER NOT NULL DEFAULT 3;
ALTER TABLE shops ADD COLUMN notification_format TEXT NOT NULL DEFAULT 'form';
UPDATE shops SET
  panda_api_key = (SELECT api_key FROM shop_dialects d WHERE d.shop_id = shops.id
                   AND d.dialect = 'panda'),
  panda_secret = (SELECT secret FROM shop_dialects d WHERE d.shop_id = shops.id
                  AND d.dialect = 'panda'),
  panda_order_ttl = (SELECT order_ttl FROM shop_dialects d WHERE d.shop_id = shops.id
                     AND d.dialect = 'panda'),
  callback_version = (SELECT CAST(callback_format AS INTEGER) FROM shop_dialects d
                      WHERE d.shop_id = shops.id AND d.dialect = 'panda'),
  tegro_api_key = (SELECT api_key FROM shop_dialects d WHERE d.shop_id = shops.id
                   AND d.dialect = 'tegro'),
  tegro_secret = (SELECT secret FROM shop_dialects d WHERE d.shop_id = shops.id
                  AND d.dialect = 'tegro'),
  tegro_order_ttl = (SELECT order_ttl FROM shop_dialects d WHERE d.shop_id = shops.id
                     AND d.dialect = 'tegro'),
  notification_format = (SELECT callback_format FROM shop_dialects d
                         WHERE d.shop_id = shops.id AND d.dialect = 'tegro');
DROP TABLE shop_dialects;
DELETE FROM schema_migrations WHERE name LIKE '%shop_dialects%';
ALTER TABLE shops DROP COLUMN form_hosts;
DELETE FROM schema_migrations WHERE name LIKE '%form_hosts%';
DELETE FROM schema_migrations WHERE name LIKE '%strict_signing%';
DELETE FROM schema_migrations WHERE name LIKE '%key_rotation%';
ALTER TABLE shops DROP COLUMN rate_limit;
ALTER TABLE shops DROP COLUMN rate_burst;
DROP TABLE auth_failures;
DELETE FROM schema_migrations WHERE name LIKE '%limits%';
DROP TABLE IF EXISTS requisite_claims;
DROP TABLE requisite_days;
ALTER TABLE requisites DROP COLUMN min_amount;
ALTER TABLE requisites DROP COLUMN max_amount;
ALTER TABLE requisites DROP COLUMN daily_amount;
ALTER TABLE requisites DROP COLUMN daily_count;
ALTER TABLE requisites DROP COLUMN max_pending;
ALTER TABLE requisites DROP COLUMN paused;
ALTER TABLE orders DROP COLUMN trader_id;
ALTER TABLE orders DROP COLUMN reserve;
ALTER TABLE orders DROP COLUMN amount_requested;
ALTER TABLE orders DROP COLUMN no_requisite_reason;
ALTER TABLE orders DROP COLUMN confirmed_by;
ALTER TABLE shops DROP COLUMN amount_adjust_max;
DELETE FROM schema_migrations WHERE name LIKE '%selection%';
"""


def test_shops_carried_over_into_dialect_rows(kassad):
    """Migration 010 carries every shop's keys, secrets, order TTLs, callback
    version and notification format over into its dialect rows: the admin
    API shows each shop as before, and both dialects' keys still
    authenticate."""
    a = create_shop(kassad, requisite=False)
    b = create_shop(kassad, requisite=False, notification_format="json", callback_version=2,
                    panda_order_ttl=1234, tegro_order_ttl=4321)
    before = {s["id"]: get_shop(kassad, s["id"]) for s in (a, b)}
    assert before[b["id"]]["callback_version"] == 2
    kassad.stop()
    raw_sql(kassad, UNDO_010)
    kassad.start()
    assert kassad.count_rows("schema_migrations", "name LIKE '%shop_dialects%'") == 1
    assert kassad.count_rows("shop_dialects") == 4
    for creds in (a, b):
        assert get_shop(kassad, creds["id"]) == before[creds["id"]]
        r = kassad.panda(creds).create_order(requisite_type="SBP")
        assert r.status == 200, r.body
        assert tegro_for(kassad, creds).ok("shops")
    # b's panda orders live its 1234 s; its callbacks are version 2.
    r = kassad.panda(b).create_order(requisite_type="SBP")
    assert r.status == 200, r.body
    order = kassad.admin("GET", f"/admin/v1/orders/{r.json['uuid']}")[1]
    lived = (datetime.fromisoformat(order["expires_at"]) -
             datetime.fromisoformat(order["created_at"])).total_seconds()
    assert lived == 1234, order
    c = create_shop(kassad, requisite=False, notification_format="json")
    assert get_shop(kassad, c["id"])["notification_format"] == "json"


# ---- requisites ----

def test_create_requisite(kassad_shared):
    status, body = kassad_shared.admin("POST", "/admin/v1/requisites", SBP_REQUISITE)
    assert status == 201, body
    assert set(body) >= {"id"}
    status, body2 = kassad_shared.admin("POST", "/admin/v1/requisites",
                                        dict(SBP_REQUISITE, type="card",
                                             requisite="2200000000000004"))
    assert status == 201, body2
    assert body2["id"] != body["id"]


@pytest.mark.parametrize("case,body,field", [
    ("missing_type", {k: v for k, v in SBP_REQUISITE.items() if k != "type"}, "type"),
    ("unknown_type", dict(SBP_REQUISITE, type="Bitcoin"), "type"),
    ("missing_requisite", {k: v for k, v in SBP_REQUISITE.items() if k != "requisite"},
     "requisite"),
    ("empty_requisite", dict(SBP_REQUISITE, requisite=""), "requisite"),
    ("unknown_currency", dict(SBP_REQUISITE, currency="XXX"), "currency"),
    ("owner_too_long", dict(SBP_REQUISITE, owner_full_name="o" * 256), "owner_full_name"),
])
def test_create_requisite_bad_input(kassad_shared, case, body, field):
    r = kassad_shared.admin("POST", "/admin/v1/requisites", body)
    assert r[0] == 400, r
    assert field in error_of(r)


# ---- orders ----

def test_admin_get_order_by_uuid_and_id(kassad_shared):
    creds = create_shop(kassad_shared, requisite=False)
    r = kassad_shared.panda(creds).create_order(merchant_order_id="admin-get-1")
    assert r.status == 200, r
    u = r.json["uuid"]
    status, by_uuid = kassad_shared.admin("GET", f"/admin/v1/orders/{u}")
    assert status == 200, by_uuid
    assert by_uuid["uuid"] == u
    assert isinstance(by_uuid["id"], int) and by_uuid["id"] > 0
    status, by_id = kassad_shared.admin("GET", f"/admin/v1/orders/{by_uuid['id']}")
    assert status == 200, by_id
    assert by_id == by_uuid


def test_admin_get_order_not_found(kassad_shared):
    for ref in ("999999999", "00000000-0000-4000-8000-000000000000"):
        r = kassad_shared.admin("GET", f"/admin/v1/orders/{ref}")
        assert r[0] == 404, r
        error_of(r)


# ---- the test clock ----

def test_clock_advance_moves_timestamp_window(kassad, shop):
    before = int(time.time())
    status, body = kassad.admin("POST", "/admin/v1/clock/advance", {"seconds": 400})
    assert status == 200, body
    assert set(body) == {"now"}
    assert isinstance(body["now"], int)
    assert before + 400 <= body["now"] <= int(time.time()) + 400 + 1
    kassad.clock_offset += 400
    api_key, secret = shop["panda"]["api_key"], shop["panda"]["secret"]

    def post(ts):
        body = compact({"amount": "10", "requisite_type": "SBP", "idempotency_key": new_key()})
        return send_raw(kassad.base_url, "POST", "/v1/orders", body.encode(), [
            ("Content-Type", "application/json"), ("X-API-Key", api_key),
            ("X-Signature", panda_signature(secret, str(ts), body)), ("X-Timestamp", str(ts))])

    r = post(int(time.time()))
    assert r.status == 401, r
    r = post(int(time.time()) + 400)
    assert r.status == 200, r
    # orders are stamped on the moved clock
    created = r.json["created_at"]
    assert created >= time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(before + 399))
    status, body2 = kassad.admin("POST", "/admin/v1/clock/advance", {"seconds": 60})
    assert status == 200
    assert body2["now"] >= body["now"] + 60


@pytest.mark.parametrize("payload", [{"seconds": 0}, {"seconds": -5}, {"seconds": "10"},
                                     {}, {"seconds": 1.5}])
def test_clock_advance_bad_input(kassad_shared, payload):
    r = kassad_shared.admin("POST", "/admin/v1/clock/advance", payload)
    assert r[0] == 400, r
    assert "seconds" in error_of(r)


def test_clock_advance_refused_without_test_clock(kassad_factory, make_shop):
    server = kassad_factory(test_clock=False)
    r = server.admin("POST", "/admin/v1/clock/advance", {"seconds": 400})
    assert r[0] in (400, 403, 404), r
    error_of(r)
    creds = make_shop(server)
    r = server.panda(creds).create_order()  # signed with real time: the clock did not move
    assert r.status == 200, r


# ---- switching a shop off and on ----

def test_disable_and_enable_a_shop(kassad):
    """A switched-off shop's merchant calls are refused in each dialect's
    way and store nothing; its pending order runs its course (completed,
    its callback delivered); switched on, it works again. The CLI does the
    same."""
    import subprocess
    from tegro_client import get, tegro_for
    from test_callbacks import Receiver
    from test_cli import cli_path
    rec = Receiver(answers=(200,))
    try:
        creds = create_shop(kassad, callback_url=rec.url())
        panda, t = kassad.panda(creds), tegro_for(kassad, creds)
        pending = panda.create_order(amount="10.00").json
        link = t.pay_link(amount="15.00", currency="RUB", order_id="form-1", payment_system=28)
        st, body = kassad.admin("POST", f"/admin/v1/shops/{creds['id']}/disable")
        assert st == 200 and body["active"] is False, body
        assert kassad.admin("GET", f"/admin/v1/shops/{creds['id']}")[1]["active"] is False
        n = kassad.count_rows("orders")
        r = panda.create_order(amount="11.00")
        assert r.status == 401 and r.json == {"error": "invalid API key"}, r
        r = panda.get_order(pending["uuid"])
        assert r.status == 401 and r.json == {"error": "invalid API key"}, r
        r = t.create_order(amount="12.00")
        assert r.json == {"type": "error", "desc": "Shop is disabled"}, r.body
        page = get(kassad, link)
        assert page.status == 404 and b"no active shop has this public key" in page.body
        assert kassad.count_rows("orders") == n
        # The pending order runs its course.
        assert kassad.admin("POST", f"/admin/v1/orders/{pending['uuid']}/complete")[0] == 200
        assert len(rec.wait(1)) == 1  # its callback goes out
        st, body = kassad.admin("POST", f"/admin/v1/shops/{creds['id']}/enable")
        assert st == 200 and body["active"] is True, body
        assert panda.create_order(amount="13.00").status == 200
        assert t.create_order(amount="14.00").json["type"] == "success"
        st, body = kassad.admin("POST", "/admin/v1/shops/999999/disable")
        assert st == 404 and body == {"error": "Shop not found"}
        admin = ["--server", kassad.base_url, "--admin-token", kassad.admin_token]
        r = subprocess.run([cli_path(), "shop", "disable", str(creds["id"]), *admin],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0 and json.loads(r.stdout)["active"] is False, r.stderr
        r = subprocess.run([cli_path(), "shop", "enable", str(creds["id"]), *admin],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 0 and json.loads(r.stdout)["active"] is True, r.stderr
    finally:
        rec.close()


# ---- changing a requisite ----

def test_requisite_update_and_switch_off(kassad):
    """A requisite's bank fields change; switched off it takes no new order
    while its pending one runs its course; its type, number and currency
    never change; switched on it is given again. The CLI does the same."""
    import subprocess
    from kassa_client import create_requisite
    from test_cli import cli_path
    creds = create_shop(kassad, requisite=False)
    req = create_requisite(kassad, requisite="+79001112233")
    panda = kassad.panda(creds)
    first = panda.create_order(amount="10.00").json
    path = f"/admin/v1/requisites/{req['id']}"
    st, body = kassad.admin("PATCH", path, {"active": False, "bank_name_en": "Renamed Bank"})
    assert st == 200 and body["active"] is False and body["bank_name_en"] == "Renamed Bank", body
    assert body["requisite"] == "+79001112233" and body["id"] == req["id"]
    second = panda.create_order(amount="11.00")
    st, view = kassad.admin("GET", f"/admin/v1/orders/{second.json['uuid']}")
    assert view["requisite"] is None and view["status"] == "no_requisite", view
    st, view = kassad.admin("GET", f"/admin/v1/orders/{first['uuid']}")
    assert view["requisite"]["id"] == req["id"] and view["status"] == "pending"
    assert kassad.admin("POST", f"/admin/v1/orders/{first['uuid']}/complete")[0] == 200
    for patch, message in [
        ({"requisite": "+79990000000"}, "requisite: a requisite's type, number and currency never "
         "change (a payer may be paying it now); add a new requisite and switch this one off"),
        ({"colour": "red"}, "unknown field 'colour': a requisite update takes active, "
         "owner_full_name, bank_code, bank_name_ru, bank_name_en, country_code, bic, "
         "corr_account, min_amount, max_amount, daily_amount, daily_count, max_pending, paused"),
        ({"active": "no"}, "active: expected true or false"),
        ({"owner_full_name": ""}, "owner_full_name: must not be empty"),
        ({}, "nothing to change"),
    ]:
        st, body = kassad.admin("PATCH", path, patch)
        assert st == 400 and body == {"error": message}, (patch, body)
    st, body = kassad.admin("PATCH", "/admin/v1/requisites/999999", {"active": True})
    assert st == 404 and body == {"error": "Requisite not found"}
    admin = ["--server", kassad.base_url, "--admin-token", kassad.admin_token]
    r = subprocess.run([cli_path(), "requisite", "update", str(req["id"]), *admin, "--active", "on",
                        "--bank-code", "tinkoff"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["active"] is True and out["bank_code"] == "tinkoff"
    third = panda.create_order(amount="12.00").json
    st, view = kassad.admin("GET", f"/admin/v1/orders/{third['uuid']}")
    assert view["requisite"]["id"] == req["id"] and view["status"] == "pending", view
