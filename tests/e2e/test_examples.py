"""The seed's three programs in C (examples/): against a real kassad, against
callbacks signed by Python exactly as the seed's receiver expects, and built
alone against an installed libkassa with pkg-config.

Binaries: $KASSA_BUILD (default build/) /examples/<name>.
"""

import glob
import hashlib
import hmac
import json
import os
import re
import select
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from kassa_client import free_port

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("KASSA_BUILD", REPO / "build"))
EXAMPLES = BUILD / "examples"


def example(name):
    p = EXAMPLES / name
    if not p.exists():
        pytest.fail(f"{p} is not built (run make build)")
    return str(p)


def run_create_order(name, env, timeout=40):
    full = {k: v for k, v in os.environ.items()
            if k not in ("API_KEY", "SECRET_KEY", "API_HOST")}
    full.update(env)
    return subprocess.run([example(name)], env=full, capture_output=True, text=True,
                          timeout=timeout)


def parse_output(out):
    """`Response: <code> <reason>` then the body line -> (code, reason, json)."""
    lines = out.splitlines()
    m = re.fullmatch(r"Response: (\d{3}) (.*)", lines[0])
    assert m, out
    body = json.loads(lines[1]) if len(lines) > 1 else None
    return int(m.group(1)), m.group(2), body


# ---- create_order / create_order_v1 against kassad ----

@pytest.mark.parametrize("name", ["create_order", "create_order_v1"])
def test_create_order_example_creates_an_order(kassad, shop, name):
    r = run_create_order(name, {"API_KEY": shop["panda"]["api_key"],
                                "SECRET_KEY": shop["panda"]["secret"],
                                "API_HOST": kassad.base_url + "/"})
    assert r.returncode == 0, r.stderr
    code, reason, body = parse_output(r.stdout)
    assert (code, reason) == (200, "OK"), r.stdout
    assert body["status"] == "pending"
    assert body["amount"] == "1000.47"
    assert body["requisite_type"] == "SBP"
    assert body["requisite"] == shop["requisite"]["requisite"]
    # the order exists: the admin API knows it
    status, order = kassad.admin("GET", f"/admin/v1/orders/{body['uuid']}")
    assert status == 200
    assert order["uuid"] == body["uuid"]


@pytest.mark.parametrize("name", ["create_order", "create_order_v1"])
def test_create_order_example_prints_http_errors(kassad, shop, name):
    r = run_create_order(name, {"API_KEY": shop["panda"]["api_key"],
                                "SECRET_KEY": "wrong-secret",
                                "API_HOST": kassad.base_url})
    assert r.returncode == 0
    code, reason, body = parse_output(r.stdout)
    assert (code, reason) == (401, "Unauthorized"), r.stdout
    assert isinstance(body["error"], str) and body["error"]


@pytest.mark.parametrize("name", ["create_order", "create_order_v1"])
def test_create_order_example_transport_failure(name):
    port = free_port()  # nothing listens there
    r = run_create_order(name, {"API_HOST": f"http://127.0.0.1:{port}"})
    assert r.returncode == 0
    assert r.stdout.startswith("Request failed: "), r.stdout
    assert len(r.stdout.splitlines()) == 1


def test_create_order_example_defaults_to_pandapay24():
    """No API_HOST: the seed's default host (here it cannot resolve or
    connect quickly, so only the attempt is visible: no local answer)."""
    src = (REPO / "examples/create_order.c").read_text()
    assert '"API_HOST", "https://api.pandapay24.com"' in src
    assert '"API_KEY", "apiKey"' in src and '"SECRET_KEY", "secret"' in src


# ---- webhook_server ----

