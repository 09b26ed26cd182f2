"""Rotating a shop's credentials with an overlap: the new pair works at
once, the old one until the time the operator chose (default 24 h, 0 =
now), then stops; callbacks are signed with the pair the merchant's
unchanged code has until the overlap ends. Both dialects, SQLite and
(KASSA_TEST_DB=postgres) PostgreSQL."""
import hashlib
import hmac
import time

from kassa_client import PandaClient, create_shop
from tegro_client import TegroClient, get, tegro_for
from test_callbacks import complete, new_order, receivers  # noqa: F401 (fixture)
from test_cli import kassa


def rotate(server, shop_id, dialect, overlap=None, token=None):
    body = {"dialect": dialect}
    if overlap is not None:
        body["overlap_seconds"] = overlap
    return server.admin("POST", f"/admin/v1/shops/{shop_id}/rotate", body, token=token)


def panda_with(server, api_key, secret):
    return PandaClient(server.base_url, api_key, secret, clock=server.now)


def test_panda_rotation_with_overlap(kassad):
    shop = create_shop(kassad)
    old = kassad.panda(shop)
    st, new = rotate(kassad, shop["id"], "panda", 3600)
    assert st == 200, new
    assert set(new) == {"shop_id", "dialect", "api_key", "secret", "old_valid_until"}
    assert (new["shop_id"], new["dialect"]) == (shop["id"], "panda")
    assert new["api_key"] != shop["panda"]["api_key"] and new["secret"] != shop["panda"]["secret"]
    assert len(new["api_key"]) == len(shop["panda"]["api_key"])
    fresh = panda_with(kassad, new["api_key"], new["secret"])
    assert old.create_order(amount="100.00", merchant_order_id="old-1").status == 200
    assert fresh.create_order(amount="100.00", merchant_order_id="new-1").status == 200
    # The old key with the new secret (or the other way round) is no pair.
    mixed = panda_with(kassad, shop["panda"]["api_key"], new["secret"])
    r = mixed.create_order(amount="100.00", merchant_order_id="mixed")
    assert (r.status, r.json) == (401, {"error": "invalid signature"})
    kassad.advance_clock(3601)
    r = old.create_order(amount="100.00", merchant_order_id="old-2")
    assert (r.status, r.json) == (401, {"error": "invalid API key"})
    assert fresh.create_order(amount="100.00", merchant_order_id="new-2").status == 200


