"""HTTP helpers for kassa's end-to-end tests (standard library only).

Two ways to talk to kassad:

* ``PandaClient`` signs requests exactly the way the PandaPay24 seed's Python
  example does: compact ``json.dumps(..., separators=(",", ":"))``, the
  timestamp ``str(int(time.time()))`` (overridable, and following the
  server's moved clock when a ``clock`` callable is given), the signature
  ``hmac.new(secret.encode(), (ts + payload).encode(), sha256).hexdigest()``
  and ``urllib.request`` with the headers Content-Type, X-API-Key,
  X-Signature and X-Timestamp.
* ``send_raw`` sends arbitrary bytes and headers with ``http.client`` (header
  names go out exactly as given, in the given order).

The second half of this module is the harness itself, used by conftest.py's
fixtures and importable by any test (``from kassa_client import Kassad,
create_shop``): the ``Kassad`` process wrapper, ``create_shop`` /
``create_requisite`` and the default shop and requisite bodies.

Every call returns a ``Response(status, headers, body, json)`` where ``headers``
is a case-insensitive ``email.message.Message``-like mapping, ``body`` the raw
bytes and ``json`` the parsed body or ``None`` when it is not JSON.
"""

import hashlib
import hmac
import http.client
import json
import os
import secrets
import signal
import socket
import sqlite3
import ssl
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid as uuidlib
from collections import namedtuple
from pathlib import Path

Response = namedtuple("Response", "status headers body json")

DEFAULT_TIMEOUT = 30


def parse_json(body):
    """Parse bytes as JSON; None when empty or not JSON."""
    if not body:
        return None
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


def compact(payload):
    """The seed's serialisation: compact separators, default ensure_ascii."""
    return json.dumps(payload, separators=(",", ":"))


def panda_signature(secret, ts, body):
    """Lower-case hex HMAC-SHA256(secret, ts + body); body is str or bytes."""
    if isinstance(body, str):
        body = body.encode()
    msg = str(ts).encode() + (body or b"")
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


def new_key():
    """A fresh idempotency key (a UUID, as merchants use)."""
    return str(uuidlib.uuid4())


