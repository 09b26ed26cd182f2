"""End-to-end tests of kassad as a process: health, limits, signals, configuration."""

import re
import signal
import socket
import subprocess
import time

import pytest

from kassa_client import compact, new_key, panda_signature, send_raw
from kassa_client import clean_env, create_shop, free_port, kassad_binary


def test_healthz(kassad_shared):
    r = kassad_shared.request("GET", "/healthz")
    assert r.status == 200, r


def test_request_id_header(kassad_shared):
    ids = set()
    for path in ("/healthz", "/no/such/path"):
        r = kassad_shared.request("GET", path)
        rid = r.headers.get("X-Request-Id")
        assert rid and re.match(r"^[0-9a-f]{16}$", rid), rid
        ids.add(rid)
    assert len(ids) == 2
    # the access log line carries the request id (written when the answer is sent)
    deadline = time.monotonic() + 3
    while f"req={rid}" not in kassad_shared.log_path.read_text(errors="replace"):
        assert time.monotonic() < deadline, kassad_shared.log_tail()
        time.sleep(0.05)


def test_request_id_on_every_log_line_of_a_request(kassad_shared):
    """The lines logged on behalf of a request (the writer's "order created"
    included) carry that request's id."""
    creds = create_shop(kassad_shared)
    r = kassad_shared.panda(creds).create_order()
    assert r.status == 200, r
    rid = r.headers.get("X-Request-Id")
    uuid = r.json["uuid"]
    deadline = time.monotonic() + 3
    while True:
        lines = [line for line in kassad_shared.log_path.read_text(errors="replace")
                 .splitlines() if uuid in line or f"req={rid}" in line]
        if any("path=/v1/orders" in line for line in lines) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert lines
    for line in lines:
        assert f"req={rid}" in line, line


@pytest.mark.parametrize("method,path", [("GET", "/no/such/path"), ("GET", "/v2/orders"),
                                         ("POST", "/admin/v1/nothing")])
def test_unknown_path_404_json(kassad_shared, method, path):
    headers = []
    if path.startswith("/admin"):
        headers = [("Authorization", f"Bearer {kassad_shared.admin_token}")]
    r = kassad_shared.request(method, path, b"", headers)
    assert r.status == 404, r
    assert r.headers.get("Content-Type", "").startswith("application/json")
    assert isinstance(r.json, dict) and isinstance(r.json.get("error"), str), r.body


def test_body_too_large_413(kassad_shared):
    creds = create_shop(kassad_shared, requisite=False)
    body = compact({"amount": "10", "requisite_type": "SBP", "idempotency_key": new_key(),
                    "pad": "x" * (64 * 1024)}).encode()
    assert len(body) > 64 * 1024
    ts = str(kassad_shared.now())
    r = send_raw(kassad_shared.base_url, "POST", "/v1/orders", body, [
        ("Content-Type", "application/json"), ("X-API-Key", creds["panda"]["api_key"]),
        ("X-Signature", panda_signature(creds["panda"]["secret"], ts, body)),
        ("X-Timestamp", ts)])
    assert r.status == 413, r
    # a body just under the limit is read (and answered on its merits)
    small = compact({"amount": "10", "requisite_type": "SBP", "idempotency_key": new_key(),
                     "pad": "x" * (60 * 1024)}).encode()
    r = send_raw(kassad_shared.base_url, "POST", "/v1/orders", small, [
        ("Content-Type", "application/json"), ("X-API-Key", creds["panda"]["api_key"]),
        ("X-Signature", panda_signature(creds["panda"]["secret"], ts, small)),
        ("X-Timestamp", ts)])
    assert r.status == 200, r
    assert kassad_shared.request("GET", "/healthz").status == 200


def test_sigterm_clean_exit(kassad):
    assert kassad.stop() == 0


def test_sigint_clean_exit(kassad):
    kassad.proc.send_signal(signal.SIGINT)
    assert kassad.proc.wait(timeout=15) == 0


