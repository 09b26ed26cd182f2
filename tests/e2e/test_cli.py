"""The kassa CLI (src/cli/): merchant commands (panda create-order, tegro
call, tegro pay-url, listen, sign) and operator commands (shop create,
requisite add, order show), their --help, usage errors (exit 2) and
failures (exit 1). Signatures are checked against Python's hmac / hashlib /
urllib, the way the seeds compute them.

Binary: $KASSA_CLI, else $KASSA_BUILD (default build/) /src/cli/kassa.
"""

import hashlib
import hmac
import http.client
import json
import os
import select
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kassa_client import free_port

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("KASSA_BUILD", REPO / "build"))
SHOP_ID = "D0F98E7D7742609DC508D86BB7500914"
TSECRET = "GB%^&*YJni677"

# Every command and the words that select it.
COMMANDS = [
    ["panda", "create-order"], ["panda", "order"], ["panda", "cancel"],
    ["tegro", "call"], ["tegro", "pay-url"], ["listen"], ["sign"],
    ["shop", "create"], ["shop", "update"], ["shop", "disable"], ["shop", "enable"],
    ["requisite", "add"], ["requisite", "update"], ["order", "list"],
    ["order", "show"],
    ["order", "complete"], ["order", "fail"], ["withdrawal", "list"],
    ["merchant-user", "create"], ["merchant-user", "list"], ["merchant-user", "update"],
]


def cli_path():
    p = os.environ.get("KASSA_CLI") or str(BUILD / "src/cli/kassa")
    if not Path(p).exists():
        pytest.fail(f"{p} is not built (run make build)")
    return p


def clean_env(extra=None):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("KASSA_") and k not in ("API_KEY", "SECRET_KEY", "API_HOST")}
    env.update(extra or {})
    return env


def kassa(*args, env=None, timeout=60, input=None):
    return subprocess.run([cli_path(), *args], capture_output=True, text=True,
                          env=clean_env(env), timeout=timeout, input=input)


# ---- help and usage errors ----

def test_top_level_help():
    r = kassa("--help")
    assert r.returncode == 0
    for words in COMMANDS:
        assert " ".join(words) in r.stdout
    assert kassa().returncode == 2


@pytest.mark.parametrize("words", COMMANDS, ids=lambda w: "-".join(w))
def test_every_command_has_help(words):
    r = kassa(*words, "--help")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage: kassa " + " ".join(words) + " "), r.stdout
    assert "--help" in r.stdout
    assert r.stderr == ""