class Webhook:
    def __init__(self, api_key="apiKey", api_secret="apiSecret", binary=None, port=None,
                 extra_env=None):
        self.port = port or free_port()
        env = dict(os.environ, API_KEY=api_key, API_SECRET=api_secret, PORT=str(self.port))
        env.update(extra_env or {})
        self.proc = subprocess.Popen([binary or example("webhook_server")], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out = b""
        self.wait_for(b"Webhook URL: ")
        self.url = f"http://127.0.0.1:{self.port}"

    def read_some(self, timeout):
        r, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if r:
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            self.out += chunk
            return bool(chunk)
        return False

    def wait_for(self, needle, timeout=10):
        deadline = time.monotonic() + timeout
        while needle not in self.out:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                raise AssertionError(f"no {needle!r} in output: {self.out!r}")
            self.read_some(min(left, 0.2))
        return self.out.decode()

    def drain(self):
        while self.read_some(0.1):
            pass
        return self.out.decode()

    def post(self, path, body, content_type="application/json", api_key="apiKey",
             secret="apiSecret", ts=None, signature=None, method="POST"):
        ts = str(int(time.time())) if ts is None else ts
        sig = signature or hmac.new(secret.encode(), (ts + body).encode(),
                                    hashlib.sha256).hexdigest()
        headers = {"X-API-Key": api_key, "X-Timestamp": ts, "X-Signature": sig}
        if content_type is not None:
            headers["Content-Type"] = content_type
        req = urllib.request.Request(self.url + path, data=body.encode(), headers=headers,
                                     method=method)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=10)


@pytest.fixture
def webhook():
    w = Webhook()
    yield w
    w.close()


def test_webhook_startup_lines(webhook):
    out = webhook.drain()
    assert out.startswith(f"Test merchant API server starting on port {webhook.port}...\n"
                          f"Webhook URL: http://localhost:{webhook.port}/webhook\n"), out


def test_webhook_accepts_a_signed_callback(webhook):
    body = ('{"uuid":"u1","status":"completed","amount_usdt":10.53,"amount_local":1000.47,'
            '"currency":"RUB","merchant_commission":-25.01,"merchant_order_id":"m1"}')
    ts = str(int(time.time()))
    sig = hmac.new(b"apiSecret", (ts + body).encode(), hashlib.sha256).hexdigest()
    assert webhook.post("/webhook", body, ts=ts) == (200, b"")
    out = webhook.wait_for(b"Callback JSON: ")
    webhook.drain()
    block = webhook.out.decode().split("\n=== Received Callback ===\n", 1)[1]
    lines = block.splitlines()
    assert re.fullmatch(r"Time: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", lines[0]), lines
    assert lines[1:] == ["Method: POST", "", "Headers:",
                         "Content-Type: application/json",
                         "X-API-Key: apiKey",
                         f"X-Signature: {sig}",
                         f"X-Timestamp: {ts}",
                         f"Callback JSON: {body}"], out


def test_webhook_rejections_exactly_as_the_seed(webhook):
    body = '{"uuid":"u1","status":"completed"}'
    assert webhook.post("/other", body) == (404, b"")
    assert webhook.post("/webhook?x=1", body) == (404, b"")
    assert webhook.post("/webhook", body, content_type="text/plain") == \
        (415, b"Content-Type must be application/json")
    assert webhook.post("/webhook", body, content_type="application/json; charset=utf-8") == \
        (415, b"Content-Type must be application/json")
    assert webhook.post("/webhook", body, api_key="nope") == (401, b"Invalid API key")
    assert webhook.post("/webhook", body, secret="nope") == (401, b"Invalid signature")
    assert webhook.post("/webhook", body, signature="0" * 64) == (401, b"Invalid signature")
    # signed over another timestamp than the one sent
    ts = str(int(time.time()))
    sig = hmac.new(b"apiSecret", (ts + body).encode(), hashlib.sha256).hexdigest()
    assert webhook.post("/webhook", body, ts=str(int(ts) + 1), signature=sig) == \
        (401, b"Invalid signature")
    out = webhook.drain()
    assert "Callback JSON" not in out
    # the rejected-but-routed requests still printed their headers
    assert out.count("=== Received Callback ===") == 6
    assert "Content-Type: text/plain\n" in out


def test_webhook_env_credentials():
    w = Webhook(api_key="k2", api_secret="s2")
    try:
        body = '{"a":1}'
        assert w.post("/webhook", body) == (401, b"Invalid API key")
        assert w.post("/webhook", body, api_key="k2", secret="s2") == (200, b"")
        w.wait_for(b'Callback JSON: {"a":1}')
    finally:
        w.close()


