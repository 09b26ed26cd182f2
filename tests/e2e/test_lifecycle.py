"""End-to-end tests of the order lifecycle (issue 4, DESIGN.md "Orders"):
expiry by the sweeper after a clock advance, late completion by the operator
only, cancel (pending only), with the money and the event rows checked —
a real kassad over real HTTP with the panda dialect and the admin API."""

import time

import pytest

from kassa_client import create_shop, public_get


def admin_order(server, ref):
    st, js = server.admin("GET", f"/admin/v1/orders/{ref}")
    assert st == 200, (st, js)
    return js


def balances(server, creds):
    st, js = server.admin("GET", f"/admin/v1/shops/{creds['id']}/balances")
    assert st == 200, js
    return js


def verify_ok(server):
    st, js = server.admin("GET", "/admin/v1/ledger/verify")
    assert st == 200 and js["ok"] is True and js["problems"] == [], js


def create(panda, amount="100.00", **fields):
    r = panda.create_order(amount=amount, **fields)
    assert r.status in (200, 201), (r.status, r.body)
    assert r.json["status"] == "pending"
    return r.json


_ts_step = [0]


def own_ts(server):
    """A timestamp no other body-less request of the test signed: a plain
    signature (the timestamp alone) one request used is refused on a cancel
    or confirm of another target, so a test that reads and cancels within
    one second signs the cancel with a timestamp of its own."""
    _ts_step[0] = _ts_step[0] % 200 + 1
    return server.now() + _ts_step[0]


def wait_status(server, panda, uuid, panda_status, admin_status, within=2.0):
    """Poll until panda shows `panda_status` and admin `admin_status`."""
    deadline = time.monotonic() + within
    while True:
        p = panda.get_order(uuid).json["status"]
        a = admin_order(server, uuid)["status"]
        if (p, a) == (panda_status, admin_status):
            return
        assert time.monotonic() < deadline, f"{uuid}: panda {p}, admin {a}"
        time.sleep(0.05)


@pytest.fixture
def env(kassad):
    creds = create_shop(kassad, fee_percent="2.5", panda_order_ttl=900)
    return kassad, creds, kassad.panda(creds)


# ---- expiry ----

def test_expire_after_clock_advance(env):
    server, creds, panda = env
    a = create(panda, "100.00")
    b = create(panda, "200.00")
    done = create(panda, "1000.47")
    st, js = server.admin("POST", f"/admin/v1/orders/{done['uuid']}/complete")
    assert st == 200, js
    paid_at = js["paid_at"]
    before = admin_order(server, a["uuid"])
    assert before["status"] == "pending"
    # not yet: 890 s of the 900 s
    server.advance_clock(890)
    time.sleep(1.2)
    assert panda.get_order(a["uuid"]).json["status"] == "pending"
    assert admin_order(server, a["uuid"])["status"] == "pending"
    # past it: within ~2 s both pending orders are expired
    server.advance_clock(11)
    wait_status(server, panda, a["uuid"], "timeout", "expired")
    wait_status(server, panda, b["uuid"], "timeout", "expired")
    # the completed order is untouched
    d = admin_order(server, done["uuid"])
    assert d["status"] == "completed" and d["paid_at"] == paid_at
    assert panda.get_order(done["uuid"]).json["status"] == "completed"
    # one order.expired event each, no money
    aid = admin_order(server, a["uuid"])["id"]
    assert server.count_rows("events", "order_id = ? AND kind = 'order.expired' AND status = 3",
                             (aid,)) == 1
    assert server.count_rows("events", "order_id = ?", (aid,)) == 1
    assert server.count_rows("events", "kind = 'order.expired'") == 2
    assert server.count_rows("ledger_tx") == 1
    assert balances(server, creds) == {"RUB": {"available": "975.46", "held": "0.00"}}
    # public payer view says timeout, with no time left
    v = public_get(server.base_url, f"/orders/callback/{a['uuid_callback']}").json
    assert v["status"] == "timeout" and v["ttl_sec"] == 0
    verify_ok(server)


def test_many_orders_expire_in_batches(env):
    """More than one sweep batch (256) of due orders all expire."""
    server, creds, panda = env
    uuids = [create(panda, f"{1 + i}.00")["uuid"] for i in range(300)]
    server.advance_clock(901)
    deadline = time.monotonic() + 5
    while server.count_rows("orders", "status = 3") < 300:
        assert time.monotonic() < deadline, server.count_rows("orders", "status = 3")
        time.sleep(0.1)
    assert server.count_rows("orders", "status = 0") == 0
    assert server.count_rows("events", "kind = 'order.expired'") == 300
    assert panda.get_order(uuids[0]).json["status"] == "timeout"
    assert panda.get_order(uuids[-1]).json["status"] == "timeout"
    verify_ok(server)


# ---- late completion ----

