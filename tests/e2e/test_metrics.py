"""GET /metrics: the Prometheus text, its exact counts, and who may read it.

Orders in both dialects, an operator's completions, callbacks to loopback
receivers (one delivered, one failing until its schedule runs out, one
refused with 410) and a withdrawal are driven on a fresh kassad; the
counters then say exactly what happened, and Debian's promtool accepts the
text. On PostgreSQL (KASSA_TEST_DB=postgres) the database's up/down gauge
and the reconnect counter are checked across a restart of the server.
"""

import os
import re
import shutil
import subprocess
import time

import pytest

from kassa_client import Kassad, free_port, send_raw
from tegro_client import tegro_for
from test_callbacks import Receiver, wait_state, wait_until

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
TEXT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
ON_PG = os.environ.get("KASSA_TEST_DB", "") not in ("", "sqlite")


def scrape(server, token=None):
    """GET /metrics with the admin token -> (text, {(name, labels): value})."""
    r = send_raw(server.base_url, "GET", "/metrics",
                 headers=[("Authorization", f"Bearer {token or server.admin_token}")])
    assert r.status == 200, r
    assert r.headers["Content-Type"] == TEXT_TYPE
    text = r.body.decode()
    return text, parse(text)


def parse(text):
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = LINE.match(line)
        assert m, line
        labels = frozenset(LABEL.findall(m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def val(series, name, **labels):
    """A series' value; 0 when the text does not have it (a sparse one)."""
    return series.get((name, frozenset((k, str(v)) for k, v in labels.items())), 0)


def has(series, name):
    return any(n == name for n, _ in series)


def promtool_check(text):
    if not os.path.exists(PROMTOOL):
        pytest.fail("promtool not found: `scripts/deps.sh test` installs Debian's prometheus")
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=text.encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    assert p.returncode == 0 and p.stdout == b"", p.stdout.decode()


@pytest.fixture
def receivers():
    made = []

    def make(*args, **kw):
        r = Receiver(*args, **kw)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def test_counts_are_exact_and_promtool_accepts(kassad_factory, make_shop, receivers):
    # Two attempts a callback: now, and 60 s later.
    k = kassad_factory(extra_args=["--callback-schedule", "0,60"])
    text, m0 = scrape(k)
    promtool_check(text)
    assert val(m0, "kassa_db_up") == 1
    assert val(m0, "kassa_db_reconnects_total") == 0
    assert val(m0, "kassa_build_info", version="0.1.0") == 1
    assert val(m0, "kassa_http_requests_total", **{"class": "metrics", "code": 200}) == 0

    ok, bad, gone = receivers(), receivers(answers=(500,)), receivers(answers=(410,))
    shop_ok = make_shop(k, callback_url=ok.url())
    shop_bad = make_shop(k, requisite=False, callback_url=bad.url())
    shop_gone = make_shop(k, requisite=False, callback_url=gone.url())

    # panda: three orders made, one made without a requisite of its type
    # (no_requisite), a refused request (a wrong signature: 401), an
    # idempotent replay (no new order).
    panda = k.panda(shop_ok)
    o1 = panda.create_order(idempotency_key="m-1")
    assert o1.status == 200, o1
    assert panda.create_order(idempotency_key="m-1").json["uuid"] == o1.json["uuid"]
    o2 = k.panda(shop_bad).create_order(amount="1001.47")
    o3 = k.panda(shop_gone).create_order(amount="1002.47")
    tnf = panda.create_order(requisite_type="tips")
    assert tnf.json["status"] == "traderNotFound", tnf
    assert panda.post("/v1/orders", {"amount": "10.00", "requisite_type": "SBP"},
                      signature="0" * 64).status == 401
    # tegro: one order
    tegro = tegro_for(k, shop_ok)
    t1 = tegro.create_order(amount="500.00")
    assert t1.status == 200 and t1.json["type"] == "success", t1

    # The operator: completes o1 (delivered), fails o2 (500, 500: failed
    # after its two attempts), completes o3 (410: refused) and t1.
    for ref, action in [(o1.json["uuid"], "complete"), (o2.json["uuid"], "fail"),
                        (o3.json["uuid"], "complete"), (t1.json["data"]["id"], "complete")]:
        st, body = k.admin("POST", f"/admin/v1/orders/{ref}/{action}")
        assert st == 200, body
    wait_state(k, o1.json["uuid"], "delivered", 1)
    wait_state(k, o3.json["uuid"], "refused", 1)
    wait_state(k, o2.json["uuid"], "pending", 1)

    # One callback waits for its second attempt: the outbox shows it, and
    # its age on the (moved) clock.
    k.advance_clock(30)
    _, m = scrape(k)
    assert val(m, "kassa_outbox_pending_callbacks") == 1
    assert 30 <= val(m, "kassa_outbox_oldest_pending_age_seconds") <= 35
    k.advance_clock(30)
    wait_state(k, o2.json["uuid"], "failed", 2)

    # A withdrawal of shop_ok (its balance came from o1 and t1), asked
    # twice (the replay is no new one), then completed.
    wd = {"currency": "RUB", "account": "2200000000000004", "amount": 100,
          "payment_id": "m-w1", "payment_system": 36}
    w = tegro.ok("createWithdrawal", wd)
    assert tegro.ok("createWithdrawal", wd) == w
    _, m = scrape(k)
    assert val(m, "kassa_withdrawals_pending") == 1
    assert val(m, "kassa_withdrawals_total", status="pending") == 1
    st, body = k.admin("POST", f"/admin/v1/withdrawals/{w['id']}/complete")
    assert st == 200, body

    # Every callback settled: the ok receiver got every delivered one (o1,
    # t1, and the no_requisite order's).
    wait_until(lambda: len(ok.requests) == 3, 10, "three deliveries")
    time.sleep(0.3)
    text, m = scrape(k)
    promtool_check(text)

    def order(dialect, status):
        return val(m, "kassa_order_transitions_total", dialect=dialect, status=status)

    assert order("panda", "pending") == 3
    assert order("panda", "no_requisite") == 1
    assert order("panda", "completed") == 2
    assert order("panda", "failed") == 1
    assert order("panda", "expired") == 0
    assert order("tegro", "pending") == 1
    assert order("tegro", "completed") == 1
    assert order("other", "pending") == 0
    assert val(m, "kassa_withdrawals_total", status="pending") == 1
    assert val(m, "kassa_withdrawals_total", status="completed") == 1
    assert val(m, "kassa_withdrawals_total", status="rejected") == 0
    assert val(m, "kassa_withdrawals_pending") == 0

    def attempts(outcome):
        return val(m, "kassa_callback_attempts_total", outcome=outcome)

    assert attempts("delivered") == len(ok.requests) == 3
    assert attempts("failed_retry") == 1
    assert attempts("failed_final") == 1
    assert len(bad.requests) == 2
    assert attempts("refused") == len(gone.requests) == 1
    assert val(m, "kassa_callback_attempt_duration_seconds_count") == 6
    assert val(m, "kassa_outbox_pending_callbacks") == 0
    assert val(m, "kassa_outbox_oldest_pending_age_seconds") == 0
    assert val(m, "kassa_outbox_unplanned_events") == 0
    assert val(m, "kassa_callbacks_in_flight") == 0

    # HTTP by route class and code: five panda creates answered 200 (the
    # replay too), one 401; one tegro create and two withdrawals; the
    # earlier scrapes (this one is not done yet); the operator's shops and
    # requisite (201), and at least the 7 calls above answered 200 (the
    # waits poll the callbacks too).
    def http(cls, code):
        return val(m, "kassa_http_requests_total", **{"class": cls, "code": code})

    assert http("panda", 200) == 5
    assert http("panda", 401) == 1
    assert http("tegro", 200) == 3
    assert http("metrics", 200) == 3
    assert http("admin", 201) == 4
    assert http("admin", 200) >= 7
    for cls in ("panda", "tegro", "admin", "metrics"):
        codes = sum(v for (n, ls), v in m.items()
                    if n == "kassa_http_requests_total" and ("class", cls) in ls)
        assert val(m, "kassa_http_request_duration_seconds_count", **{"class": cls}) == codes
        assert val(m, "kassa_http_request_duration_seconds_bucket",
                   **{"class": cls, "le": "+Inf"}) == codes

    # The writer ran batches and committed them; its queue is empty now.
    assert val(m, "kassa_writer_batch_size_count") > val(m0, "kassa_writer_batch_size_count")
    assert val(m, "kassa_writer_batch_size_sum") >= val(m, "kassa_writer_batch_size_count")
    assert val(m, "kassa_writer_commit_duration_seconds_count") > 0
    assert val(m, "kassa_writer_queue_depth") == 0

    # The process.
    assert val(m, "kassa_http_connections_open") >= 1
    assert 1 << 20 < val(m, "process_resident_memory_bytes") < 1 << 30
    assert abs(val(m, "process_start_time_seconds") - time.time()) < 600
    assert val(m, "process_open_fds") > 3
    assert val(m, "kassa_db_up") == 1


def test_concurrent_creates_counted_once(kassad, make_shop):
    """Creates racing each other, a third of them replays of another's key:
    the writer groups them (PostgreSQL's grouped creates), runs some again,
    and the transitions count each new order once, as the database holds
    it."""
    from concurrent.futures import ThreadPoolExecutor
    creds = make_shop(kassad)
    panda = kassad.panda(creds)
    keys = [i % 200 for i in range(300)]  # an amount of each key's own
    with ThreadPoolExecutor(16) as ex:
        answers = list(ex.map(lambda k: panda.create_order(idempotency_key=f"c-{k}",
                                                           amount=f"{100 + k}").status, keys))
    assert answers == [200] * 300
    time.sleep(0.2)
    _, m = scrape(kassad)
    assert kassad.count_rows("orders") == 200
    assert val(m, "kassa_order_transitions_total", dialect="panda", status="pending") == 200
    assert val(m, "kassa_http_requests_total", **{"class": "panda", "code": 200}) == 300
    assert val(m, "kassa_http_request_duration_seconds_count", **{"class": "panda"}) == 300
    assert val(m, "kassa_writer_batch_size_sum") >= 200


def test_access_by_token(kassad):
    def get(headers=(), method="GET"):
        return send_raw(kassad.base_url, method, "/metrics", headers=headers)

    r = get()
    assert r.status == 401, r
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert r.json == {"error": "missing or wrong bearer token"}
    r = get([("Authorization", "Bearer " + "x" * len(kassad.admin_token))])
    assert r.status == 401 and r.json == {"error": "missing or wrong bearer token"}, r
    r = get([("Authorization", "Bearer " + kassad.admin_token[:-1])])
    assert r.status == 401, r
    r = get([("Authorization", "Basic " + kassad.admin_token)])
    assert r.status == 401, r
    auth = [("Authorization", "Bearer " + kassad.admin_token)]
    r = get(auth)
    assert r.status == 200 and r.headers["Content-Type"] == TEXT_TYPE, r
    assert "# TYPE kassa_http_requests_total counter" in r.body.decode()
    r = get(auth, method="POST")
    assert r.status == 405 and r.headers["Allow"] == "GET", r
    # The refusals are counted too, under their route class.
    _, m = scrape(kassad)
    assert val(m, "kassa_http_requests_total", **{"class": "metrics", "code": 401}) == 4
    assert val(m, "kassa_http_requests_total", **{"class": "metrics", "code": 405}) == 1
    assert val(m, "kassa_http_requests_total", **{"class": "metrics", "code": 200}) == 1


def test_access_by_address(kassad_factory, tmp_path):
    # The allow-list holds the client (loopback): no token needed.
    k = kassad_factory(extra_args=["--metrics-allow", "10.0.0.0/8, 127.0.0.0/8"])
    r = send_raw(k.base_url, "GET", "/metrics")
    assert r.status == 200 and r.headers["Content-Type"] == TEXT_TYPE, r
    promtool_check(r.body.decode())
    # The allow-list holds other networks only: 403, token or not.
    k2 = kassad_factory(env={"KASSA_METRICS_ALLOW": "10.0.0.0/8,::1/128"})
    r = send_raw(k2.base_url, "GET", "/metrics")
    assert r.status == 403 and r.json == {"error": "address not allowed to read metrics"}, r
    r = send_raw(k2.base_url, "GET", "/metrics",
                 headers=[("Authorization", "Bearer " + k2.admin_token)])
    assert r.status == 403, r
    # The configuration file's key.
    conf = tmp_path / "kassa.conf"
    conf.write_text("metrics_allow = 127.0.0.1\n")
    k3 = kassad_factory(extra_args=["--config", str(conf)])
    assert send_raw(k3.base_url, "GET", "/metrics").status == 200


@pytest.mark.parametrize("spec,shown", [("10.0.0.0/33", "10.0.0.0/33"), ("localhost", "localhost"),
                                        ("10.0.0.1,,10.0.0.2", "")])
def test_bad_allow_list_refused_at_start(tmp_path, spec, shown):
    binary = Kassad(tmp_path).binary
    p = subprocess.run([binary, "--admin-token", "t" * 40, "--db", f"sqlite:{tmp_path}/k.db",
                        "--listen", f"127.0.0.1:{free_port()}", "--metrics-allow", spec],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    assert p.returncode == 2
    assert p.stderr.decode().splitlines()[0] == (
        "kassad: --metrics-allow: expected CIDR[,CIDR...] (e.g. 127.0.0.1/32,10.0.0.0/8), "
        f"got '{shown}'")
    assert not (tmp_path / "k.db").exists()


def test_help_names_the_option(tmp_path):
    p = subprocess.run([Kassad(tmp_path).binary, "--help"], stdout=subprocess.PIPE, timeout=30)
    out = p.stdout.decode()
    assert "--metrics-allow CIDR[,CIDR...]" in out
    assert "KASSA_METRICS_ALLOW" in out


@pytest.mark.skipif(not ON_PG, reason="runs in the PostgreSQL pass (KASSA_TEST_DB=postgres)")
def test_database_down_and_reconnects(tmp_path):
    import pg
    if not pg.available():
        pytest.skip("PostgreSQL binaries not installed")
    srv = pg.PgServer().start()
    # One reader and one writer connection: each reconnects once.
    k = Kassad(tmp_path / "kassad", db_url=srv.new_database())
    try:
        k.start(extra_args=["--db-pool", "1", "--db-writers", "1"])
        _, m = scrape(k)
        assert val(m, "kassa_db_up") == 1
        assert val(m, "kassa_db_reconnects_total") == 0
        assert val(m, "kassa_outbox_pending_callbacks") == 0

        srv.stop_server()
        text, m = scrape(k)
        promtool_check(text)
        assert val(m, "kassa_db_up") == 0
        # What the database would say is left out, not made up.
        for name in ("kassa_outbox_pending_callbacks", "kassa_outbox_oldest_pending_age_seconds",
                     "kassa_outbox_unplanned_events", "kassa_withdrawals_pending"):
            assert not has(m, name), name
        assert val(m, "kassa_db_reconnects_total") == 0

        srv.start_server()
        _, m = scrape(k)
        assert val(m, "kassa_db_up") == 1
        assert val(m, "kassa_outbox_pending_callbacks") == 0
        # The reader is back; the writer reconnects at its next batch (the
        # dispatcher's polls give it one within a second).
        wait_until(lambda: val(scrape(k)[1], "kassa_db_reconnects_total") == 2, 10,
                   "two reconnects")
        time.sleep(1)
        assert val(scrape(k)[1], "kassa_db_reconnects_total") == 2
    finally:
        k.close()
        srv.stop()
