"""Native TLS: kassad serves HTTPS on --listen with --tls-cert/--tls-key and
reads the pair again on SIGHUP without dropping connections.

The pairs are self-signed, made with the openssl command; clients do not
verify them (as the merchant client that needs this does not), but every
test checks which certificate was served by comparing its DER bytes.
"""

import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time

import pytest

from kassa_client import (Kassad, clean_env, compact, create_shop, free_port, insecure_tls,
                          kassad_binary, new_key, panda_signature, send_raw)


def make_pair(d, name):
    """A self-signed EC pair d/name.crt, d/name.key."""
    crt, key = d / f"{name}.crt", d / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", str(key), "-out", str(crt),
                    "-days", "2", "-subj", f"/CN={name}"],
                   check=True, capture_output=True)
    return crt, key


def der(crt):
    return ssl.PEM_cert_to_DER_cert(crt.read_text())


def served_der(port):
    """The certificate a new TLS connection to kassad is served, as DER."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with insecure_tls().wrap_socket(raw) as s:
            return s.getpeercert(binary_form=True)


def install(src, dst):
    """Replace dst by a copy of src in one rename, as a certificate renewal
    tool would."""
    tmp = dst.with_suffix(dst.suffix + ".new")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


@pytest.fixture
def pairs(tmp_path):
    d = tmp_path / "pki"
    d.mkdir()
    one, two = make_pair(d, "one"), make_pair(d, "two")
    live = (d / "live.crt", d / "live.key")
    install(one[0], live[0])
    install(one[1], live[1])
    return {"one": one, "two": two, "live": live, "dir": d}


@pytest.fixture
def tls_kassad(tmp_path, make_db_url, pairs):
    k = Kassad(tmp_path / "kassad", make_db_url=make_db_url)
    k.start(tls=pairs["live"])
    yield k
    k.close()


def curl_create_order(server, creds):
    """The README's curl create-order, over HTTPS with curl -k."""
    body = compact({"amount_rub": 1000.4747448348385, "requisite_type": "SBP",
                    "idempotency_key": new_key()})
    ts = str(int(time.time()))
    sig = panda_signature(creds["panda"]["secret"], ts, body)
    p = subprocess.run(["curl", "-sS", "-k", "-w", "\n%{http_code}", "-X", "POST",
                        server.url("/orders"), "-H", "Content-Type: application/json",
                        "-H", f"X-API-Key: {creds['panda']['api_key']}",
                        "-H", f"X-Timestamp: {ts}", "-H", f"X-Signature: {sig}",
                        "--data-raw", body],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    text, _, code = p.stdout.rpartition("\n")
    return int(code), text


def test_create_order_over_https_with_curl(tls_kassad, pairs):
    assert tls_kassad.base_url.startswith("https://")
    creds = create_shop(tls_kassad)
    code, text = curl_create_order(tls_kassad, creds)
    assert code == 200, text
    assert '"amount":"1000.47"' in text
    assert served_der(tls_kassad.port) == der(pairs["one"][0])
    # Plain HTTP on the TLS port gets no HTTP answer.
    with pytest.raises((http.client.HTTPException, OSError)):
        r = send_raw(tls_kassad.base_url.replace("https:", "http:"), "GET", "/healthz",
                     timeout=5)
        assert r.status != 200


def sighup_and_wait(server, want_der):
    """SIGHUP, then wait until a new connection is served want_der."""
    server.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if served_der(server.port) == want_der:
            return
        time.sleep(0.02)
    raise AssertionError("the reloaded certificate was not served within 10 s\n"
                         + server.log_tail())


def test_reload_under_traffic(tls_kassad, pairs):
    """Five reloads while clients create orders and poll on new and on
    kept-alive connections: not one request fails, a connection opened before
    the reloads keeps working on its own socket, and every new connection
    after a reload gets the new certificate."""
    server = tls_kassad
    creds = create_shop(server)
    client = server.panda(creds)
    stop = threading.Event()
    failures, counts = [], {"new": 0, "kept": 0, "orders": 0}
    lock = threading.Lock()

    def note(kind, ok, what):
        with lock:
            if ok:
                counts[kind] += 1
            else:
                failures.append(f"{kind}: {what}")

    def new_connections():
        while not stop.is_set():
            try:
                r = send_raw(server.base_url, "GET", "/healthz", timeout=10)
                note("new", r.status == 200, r.status)
            except Exception as e:  # noqa: BLE001  (any failure counts)
                note("new", False, repr(e))

    def orders():
        while not stop.is_set():
            try:
                r = client.post("/v1/orders", {"amount": "100.00", "requisite_type": "SBP",
                                               "idempotency_key": new_key()})
                note("orders", r.status == 200, (r.status, r.body[:200]))
            except Exception as e:  # noqa: BLE001
                note("orders", False, repr(e))

    kept = http.client.HTTPSConnection("127.0.0.1", server.port, timeout=10,
                                       context=insecure_tls())
    kept.request("GET", "/healthz")
    assert kept.getresponse().read() == b'{"status":"ok"}'
    kept_sock = kept.sock

    threads = [threading.Thread(target=new_connections) for _ in range(2)]
    threads.append(threading.Thread(target=orders))
    for t in threads:
        t.start()
    try:
        live_crt, live_key = pairs["live"]
        for i in range(5):
            time.sleep(0.3)
            pair = pairs["two"] if i % 2 == 0 else pairs["one"]
            install(pair[0], live_crt)
            install(pair[1], live_key)
            sighup_and_wait(server, der(pair[0]))
            kept.request("GET", "/healthz")
            resp = kept.getresponse()
            note("kept", resp.status == 200 and resp.read() == b'{"status":"ok"}', resp.status)
            assert kept.sock is kept_sock, "the kept-alive connection was reopened"
        time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
        kept.close()
    assert failures == []
    assert counts["kept"] == 5
    assert counts["new"] > 20 and counts["orders"] > 5, counts
    log = server.log_path.read_text()
    assert log.count('msg="TLS certificate loaded" action=reload') == 5


def test_failed_reload_keeps_the_pair(tls_kassad, pairs):
    server = tls_kassad
    live_crt, live_key = pairs["live"]
    # A key that is not the certificate's: refused, the old pair stays.
    install(pairs["two"][1], live_key)
    server.proc.send_signal(signal.SIGHUP)
    want = (f'msg="TLS reload failed; still serving the previous certificate" '
            f'error="the TLS key {live_key} does not belong to the certificate {live_crt}"')
    deadline = time.monotonic() + 10
    while want not in server.log_path.read_text():
        assert time.monotonic() < deadline, server.log_tail()
        time.sleep(0.02)
    assert served_der(server.port) == der(pairs["one"][0])
    # A missing file: the same.
    live_key.unlink()
    server.proc.send_signal(signal.SIGHUP)
    want = f'error="cannot read the TLS key {live_key}: No such file or directory"'
    while want not in server.log_path.read_text():
        assert time.monotonic() < deadline, server.log_tail()
        time.sleep(0.02)
    assert served_der(server.port) == der(pairs["one"][0])
    assert send_raw(server.base_url, "GET", "/healthz").status == 200
    # The files fixed: the next SIGHUP takes them.
    install(pairs["two"][0], live_crt)
    install(pairs["two"][1], live_key)
    sighup_and_wait(server, der(pairs["two"][0]))


def test_sighup_without_tls_is_harmless(kassad):
    kassad.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while 'msg="SIGHUP: nothing to reload (no --tls-cert)"' not in kassad.log_path.read_text():
        assert time.monotonic() < deadline, kassad.log_tail()
        time.sleep(0.02)
    assert kassad.running()
    assert send_raw(kassad.base_url, "GET", "/healthz").status == 200


def start_fails(tmp_path, args, env=None):
    """Run kassad with args; it must exit 2 at once. Returns its stderr."""
    db = f"sqlite:{tmp_path}/never.db"
    p = subprocess.run([kassad_binary(), "--listen", f"127.0.0.1:{free_port()}", "--db", db,
                        "--admin-token", "t" * 32] + args,
                       capture_output=True, text=True, timeout=30, env=clean_env(env or {}))
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert not (tmp_path / "never.db").exists()  # refused before the database opened
    return p.stderr


def test_startup_errors(tmp_path, pairs):
    one, two = pairs["one"], pairs["two"]
    missing = tmp_path / "missing.crt"
    err = start_fails(tmp_path, ["--tls-cert", str(missing), "--tls-key", str(one[1])])
    assert err == (f"kassad: cannot read the TLS certificate {missing}: "
                   "No such file or directory\n")
    err = start_fails(tmp_path, ["--tls-cert", str(one[0]), "--tls-key", str(two[1])])
    assert err == (f"kassad: the TLS key {two[1]} does not belong to the certificate "
                   f"{one[0]}\n")
    unreadable = pairs["dir"] / "unreadable.key"
    unreadable.write_text("-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n")
    err = start_fails(tmp_path, ["--tls-cert", str(one[0]), "--tls-key", str(unreadable)])
    assert err.startswith(f"kassad: the TLS key {unreadable} holds no usable PEM private key")
    # An encrypted key (kassad has no passphrase to open it).
    enc_crt, enc_key = pairs["dir"] / "enc.crt", pairs["dir"] / "enc.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-keyout", str(enc_key), "-out", str(enc_crt),
                    "-days", "2", "-subj", "/CN=enc", "-passout", "pass:secret"],
                   check=True, capture_output=True)
    err = start_fails(tmp_path, ["--tls-cert", str(enc_crt), "--tls-key", str(enc_key)])
    assert err.startswith(f"kassad: the TLS key {enc_key} holds no usable PEM private key "
                          "(an unencrypted key is needed)")
    err = start_fails(tmp_path, ["--tls-cert", str(one[0])])
    assert "--tls-cert and --tls-key (KASSA_TLS_CERT, KASSA_TLS_KEY) go together: " \
           "--tls-key is missing" in err
    # The environment spells the same.
    err = start_fails(tmp_path, [], env={"KASSA_TLS_CERT": str(one[0]),
                                         "KASSA_TLS_KEY": str(two[1])})
    assert "does not belong to the certificate" in err


def test_tls_from_environment(tmp_path, make_db_url, pairs):
    k = Kassad(tmp_path / "env", make_db_url=make_db_url)
    k.tls = "env"  # https, with no --tls-* flags: the pair comes from the environment
    k.start(env={"KASSA_TLS_CERT": str(pairs["live"][0]), "KASSA_TLS_KEY": str(pairs["live"][1])})
    try:
        assert served_der(k.port) == der(pairs["one"][0])
    finally:
        k.close()