def test_late_completion_only_by_operator(env):
    server, creds, panda = env
    o = create(panda, "1000.47")
    server.advance_clock(901)
    wait_status(server, panda, o["uuid"], "timeout", "expired")
    # the merchant cannot cancel an expired order
    r = panda.get(f"/orders/{o['uuid']}/cancel", ts=own_ts(server))
    assert r.status == 409, r.body
    assert r.json["error"] == "Order cannot be canceled: it is timeout"
    # nor can the operator fail or cancel it
    st, js = server.admin("POST", f"/admin/v1/orders/{o['uuid']}/fail")
    assert st == 409 and js["error"].endswith("is expired: it cannot become failed"), js
    st, js = server.admin("POST", f"/admin/v1/orders/{o['uuid']}/cancel")
    assert st == 409, js
    assert balances(server, creds) == {}
    # the operator completes it: a late payment, credited in full
    st, js = server.admin("POST", f"/admin/v1/orders/{o['uuid']}/complete")
    assert st == 200 and js["status"] == "completed" and js["paid_at"], js
    assert panda.get_order(o["uuid"]).json["status"] == "completed"
    assert balances(server, creds) == {"RUB": {"available": "975.46", "held": "0.00"}}
    # only once
    st, js = server.admin("POST", f"/admin/v1/orders/{o['uuid']}/complete")
    assert st == 409, js
    assert balances(server, creds) == {"RUB": {"available": "975.46", "held": "0.00"}}
    oid = admin_order(server, o["uuid"])["id"]
    kinds = [server.count_rows("events", "order_id = ? AND kind = ?", (oid, k))
             for k in ("order.expired", "order.completed")]
    assert kinds == [1, 1]
    assert server.count_rows("events", "order_id = ?", (oid,)) == 2
    assert server.count_rows("ledger_tx", "ref_type = 'order' AND ref_id = ?", (oid,)) == 1
    verify_ok(server)


# ---- cancel ----

def test_cancel_pending_only(env):
    server, creds, panda = env
    o = create(panda, "150.00")
    r = panda.get(f"/orders/{o['uuid']}/cancel")
    assert r.status == 200, r.body
    assert r.json == {"status": "canceled", "uuid": o["uuid"]}
    assert panda.get_order(o["uuid"]).json["status"] == "canceled"
    assert admin_order(server, o["uuid"])["status"] == "canceled"
    # the /v1 prefix routes too, and a second cancel is refused
    r = panda.get(f"/v1/orders/{o['uuid']}/cancel", ts=own_ts(server))
    assert r.status == 409 and r.json["error"] == "Order cannot be canceled: it is canceled"
    # a canceled order cannot be completed, not even by the operator
    st, js = server.admin("POST", f"/admin/v1/orders/{o['uuid']}/complete")
    assert st == 409 and js["error"].endswith("is canceled: it cannot become completed"), js
    # a completed order cannot be canceled
    c = create(panda, "10.00")
    assert server.admin("POST", f"/admin/v1/orders/{c['uuid']}/complete")[0] == 200
    r = panda.get(f"/orders/{c['uuid']}/cancel", ts=own_ts(server))
    assert r.status == 409 and r.json["error"] == "Order cannot be canceled: it is completed"
    assert admin_order(server, c["uuid"])["status"] == "completed"
    # a canceled order does not expire later
    server.advance_clock(901)
    time.sleep(1.2)
    assert admin_order(server, o["uuid"])["status"] == "canceled"
    # the operator may cancel a pending order
    p = create(panda, "20.00")
    st, js = server.admin("POST", f"/admin/v1/orders/{p['uuid']}/cancel")
    assert st == 200 and js["status"] == "canceled", js
    # someone else's order, unsigned, unknown: 404 / 401 / 404
    other = create_shop(server, requisite=False)
    r = server.panda(other).get(f"/orders/{p['uuid']}/cancel")
    assert r.status == 404
    assert panda.get(f"/orders/{p['uuid']}/cancel", secret="nope").status == 401
    assert panda.get("/orders/00000000-0000-4000-8000-000000000000/cancel",
                     ts=own_ts(server)).status == 404
    # money: only the completed 10.00 at 2.5% (fee 0.25)
    assert balances(server, creds) == {"RUB": {"available": "9.75", "held": "0.00"}}
    oid = admin_order(server, o["uuid"])["id"]
    assert server.count_rows("events", "order_id = ?", (oid,)) == 1
    assert server.count_rows("events", "order_id = ? AND kind = 'order.canceled'", (oid,)) == 1
    verify_ok(server)


def test_concurrent_completion_credits_once(env):
    """Many operators completing the same order at once: one wins, one credit."""
    import concurrent.futures
    server, creds, panda = env
    o = create(panda, "1000.47")
    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        sts = list(ex.map(lambda _: server.admin(
            "POST", f"/admin/v1/orders/{o['uuid']}/complete")[0], range(32)))
    assert sorted(sts) == [200] + [409] * 31
    assert balances(server, creds) == {"RUB": {"available": "975.46", "held": "0.00"}}
    assert server.count_rows("ledger_tx") == 1
    verify_ok(server)
