"""Several kassad nodes on one PostgreSQL database, and a PostgreSQL restart
under a running kassad.

These run in the PostgreSQL pass of the suite (``KASSA_TEST_DB=postgres``,
``make test`` does both passes) or with ``KASSA_PG_TESTS=1``; elsewhere they
are skipped. Each test gets a fresh database on the session's throwaway
server (the reconnect test starts a server of its own, since it restarts
it).
"""

import json
import os
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import pg
from kassa_client import Kassad, create_shop, send_raw

ENABLED = (os.environ.get("KASSA_TEST_DB", "") not in ("", "sqlite")
           or os.environ.get("KASSA_PG_TESTS") == "1")
pytestmark = [
    pytest.mark.skipif(not ENABLED, reason="runs in the PostgreSQL pass (KASSA_TEST_DB=postgres)"),
    pytest.mark.skipif(not pg.available(), reason="PostgreSQL binaries not installed"),
]

REPO = Path(__file__).resolve().parents[2]
UNIT_BINARY = (Path(os.environ.get("KASSA_BUILD") or REPO / "build") / "tests" / "unit"
               / "test_store_pg")


# ---- helpers ----

class Receiver:
    """A loopback callback receiver: records every POST's JSON body; answers
    200 after `delay` seconds."""

    def __init__(self, delay=0.0):
        self.delay = delay
        self.bodies = []
        self.lock = threading.Lock()
        recv = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(n) if n else b""
                if recv.delay:
                    time.sleep(recv.delay)
                with recv.lock:
                    recv.bodies.append(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/webhook"

    def uuids(self):
        with self.lock:
            return [b["uuid"] for b in self.bodies]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(**kw):
        r = Receiver(**kw)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


@pytest.fixture
def two_nodes(kassad_factory, pg_server):
    """Two kassad processes on one fresh database."""
    url = pg_server.new_database()
    a = kassad_factory("node_a", db_url=url)
    b = kassad_factory("node_b", db_url=url)
    return a, b


def wait_until(fn, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def callbacks(server, ref):
    st, body = server.admin("GET", f"/admin/v1/callbacks?order={ref}")
    assert st == 200, body
    return body


def all_delivered(server, uuids):
    for u in uuids:
        cbs = callbacks(server, u)
        if len(cbs) != 1 or cbs[0]["state"] != "delivered":
            return False
    return True


# ---- two nodes ----

def test_orders_created_on_either_node_read_on_the_other(two_nodes):
    a, b = two_nodes
    creds = create_shop(a)  # the shop too is shared: created on A, used on B
    pa, pb = a.panda(creds), b.panda(creds)
    made = []
    for i in range(10):
        client = pa if i % 2 == 0 else pb
        r = client.create_order(amount=f"{100 + i}.00", merchant_order_id=f"m-{i}")
        assert r.status == 200, r
        made.append(r.json)
    ids = [o["id"] for o in made if "id" in o]
    assert len(set(o["uuid"] for o in made)) == 10
    for i, o in enumerate(made):
        other = pb if i % 2 == 0 else pa
        got = other.get_order(o["uuid"])
        assert got.status == 200, got
        assert got.json["uuid"] == o["uuid"]
        assert got.json["status"] == "pending"
    # The numeric ids come from one sequence: unique over both nodes.
    st_a = [a.admin("GET", f"/admin/v1/orders/{o['uuid']}")[1]["id"] for o in made]
    assert len(set(st_a)) == 10, (st_a, ids)
    # Completed on B, the balance is the same seen from A.
    for o in made[:3]:
        st, body = b.admin("POST", f"/admin/v1/orders/{o['uuid']}/complete")
        assert st == 200, body
    bal_a = a.admin("GET", f"/admin/v1/shops/{creds['id']}/balances")
    bal_b = b.admin("GET", f"/admin/v1/shops/{creds['id']}/balances")
    assert bal_a == bal_b
    assert bal_a[0] == 200, bal_a
    # A second completion of the same order on the other node is refused.
    st, body = a.admin("POST", f"/admin/v1/orders/{made[0]['uuid']}/complete")
    assert st == 409, (st, body)
    for node in (a, b):
        st, rep = node.admin("GET", "/admin/v1/ledger/verify")
        assert st == 200 and rep["ok"] is True, rep


def test_idempotency_key_raced_over_two_nodes_gives_one_order(two_nodes):
    a, b = two_nodes
    creds = create_shop(a)
    clients = [a.panda(creds), b.panda(creds)]
    for round_ in range(5):
        key = f"race-{round_}"
        results = [None] * 8
        barrier = threading.Barrier(8)

        def go(i):
            barrier.wait()
            results[i] = clients[i % 2].create_order(amount="50.00", idempotency_key=key)

        ts = [threading.Thread(target=go, args=(i,)) for i in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        assert all(r.status == 200 for r in results), [r.status for r in results]
        assert len({r.json["uuid"] for r in results}) == 1, [r.json for r in results]
    assert a.count_rows("orders") == 5
    assert a.count_rows("idempotency") == 5


def test_callbacks_delivered_exactly_once_with_both_dispatchers(two_nodes, receiver):
    a, b = two_nodes
    rec = receiver()
    creds = create_shop(a, callback_url=rec.url())
    orders = []
    for i in range(30):
        node = a if i % 2 == 0 else b
        r = node.panda(creds).create_order(amount=f"{10 + i}.00")
        assert r.status == 200, r
        orders.append(r.json["uuid"])
    # Completed on alternating nodes: both dispatchers see work at once.
    for i, u in enumerate(orders):
        node = b if i % 2 == 0 else a
        st, body = node.admin("POST", f"/admin/v1/orders/{u}/complete")
        assert st == 200, body
    wait_until(lambda: all_delivered(a, orders), 30, "every callback delivered")
    time.sleep(1.0)  # anything delivered twice would show by now
    got = rec.uuids()
    assert sorted(got) == sorted(orders), (len(got), len(orders))
    for u in orders:
        cbs = callbacks(b, u)
        assert len(cbs) == 1 and len(cbs[0]["attempts"]) == 1, cbs
    # Both nodes did some of the work (the claim is shared, not serialised
    # on one node); logged per attempt.
    assert a.count_rows("callback_attempts") == 30


def test_node_killed_mid_delivery_other_node_finishes(two_nodes, receiver):
    a, b = two_nodes
    rec = receiver(delay=1.5)  # answers slowly: deliveries are in flight a while
    creds = create_shop(a, callback_url=rec.url())
    orders = []
    for i in range(12):
        r = a.panda(creds).create_order(amount=f"{10 + i}.00")
        assert r.status == 200, r
        orders.append(r.json["uuid"])
    b.stop()  # only A delivers at first
    for u in orders:
        st, body = a.admin("POST", f"/admin/v1/orders/{u}/complete")
        assert st == 200, body
    # A has claimed rows and posted some of them; kill it before it records.
    wait_until(lambda: a.count_rows("callbacks", "lease_owner IS NOT NULL") > 0, 10,
               "A claiming callbacks")
    time.sleep(0.3)
    a.kill()
    leased = a.count_rows("callbacks", "lease_owner IS NOT NULL")
    assert leased > 0
    b.start()
    # A's leases run callback_timeout + 30 s; move B's clock past them.
    b.advance_clock(120)
    wait_until(lambda: all_delivered(b, orders), 60, "B delivering A's callbacks")
    got = rec.uuids()
    assert set(got) == set(orders)
    # At least once: an attempt A had in flight when it died may arrive twice;
    # nothing else does.
    dup = len(got) - len(set(got))
    assert dup <= leased, (dup, leased)
    assert b.count_rows("callbacks", "lease_owner IS NOT NULL") == 0


def balances(server, creds):
    st, body = server.admin("GET", f"/admin/v1/shops/{creds['id']}/balances")
    assert st == 200, body
    return body


def test_tegro_withdrawals_over_two_nodes_never_overdraw(two_nodes):
    """32 createWithdrawal calls of 7.00 spread over both nodes against one
    balance of 100.00: exactly 14 succeed, the balance ends at 2.00."""
    import concurrent.futures
    from tegro_client import tegro_for
    a, b = two_nodes
    creds = create_shop(a, fee_percent="0")
    ta, tb = tegro_for(a, creds), tegro_for(b, creds)
    r = ta.create_order(amount="100.00")
    assert r.json and r.json.get("type") == "success", r.body
    st, body = b.admin("POST", f"/admin/v1/orders/{r.json['data']['id']}/complete")
    assert st == 200, body

    def withdraw(i):
        t = ta if i % 2 == 0 else tb
        res = t.call("createWithdrawal", {"currency": "RUB", "account": "2200000000000004",
                                          "amount": "7.00", "payment_id": f"race-{i}",
                                          "payment_system": 36}, nonce=time.time_ns() + i)
        assert res.status == 200 and res.json, res
        return res.json

    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        answers = list(ex.map(withdraw, range(32)))
    ok = [x["data"] for x in answers if x["type"] == "success"]
    refused = [x["desc"] for x in answers if x["type"] == "error"]
    assert len(ok) == 14, answers
    assert refused == ["Insufficient funds"] * 18
    assert balances(a, creds) == balances(b, creds)
    assert a.count_rows("withdrawals") == 14
    assert a.count_rows("accounts", "kind LIKE 'shop_%' AND balance < 0") == 0
    for node in (a, b):
        st, rep = node.admin("GET", "/admin/v1/ledger/verify")
        assert st == 200 and rep["ok"] is True, rep

    # One request (same nonce, same body) sent to both nodes at once: one
    # answer, one "Nonce already used".
    nonce = time.time_ns()
    params = {"currency": "RUB", "account": "2200000000000004", "amount": "1.00",
              "payment_id": "twice", "payment_system": 36}
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        pair = list(ex.map(lambda t: t.call("createWithdrawal", params, nonce=nonce).json,
                           (ta, tb)))
    kinds = sorted(x["type"] for x in pair)
    assert kinds == ["error", "success"], pair
    assert [x["desc"] for x in pair if x["type"] == "error"] == ["Nonce already used"], pair
    assert a.count_rows("withdrawals", "payment_id = 'twice'") == 1


def test_concurrent_withdrawals_two_nodes_never_overdraw(pg_server):
    """Two stores (two writers, as two nodes) on one database race
    withdrawals over one balance: driven at the core level by the C test
    tests/unit/store/test_store_pg.c (there is no HTTP method creating
    withdrawals yet)."""
    if not UNIT_BINARY.exists():
        pytest.skip(f"{UNIT_BINARY} not built")
    env = dict(os.environ, KASSA_TEST_PG_URL=pg_server.new_database())
    p = subprocess.run([str(UNIT_BINARY)], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=300)
    out = p.stdout.decode(errors="replace")
    assert p.returncode == 0, out
    assert "[  PASSED  ]" in out and "SKIPPED" not in out, out


# ---- PostgreSQL restarts under a running kassad ----

@pytest.fixture
def own_pg():
    srv = pg.PgServer().start()
    yield srv
    srv.stop()


def test_restart_postgres_503_then_serves_again(tmp_path, own_pg):
    url = own_pg.new_database()
    k = Kassad(tmp_path / "kassad", db_url=url)
    k.start()
    try:
        creds = create_shop(k)
        panda = k.panda(creds)
        first = panda.create_order(amount="100.00")
        assert first.status == 200, first
        view = send_raw(k.base_url, "GET", f"/v1/orders/callback/{first.json['uuid_callback']}")
        pay_path = "/" + view.json["payment_redirect_url"].split("/", 3)[3]

        own_pg.stop_server()
        # A read during the outage: 503 with a JSON error.
        r = panda.get_order(first.json["uuid"])
        assert r.status == 503, r
        assert r.json == {"error": "database unavailable, try again shortly"}, r
        # A write during the outage: its batch cannot begin; 503, nothing kept.
        w = panda.create_order(amount="200.00")
        assert w.status == 503, w
        assert w.json == {"error": "database unavailable, try again shortly"}, w
        st, body = k.admin("GET", f"/admin/v1/orders/{first.json['uuid']}")
        assert st == 503 and body == {"error": "database unavailable, try again shortly"}
        # The health check tells a load balancer to take this node out.
        h = send_raw(k.base_url, "GET", "/healthz")
        assert h.status == 503 and h.json == {"status": "database unavailable"}, h

        # The tegro API says the same in its envelope; the payer's page
        # says to wait and reloads itself until the database is back.
        from tegro_client import tegro_for
        tr = tegro_for(k, creds).call("order", {"order_id": first.json["id"]},
                                      nonce=time.time_ns())
        assert tr.status == 200 and tr.json == {
            "type": "error", "desc": "database unavailable, try again shortly"}, tr
        page = send_raw(k.base_url, "GET", pay_path)
        assert page.status == 503, page
        assert page.headers["Retry-After"] == "3"
        text = page.body.decode()
        assert "Сервис временно недоступен" in text, text
        assert f'<meta http-equiv="refresh" content="3;url={pay_path}">' in text

        own_pg.start_server()
        assert send_raw(k.base_url, "GET", pay_path).status == 200
        # No restart of kassad: the very next requests work (broken
        # sessions are reset on use).
        r = panda.get_order(first.json["uuid"])
        assert r.status == 200, r
        assert send_raw(k.base_url, "GET", "/healthz").status == 200
        again = panda.create_order(amount="300.00")
        assert again.status == 200, again
        st, body = k.admin("POST", f"/admin/v1/orders/{again.json['uuid']}/complete")
        assert st == 200, body
        assert k.count_rows("orders") == 2  # the refused one left nothing
        st, rep = k.admin("GET", "/admin/v1/ledger/verify")
        assert st == 200 and rep["ok"] is True, rep
        log = k.log_path.read_text()
        assert 'msg="database connection lost"' in log
        assert 'msg="database reachable again"' in log

        # A restart while kassad is idle: its pooled sessions are dead, yet
        # the first request after it is served, not refused.
        own_pg.restart()
        r = panda.get_order(first.json["uuid"])
        assert r.status == 200, r
        r = panda.create_order(amount="400.00")
        assert r.status == 200, r
    finally:
        k.close()


def test_postgres_killed_under_load_nothing_half_written(tmp_path, own_pg):
    """Orders and completions stream in while PostgreSQL is killed
    (immediate shutdown) and started again: every order answered 200 is
    there afterwards, every refusal during the outage was a 503 with the JSON
    error, and the ledger balances: a batch either committed whole or not at
    all."""
    import concurrent.futures
    url = own_pg.new_database()
    k = Kassad(tmp_path / "kassad", db_url=url)
    k.start()
    try:
        creds = create_shop(k)
        panda = k.panda(creds)
        stop = threading.Event()
        answered, refused = [], []
        lock = threading.Lock()

        def client(i):
            n = 0
            while not stop.is_set():
                r = panda.create_order(amount=f"{10 + i}.{n % 100:02d}")
                with lock:
                    if r.status == 200:
                        answered.append(r.json["uuid"])
                    else:
                        refused.append((r.status, r.json))
                if r.status == 200 and n % 3 == 0:
                    k.admin("POST", f"/admin/v1/orders/{r.json['uuid']}/complete")
                n += 1

        with concurrent.futures.ThreadPoolExecutor(6) as ex:
            futs = [ex.submit(client, i) for i in range(6)]
            time.sleep(1.0)
            own_pg.stop_server(mode="immediate")
            time.sleep(1.0)
            own_pg.start_server()
            time.sleep(1.5)
            stop.set()
            for f in futs:
                f.result()
        assert answered, "no order was answered"
        assert refused, "the outage refused nothing"
        for status, body in refused:
            assert status == 503, (status, body)
            assert body == {"error": "database unavailable, try again shortly"}, body
        # Every answered order is stored (a 200 is sent only after COMMIT).
        stored = set(pg_rows(url, "SELECT uuid FROM orders"))
        missing = [u for u in answered if u not in stored]
        assert missing == [], missing
        st, rep = k.admin("GET", "/admin/v1/ledger/verify")
        assert st == 200 and rep["ok"] is True, rep
        # Served again without a restart of kassad.
        assert panda.create_order(amount="1.00").status == 200
    finally:
        k.close()


def pg_rows(url, sql):
    p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-d", url, "-c", sql],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60, check=True)
    return [line for line in p.stdout.decode().split("\n") if line]


def test_two_nodes_start_at_once_migrate_once(tmp_path, pg_server):
    url = pg_server.new_database()
    nodes = [Kassad(tmp_path / f"n{i}", db_url=url) for i in range(3)]
    try:
        for n in nodes:
            n.start(wait=False)
        for n in nodes:
            n.wait_ready()
        applied = sum(n.log_path.read_text().count('msg="migration applied"') for n in nodes)
        versions = pg_server.psql("SELECT count(*) FROM schema_migrations",
                                  dbname=url.rsplit("/", 1)[1]).strip()
        assert applied == int(versions), (applied, versions)
        creds = create_shop(nodes[2])
        r = nodes[0].panda(creds).create_order(amount="1.00")
        assert r.status == 200, r
    finally:
        for n in nodes:
            n.close()


def test_shops_and_requisites_never_deleted(kassad_factory, pg_server):
    """orders carry no foreign keys to shops and requisites (migration 006:
    their checks were a quarter of the batch insert); instead PostgreSQL
    refuses to delete or truncate either table, so no order can lose its
    shop or requisite."""
    url = pg_server.new_database()
    db = url.rsplit("/", 1)[1]
    node = kassad_factory("n", db_url=url)
    creds = create_shop(node)
    r = node.panda(creds).create_order(amount="10.00", requisite_type="SBP")
    assert r.status == 200, r
    fks = pg_server.psql("SELECT count(*) FROM pg_constraint WHERE conrelid = 'orders'::regclass "
                         "AND contype = 'f'", dbname=db).strip()
    assert fks == "0"
    for table, sql in (("shops", "DELETE FROM shops"),
                       ("requisites", f"DELETE FROM requisites WHERE id = {creds['requisite']['id']}"),
                       ("requisites", "TRUNCATE requisites")):
        with pytest.raises(RuntimeError) as e:
            pg_server.psql(sql, dbname=db)
        assert (f"kassa: rows of {table} are never deleted (orders refer to them); "
                "deactivate instead") in str(e.value), (sql, str(e.value))
    counts = pg_server.psql("SELECT (SELECT count(*) FROM shops), (SELECT count(*) FROM requisites), "
                            "(SELECT count(*) FROM orders o JOIN shops s ON s.id = o.shop_id "
                            "JOIN requisites q ON q.id = o.requisite_id)", dbname=db).strip()
    assert counts == "1|1|1"
    r = node.panda(creds).create_order(amount="11.00", requisite_type="SBP")
    assert r.status == 200, r


def test_db_url_forms_and_pg_environment(tmp_path, pg_server):
    """postgres:// with query parameters, and parts left to PG* variables."""
    url = pg_server.new_database()
    dbname = url.rsplit("/", 1)[1]
    k = Kassad(tmp_path / "k1", db_url=url.replace("postgresql://", "postgres://")
               + "?connect_timeout=5&application_name=kassa-test")
    k.start()
    try:
        assert send_raw(k.base_url, "GET", "/healthz").status == 200
        create_shop(k)
    finally:
        k.close()
    # Host, port, user and database from the environment only.
    k2 = Kassad(tmp_path / "k2", db_url="postgresql://")
    k2.start(env={"PGHOST": "127.0.0.1", "PGPORT": str(pg_server.port),
                  "PGUSER": pg_server.user, "PGDATABASE": dbname})
    try:
        creds = create_shop(k2)
        assert creds["id"] == 2  # the same database as k1's
    finally:
        k2.close()