def test_rotation_without_overlap_and_default(kassad):
    shop = create_shop(kassad)
    st, new = rotate(kassad, shop["id"], "panda", 0)
    assert st == 200
    r = kassad.panda(shop).create_order(amount="100.00", merchant_order_id="o")
    assert (r.status, r.json) == (401, {"error": "invalid API key"})
    # Default overlap: 24 h.
    now = kassad.now()
    st, again = rotate(kassad, shop["id"], "tegro")
    assert st == 200
    until = time.mktime(time.strptime(again["old_valid_until"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    assert abs(until - (now + 86400)) <= 5, again
    # A second rotation ends the first overlap: only the last two pairs.
    st, third = rotate(kassad, shop["id"], "panda", 3600)
    assert panda_with(kassad, new["api_key"], new["secret"]).create_order(
        amount="100.00", merchant_order_id="second").status == 200
    r = kassad.panda(shop).create_order(amount="100.00", merchant_order_id="first")
    assert r.status == 401


def test_tegro_rotation_rest_and_form(kassad):
    shop = create_shop(kassad)
    old = tegro_for(kassad, shop)
    st, new = rotate(kassad, shop["id"], "tegro", 600)
    assert st == 200
    fresh = TegroClient(kassad.base_url, shop["shop_id"], new["api_key"], new["secret"],
                        clock=kassad.now)
    assert old.create_order(order_id="t-old").status == 200
    assert fresh.create_order(order_id="t-new").status == 200
    assert get(kassad, old.pay_link(order_id="f-old")).status == 200
    assert get(kassad, fresh.pay_link(order_id="f-new")).status == 200
    kassad.advance_clock(601)
    r = old.create_order(order_id="t-old-2")
    assert (r.status, r.json) == (200, {"type": "error", "desc": "Wrong authorization token"})
    assert get(kassad, old.pay_link(order_id="f-old-2")).status == 403
    assert fresh.create_order(order_id="t-new-2").status == 200


def test_callbacks_signed_with_the_old_pair_until_the_overlap_ends(kassad, receivers):  # noqa: F811
    rec = receivers()
    shop = create_shop(kassad, callback_url=rec.url())
    st, new = rotate(kassad, shop["id"], "panda", 600)
    assert st == 200
    first = new_order(kassad, shop, merchant_order_id="cb-1")
    complete(kassad, first["uuid"])
    got = rec.wait(1)[0]
    h = got["headers"]
    assert h["X-API-Key"] == shop["panda"]["api_key"]
    want = hmac.new(shop["panda"]["secret"].encode(), h["X-Timestamp"].encode() + got["body"],
                    hashlib.sha256).hexdigest()
    assert h["X-Signature"] == want
    second = new_order(kassad, shop, merchant_order_id="cb-2")  # during the overlap: old pair
    kassad.advance_clock(601)
    complete(kassad, second["uuid"])
    got = rec.wait(2)[1]
    h = got["headers"]
    assert h["X-API-Key"] == new["api_key"]
    want = hmac.new(new["secret"].encode(), h["X-Timestamp"].encode() + got["body"],
                    hashlib.sha256).hexdigest()
    assert h["X-Signature"] == want


def test_rotation_refusals_and_audit(kassad):
    shop = create_shop(kassad, requisite=False)
    cases = [
        ({"dialect": "stripe"}, 400, "dialect: unknown dialect 'stripe'"),
        ({}, 400, "dialect: required (e.g. panda or tegro)"),
        ({"dialect": "panda", "overlap_seconds": -1}, 400,
         "overlap_seconds: expected an integer between 0 and 2592000"),
        ({"dialect": "panda", "overlap_seconds": "60"}, 400,
         "overlap_seconds: expected an integer between 0 and 2592000"),
        ({"dialect": "panda", "later": True}, 400,
         "unknown field 'later': a rotation takes dialect and overlap_seconds"),
    ]
    for body, status, message in cases:
        st, answer = kassad.admin("POST", f"/admin/v1/shops/{shop['id']}/rotate", body)
        assert (st, answer) == (status, {"error": message}), body
    assert rotate(kassad, 999, "panda")[0] == 404
    st, op = kassad.admin("POST", "/admin/v1/operators", {"name": "S", "role": "support"})
    tok = kassad.admin("POST", f"/admin/v1/operators/{op['id']}/tokens", {})[1]["token"]
    assert rotate(kassad, shop["id"], "panda", token=tok) == (
        403, {"error": "the support role may not do shop.rotate"})
    st, new = rotate(kassad, shop["id"], "panda", 60)
    assert st == 200
    st, body = kassad.admin("GET", "/admin/v1/audit?action=shop.rotate")
    assert [l["target"] for l in body["items"]] == [str(shop["id"])]
    text = str(body)
    for secret in (new["secret"], new["api_key"], shop["panda"]["secret"], shop["panda"]["api_key"]):
        assert secret not in text


def test_cli_shop_rotate(kassad):
    shop = create_shop(kassad, requisite=False)
    env = {"KASSA_SERVER": kassad.base_url, "KASSA_ADMIN_TOKEN": kassad.admin_token}
    r = kassa("shop", "rotate", str(shop["id"]), "--dialect", "panda", "--overlap-seconds", "0",
              env=env)
    assert r.returncode == 0, r.stderr
    assert '"dialect":"panda"' in r.stdout and '"secret":"' in r.stdout
    r = kassa("shop", "rotate", str(shop["id"]), "--dialect", "nope", env=env)
    assert r.returncode == 1
    assert r.stderr.strip() == "kassa: HTTP 400 Bad Request: dialect: unknown dialect 'nope'"
