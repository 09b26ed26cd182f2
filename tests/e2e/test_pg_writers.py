"""Several writer connections in one kassad (--db-writers, PostgreSQL): the
batches of four writer threads commit side by side, and concurrent creates,
completions and withdrawals of two shops still give exact balances, one
order per idempotency key, a ledger that verifies and no 5xx.

Runs in the PostgreSQL pass of the suite (``KASSA_TEST_DB=postgres``) or
with ``KASSA_PG_TESTS=1``; skipped elsewhere (SQLite has one writer).
"""

import concurrent.futures
import os
import threading
import time

import pytest

import pg
from kassa_client import create_requisite, create_shop, new_key
from tegro_client import tegro_for

ENABLED = (os.environ.get("KASSA_TEST_DB", "") not in ("", "sqlite")
           or os.environ.get("KASSA_PG_TESTS") == "1")
pytestmark = [
    pytest.mark.skipif(not ENABLED, reason="runs in the PostgreSQL pass (KASSA_TEST_DB=postgres)"),
    pytest.mark.skipif(not pg.available(), reason="PostgreSQL binaries not installed"),
]

RUB = "RUB"


def admin_ok(server, method, path, body=None):
    st, js = server.admin(method, path, body)
    assert st == 200, (method, path, st, js)
    return js


def balances(server, creds):
    return admin_ok(server, "GET", f"/admin/v1/shops/{creds['id']}/balances")


def pg_log_at(pg_server):
    """The server's log size now (None when the server is not ours: an
    external one, KASSA_TEST_DB=postgresql://..., has no directory here)."""
    if getattr(pg_server, "dir", None) is None or not os.path.exists(pg_server.log):
        return None
    return os.path.getsize(pg_server.log)


def pg_log_since(pg_server, at):
    with open(pg_server.log, errors="replace") as f:
        f.seek(at)
        return f.read()


def test_four_writers_concurrent_creates_completions_withdrawals(kassad_factory, pg_server):
    log_at = pg_log_at(pg_server)
    k = kassad_factory("writers", db_url=pg_server.new_database(),
                       extra_args=["--db-writers", "4"])
    assert 'msg="writer started" threads=4' in k.log_path.read_text(errors="replace")
    shops = [create_shop(k, fee_percent="1") for _ in range(2)]
    # Enough requisites for every order of 100.00 pending at once (a
    # requisite takes one pending order of an amount).
    for j in range(120):
        create_requisite(k, requisite=f"+79005{j:06d}")
    panda = [k.panda(c) for c in shops]
    tegro = [tegro_for(k, c) for c in shops]
    statuses = []
    lock = threading.Lock()

    def seen(st):
        with lock:
            statuses.append(st)

    def create(i, key=None):
        s = i % 2
        kw = {"idempotency_key": key} if key else {}
        r = panda[s].create_order(amount="100.00", **kw)
        seen(r.status)
        assert r.status == 200, r
        return s, r.json["uuid"]

    def complete(item):
        s, uuid = item
        st, body = k.admin("POST", f"/admin/v1/orders/{uuid}/complete")
        seen(st)
        assert st == 200, (st, body)

    def withdraw(i, amount):
        s = i % 2
        res = tegro[s].call("createWithdrawal", {
            "currency": RUB, "account": "2200000000000004", "amount": amount,
            "payment_id": f"w-{amount}-{i}", "payment_system": 36}, nonce=time.time_ns() + i)
        seen(res.status)
        assert res.status == 200 and res.json, res
        return s, res.json

    with concurrent.futures.ThreadPoolExecutor(24) as ex:
        # 1. 80 orders (40 per shop), and one idempotency key raced 8 times
        # per shop: one order each.
        first = list(ex.map(create, range(80)))
        raced = list(ex.map(lambda i: create(i, key=f"race-{i % 2}"), range(16)))
        for s in (0, 1):
            assert len({u for (t, u) in raced if t == s}) == 1, raced
        # 2. half of them completed at once (both shops post to the one
        # platform fee account from parallel batches).
        list(ex.map(complete, first[:40]))
        for c in shops:
            assert balances(k, c) == {RUB: {"available": "1980.00", "held": "0.00"}}
        # 3. completions, new orders and withdrawals all at once.
        jobs = [ex.submit(complete, it) for it in first[40:]]
        jobs += [ex.submit(create, 100 + i) for i in range(80)]
        jobs += [ex.submit(withdraw, i, "7.00") for i in range(60)]
        answers = [j.result() for j in jobs]
    wd = [a for a in answers if isinstance(a, tuple) and isinstance(a[1], dict)]
    assert len(wd) == 60
    assert [a for (_, a) in wd if a["type"] != "success"] == [], wd
    # 40 completions of 100.00 at 1 % per shop, 30 withdrawals of 7.00 held.
    for c in shops:
        assert balances(k, c) == {RUB: {"available": "3750.00", "held": "210.00"}}

    # 4. a race for one balance: 16 withdrawals of 500.00 per shop against
    # 3750.00: exactly 7 each succeed.
    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        race = list(ex.map(lambda i: withdraw(i, "500.00"), range(32)))
    for s, c in enumerate(shops):
        ok = [a for (t, a) in race if t == s and a["type"] == "success"]
        refused = [a["desc"] for (t, a) in race if t == s and a["type"] == "error"]
        assert len(ok) == 7, race
        assert refused == ["Insufficient funds"] * 9, race
        assert balances(k, c) == {RUB: {"available": "250.00", "held": "3710.00"}}

    assert all(st < 500 for st in statuses), sorted(set(statuses))
    assert k.count_rows("orders") == 80 + 2 + 80
    assert k.count_rows("idempotency") == 80 + 2 + 80  # the client sends a key with each
    assert k.count_rows("withdrawals") == 60 + 14
    assert k.count_rows("accounts", "kind LIKE 'shop_%' AND balance < 0") == 0
    js = admin_ok(k, "GET", "/admin/v1/ledger/verify")
    assert js["ok"] is True and js["problem_count"] == 0, js
    # Postings queue on the ledger's advisory lock: no batch ever waited on
    # another's accounts in a cycle (before it, ~8 deadlocks a run, each
    # found after the server's 1 s deadlock_timeout, now and then a 500).
    if log_at is not None:
        assert "deadlock detected" not in pg_log_since(pg_server, log_at)