def test_webhook_receives_a_real_callback_from_kassad(kassad, make_shop):
    port = free_port()
    # The shop's callback URL points at the example server, with the shop's
    # own panda credentials as API_KEY / API_SECRET.
    creds = make_shop(kassad, callback_url=f"http://127.0.0.1:{port}/webhook")
    w = Webhook(api_key=creds["panda"]["api_key"], api_secret=creds["panda"]["secret"],
                port=port)
    try:
        r = run_create_order("create_order_v1", {"API_KEY": creds["panda"]["api_key"],
                                                 "SECRET_KEY": creds["panda"]["secret"],
                                                 "API_HOST": kassad.base_url})
        code, _, order = parse_output(r.stdout)
        assert code == 200, r.stdout
        status, _ = kassad.admin("POST", f"/admin/v1/orders/{order['uuid']}/complete", {})
        assert status == 200
        out = w.wait_for(b"Callback JSON: ", timeout=20)
        line = [l for l in out.splitlines() if l.startswith("Callback JSON: ")][0]
        cb = json.loads(line[len("Callback JSON: "):])
        assert cb["uuid"] == order["uuid"]
        assert cb["status"] == "completed"
        assert "Content-Type: application/json\n" in out
        assert f"X-API-Key: {creds['panda']['api_key']}\n" in out
    finally:
        w.close()


# ---- build against an installed libkassa ----

@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """`meson install --destdir` of the build into a temp dir -> (destdir, pc dir, lib dir)."""
    dest = tmp_path_factory.mktemp("destdir")
    r = subprocess.run(["meson", "install", "-C", str(BUILD), "--destdir", str(dest)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    pcs = glob.glob(str(dest / "**" / "kassa.pc"), recursive=True)
    assert len(pcs) == 1, pcs
    libs = glob.glob(str(dest / "**" / "libkassa.so.0"), recursive=True)
    assert len(libs) == 1, libs
    return dest, Path(pcs[0]).parent, Path(libs[0]).parent


def test_install_ships_headers_library_and_pc(installed):
    dest, pcdir, libdir = installed
    headers = {Path(p).name for p in glob.glob(str(dest / "**" / "include" / "kassa" / "*.h"),
                                              recursive=True)}
    assert {"kassa.h", "client.h", "callback.h", "sign.h", "money.h", "error.h",
            "json.h"} <= headers
    assert (libdir / "libkassa.a").exists()
    # only the public API is exported from the shared library
    nm = subprocess.run(["nm", "-D", "--defined-only", str(libdir / "libkassa.so.0")],
                        capture_output=True, text=True, check=True).stdout
    names = {l.split()[-1] for l in nm.splitlines() if " T " in l}
    assert "kassa_panda_build_create_order" in names
    assert "kassa_panda_callback_verify" in names
    assert not [n for n in names if n.startswith(("cbuf_", "client_"))], names


@pytest.mark.parametrize("name", ["create_order", "create_order_v1", "webhook_server"])
def test_example_builds_alone_with_pkg_config(installed, tmp_path, name):
    dest, pcdir, libdir = installed
    if not shutil.which("cc"):
        pytest.fail("no cc")
    env = dict(os.environ, PKG_CONFIG_PATH=str(pcdir), PKG_CONFIG_SYSROOT_DIR=str(dest))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "kassa"], env=env,
                           capture_output=True, text=True, check=True).stdout.split()
    src = tmp_path / f"{name}.c"
    shutil.copy(REPO / "examples" / f"{name}.c", src)  # a merchant copies the file
    out = tmp_path / name
    r = subprocess.run(["cc", "-Wall", "-Werror", "-o", str(out), str(src)] + flags,
                       capture_output=True, text=True, cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    run_env = dict(os.environ, LD_LIBRARY_PATH=str(libdir))
    ldd = subprocess.run(["ldd", str(out)], env=run_env, capture_output=True, text=True).stdout
    assert str(libdir / "libkassa.so.0") in ldd, ldd
    if name == "webhook_server":
        w = Webhook(binary=str(out), extra_env={"LD_LIBRARY_PATH": str(libdir)})
        try:
            assert w.post("/webhook", "{}") == (200, b"")
        finally:
            w.close()
    else:
        port = free_port()
        run_env["API_HOST"] = f"http://127.0.0.1:{port}"
        r = subprocess.run([str(out)], env=run_env, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0
        assert r.stdout.startswith("Request failed: "), r.stdout