def test_sigterm_answers_request_in_flight(kassad, shop):
    """A request whose body is still arriving when SIGTERM comes is answered."""
    body = compact({"amount": "10", "requisite_type": "SBP", "idempotency_key": new_key(),
                    "merchant_order_id": "in-flight"}).encode()
    ts = str(kassad.now())
    head = ("POST /v1/orders HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{kassad.port}\r\n"
            "Content-Type: application/json\r\n"
            f"X-API-Key: {shop['panda']['api_key']}\r\n"
            f"X-Signature: {panda_signature(shop['panda']['secret'], ts, body)}\r\n"
            f"X-Timestamp: {ts}\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n").encode()
    s = socket.create_connection(("127.0.0.1", kassad.port), timeout=20)
    try:
        s.sendall(head + body[:10])
        time.sleep(0.3)
        kassad.proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        s.sendall(body[10:])
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    status_line = data.split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 200"), data
    assert b'"in-flight"' in data
    assert kassad.proc.wait(timeout=15) == 0
    # and it was committed
    kassad.start()
    r = kassad.panda(shop).orders_by_merchant_id("in-flight")
    assert r.status == 200 and len(r.json) == 1, r


def test_sigterm_refuses_new_connections_then_exits(kassad):
    kassad.proc.send_signal(signal.SIGTERM)
    assert kassad.proc.wait(timeout=15) == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", kassad.port), timeout=2).close()


def _run(args, env=None, timeout=20):
    return subprocess.run([kassad_binary()] + args, capture_output=True, text=True,
                          env=clean_env(env), timeout=timeout)


def test_help_lists_flags_and_env():
    p = _run(["--help"])
    assert p.returncode == 0, p.stderr
    out = p.stdout + p.stderr
    for flag, var in [("--listen", "KASSA_LISTEN"), ("--db", "KASSA_DB"),
                      ("--admin-token", "KASSA_ADMIN_TOKEN"),
                      ("--public-url", "KASSA_PUBLIC_URL"),
                      ("--test-clock", "KASSA_TEST_CLOCK"),
                      ("--allow-private-callbacks", "KASSA_ALLOW_PRIVATE_CALLBACKS"),
                      ("--config", "KASSA_CONFIG")]:
        assert flag in out, flag
        assert var in out, var
        # the variable is documented with its flag (same line or the next)
        lines = out.splitlines()
        rows = [i for i, line in enumerate(lines)
                if re.match(rf"^\s*{re.escape(flag)}(\s|=|,|$)", line)]
        assert rows, flag
        assert any(var in " ".join(lines[i:i + 2]) for i in rows), (flag, var)


@pytest.mark.parametrize("args,word", [
    (["--no-such-flag"], "--no-such-flag"),
    (["--threads", "abc"], "threads"),
    (["--threads", "0"], "threads"),
    (["--timestamp-window", "-1"], "timestamp-window"),
    (["--db", "mysql://x"], "db"),
    (["--listen"], "listen"),
])
def test_bad_flag_fails_with_message(tmp_path, args, word):
    p = _run(["--admin-token", "t-0123456789abcdef0123456789abcdef", "--db", f"sqlite:{tmp_path}/k.db",
              "--listen", f"127.0.0.1:{free_port()}"] + args)
    assert p.returncode != 0
    assert word in p.stderr, p.stderr


def test_missing_admin_token_fails(tmp_path):
    p = _run(["--db", f"sqlite:{tmp_path}/k.db", "--listen", f"127.0.0.1:{free_port()}"])
    assert p.returncode != 0
    assert "admin-token" in p.stderr or "KASSA_ADMIN_TOKEN" in p.stderr, p.stderr