def insecure_tls():
    """A client TLS context that accepts any certificate (the tests' own
    self-signed ones), as a merchant client that does not verify does."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


# ---- what the tests exchange with kassad (the OpenAPI check) ----

# callable(method, path, status, content_type, body), or None: set by
# conftest.py unless KASSA_OPENAPI_CHECK=0 (openapi_check.py); called with
# every answer of a kassad (a port Kassad.start used) to the helpers below.
OBSERVE = None
KASSAD_PORTS = set()


def _observe(method, url, resp):
    if OBSERVE is None:
        return
    u = urllib.parse.urlsplit(url)
    if u.port in KASSAD_PORTS and u.hostname in ("127.0.0.1", "localhost"):
        OBSERVE(method, u.path, resp.status, resp.headers.get("Content-Type"), resp.body)


def urllib_request(url, method="GET", data=None, headers=None, timeout=DEFAULT_TIMEOUT):
    """Send with urllib.request like the seed does; never raises on HTTP errors."""
    req = urllib.request.Request(url=url, data=data, headers=headers or {}, method=method)
    ctx = insecure_tls() if url.startswith("https:") else None
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=ctx) as resp:
            body = resp.read()
            r = Response(resp.status, resp.headers, body, parse_json(body))
            final = resp.geturl()
    except urllib.error.HTTPError as e:
        body = e.read()
        r = Response(e.code, e.headers, body, parse_json(body))
        final = e.geturl() or url
    # After a redirect (a 303 of the payer's pages) the answer is the GET's
    # of where it led.
    _observe(method if final == url else "GET", final, r)
    return r


def send_raw(base_url, method, path, body=b"", headers=(), timeout=DEFAULT_TIMEOUT):
    """Send a request with http.client, header names and order exactly as given.

    ``headers`` is a list of (name, value) pairs or a dict. Content-Length is
    added for a non-empty body unless given. Returns a Response.
    """
    u = urllib.parse.urlsplit(base_url)
    if u.scheme == "https":
        conn = http.client.HTTPSConnection(u.hostname, u.port, timeout=timeout,
                                           context=insecure_tls())
    else:
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        items = list(headers.items()) if isinstance(headers, dict) else list(headers)
        names = {k.lower() for k, _ in items}
        if body and "content-length" not in names:
            items.append(("Content-Length", str(len(body))))
        for k, v in items:
            conn.putheader(k, v)
        conn.endheaders()
        if body:
            conn.send(body)
        resp = conn.getresponse()
        data = resp.read()
        r = Response(resp.status, resp.headers, data, parse_json(data))
        _observe(method, base_url.rstrip("/") + path, r)
        return r
    finally:
        conn.close()


class PandaClient:
    """A merchant of the panda dialect, written the way the seed writes it.

    ``clock`` is a callable giving the server's Unix time (see
    ``Kassad.now``); by default ``time.time``.
    """

    def __init__(self, base_url, api_key, secret, clock=None):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.secret = secret
        self.clock = clock or (lambda: int(time.time()))

    def timestamp(self):
        return str(int(self.clock()))

    def sign(self, ts, body):
        return panda_signature(self.secret, ts, body)

    def headers(self, body, ts=None, api_key=None, secret=None, signature=None):
        ts = self.timestamp() if ts is None else str(ts)
        sig = signature
        if sig is None:
            sig = panda_signature(secret if secret is not None else self.secret, ts, body)
        return {
            "Content-Type": "application/json",
            "X-API-Key": self.api_key if api_key is None else api_key,
            "X-Signature": sig,
            "X-Timestamp": ts,
        }

    def post(self, path, payload, ts=None, **kw):
        """POST a dict (serialised compactly) or str/bytes (sent as is)."""
        if isinstance(payload, (dict, list)):
            body = compact(payload)
        else:
            body = payload
        if isinstance(body, str):
            body = body.encode()
        hdrs = self.headers(body, ts=ts, **kw)
        return urllib_request(self.base_url + path, "POST", body, hdrs)

    # The last timestamp a change (cancel, confirm) of each key signed with.
    _last_change = {}

    def change_timestamp(self):
        """A timestamp for a body-less change that no request of this key
        signed before: kassad refuses a cancel or confirm whose plain
        signature (the timestamp alone) another request used, so a careful
        client signs each change with a second of its own (a future one,
        within the window, when it changes faster than once a second)."""
        last = PandaClient._last_change.get(self.api_key, 0)
        ts = max(int(self.clock()) + 1, last + 1)
        PandaClient._last_change[self.api_key] = ts
        return ts

    def get(self, path, ts=None, **kw):
        """GET, signed over the timestamp alone (a cancel or confirm over a
        timestamp of its own: change_timestamp)."""
        if ts is None and path.endswith(("/cancel", "/confirm")):
            ts = self.change_timestamp()
        hdrs = self.headers(b"", ts=ts, **kw)
        del hdrs["Content-Type"]
        return urllib_request(self.base_url + path, "GET", None, hdrs)

    def create_order(self, amount="1000.4747448348385", requisite_type="SBP",
                     idempotency_key=None, legacy=False, **fields):
        """POST /v1/orders (``amount``) or, with legacy, POST /orders (``amount_rub``)."""
        payload = {"amount_rub" if legacy else "amount": amount,
                   "requisite_type": requisite_type,
                   "idempotency_key": idempotency_key or new_key()}
        payload.update(fields)
        return self.post("/orders" if legacy else "/v1/orders", payload)

    def get_order(self, order_uuid, prefix="/v1/orders"):
        return self.get(f"{prefix}/{order_uuid}")

    def orders_by_merchant_id(self, merchant_order_id, prefix="/v1/orders"):
        return self.get(f"{prefix}/merchant/{urllib.parse.quote(merchant_order_id, safe='')}")


def public_get(base_url, path):
    """An unauthenticated GET (the payer's view)."""
    return urllib_request(base_url.rstrip("/") + path, "GET")


# ==== the kassad process (used by conftest.py's fixtures) ====

REPO = Path(__file__).resolve().parents[2]

STDERR_TAIL_LINES = 80
HEALTH_TIMEOUT = 15.0
STOP_TIMEOUT = 15.0


def kassad_binary():
    """The kassad binary: $KASSAD, else build/src/server/kassad, else build/kassad."""
    env = os.environ.get("KASSAD")
    if env:
        return str(Path(env).resolve())
    for rel in ("build/src/server/kassad", "build/kassad"):
        p = REPO / rel
        if p.exists():
            return str(p)
    return str(REPO / "build/src/server/kassad")


def free_port():
    """A free loopback TCP port (bind port 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(extra=None):
    """os.environ without any KASSA_* variable, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KASSA_")}
    env.update(extra or {})
    return env


# Servers used by the running test (for the failure report).
_LIVE = []


class KassadError(AssertionError):
    pass


class Kassad:
    """One kassad process on a free loopback port, with its own temp dir.

    Default arguments: ``--listen 127.0.0.1:<port> --db <db_url>
    --admin-token <random> --public-url http://127.0.0.1:<port> --test-clock
    --allow-private-callbacks``. stdout and stderr go to ``<dir>/kassad.log``
    (appended across restarts).
    """

    def __init__(self, workdir, db_url=None, make_db_url=None):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.make_db_url = make_db_url or default_db_url
        self.db_url = db_url
        self.admin_token = secrets.token_hex(16)
        self.port = None
        self.proc = None
        self.log_path = self.dir / "kassad.log"
        self.clock_offset = 0  # seconds advanced with advance_clock
        self.extra_args = []
        self.env = {}
        self.test_clock = True
        self.binary = kassad_binary()
        # (cert_file, key_file): serve HTTPS (--tls-cert, --tls-key); "env":
        # HTTPS with the pair from the environment the test gives.
        self.tls = None

    # ---- life cycle ----
    @property
    def base_url(self):
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    public_url = base_url

    def url(self, path=""):
        return self.base_url + path

    @property
    def db_path(self):
        """The SQLite file path, or None for another database."""
        if self.db_url and self.db_url.startswith("sqlite:"):
            return self.db_url[len("sqlite:"):]
        return None

    def args(self):
        a = [self.binary,
             "--listen", f"127.0.0.1:{self.port}",
             "--db", self.db_url,
             "--admin-token", self.admin_token,
             "--public-url", self.base_url,
             "--allow-private-callbacks"]
        if self.test_clock:
            a.append("--test-clock")
        if self.tls and self.tls != "env":
            a += ["--tls-cert", str(self.tls[0]), "--tls-key", str(self.tls[1])]
        if "--auth-fail-limit" not in self.extra_args:
            # The suites fail authentications on purpose, many a minute from
            # one address; test_limits.py and test_hostile.py set their own.
            a += ["--auth-fail-limit", "100000"]
        return a + list(self.extra_args)

    def start(self, db_url=None, extra_args=None, env=None, test_clock=True, port=None,
              wait=True, tls=None):
        """Start kassad and wait until GET /healthz answers 200.

        db_url: database URL (default: the previous one, else make_db_url(dir)).
        extra_args: more command-line arguments. env: extra environment
        (KASSA_* from the caller's environment are removed). Raises
        KassadError with the log tail when it exits or is not ready in 15 s.
        """
        if self.proc is not None and self.proc.poll() is None:
            raise KassadError("kassad already running")
        if db_url is not None and db_url != self.db_url:
            self.db_url = db_url
            self.clock_offset = 0  # a new database: the clock was never moved
        if self.db_url is None:
            self.db_url = self.make_db_url(self.dir)
        if extra_args is not None:
            self.extra_args = list(extra_args)
        if env is not None:
            self.env = dict(env)
        self.test_clock = test_clock
        if tls is not None:
            self.tls = tls
        if port is not None:
            self.port = port
        elif self.port is None:
            self.port = free_port()
        KASSAD_PORTS.add(self.port)
        # A restarted kassad keeps its moved test clock (kept in the
        # database): clock_offset stays.
        with open(self.log_path, "ab") as log:
            log.write(f"==== start: {' '.join(self.args())}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(self.args(), stdout=log, stderr=log,
                                         stdin=subprocess.DEVNULL,
                                         env=clean_env(self.env), cwd=str(self.dir))
        if self not in _LIVE:
            _LIVE.append(self)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=HEALTH_TIMEOUT):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                raise KassadError(f"kassad exited with {rc} before ready\n{self.log_tail()}")
            try:
                r = send_raw(self.base_url, "GET", "/healthz", timeout=2)
                if r.status == 200:
                    return
                last = f"status {r.status}"
            except OSError as e:
                last = repr(e)
            time.sleep(0.05)
        raise KassadError(f"kassad not ready after {timeout}s ({last})\n{self.log_tail()}")

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, expect_rc=0, timeout=STOP_TIMEOUT):
        """SIGTERM and wait; asserts the exit code (0 by default). Returns it."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise KassadError(f"kassad did not exit {timeout}s after SIGTERM\n{self.log_tail()}")
        if expect_rc is not None and rc != expect_rc:
            raise KassadError(f"kassad exited with {rc}, expected {expect_rc}\n{self.log_tail()}")
        return rc

    def kill(self):
        """SIGKILL (a crash); returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.kill()
        return self.proc.wait()

    def restart(self, **kw):
        """Stop cleanly and start again on the same database and port."""
        self.stop()
        return self.start(**kw)

    def close(self):
        """Teardown: stop if running (asserting a clean exit), then fail if a
        sanitizer reported anything in the log. The log check also catches a
        report from a kassad that the test killed or that exited by itself
        (TSan's halt_on_error), whose exit code nobody asserted."""
        try:
            if self.running():
                self.stop()
            report = self.sanitizer_report()
            if report:
                raise KassadError(f"a sanitizer reported in {self.log_path}:\n{report}")
        finally:
            if self in _LIVE:
                _LIVE.remove(self)

    # The first line of a report by ThreadSanitizer, AddressSanitizer,
    # LeakSanitizer or UndefinedBehaviorSanitizer (`make test`'s builds).
    SANITIZER_MARKS = ("WARNING: ThreadSanitizer:", "ERROR: AddressSanitizer:",
                       "ERROR: LeakSanitizer:", ": runtime error: ")

    def sanitizer_report(self, lines=60):
        """The first sanitizer report in the log (up to `lines` lines), or None."""
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return None
        for i, line in enumerate(text):
            if any(m in line for m in self.SANITIZER_MARKS):
                return "\n".join(text[max(i - 1, 0):i + lines])
        return None

    def wait_log(self, text, timeout=10):
        """The log once it holds `text`: a line about work done after the
        answer (a callback attempt, say) may land a moment after the state
        that the test polled for."""
        deadline = time.monotonic() + timeout
        while True:
            log = self.log_path.read_text(errors="replace")
            if text in log:
                return log
            if time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} in the log within {timeout}s\n" + self.log_tail())
            time.sleep(0.05)

    def log_tail(self, lines=STDERR_TAIL_LINES):
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no kassad log)"
        tail = text.splitlines()[-lines:]
        return f"---- last {len(tail)} lines of {self.log_path} ----\n" + "\n".join(tail)

    # ---- clock ----
    def now(self):
        """The server's clock in Unix seconds (real time + what we advanced)."""
        return int(time.time()) + self.clock_offset

    def advance_clock(self, seconds):
        """POST /admin/v1/clock/advance; returns the server's {"now"}."""
        status, body = self.admin("POST", "/admin/v1/clock/advance", {"seconds": seconds})
        if status != 200:
            raise KassadError(f"clock advance {seconds}: {status} {body}")
        self.clock_offset += seconds
        return body["now"]

    # ---- HTTP ----
    def request(self, method, path, body=b"", headers=()):
        return send_raw(self.base_url, method, path, body, headers)

    def admin(self, method, path, json_body=None, token=None, raw=None):
        """Admin API call -> (status, parsed JSON or None).

        token: bearer token (default the server's; "" sends no Authorization).
        raw: bytes to send instead of json_body.
        """
        tok = self.admin_token if token is None else token
        headers = []
        if tok:
            headers.append(("Authorization", f"Bearer {tok}"))
        body = b""
        if raw is not None:
            body = raw
        elif json_body is not None:
            body = json.dumps(json_body).encode()
        if body:
            headers.append(("Content-Type", "application/json"))
        r = send_raw(self.base_url, method, path, body, headers)
        return r.status, r.json

    def panda(self, creds):
        """A PandaClient for a shop's creds (as returned by make_shop), on this clock."""
        return PandaClient(self.base_url, creds["panda"]["api_key"],
                                        creds["panda"]["secret"], clock=self.now)

    # ---- database ----
    def count_rows(self, table, where="", params=()):
        """count(*) of a table, reading the SQLite file read-only (or asking
        PostgreSQL with psql when the server runs on a postgresql:// URL;
        `?` placeholders are filled with quoted literals then)."""
        if self.db_url and self.db_url.startswith(("postgresql://", "postgres://")):
            return _pg_count(self.db_url, table, where, params)
        if not self.db_path:
            raise KassadError("count_rows needs an SQLite database")
        uri = "file:" + urllib.parse.quote(self.db_path) + "?mode=ro"
        con = sqlite3.connect(uri, uri=True, timeout=10)
        try:
            q = f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")
            return con.execute(q, params).fetchone()[0]
        finally:
            con.close()


