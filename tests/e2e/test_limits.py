"""Failed authentications are limited per client address and per key
(panda's API key, tegro's shop_id) in every dialect: after
--auth-fail-limit failures in --auth-fail-window seconds, 429 in the
dialect's own error format with Retry-After, the right credentials
included. On PostgreSQL the count is shared by the nodes. A shop's own
request rate limit (a token bucket) answers 429 too. Loopback addresses
127.0.0.x stand for different clients."""
import hashlib
import hmac
import http.client
import json
import time

import pytest

from kassa_client import Response, _observe, create_shop, parse_json
from tegro_client import TegroClient, get, tegro_for

LIMITS = ["--auth-fail-limit", "3", "--auth-fail-window", "60"]


def panda_get(server, api_key, secret, source="127.0.0.1", path="/v1/orders/00000000-0000-7000-8000-000000000000"):
    """A signed panda GET from the loopback address `source`."""
    ts = str(int(time.time()) + server.clock_offset)
    sig = hmac.new(secret.encode(), ts.encode(), hashlib.sha256).hexdigest()
    port = int(server.base_url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    try:
        conn.request("GET", path, headers={"X-API-Key": api_key, "X-Timestamp": ts,
                                           "X-Signature": sig})
        r = conn.getresponse()
        data = r.read()
        resp = Response(r.status, r.headers, data, parse_json(data))
        _observe("GET", f"http://127.0.0.1:{port}{path}", resp)  # checked against docs/openapi/
        return resp
    finally:
        conn.close()


@pytest.fixture
def limited(kassad_factory):
    return kassad_factory("limited", extra_args=LIMITS)


def test_panda_key_and_address_locked_out(limited):
    a = create_shop(limited, requisite=False)
    b = create_shop(limited, requisite=False)
    key, secret = a["panda"]["api_key"], a["panda"]["secret"]
    assert panda_get(limited, key, secret, "127.0.0.2").status == 404  # authenticated
    for _ in range(3):
        r = panda_get(limited, key, "wrong", "127.0.0.2")
        assert (r.status, r.json) == (401, {"error": "invalid signature"})
    r = panda_get(limited, key, secret, "127.0.0.2")
    assert r.status == 429, r
    retry = int(r.headers["Retry-After"])
    assert 1 <= retry <= 60
    assert r.json == {"error": f"too many failed authentications; try again in {retry} s"}
    # The key, from another address; the address, with another key.
    assert panda_get(limited, key, secret, "127.0.0.3").status == 429
    other = panda_get(limited, b["panda"]["api_key"], b["panda"]["secret"], "127.0.0.2")
    assert other.status == 429
    # Another key from another address is not touched.
    assert panda_get(limited, b["panda"]["api_key"], b["panda"]["secret"], "127.0.0.4").status == 404
    # Unknown keys count against the address.
    for _ in range(3):
        assert panda_get(limited, "no-such-key", "x", "127.0.0.5").status == 401
    assert panda_get(limited, b["panda"]["api_key"], b["panda"]["secret"], "127.0.0.5").status == 429
    assert limited.wait_log("panda authentication failed")


def test_lock_ends_with_its_window(kassad_factory):
    k = kassad_factory("short", extra_args=["--auth-fail-limit", "2", "--auth-fail-window", "2"])
    a = create_shop(k, requisite=False)
    key, secret = a["panda"]["api_key"], a["panda"]["secret"]
    for _ in range(2):
        assert panda_get(k, key, "wrong", "127.0.0.6").status == 401
    assert panda_get(k, key, secret, "127.0.0.6").status == 429
    time.sleep(2.2)
    assert panda_get(k, key, secret, "127.0.0.6").status == 404


def test_tegro_rest_and_form_locked_out(limited):
    shop = create_shop(limited, requisite=False)
    tc = tegro_for(limited, shop)
    bad = TegroClient(limited.base_url, shop["shop_id"], "wrong-key", "x", clock=limited.now)
    for _ in range(3):
        r = bad.call("balance", nonce=time.time_ns())
        assert (r.status, r.json) == (200, {"type": "error", "desc": "Wrong authorization token"})
    r = tc.call("balance", nonce=time.time_ns())
    assert r.status == 429, r
    retry = int(r.headers["Retry-After"])
    assert r.json == {"type": "error",
                      "desc": f"Too many failed authentications; try again in {retry} s"}
    # The hosted form counts its own: wrong signs, then the right one refused.
    other = create_shop(limited, requisite=False)
    form = TegroClient(limited.base_url, other["shop_id"], "k", "wrong-secret")
    for i in range(3):
        assert get(limited, form.pay_link(order_id=f"f{i}")).status == 403
    right = tegro_for(limited, other)
    r = get(limited, right.pay_link(order_id="f-right"))
    assert r.status == 429
    assert "Too many failed attempts; try again in" in r.body.decode()
    assert r.headers["Retry-After"]


def test_admin_limit_is_configurable(limited):
    for _ in range(3):
        assert limited.admin("GET", "/admin/v1/me", token="wrong")[0] == 401
    st, body = limited.admin("GET", "/admin/v1/me")
    assert st == 429
    assert body["error"].startswith("too many failed admin authentications; try again in ")


def test_shop_request_rate_limit(kassad):
    shop = create_shop(kassad, requisite=False)
    other = create_shop(kassad, requisite=False)
    st, body = kassad.admin("PATCH", f"/admin/v1/shops/{shop['id']}",
                            {"rate_limit": 2, "rate_burst": 3})
    assert st == 200, body
    assert (body["rate_limit"], body["rate_burst"]) == (2, 3)
    key, secret = shop["panda"]["api_key"], shop["panda"]["secret"]
    got = [panda_get(kassad, key, secret).status for _ in range(3)]
    assert got == [404, 404, 404]
    r = panda_get(kassad, key, secret)
    assert (r.status, r.json) == (429, {"error": "request rate limit of this shop (2 a second) "
                                                 "exceeded; try again in 1 s"})
    assert r.headers["Retry-After"] == "1"
    # Another shop is not limited; tegro shares the shop's bucket.
    assert panda_get(kassad, other["panda"]["api_key"], other["panda"]["secret"]).status == 404
    r = tegro_for(kassad, shop).call("balance", nonce=time.time_ns())
    assert r.status == 429 and r.json["desc"].startswith("Request rate limit of this shop (2 a second)")
    time.sleep(0.6)  # a token every 0.5 s
    assert panda_get(kassad, key, secret).status == 404
    # Switched off again: no limit.
    st, body = kassad.admin("PATCH", f"/admin/v1/shops/{shop['id']}", {"rate_limit": 0})
    assert (st, body["rate_limit"], body["rate_burst"]) == (200, 0, 3)
    assert [panda_get(kassad, key, secret).status for _ in range(6)] == [404] * 6


def test_shop_rate_limit_refusals(kassad):
    shop = create_shop(kassad, requisite=False)
    for value in (-1, "5", 1000001, 2.5):
        st, body = kassad.admin("PATCH", f"/admin/v1/shops/{shop['id']}", {"rate_limit": value})
        assert (st, body) == (400, {"error": "rate_limit and rate_burst: expected integers between "
                                             "0 and 1000000"}), value
    st, body = kassad.admin("GET", f"/admin/v1/shops/{shop['id']}")
    assert (body["rate_limit"], body["rate_burst"]) == (0, 0)


def test_failures_shared_by_nodes(kassad_factory, pg_server):
    url = pg_server.new_database()
    a = kassad_factory("node_a", db_url=url, extra_args=LIMITS)
    b = kassad_factory("node_b", db_url=url, extra_args=LIMITS)
    shop = create_shop(a, requisite=False)
    key, secret = shop["panda"]["api_key"], shop["panda"]["secret"]
    time.sleep(1.2)  # b's shop cache
    assert panda_get(b, key, secret, "127.0.0.7").status == 404
    for _ in range(3):
        assert panda_get(a, key, "wrong", "127.0.0.7").status == 401
    # b learns of the lock from the database within a couple of seconds.
    deadline = time.monotonic() + 5
    while panda_get(b, key, secret, "127.0.0.8").status != 429:
        assert time.monotonic() < deadline, "node b never locked the key"
        time.sleep(0.2)
    assert panda_get(b, key, secret, "127.0.0.7").status == 429