def test_creates_grouped_over_http(kassad_factory, pg_server):
    """The panda creates that meet in one batch run as one group (two
    statements for all of them): the writer's debug line says so, and the
    answers are those of one by one: one order per idempotency key, 409 for
    the key reused with other parameters, every other create its own order
    with its own fee."""
    k = kassad_factory("grouped", db_url=pg_server.new_database(),
                       extra_args=["--db-writers", "1", "--log-level", "debug"])
    creds = create_shop(k, fee_percent="1")
    panda = k.panda(creds)
    dup = new_key()
    n = 32
    barrier = threading.Barrier(n)

    def one(i):
        barrier.wait()
        if i < 4:
            return panda.create_order(amount="50.00", idempotency_key=dup)
        if i == 4:
            return panda.create_order(amount="51.00", idempotency_key=dup)
        return panda.create_order(amount=f"{100 + i}.00")

    with concurrent.futures.ThreadPoolExecutor(n) as ex:
        rs = list(ex.map(one, range(n)))
    dups = rs[:5]
    ok = [r for r in dups if r.status == 200]
    refused = [r for r in dups if r.status != 200]
    assert len({r.json["uuid"] for r in ok}) == 1, [(r.status, r.body) for r in dups]
    # Whichever amount took the key first, the other one is refused.
    assert (len(ok), len(refused)) in ((4, 1), (1, 4)), [(r.status, r.body) for r in dups]
    for r in refused:
        assert r.status == 409, r
        assert r.json == {"error": "idempotency key reused with different parameters"}
    for i, r in enumerate(rs[5:], start=5):
        assert r.status == 200, r
        assert r.json["amount"] == f"{100 + i}.00"
    assert len({r.json["uuid"] for r in rs[5:]} | {ok[0].json["uuid"]}) == n - 4
    assert k.count_rows("orders") == n - 4
    assert k.count_rows("idempotency") == n - 4
    log = k.log_path.read_text(errors="replace")
    assert 'msg="commands grouped"' in log
    assert "run one by one" not in log