def _wait_health(port, proc, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            if send_raw(f"http://127.0.0.1:{port}", "GET", "/healthz", timeout=2).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError("kassad not ready")


def _admin_ok(port, token):
    r = send_raw(f"http://127.0.0.1:{port}", "POST", "/admin/v1/clock/advance",
                 b'{"seconds":1}', [("Authorization", f"Bearer {token}"),
                                    ("Content-Type", "application/json")])
    return r.status


def _serve_and_check(tmp_path, args, env, port, token):
    log = open(tmp_path / "kassad.log", "wb")
    proc = subprocess.Popen([kassad_binary()] + args, stdout=log, stderr=log,
                            env=clean_env(env), cwd=str(tmp_path))
    try:
        _wait_health(port, proc)
        # the token and --test-clock came from the same source
        assert _admin_ok(port, token) == 200
        assert _admin_ok(port, token + "x") == 401
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(timeout=15)
        log.close()
    assert rc == 0, (tmp_path / "kassad.log").read_text()


def test_environment_variables(tmp_path):
    port = free_port()
    env = {"KASSA_LISTEN": f"127.0.0.1:{port}", "KASSA_DB": f"sqlite:{tmp_path}/env.db",
           "KASSA_ADMIN_TOKEN": "env-token-0123456789abcdef0123456789abcdef", "KASSA_PUBLIC_URL": f"http://127.0.0.1:{port}",
           "KASSA_TEST_CLOCK": "1"}
    _serve_and_check(tmp_path, [], env, port, "env-token-0123456789abcdef0123456789abcdef")


def test_config_file(tmp_path):
    port = free_port()
    conf = tmp_path / "kassa.conf"
    conf.write_text("# kassad configuration\n"
                    f"listen = 127.0.0.1:{port}\n"
                    f"db = sqlite:{tmp_path}/conf.db\n"
                    "admin-token = conf-token-0123456789abcdef0123456789abcdef\n"
                    f"public-url = http://127.0.0.1:{port}\n"
                    "test-clock = true\n")
    _serve_and_check(tmp_path, ["--config", str(conf)], {}, port, "conf-token-0123456789abcdef0123456789abcdef")


def test_flags_override_environment(tmp_path):
    port = free_port()
    env = {"KASSA_LISTEN": "127.0.0.1:1", "KASSA_ADMIN_TOKEN": "env-token-0123456789abcdef0123456789abcdef"}
    args = ["--listen", f"127.0.0.1:{port}", "--db", f"sqlite:{tmp_path}/o.db",
            "--admin-token", "flag-token-0123456789abcdef0123456789abcdef", "--test-clock"]
    _serve_and_check(tmp_path, args, env, port, "flag-token-0123456789abcdef0123456789abcdef")


def test_database_password_never_logged(tmp_path):
    """A --db URL's password is redacted in every log line (here: the
    start-up failure against an unreachable PostgreSQL)."""
    import subprocess
    from kassa_client import clean_env, free_port, kassad_binary
    port = free_port()
    url = f"postgresql://kassa:s3cr3t-pw@127.0.0.1:{free_port()}/kassa?connect_timeout=2"
    r = subprocess.run([kassad_binary(), "--db", url, "--admin-token", "t-0123456789abcdef0123456789abcdef",
                        "--listen", f"127.0.0.1:{port}"],
                       capture_output=True, text=True, env=clean_env(), timeout=30)
    assert r.returncode != 0
    assert 'msg="cannot open the database"' in r.stderr
    assert "postgresql://kassa:***@127.0.0.1" in r.stderr
    assert "s3cr3t-pw" not in r.stderr + r.stdout


def test_wal_is_checkpointed_into_the_database_file(kassad, shop):
    """SQLite: the background checkpointer copies committed pages from the WAL
    into the database file (a checkpointer that never opened the database
    left the file at its first pages and let the WAL grow without end)."""
    import os
    import time
    if not kassad.db_path:
        pytest.skip("SQLite only")
    before = os.path.getsize(kassad.db_path)
    client = kassad.panda(shop)
    for i in range(300):
        r = client.create_order(amount="10", merchant_order_id=f"wal-{i}")
        assert r.status == 200, r
    deadline = time.monotonic() + 10
    while os.path.getsize(kassad.db_path) <= before + 64 * 1024:
        assert time.monotonic() < deadline, (
            f"database file still {os.path.getsize(kassad.db_path)} bytes "
            f"(WAL {os.path.getsize(kassad.db_path + '-wal')} bytes)")
        time.sleep(0.1)


def test_second_kassad_on_one_sqlite_database_refused(kassad, shop):
    """SQLite: one kassad per database file. The idempotency keys' index
    lives in the process, so a second kassad on the same file (started twice
    by mistake; SO_REUSEPORT would even let it share the port) could make a
    second order for one key: it must refuse to start, and the first one
    keeps serving."""
    if not kassad.db_path:
        pytest.skip("SQLite only")
    r = subprocess.run([kassad_binary(), "--db", f"sqlite:{kassad.db_path}", "--admin-token", "t-0123456789abcdef0123456789abcdef",
                        "--listen", f"127.0.0.1:{free_port()}"],
                       capture_output=True, text=True, env=clean_env(), timeout=30)
    assert r.returncode != 0
    assert 'msg="cannot open the database"' in r.stderr, r.stderr
    assert (f"{kassad.db_path} is in use by another kassad process (one process per SQLite "
            "database; several nodes share a PostgreSQL database)") in r.stderr, r.stderr
    key = new_key()
    client = kassad.panda(shop)
    r1 = client.create_order(amount="10", idempotency_key=key)
    r2 = client.create_order(amount="10", idempotency_key=key)
    assert r1.status == 200 and r2.status == 200, (r1, r2)
    assert r1.json["uuid"] == r2.json["uuid"]