def _pg_literal(v):
    if isinstance(v, bool) or v is None:
        return {True: "TRUE", False: "FALSE", None: "NULL"}[v]
    if isinstance(v, int):
        return str(v)
    if isinstance(v, bytes):
        return "'\\x" + v.hex() + "'::bytea"
    return "'" + str(v).replace("'", "''") + "'"


def pg_scalar(url, sql, params=()):
    """The first column of the first row of `sql` on a PostgreSQL URL, via
    psql (None for NULL or no row). `?` placeholders are filled with quoted
    literals, so SQLite-style test queries run unchanged."""
    parts = sql.split("?")
    if len(parts) != len(params) + 1:
        raise KassadError(f"{len(params)} params for {sql!r}")
    q = parts[0] + "".join(_pg_literal(p) + rest for p, rest in zip(params, parts[1:]))
    p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url,
                        "-c", q], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0:
        raise KassadError(f"psql {q!r}: {p.stderr.decode(errors='replace')}")
    out = p.stdout.decode().strip().split("\n")[0]
    if out == "":
        return None
    try:
        return int(out)
    except ValueError:
        return out


def _pg_count(url, table, where, params):
    q = f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")
    return pg_scalar(url, q, params)


def default_db_url(workdir):
    """sqlite:<workdir>/kassa.db unless KASSA_TEST_DB names another database."""
    env = os.environ.get("KASSA_TEST_DB")
    if env:
        return env
    return f"sqlite:{Path(workdir) / 'kassa.db'}"