@pytest.mark.parametrize("args, message", [
    (["nope"], "kassa: unknown command 'nope'"),
    (["panda", "nope"], "kassa panda: unknown or missing subcommand nope"),
    (["panda", "create-order", "--host", "http://x", "--api-key", "k", "--secret", "s",
      "--requisite-type", "SBP"], "kassa panda create-order: missing --amount"),
    (["panda", "create-order", "--host", "http://x", "--api-key", "k", "--secret", "s",
      "--requisite-type", "SBP", "--amount", "1e3"],
     "kassa panda create-order: --amount must be a plain decimal number, not '1e3'"),
    (["panda", "create-order", "--bogus"], "kassa panda create-order: unknown option '--bogus'"),
    (["panda", "create-order", "--host"],
     "kassa panda create-order: option '--host' needs a value (URL)"),
    (["tegro", "call", "--host", "h", "--shop-id", "s", "--api-key", "k"],
     "kassa tegro call: missing METHOD (e.g. balance)"),
    (["tegro", "call", "balance", "--host", "h", "--shop-id", "s", "--api-key", "k",
      "--field", "novalue"],
     "kassa tegro call: --field wants name=value or name:=json, not 'novalue'"),
    (["tegro", "call", "balance", "--host", "h", "--shop-id", "s", "--api-key", "k",
      "--field", "a:={"], "kassa tegro call: --field a:= wants JSON, not '{'"),
    (["tegro", "pay-url", "--host", "h", "--shop-id", "s", "--secret", "x", "--amount", "1",
      "--currency", "RUB"], "kassa tegro pay-url: missing --order-id"),
    (["listen", "--dialect", "paypal", "--port", "0"],
     "kassa listen: --dialect is panda or tegro, not 'paypal'"),
    (["listen", "--dialect", "panda", "--port", "0"],
     "kassa listen: --dialect panda needs --api-key and --secret"),
    (["listen", "--dialect", "panda", "--port", "70000", "--api-key", "k", "--secret", "s"],
     "kassa listen: --port must be 0 to 65535"),
    (["sign"], "kassa sign: missing the kind: panda, tegro-rest or tegro-form"),
    (["sign", "panda", "--secret", "s", "--body", "b"],
     "kassa sign: panda needs --secret and --timestamp"),
    (["sign", "md4"], "kassa sign: unknown kind 'md4' (panda, tegro-rest, tegro-form)"),
    (["shop", "create", "--name", "n"], "kassa shop create: missing --server (or KASSA_SERVER)"),
    (["order", "show", "--server", "http://x", "--admin-token", "t"],
     "kassa order show: missing REF (the order's uuid or numeric id)"),
    (["shop", "update", "--server", "http://x", "--admin-token", "t", "--name", "n"],
     "kassa shop update: expected one positive numeric shop ID"),
    (["shop", "update", "7", "--server", "http://x", "--admin-token", "t"],
     "kassa shop update: nothing to change: give at least one option"),
])
def test_usage_errors_exit_2(args, message):
    r = kassa(*args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stdout == ""
    assert r.stderr.splitlines()[0] == message


# ---- sign and pay-url against Python ----

def test_sign_panda_matches_python_hmac():
    body = '{"amount_rub":1000.4747448348385,"requisite_type":"SBP","idempotency_key":"k1"}'
    want = hmac.new(b"secret", ("1700000000" + body).encode(), hashlib.sha256).hexdigest()
    r = kassa("sign", "panda", "--secret", "secret", "--timestamp", "1700000000", "--body", body)
    assert (r.returncode, r.stdout) == (0, want + "\n")
    # the body from stdin, byte for byte (a trailing newline is signed too)
    want_nl = hmac.new(b"secret", ("1700000000" + body + "\n").encode(),
                       hashlib.sha256).hexdigest()
    r = kassa("sign", "panda", "--secret", "secret", "--timestamp", "1700000000",
              "--body-file", "-", input=body + "\n")
    assert (r.returncode, r.stdout) == (0, want_nl + "\n")


def test_sign_tegro_rest_matches_python_hmac():
    body = '{"shop_id":"%s","nonce":1700000000}' % SHOP_ID
    want = hmac.new(b"apikey", body.encode(), hashlib.sha256).hexdigest()
    r = kassa("sign", "tegro-rest", "--api-key", "apikey", "--body", body)
    assert (r.returncode, r.stdout) == (0, want + "\n")


def test_sign_tegro_form_vectors():
    r = kassa("sign", "tegro-form", "--secret", TSECRET, f"shop_id={SHOP_ID}", "amount=100",
              "order_id=123", "payment_system=16", "currency=RUB")
    assert (r.returncode, r.stdout) == (0, "e13cd755e9b4632d51ae4d5c74c2f122\n")
    fields = {"shop_id": SHOP_ID, "amount": "100", "order_id": "Order #1", "currency": "RUB"}
    q = urllib.parse.urlencode(sorted(fields.items()))
    want = hashlib.md5((q + TSECRET).encode()).hexdigest()
    r = kassa("sign", "tegro-form", "--secret", TSECRET,
              *[f"{k}={v}" for k, v in fields.items()])
    assert (r.returncode, r.stdout) == (0, want + "\n")
    raw = "&".join(f"{k}={v}" for k, v in sorted(fields.items()))
    want_raw = hashlib.md5((raw + TSECRET).encode()).hexdigest()
    r = kassa("sign", "tegro-form", "--style", "raw", "--secret", TSECRET,
              *[f"{k}={v}" for k, v in fields.items()])
    assert (r.returncode, r.stdout) == (0, want_raw + "\n")


@pytest.mark.parametrize("test_flag", [False, True])
def test_pay_url_matches_python_md5(test_flag):
    fields = {"amount": "100.50", "currency": "RUB", "order_id": "Order #1/ä",
              "shop_id": SHOP_ID}
    if test_flag:
        fields["test"] = "1"
    q = urllib.parse.urlencode(sorted(fields.items()))
    sign = hashlib.md5((q + TSECRET).encode()).hexdigest()
    args = ["tegro", "pay-url", "--host", "https://kassa.example/", "--shop-id", SHOP_ID,
            "--secret", TSECRET, "--amount", "100.50", "--currency", "RUB",
            "--order-id", "Order #1/ä"]
    if test_flag:
        args.append("--test")
    r = kassa(*args)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"https://kassa.example/pay/?{q}&sign={sign}\n"


def test_pay_url_spec_vector():
    r = kassa("tegro", "pay-url", "--host", "http://k", "--shop-id", SHOP_ID, "--secret",
              TSECRET, "--amount", "100", "--currency", "RUB", "--order-id", "123")
    assert r.stdout.endswith("&sign=ab399192242d30c151efda7f8c47b304\n")
    r = kassa("tegro", "pay-url", "--host", "http://k", "--shop-id", SHOP_ID, "--secret",
              TSECRET, "--amount", "100", "--currency", "RUB", "--order-id", "123", "--test")
    assert r.stdout.endswith("&test=1&sign=776f41234423f7f38c5a6e15baec854f\n")


# ---- listen ----

class Listener:
    def __init__(self, *args):
        self.proc = subprocess.Popen([cli_path(), "listen", "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=clean_env())
        line = self._readline(self.proc.stderr, 10)
        # "kassa listen: panda callbacks on http://127.0.0.1:PORT/"
        assert " callbacks on http://127.0.0.1:" in line, line
        self.url = line.rsplit(" ", 1)[1].strip().rstrip("/")

    @staticmethod
    def _readline(f, timeout):
        deadline = time.monotonic() + timeout
        buf = b""
        while not buf.endswith(b"\n"):
            left = deadline - time.monotonic()
            r, _, _ = select.select([f], [], [], max(left, 0))
            if not r:
                raise AssertionError(f"timeout reading a line, got {buf!r}")
            c = os.read(f.fileno(), 1)
            if not c:
                break
            buf += c
        return buf.decode()

    def stdout_line(self, timeout=10):
        return self._readline(self.proc.stdout, timeout)

    def stderr_line(self, timeout=10):
        return self._readline(self.proc.stderr, timeout)

    def post(self, path, body, headers):
        req = urllib.request.Request(self.url + path, data=body.encode(), headers=headers,
                                     method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=10)


def panda_headers(body, key="apiKey", secret="apiSecret", ts=None):
    ts = str(int(time.time())) if ts is None else str(ts)
    return {"Content-Type": "application/json", "X-API-Key": key, "X-Timestamp": ts,
            "X-Signature": hmac.new(secret.encode(), (ts + body).encode(),
                                    hashlib.sha256).hexdigest()}


def test_listen_panda_verifies_and_prints_json_lines():
    lst = Listener("--dialect", "panda", "--api-key", "apiKey", "--secret", "apiSecret",
                   "--window", "300")
    try:
        body = '{"uuid":"u1", "status":"completed","amount_local":1000.47}'
        assert lst.post("/cb", body, panda_headers(body)) == (200, b"")
        line = lst.stdout_line()
        # one line; the amount keeps its digits
        assert line == ('{"dialect":"panda","path":"/cb","callback":'
                        '{"uuid":"u1","status":"completed","amount_local":1000.47}}\n')
        status, _ = lst.post("/cb", body, panda_headers(body, secret="wrong"))
        assert status == 401
        assert "rejected callback to /cb: signature mismatch (EAUTH_SIGNATURE)" in \
            lst.stderr_line()
        status, _ = lst.post("/cb", body, panda_headers(body, key="other"))
        assert status == 401
        assert "(EAUTH_KEY)" in lst.stderr_line()
        old = int(time.time()) - 1000
        status, _ = lst.post("/cb", body, panda_headers(body, ts=old))
        assert status == 401
        assert "(EAUTH_TIMESTAMP)" in lst.stderr_line()
    finally:
        assert lst.close() == 0


def test_listen_count_exits_after_n_callbacks():
    lst = Listener("--dialect", "panda", "--api-key", "apiKey", "--secret", "apiSecret",
                   "--count", "1")
    body = "{}"
    assert lst.post("/", body, panda_headers(body)) == (200, b"")
    assert lst.proc.wait(timeout=10) == 0
    assert lst.proc.stdout.read().decode() == '{"dialect":"panda","path":"/","callback":{}}\n'


def test_listen_tegro_verifies_the_form():
    lst = Listener("--dialect", "tegro", "--shop-id", SHOP_ID, "--secret", TSECRET)
    try:
        form = (f"shop_id={SHOP_ID}&amount=100&order_id=123&payment_system=16&currency=RUB"
                "&sign=e13cd755e9b4632d51ae4d5c74c2f122")
        hdrs = {"Content-Type": "application/x-www-form-urlencoded"}
        assert lst.post("/notify", form, hdrs) == (200, b"OK")
        got = json.loads(lst.stdout_line())
        assert got == {"dialect": "tegro", "path": "/notify",
                       "callback": {"shop_id": SHOP_ID, "amount": "100", "order_id": "123",
                                    "payment_system": "16", "currency": "RUB",
                                    "sign": "e13cd755e9b4632d51ae4d5c74c2f122"}}
        status, _ = lst.post("/notify", form.replace("amount=100", "amount=101"), hdrs)
        assert status == 401
        assert "(EAUTH_SIGNATURE)" in lst.stderr_line()
    finally:
        assert lst.close() == 0


TEGRO_JSON = {"shop_id": SHOP_ID, "amount": "100", "order_id": "123", "payment_system": "16",
              "currency": "RUB", "sign": "e13cd755e9b4632d51ae4d5c74c2f122"}


def post_no_content_type(url, path, body):
    """POST body with no Content-Type header at all (urllib would add one)."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    try:
        conn.request("POST", path, body=body.encode())
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def test_listen_tegro_verifies_json():
    """A shop whose notification_format is "json" gets the same fields and
    sign as one JSON object of strings: told apart by Content-Type, else by
    the leading '{'; decoded strictly."""
    lst = Listener("--dialect", "tegro", "--shop-id", SHOP_ID, "--secret", TSECRET)
    try:
        body = json.dumps(TEGRO_JSON)
        expect = {"dialect": "tegro", "path": "/notify", "callback": TEGRO_JSON}
        hdrs = {"Content-Type": "application/json"}
        assert lst.post("/notify", body, hdrs) == (200, b"OK")
        got = json.loads(lst.stdout_line())
        assert got == expect
        assert list(got["callback"]) == list(TEGRO_JSON)  # in the order received
        # another type, or none: the body's '{' decides
        assert lst.post("/notify", " " + body, {"Content-Type": "text/plain"}) == (200, b"OK")
        assert json.loads(lst.stdout_line()) == expect
        assert post_no_content_type(lst.url, "/notify", body) == (200, b"OK")
        assert json.loads(lst.stdout_line()) == expect

        # tampered: the sign no longer matches
        status, _ = lst.post("/notify", json.dumps(dict(TEGRO_JSON, amount="101")), hdrs)
        assert status == 401
        assert "rejected callback to /notify: signature mismatch (EAUTH_SIGNATURE)" in \
            lst.stderr_line()
        # declared a form: decoded as a form, so no shop_id in it
        status, _ = lst.post("/notify", body,
                             {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 401
        assert "(EAUTH_KEY)" in lst.stderr_line()
        # bodies that do not decode: 400 and the reason
        dup = body[:-1] + ', "amount": "100"}'
        assert lst.post("/notify", dup, hdrs) == (400, b"Bad request\n")
        line = lst.stderr_line()
        assert "rejected callback to /notify: invalid argument (EINVAL): JSON: " in line, line
        assert "duplicate" in line, line
        assert lst.post("/notify", json.dumps(dict(TEGRO_JSON, payment_system=16)),
                        hdrs)[0] == 400
        assert lst.stderr_line().rstrip("\n").endswith(
            'JSON: the value of "payment_system" is a number, not a string')
        assert lst.post("/notify", json.dumps(list(TEGRO_JSON.items())), hdrs)[0] == 400
        assert "(EINVAL): JSON: " in lst.stderr_line()
        assert lst.post("/notify", "[]", hdrs)[0] == 400
        assert lst.stderr_line().rstrip("\n").endswith(
            "JSON: the body is an array, not an object")
        assert lst.post("/notify", body + "x", hdrs)[0] == 400
        assert "(EINVAL): JSON: " in lst.stderr_line()
        # a form that does not decode says why too
        assert lst.post("/notify", "a=%zz", {"Content-Type": "application/x-www-form-urlencoded"}) \
            == (400, b"Bad request\n")
        assert lst.stderr_line().rstrip("\n").endswith("(EINVAL): form: a bad %-escape in field 1")
        # still alive and verifying
        assert lst.post("/notify", body, hdrs) == (200, b"OK")
        assert json.loads(lst.stdout_line()) == expect
    finally:
        assert lst.close() == 0


# ---- against kassad ----

def panda_args(kassad, shop, *extra):
    return ["panda", "create-order", "--host", kassad.base_url,
            "--api-key", shop["panda"]["api_key"], "--secret", shop["panda"]["secret"],
            *extra]


def test_panda_create_order_against_kassad(kassad, shop):
    r = kassa(*panda_args(kassad, shop, "--amount", "1000.4747448348385",
                          "--requisite-type", "SBP", "--merchant-order-id", "cli-1"))
    assert r.returncode == 0, r.stderr
    order = json.loads(r.stdout)
    assert order["status"] == "pending"
    assert order["amount"] == "1000.47"
    assert order["merchant_order_id"] == "cli-1"
    # the same through the panda GET, and the admin command
    r = kassa("panda", "order", order["uuid"], "--host", kassad.base_url,
              "--api-key", shop["panda"]["api_key"], "--secret", shop["panda"]["secret"])
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["uuid"] == order["uuid"]
    r = kassa("order", "show", order["uuid"], "--server", kassad.base_url,
              "--admin-token", kassad.admin_token)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["uuid"] == order["uuid"]


def test_panda_create_order_legacy_and_idempotency(kassad, shop):
    args = panda_args(kassad, shop, "--amount", "10.005", "--requisite-type", "SBP",
                      "--idempotency-key", "cli-key-1", "--legacy")
    first = kassa(*args)
    assert first.returncode == 0, first.stderr
    again = kassa(*args)
    assert again.returncode == 0, again.stderr
    assert json.loads(first.stdout)["uuid"] == json.loads(again.stdout)["uuid"]
    assert json.loads(first.stdout)["amount"] == "10.01"
    # same key, other amount: the API refuses -> exit 1 with its message
    args[args.index("10.005")] = "11"
    r = kassa(*args)
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr == ("kassa: HTTP 409: the API answered with an error: "
                        "idempotency key reused with different parameters\n")


def test_panda_create_order_refused_and_unreachable(kassad, shop):
    r = kassa("panda", "create-order", "--host", kassad.base_url, "--api-key",
              shop["panda"]["api_key"], "--secret", "wrong", "--amount", "1",
              "--requisite-type", "SBP")
    assert r.returncode == 1
    assert r.stderr.startswith("kassa: HTTP 401: the API answered with an error: ")
    port = free_port()
    r = kassa("panda", "create-order", "--host", f"http://127.0.0.1:{port}", "--api-key", "k",
              "--secret", "s", "--amount", "1", "--requisite-type", "SBP")
    assert r.returncode == 1
    assert r.stderr.startswith("kassa: transport error: ")


def test_credentials_from_the_environment(kassad, shop):
    r = kassa("panda", "create-order", "--amount", "5", "--requisite-type", "SBP",
              env={"API_HOST": kassad.base_url, "API_KEY": shop["panda"]["api_key"],
                   "SECRET_KEY": shop["panda"]["secret"]})
    assert r.returncode == 0, r.stderr
    r = kassa("order", "show", json.loads(r.stdout)["uuid"],
              env={"KASSA_SERVER": kassad.base_url, "KASSA_ADMIN_TOKEN": kassad.admin_token})
    assert r.returncode == 0, r.stderr


def test_admin_shop_create_and_requisite_add(kassad):
    admin = ["--server", kassad.base_url, "--admin-token", kassad.admin_token]
    r = kassa("shop", "create", *admin, "--name", "CLI shop", "--url", "https://cli.example",
              "--callback-url", "http://127.0.0.1:9/cb", "--fee-percent", "2.5")
    assert r.returncode == 0, r.stderr
    shop = json.loads(r.stdout)
    assert shop["panda"]["api_key"] and shop["panda"]["secret"]
    assert shop["tegro"]["api_key"] and shop["shop_id"]
    r = kassa("requisite", "add", *admin, "--type", "SBP", "--requisite", "+79005554433",
              "--owner-full-name", "Petr Petrov", "--bank-code", "Tinkoff",
              "--bank-name-ru", "Т-Банк", "--bank-name-en", "T-Bank", "--currency", "RUB",
              "--country-code", "RUS")
    assert r.returncode == 0, r.stderr
    assert "id" in json.loads(r.stdout)
    # the new shop can take an order on the new requisite
    r = kassa("panda", "create-order", "--host", kassad.base_url, "--api-key",
              shop["panda"]["api_key"], "--secret", shop["panda"]["secret"], "--amount", "100",
              "--requisite-type", "SBP")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["requisite"] == "+79005554433"
    # a wrong token: exit 1
    r = kassa("shop", "create", "--server", kassad.base_url, "--admin-token", "nope",
              "--name", "x", "--url", "https://x.example", "--callback-url", "http://x/cb")
    assert r.returncode == 1
    assert r.stderr.startswith("kassa: HTTP 401 ")
    r = kassa("order", "show", "999999999", *admin)
    assert r.returncode == 1
    assert r.stderr.startswith("kassa: HTTP 404 ")


def test_admin_shop_notification_format_create_and_update(kassad):
    admin = ["--server", kassad.base_url, "--admin-token", kassad.admin_token]
    base = ["--name", "CLI json shop", "--url", "https://cli.example",
            "--callback-url", "http://127.0.0.1:9/cb"]
    r = kassa("shop", "create", *admin, *base, "--notification-format", "json")
    assert r.returncode == 0, r.stderr
    shop = json.loads(r.stdout)
    assert shop["notification_format"] == "json"
    r = kassa("shop", "create", *admin, *base)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["notification_format"] == "form"
    n = kassad.count_rows("shops")
    r = kassa("shop", "create", *admin, *base, "--notification-format", "xml")
    assert r.returncode == 1
    assert r.stderr.strip() == \
        'kassa: HTTP 400 Bad Request: notification_format: expected "form" or "json"'
    assert kassad.count_rows("shops") == n

    r = kassa("shop", "update", str(shop["id"]), *admin, "--notification-format", "form",
              "--name", "CLI renamed")
    assert r.returncode == 0, r.stderr
    updated = json.loads(r.stdout)
    assert updated["notification_format"] == "form" and updated["name"] == "CLI renamed"
    assert updated["url"] == "https://cli.example" and "tegro" not in updated
    status, view = kassad.admin("GET", f"/admin/v1/shops/{shop['id']}")
    assert status == 200 and view == updated
    r = kassa("shop", "update", str(shop["id"]), *admin, "--notification-format", "yaml")
    assert r.returncode == 1
    assert r.stderr.strip() == \
        'kassa: HTTP 400 Bad Request: notification_format: expected "form" or "json"'
    assert kassad.admin("GET", f"/admin/v1/shops/{shop['id']}")[1] == updated
    r = kassa("shop", "update", "987654", *admin, "--name", "x")
    assert r.returncode == 1 and r.stderr.startswith("kassa: HTTP 404 ")


def test_admin_shop_strict_signing(kassad):
    """--strict-signing on|off on create and update; anything else
    is refused by kassad with its message."""
    admin = ["--server", kassad.base_url, "--admin-token", kassad.admin_token]
    base = ["--name", "CLI strict shop", "--url", "https://cli.example",
            "--callback-url", "http://127.0.0.1:9/cb"]
    r = kassa("shop", "create", *admin, *base, "--strict-signing", "on")
    assert r.returncode == 0, r.stderr
    shop = json.loads(r.stdout)
    assert shop["strict_signing"] is True
    r = kassa("shop", "update", str(shop["id"]), *admin, "--strict-signing", "off")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["strict_signing"] is False
    r = kassa("shop", "update", str(shop["id"]), *admin, "--strict-signing", "maybe")
    assert r.returncode == 1
    assert r.stderr.strip() == \
        "kassa: HTTP 400 Bad Request: strict_signing: expected true or false"


def test_listen_receives_kassad_callback(kassad, make_shop):
    port = free_port()
    creds = make_shop(kassad, callback_url=f"http://127.0.0.1:{port}/webhook")
    proc = subprocess.Popen([cli_path(), "listen", "--dialect", "panda", "--port", str(port),
                             "--api-key", creds["panda"]["api_key"],
                             "--secret", creds["panda"]["secret"], "--count", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())
    try:
        Listener._readline(proc.stderr, 10)
        r = kassa(*panda_args(kassad, creds, "--amount", "250", "--requisite-type", "SBP"))
        assert r.returncode == 0, r.stderr
        uuid = json.loads(r.stdout)["uuid"]
        r = kassa("order", "complete", uuid, "--server", kassad.base_url,
                  "--admin-token", kassad.admin_token)
        assert r.returncode == 0, r.stderr
        assert proc.wait(timeout=30) == 0
        line = json.loads(proc.stdout.read().decode())
        assert line["dialect"] == "panda" and line["path"] == "/webhook"
        assert line["callback"]["uuid"] == uuid
        assert line["callback"]["status"] == "completed"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_listen_verifies_kassad_tegro_json_notification(kassad, make_shop, make_tegro):
    """kassad, for a shop whose notification_format is "json", sends the
    tegro notification as a JSON object; kassa listen --dialect tegro
    verifies it and kassad records it delivered."""
    port = free_port()
    creds = make_shop(kassad, callback_url=f"http://127.0.0.1:{port}/notify",
                      notification_format="json")
    assert creds["notification_format"] == "json"
    proc = subprocess.Popen([cli_path(), "listen", "--dialect", "tegro", "--port", str(port),
                             "--shop-id", creds["shop_id"], "--secret", creds["tegro"]["secret"],
                             "--count", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())
    try:
        Listener._readline(proc.stderr, 10)
        r = make_tegro(kassad, creds).create_order(order_id="cli-json-1", amount="1200.5")
        assert r.json["type"] == "success", r.body
        ref = r.json["data"]["id"]
        r = kassa("order", "complete", str(ref), "--server", kassad.base_url,
                  "--admin-token", kassad.admin_token)
        assert r.returncode == 0, r.stderr
        assert proc.wait(timeout=30) == 0, proc.stderr.read().decode()
        line = json.loads(proc.stdout.read().decode())
        assert line["dialect"] == "tegro" and line["path"] == "/notify"
        cb = line["callback"]
        assert cb == {"shop_id": creds["shop_id"], "amount": "1200.50", "order_id": "cli-json-1",
                      "payment_system": "28", "currency": "RUB", "sign": cb["sign"]}
        # kassad records the delivery once the listener's 200 "OK" arrived
        deadline = time.monotonic() + 10
        while True:
            status, cbs = kassad.admin("GET", f"/admin/v1/callbacks?order={ref}")
            assert status == 200, cbs
            if cbs and cbs[0]["state"] == "delivered":
                break
            assert time.monotonic() < deadline, cbs
            time.sleep(0.1)
        assert len(cbs) == 1 and cbs[0]["url"] == f"http://127.0.0.1:{port}/notify"
        assert [a["http_status"] for a in cbs[0]["attempts"]] == [200]
        assert cbs[0]["attempts"][0]["response"] == "OK"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_tegro_call_balance_against_kassad(kassad, shop):
    r = kassa("tegro", "call", "balance", "--host", kassad.base_url, "--shop-id",
              shop["shop_id"], "--api-key", shop["tegro"]["api_key"])
    assert r.returncode == 0, (r.stdout, r.stderr)
    answer = json.loads(r.stdout)
    assert answer["type"] == "success"
    assert "balance" in answer["data"]
    # a wrong key: type error -> exit 1, the answer still printed
    r = kassa("tegro", "call", "balance", "--host", kassad.base_url, "--shop-id",
              shop["shop_id"], "--api-key", "wrong")
    assert r.returncode == 1
    assert json.loads(r.stdout) == {"type": "error", "desc": "Wrong authorization token"}
    assert r.stderr == "kassa: HTTP 200: Wrong authorization token\n"


def test_panda_cancel_against_kassad(kassad, shop):
    r = kassa(*panda_args(kassad, shop, "--amount", "300", "--requisite-type", "SBP"))
    assert r.returncode == 0, r.stderr
    uuid = json.loads(r.stdout)["uuid"]
    creds = ["--host", kassad.base_url, "--api-key", shop["panda"]["api_key"],
             "--secret", shop["panda"]["secret"]]
    r = kassa("panda", "cancel", uuid, *creds)
    assert (r.returncode, r.stdout) == (0, "canceled\n"), r.stderr
    # only a pending order can be canceled: the second time the API refuses
    r = kassa("panda", "cancel", uuid, *creds)
    assert r.returncode == 1
    assert r.stderr.startswith("kassa: HTTP 4")
    r = kassa("panda", "order", "00000000-0000-4000-8000-000000000000", *creds)
    assert r.returncode == 1
    assert r.stderr == "kassa: HTTP 404: the API answered with an error: Order not found\n"


def test_panda_strict_signing(kassad, shop):
    """--strict signs method, path and body (X-Signature-Mode: strict):
    create, read and cancel all pass."""
    r = kassa(*panda_args(kassad, shop, "--amount", "10.00", "--requisite-type", "SBP",
                          "--strict"))
    assert r.returncode == 0, r.stderr
    order = json.loads(r.stdout)
    creds = ["--host", kassad.base_url, "--api-key", shop["panda"]["api_key"],
             "--secret", shop["panda"]["secret"], "--strict"]
    r = kassa("panda", "order", order["uuid"], *creds)
    assert r.returncode == 0, r.stderr
    r = kassa("panda", "cancel", order["uuid"], *creds)
    assert r.returncode == 0, r.stderr
    st, o = kassad.admin("GET", f"/admin/v1/orders/{order['uuid']}")
    assert o["status"] == "canceled"