# ---- shops and requisites ----

SBP_REQUISITE = {
    "type": "SBP",
    "requisite": "+79001234567",
    "owner_full_name": "Ivan Ivanov",
    "bank_code": "Sber",
    "bank_name_ru": "Сбербанк",
    "bank_name_en": "Sberbank",
    "currency": "RUB",
    "country_code": "RUS",
}

SHOP = {
    "name": "Test shop",
    "url": "https://shop.example",
    "callback_url": "http://127.0.0.1:9/webhook",
    "fee_percent": "2.5",
}


def create_requisite(server, **fields):
    """POST /admin/v1/requisites (SBP_REQUISITE overridden by fields) -> dict + "id"."""
    body = dict(SBP_REQUISITE)
    body.update(fields)
    status, answer = server.admin("POST", "/admin/v1/requisites", body)
    if status != 201 or not isinstance(answer, dict) or "id" not in answer:
        raise KassadError(f"create requisite: {status} {answer}\n{server.log_tail()}")
    body["id"] = answer["id"]
    return body


def create_shop(server, requisite=True, **fields):
    """POST /admin/v1/shops (SHOP overridden by fields); with requisite=True also
    one SBP requisite (requisite may be a dict of overrides). Returns the
    shop's answer plus "request" (what was sent) and "requisite" (or None)."""
    body = dict(SHOP)
    body.update(fields)
    status, answer = server.admin("POST", "/admin/v1/shops", body)
    if status != 201 or not isinstance(answer, dict) or "panda" not in answer:
        raise KassadError(f"create shop: {status} {answer}\n{server.log_tail()}")
    creds = dict(answer)
    creds["request"] = body
    creds["requisite"] = None
    if requisite:
        overrides = requisite if isinstance(requisite, dict) else {}
        creds["requisite"] = create_requisite(server, **overrides)
    return creds


def release_pending(server, shop_id=None):
    """Fail every pending order (of one shop, or of every shop) through the
    admin API. A requisite takes one pending order of an amount at a time
    (spec/p2p.md "Unambiguous amounts"): tests sharing a server and its
    requisites free the amounts earlier tests left pending. Returns how many
    were failed."""
    q = "/admin/v1/orders?status=pending&limit=500"
    if shop_id is not None:
        q += f"&shop_id={shop_id}"
    n = 0
    while True:
        status, page = server.admin("GET", q)
        if status != 200:
            raise KassadError(f"list pending orders: {status} {page}")
        for o in page["items"]:
            st, body = server.admin("POST", f"/admin/v1/orders/{o['uuid']}/fail")
            if st != 200 and st != 409:  # 409: it left pending meanwhile
                raise KassadError(f"fail order {o['uuid']}: {st} {body}")
            n += st == 200
        if not page["items"]:
            return n
