"""Callbacks: the transactional outbox and its dispatcher, end to end.

Real receivers on loopback (http.server threads in this process, and the
PandaPay24 seed's own webhook server as a subprocess) against a real kassad.
Events are produced through the admin API (complete / fail), the panda
cancel call and the clock (expiry); retries are driven with clock/advance.
"""

import hashlib
import hmac
import json
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kassa_client import free_port
from tegro_client import tegro_for

PYTHON = "/usr/bin/python3"


# ---- receivers ----

class Receiver:
    """A loopback HTTP receiver recording every POST. `answers` is a list of
    statuses served in order (the last one repeats); `block` holds answers
    until released (a receiver that accepted but did not answer yet);
    `reply`, when given, is the body of every answer."""

    def __init__(self, answers=(200,), port=None, check=None, reply=None):
        self.answers = list(answers)
        self.reply = reply
        self.requests = []
        self.cond = threading.Condition()
        self.check = check  # callable(path, headers, body) -> status or None
        self.block = threading.Event()
        self.block.set()
        recv = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(n) if n else b""
                recv.block.wait(30)
                with recv.cond:
                    status = recv.answers[0]
                    if len(recv.answers) > 1:
                        recv.answers.pop(0)
                    if recv.check is not None:
                        status = recv.check(self.path, self.headers, body) or status
                    recv.requests.append({"path": self.path, "headers": self.headers,
                                          "body": body, "status": status})
                    recv.cond.notify_all()
                reply = recv.reply or (b"gone" if status == 410 else b"ok")
                self.send_response(status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port or 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/webhook"):
        return f"http://127.0.0.1:{self.port}{path}"

    def wait(self, n, timeout=10):
        """Wait until at least n requests arrived; returns them."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.requests) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"receiver got {len(self.requests)} requests, wanted {n}")
                self.cond.wait(left)
            return list(self.requests)

    def close(self):
        self.block.set()
        self.server.shutdown()
        self.server.server_close()


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


def panda_check(api_key, secret):
    """The seed receiver's rules: 404 off /webhook, 415 on another
    Content-Type, 401 on a wrong key or signature."""

    def check(path, headers, body):
        if path != "/webhook":
            return 404
        if headers.get("Content-Type") != "application/json":
            return 415
        if headers.get("X-API-Key") != api_key:
            return 401
        ts = headers.get("X-Timestamp", "")
        want = hmac.new(secret.encode(), (ts + body.decode("utf-8")).encode(),
                        hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get("X-Signature", ""), want):
            return 401
        return None

    return check


# ---- helpers ----

def wait_until(fn, timeout=10, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def callbacks_of(server, ref):
    status, body = server.admin("GET", f"/admin/v1/callbacks?order={ref}")
    assert status == 200, body
    return body


def wait_state(server, ref, state, attempts=None, timeout=10):
    def ok():
        cbs = callbacks_of(server, ref)
        if len(cbs) == 1 and cbs[0]["state"] == state and (
                attempts is None or len(cbs[0]["attempts"]) == attempts):
            return cbs[0]
        return None
    try:
        return wait_until(ok, timeout, f"callback {state}")
    except AssertionError:
        raise AssertionError(f"wanted {state}/{attempts}: {callbacks_of(server, ref)}")


def new_order(server, creds, **fields):
    r = server.panda(creds).create_order(**fields)
    assert r.status in (200, 201), r
    return r.json


def complete(server, ref):
    status, body = server.admin("POST", f"/admin/v1/orders/{ref}/complete")
    assert status == 200, body
    return body


def settle(seconds=0.5):
    """Give the dispatcher (polling every 100 ms) time to do anything it
    would wrongly do."""
    time.sleep(seconds)


# ---- panda ----

def test_panda_completed_callback_signed_and_exact(kassad, make_shop, receivers):
    rec = receivers()
    creds = make_shop(kassad, callback_url=rec.url())
    rec.check = panda_check(creds["panda"]["api_key"], creds["panda"]["secret"])
    order = new_order(kassad, creds, merchant_order_id="shop-42")
    complete(kassad, order["uuid"])
    got = rec.wait(1)[0]
    assert got["status"] == 200, got  # the seed's checks passed
    h = got["headers"]
    assert h["Content-Type"] == "application/json"
    assert h["X-API-Key"] == creds["panda"]["api_key"]
    assert abs(int(h["X-Timestamp"]) - kassad.now()) <= 5
    body = json.loads(got["body"])
    assert list(body) == ["uuid", "status", "amount_usdt", "amount_local", "currency",
                          "merchant_commission", "merchant_order_id"]
    assert body["uuid"] == order["uuid"]
    assert body["status"] == "completed"
    assert body["amount_local"] == 1000.47
    assert body["currency"] == "RUB"
    assert body["merchant_commission"] == -25.01  # 2.5 % of 1000.47, taken
    assert body["merchant_order_id"] == "shop-42"
    assert b'"amount_local":1000.47,' in got["body"]  # a JSON number, not a string

    cb = wait_state(kassad, order["uuid"], "delivered", 1)
    assert h["X-Kassa-Event-Id"] == str(cb["event_id"])
    assert cb["event"] == "order.completed"
    assert cb["url"] == rec.url()
    att = cb["attempts"][0]
    assert att["http_status"] == 200 and att["error"] is None
    assert att["response"] == "ok"
    assert isinstance(att["latency_ms"], int) and att["latency_ms"] >= 0
    settle()
    assert len(rec.requests) == 1  # none after success


def test_panda_final_statuses_and_version_2(kassad, make_shop, receivers):
    rec = receivers()
    creds = make_shop(kassad, callback_url=rec.url())
    v2 = make_shop(kassad, callback_url=rec.url("/v2"), callback_version=2, requisite=False)
    failed = new_order(kassad, creds, amount="1003.47")
    canceled = new_order(kassad, creds, amount="1001.47")
    expired = new_order(kassad, creds, amount="1002.47")
    old = new_order(kassad, v2, amount="1000.47")
    status, body = kassad.admin("POST", f"/admin/v1/orders/{failed['uuid']}/fail")
    assert status == 200, body
    r = kassad.panda(creds).get(f"/v1/orders/{canceled['uuid']}/cancel")
    assert r.status == 200, r
    complete(kassad, old["uuid"])
    rec.wait(3)
    kassad.advance_clock(16 * 60)  # past the 15 min panda TTL: expired -> "timeout"
    reqs = rec.wait(4)
    by_uuid = {}
    for q in reqs:
        b = json.loads(q["body"])
        by_uuid[b.get("uuid") or b.get("order_uuid")] = (q["path"], b)
    assert by_uuid[failed["uuid"]][1]["status"] == "failed"
    assert by_uuid[canceled["uuid"]][1]["status"] == "canceled"
    assert by_uuid[expired["uuid"]][1]["status"] == "timeout"
    path, b = by_uuid[old["uuid"]]
    assert path == "/v2"
    assert list(b) == ["order_uuid", "status", "amount_usdt", "amount_rub",
                       "merchant_commission"]
    assert b["status"] == "completed" and b["amount_rub"] == 1000.47
    for o in (failed, canceled, expired, old):
        wait_state(kassad, o["uuid"], "delivered", 1)
    settle()
    assert len(rec.requests) == 4


SEED_WEBHOOK_SERVER = r'''
import hmac
import hashlib
import time
from http.server import BaseHTTPRequestHandler, HTTPServer


api_key = "apiKey"
api_secret = "apiSecret"
port = 3000


def verify_signature(timestamp: str, body: bytes, signature: str) -> bool:
    string_to_sign = timestamp + body.decode("utf-8")
    expected = hmac.new(api_secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature, expected)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        if self.path != "/webhook":
            self.send_response(404)
            self.end_headers()
            return

        print("\n=== Received Callback ===")
        print(f"Time: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}")
        print(f"Method: {self.command}")

        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length) if length > 0 else b""

        print("\nHeaders:")
        print(f"Content-Type: {self.headers.get('Content-Type')}")
        print(f"X-API-Key: {self.headers.get('X-API-Key')}")
        print(f"X-Signature: {self.headers.get('X-Signature')}")
        print(f"X-Timestamp: {self.headers.get('X-Timestamp')}")

        if self.headers.get("Content-Type") != "application/json":
            self.send_response(415)
            self.end_headers()
            self.wfile.write(b"Content-Type must be application/json")
            return

        if self.headers.get("X-API-Key") != api_key:
            self.send_response(401)
            self.end_headers()
            self.wfile.write(b"Invalid API key")
            return

        timestamp = self.headers.get("X-Timestamp", "")
        signature = self.headers.get("X-Signature", "")
        if not verify_signature(timestamp, body, signature):
            self.send_response(401)
            self.end_headers()
            self.wfile.write(b"Invalid signature")
            return

        print(f"Callback JSON: {body.decode('utf-8')}")
        self.send_response(200)
        self.end_headers()

    def log_message(self, format, *args):
        return


def run():
    server = HTTPServer(("", port), Handler)
    print(f"Test merchant API server starting on port {port}...")
    print(f"Webhook URL: http://localhost:{port}/webhook")
    server.serve_forever()


if __name__ == "__main__":
    run()
'''


def test_seed_webhook_server_accepts_kassa_callback(kassad, make_shop, tmp_path):
    """The PandaPay24 seed's webhook server, verbatim but for its three
    settings, accepts kassa's callback and prints it."""
    port = free_port()
    creds = make_shop(kassad, callback_url=f"http://127.0.0.1:{port}/webhook")
    script = (SEED_WEBHOOK_SERVER
              .replace('api_key = "apiKey"', f'api_key = "{creds["panda"]["api_key"]}"')
              .replace('api_secret = "apiSecret"', f'api_secret = "{creds["panda"]["secret"]}"')
              .replace("port = 3000", f"port = {port}"))
    path = tmp_path / "webhook_server.py"
    path.write_text(script)
    out_path = tmp_path / "webhook_server.out"
    with open(out_path, "wb") as out:
        proc = subprocess.Popen([PYTHON, "-u", str(path)], stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: "starting on port" in out_path.read_text(), 10, "seed server")
        order = new_order(kassad, creds, merchant_order_id="seed-1")
        complete(kassad, order["uuid"])
        text = wait_until(lambda: (lambda t: t if "Callback JSON:" in t else None)(
            out_path.read_text()), 10, "the seed's 'Callback JSON:' line")
        line = [x for x in text.splitlines() if x.startswith("Callback JSON: ")][0]
        body = json.loads(line[len("Callback JSON: "):])
        assert body["uuid"] == order["uuid"] and body["status"] == "completed"
        assert "Content-Type: application/json" in text
        cb = wait_state(kassad, order["uuid"], "delivered", 1)
        assert cb["attempts"][0]["http_status"] == 200
    finally:
        proc.kill()
        proc.wait()


# ---- tegro ----

def test_tegro_notification_md5(kassad, make_shop, receivers):
    shop_rec = receivers()
    creds = make_shop(kassad, callback_url=shop_rec.url("/shop"))
    notify = receivers()
    tc = tegro_for(kassad, creds)
    r = tc.create_order(order_id="merchant-7", amount=1200, notify_url=notify.url("/notify"))
    assert r.status == 200 and r.json["type"] == "success", r.body
    oid = r.json["data"]["id"]
    r2 = tc.create_order(order_id="merchant-8", amount=50)
    assert r2.status == 200 and r2.json["type"] == "success", r2.body
    oid2 = r2.json["data"]["id"]
    complete(kassad, oid)
    complete(kassad, oid2)
    got = notify.wait(1)[0]
    assert got["path"] == "/notify"
    assert got["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    fields = dict(urllib.parse.parse_qsl(got["body"].decode(), keep_blank_values=True))
    assert fields["shop_id"] == creds["shop_id"]
    assert fields["order_id"] == "merchant-7"  # the merchant's id
    assert fields["amount"] == "1200.00"
    assert fields["currency"] == "RUB"
    assert fields["payment_system"] == "28"
    assert "test" not in fields
    sign = fields.pop("sign")
    q = urllib.parse.urlencode(sorted(fields.items()))
    assert sign == hashlib.md5((q + creds["tegro"]["secret"]).encode()).hexdigest()
    assert "X-API-Key" not in got["headers"]
    assert got["headers"]["X-Kassa-Event-Id"]
    # without notify_url: the shop's URL
    got2 = shop_rec.wait(1)[0]
    f2 = dict(urllib.parse.parse_qsl(got2["body"].decode()))
    assert f2["order_id"] == "merchant-8" and f2["amount"] == "50.00"
    wait_state(kassad, oid, "delivered", 1)
    # a tegro order that fails sends nothing
    r3 = tc.create_order(order_id="merchant-9")
    status, _ = kassad.admin("POST", f"/admin/v1/orders/{r3.json['data']['id']}/fail")
    assert status == 200
    settle()
    assert callbacks_of(kassad, r3.json["data"]["id"]) == []
    assert len(notify.requests) == 1 and len(shop_rec.requests) == 1


def tegro_sign_ok(fields, secret):
    """The spec's notification sign: MD5 of the sorted query string of every
    field but sign, then the secret."""
    rest = {k: v for k, v in fields.items() if k != "sign"}
    q = urllib.parse.urlencode(sorted(rest.items()))
    return fields["sign"] == hashlib.md5((q + secret).encode()).hexdigest()


def test_tegro_spec_notification_sign_vector():
    fields = {"shop_id": "D0F98E7D7742609DC508D86BB7500914", "amount": "100", "order_id": "123",
              "payment_system": "16", "currency": "RUB",
              "sign": "e13cd755e9b4632d51ae4d5c74c2f122"}
    assert tegro_sign_ok(fields, "GB%^&*YJni677")


def test_tegro_notification_json_per_shop(kassad, make_shop, receivers):
    """A shop with notification_format "json" gets the notification's fields
    and sign as a JSON object; a form shop still gets the form; PATCH moves a
    shop between the two."""
    json_rec, form_rec = receivers(), receivers()
    jcreds = make_shop(kassad, callback_url=json_rec.url("/json"), notification_format="json")
    fcreds = make_shop(kassad, callback_url=form_rec.url("/form"))
    assert jcreds["notification_format"] == "json"
    assert fcreds["notification_format"] == "form"
    jt, ft = tegro_for(kassad, jcreds), tegro_for(kassad, fcreds)

    r = jt.create_order(order_id="json-1", amount="1200.5")
    assert r.json["type"] == "success", r.body
    jid = r.json["data"]["id"]
    r = ft.create_order(order_id="form-1", amount=50)
    fid = r.json["data"]["id"]
    complete(kassad, jid)
    complete(kassad, fid)

    got = json_rec.wait(1)[0]
    assert got["path"] == "/json"
    assert got["headers"]["Content-Type"] == "application/json"
    body = json.loads(got["body"])
    assert body == {"shop_id": jcreds["shop_id"], "amount": "1200.50", "order_id": "json-1",
                    "payment_system": "28", "currency": "RUB", "sign": body["sign"]}
    assert tegro_sign_ok(body, jcreds["tegro"]["secret"])
    assert not tegro_sign_ok(body, fcreds["tegro"]["secret"])

    got = form_rec.wait(1)[0]
    assert got["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    fields = dict(urllib.parse.parse_qsl(got["body"].decode(), keep_blank_values=True))
    assert fields["order_id"] == "form-1" and fields["amount"] == "50.00"
    assert tegro_sign_ok(fields, fcreds["tegro"]["secret"])
    wait_state(kassad, jid, "delivered", 1)
    wait_state(kassad, fid, "delivered", 1)

    # the form shop switches to JSON, the JSON shop back to the form
    status, shop = kassad.admin("PATCH", f"/admin/v1/shops/{fcreds['id']}",
                                {"notification_format": "json"})
    assert status == 200 and shop["notification_format"] == "json", shop
    status, shop = kassad.admin("PATCH", f"/admin/v1/shops/{jcreds['id']}",
                                {"notification_format": "form"})
    assert status == 200 and shop["notification_format"] == "form", shop
    fid2 = ft.create_order(order_id="form-2", amount=70, test=1).json["data"]["id"]
    jid2 = jt.create_order(order_id="json-2", amount=80).json["data"]["id"]
    complete(kassad, fid2)
    complete(kassad, jid2)
    got = form_rec.wait(2)[1]
    assert got["headers"]["Content-Type"] == "application/json"
    body = json.loads(got["body"])
    assert body["order_id"] == "form-2" and body["test"] == "1"
    assert tegro_sign_ok(body, fcreds["tegro"]["secret"])
    got = json_rec.wait(2)[1]
    assert got["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    fields = dict(urllib.parse.parse_qsl(got["body"].decode()))
    assert fields["order_id"] == "json-2" and tegro_sign_ok(fields, jcreds["tegro"]["secret"])


# ---- retries ----

def test_503_then_200_one_attempt_per_step(kassad, make_shop, receivers):
    rec = receivers(answers=(503, 503, 200))
    creds = make_shop(kassad, callback_url=rec.url())
    order = new_order(kassad, creds)
    complete(kassad, order["uuid"])
    rec.wait(1)
    cb = wait_state(kassad, order["uuid"], "pending", 1)
    assert cb["attempts"][0]["http_status"] == 503
    settle()
    assert len(rec.requests) == 1  # the next one is 1 minute away

    kassad.advance_clock(45)  # (real seconds pass too: stay clear of the minute)
    settle()
    assert len(rec.requests) == 1
    kassad.advance_clock(15)  # 1 m after the first attempt
    rec.wait(2)
    wait_state(kassad, order["uuid"], "pending", 2)
    settle()
    assert len(rec.requests) == 2

    kassad.advance_clock(240)  # 5 m
    rec.wait(3)
    cb = wait_state(kassad, order["uuid"], "delivered", 3)
    assert [a["http_status"] for a in cb["attempts"]] == [503, 503, 200]
    kassad.advance_clock(3600)
    settle()
    assert len(rec.requests) == 3  # none after success
    status, stats = kassad.admin("GET", "/admin/v1/callbacks/stats")
    assert status == 200
    assert stats["delivered"] == 1 and stats["retrying"] == 0 and stats["attempts"] == 3


def test_long_answer_recorded_cut(kassad, make_shop, receivers):
    """An attempt records the first KiB of the answer, and the delivery
    stands: the rest is read and dropped, not an error."""
    reply = bytes(ord("a") + i % 26 for i in range(3000))
    rec = receivers(reply=reply)
    creds = make_shop(kassad, callback_url=rec.url())
    order = new_order(kassad, creds)
    complete(kassad, order["uuid"])
    rec.wait(1)
    cb = wait_state(kassad, order["uuid"], "delivered", 1)
    att = cb["attempts"][0]
    assert att["http_status"] == 200 and att["error"] is None
    assert att["response"] == reply[:1024].decode()


def test_410_stops(kassad, make_shop, receivers):
    rec = receivers(answers=(410,))
    creds = make_shop(kassad, callback_url=rec.url())
    order = new_order(kassad, creds)
    complete(kassad, order["uuid"])
    rec.wait(1)
    cb = wait_state(kassad, order["uuid"], "refused", 1)
    assert cb["attempts"][0]["http_status"] == 410
    assert cb["attempts"][0]["response"] == "gone"
    kassad.advance_clock(86400)
    settle()
    assert len(rec.requests) == 1


def test_schedule_runs_out_failed_then_resend(kassad, make_shop, receivers):
    # nothing listens on this port: every attempt is a transport error
    dead = f"http://127.0.0.1:{free_port()}/webhook"
    creds = make_shop(kassad, callback_url=dead)
    order = new_order(kassad, creds)
    complete(kassad, order["uuid"])
    cb = wait_state(kassad, order["uuid"], "pending", 1)
    att = cb["attempts"][0]
    assert att["http_status"] is None and "onnect" in att["error"], att
    for step, seconds in enumerate([60, 240, 600, 2700, 7200, 10800, 21600, 43200, 86400,
                                    86400], start=2):
        kassad.advance_clock(seconds)
        want = "failed" if step == 11 else "pending"
        cb = wait_state(kassad, order["uuid"], want, step)
    status, stats = kassad.admin("GET", "/admin/v1/callbacks/stats")
    assert stats["failed"] == 1 and stats["pending"] == 0
    kassad.advance_clock(86400)
    settle()
    assert len(callbacks_of(kassad, order["uuid"])[0]["attempts"]) == 11

    rec = receivers()
    # a resend of a delivered callback delivers it once more
    creds2 = make_shop(kassad, callback_url=rec.url())
    o2 = new_order(kassad, creds2)
    complete(kassad, o2["uuid"])
    rec.wait(1)
    cb2 = wait_state(kassad, o2["uuid"], "delivered", 1)
    status, body = kassad.admin("POST", f"/admin/v1/callbacks/{cb2['id']}/resend")
    assert status == 200, body
    assert body["id"] == cb2["id"]
    reqs = rec.wait(2)
    assert reqs[1]["body"] == reqs[0]["body"]
    assert reqs[1]["headers"]["X-Kassa-Event-Id"] == reqs[0]["headers"]["X-Kassa-Event-Id"]
    wait_state(kassad, o2["uuid"], "delivered", 2)
    settle()
    assert len(rec.requests) == 2
    assert kassad.admin("POST", "/admin/v1/callbacks/999999/resend")[0] == 404
    assert kassad.admin("POST", "/admin/v1/callbacks/abc/resend")[0] == 404
    st, listed = kassad.admin("GET", "/admin/v1/callbacks")  # without order=: the list of all
    assert st == 200 and cb2["id"] in [c["id"] for c in listed["items"]], listed
    assert kassad.admin("GET", "/admin/v1/callbacks?order=999999")[0] == 404


# ---- crashes ----

def test_kill_9_before_delivery_then_restart_delivers(kassad, make_shop, receivers):
    """The order completes while the receiver holds the request without
    answering; kassad is killed (-9) with the delivery in flight. After a
    restart the claim's lease runs out and the callback is delivered."""
    rec = receivers()
    rec.block.clear()  # accept, but do not answer yet
    creds = make_shop(kassad, callback_url=rec.url())
    order = new_order(kassad, creds)
    complete(kassad, order["uuid"])
    wait_until(lambda: kassad.count_rows("callbacks", "lease_owner IS NOT NULL") == 1, 10,
               "the claim")
    kassad.kill()
    assert kassad.count_rows("callbacks", "state = 'pending'") == 1
    assert kassad.count_rows("callback_attempts") == 0
    rec.block.set()
    kassad.start()
    # the lease (callback timeout + 30 s) is still held by the dead process
    settle()
    kassad.advance_clock(60)
    cb = wait_state(kassad, order["uuid"], "delivered", 1)
    assert cb["attempts"][0]["http_status"] == 200
    bodies = {r["body"] for r in rec.requests}
    assert len(bodies) == 1  # the in-flight attempt was simply repeated


def test_kill_9_with_receiver_down_then_restart_delivers(kassad, make_shop):
    """Committed while the receiver is down; kill -9; receiver up; restart:
    the next scheduled attempt delivers."""
    port = free_port()
    creds = make_shop(kassad, callback_url=f"http://127.0.0.1:{port}/webhook")
    order = new_order(kassad, creds)
    complete(kassad, order["uuid"])
    wait_state(kassad, order["uuid"], "pending", 1)
    kassad.kill()
    rec = Receiver(port=port)
    try:
        kassad.start()
        kassad.advance_clock(61)
        rec.wait(1)
        cb = wait_state(kassad, order["uuid"], "delivered", 2)
        assert [a["http_status"] for a in cb["attempts"]] == [None, 200]
    finally:
        rec.close()


def test_planned_callbacks_survive_kill_9(kassad_factory, make_shop, receivers):
    """Callbacks planned but not yet due when kassad dies (-9) are delivered
    by the restarted process when they fall due."""
    rec = receivers()
    k = kassad_factory(extra_args=["--callback-schedule", "3600"])  # first attempt in 1 h
    creds = make_shop(k, callback_url=rec.url())
    orders = [new_order(k, creds, amount=f"{100 + i}") for i in range(5)]
    for o in orders:
        complete(k, o["uuid"])
    wait_until(lambda: k.count_rows("callbacks") == 5, 10, "planning")
    k.kill()
    assert k.count_rows("callback_attempts") == 0
    k.start(extra_args=[])
    k.advance_clock(3600)
    rec.wait(5)
    for o in orders:
        wait_state(k, o["uuid"], "delivered", 1)


# ---- SSRF ----

def test_ssrf_loopback_refused_without_allow_private(kassad_factory, make_shop, receivers):
    rec = receivers()
    k = kassad_factory(start=False)
    base_args = k.args
    k.args = lambda: [a for a in base_args() if a != "--allow-private-callbacks"]
    k.start()
    creds = make_shop(k, callback_url=rec.url())
    order = new_order(k, creds)
    complete(k, order["uuid"])
    cb = wait_state(k, order["uuid"], "refused", 1)
    err = cb["attempts"][0]["error"]
    assert err == ("refused by the SSRF guard: 127.0.0.1 is a loopback address "
                   "(see --allow-private-callbacks)"), err
    assert cb["attempts"][0]["http_status"] is None
    # a name resolving to loopback is caught on the connected address
    creds2 = make_shop(k, callback_url=f"http://localhost:{rec.port}/webhook")
    o2 = new_order(k, creds2)
    complete(k, o2["uuid"])
    cb2 = wait_state(k, o2["uuid"], "refused", 1)
    assert "SSRF guard" in cb2["attempts"][0]["error"]
    settle()
    assert rec.requests == []


def test_no_callback_url_nothing_to_deliver(kassad, make_shop):
    creds = make_shop(kassad, callback_url="")
    order = new_order(kassad, creds)
    complete(kassad, order["uuid"])
    wait_until(lambda: kassad.count_rows("events", "planned = 2") >= 1, 10, "planning")
    assert callbacks_of(kassad, order["uuid"]) == []


# ---- CLI ----

def test_cli_callbacks_list_resend_stats(kassad, make_shop, receivers):
    import os
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    kassa = os.environ.get("KASSA_CLI") or str(
        Path(os.environ.get("KASSA_BUILD", root / "build")) / "src/cli/kassa")
    rec = receivers()
    creds = make_shop(kassad, callback_url=rec.url())
    order = new_order(kassad, creds)
    complete(kassad, order["uuid"])
    cb = wait_state(kassad, order["uuid"], "delivered", 1)
    env = {"PATH": "/usr/bin:/bin", "KASSA_SERVER": kassad.base_url,
           "KASSA_ADMIN_TOKEN": kassad.admin_token}

    def run(*args):
        return subprocess.run([kassa, *args], env=env, capture_output=True, text=True,
                              timeout=30)

    p = run("callbacks", "list", "--order", order["uuid"])
    assert p.returncode == 0, p.stderr
    listed = json.loads(p.stdout)
    assert [c["id"] for c in listed] == [cb["id"]] and listed[0]["state"] == "delivered"
    p = run("callbacks", "resend", str(cb["id"]))
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["id"] == cb["id"]
    rec.wait(2)
    wait_state(kassad, order["uuid"], "delivered", 2)
    p = run("callbacks", "stats")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["delivered"] == 1
    p = run("callbacks", "resend", "999999")
    assert p.returncode == 1 and "HTTP 404" in p.stderr, (p.returncode, p.stderr)
    p = run("callbacks", "resend", "x")
    assert p.returncode == 2
    p = run("callbacks", "list", "--order", "bad ref")
    assert p.returncode == 2


# ---- many events, one receiver ----

class ConnectionCounter(ThreadingHTTPServer):
    """A receiver answering 200 after `delay` s that counts the connections
    open at once (most seen in `most_open`) and every X-Kassa-Event-Id."""

    daemon_threads = True

    def __init__(self, delay):
        self.lock = threading.Lock()
        self.open = 0
        self.most_open = 0
        self.event_ids = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                with server.lock:
                    server.open += 1
                    server.most_open = max(server.most_open, server.open)

            def finish(self):
                with server.lock:
                    server.open -= 1
                super().finish()

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(delay)
                with server.lock:
                    server.event_ids.append(self.headers["X-Kassa-Event-Id"])
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()


def test_many_callbacks_one_receiver_each_once_within_host_bound(kassad_factory, make_shop):
    """A burst of events to one slow receiver: every event delivered exactly
    once, every attempt recorded, and never more connections open at once
    than --callback-host-connections."""
    recv = ConnectionCounter(delay=0.02)
    try:
        k = kassad_factory(extra_args=["--callback-host-connections", "3"])
        creds = make_shop(k, callback_url=f"http://127.0.0.1:{recv.server_address[1]}/webhook")
        refs = [new_order(k, creds, amount=f"{100 + i}")["uuid"] for i in range(120)]
        for ref in refs:
            complete(k, ref)
        wait_until(lambda: len(recv.event_ids) >= 120, 30, "120 deliveries")
        for ref in refs:
            wait_state(k, ref, "delivered", 1)
        settle()
        with recv.lock:
            assert len(recv.event_ids) == 120
            assert len(set(recv.event_ids)) == 120
            assert recv.most_open == 3
    finally:
        recv.shutdown()
        recv.server_close()


def test_receiver_credentials_never_logged(kassad, make_shop, receivers):
    """A callback URL with credentials (https://user:pass@host/...) is used
    as given, but every log line shows it with the password redacted."""
    rec = receivers()
    url = rec.url().replace("http://", "http://merchant:s3cr3t-pw@")
    creds = make_shop(kassad, callback_url=url)
    order = new_order(kassad, creds)
    complete(kassad, order["uuid"])
    got = rec.wait(1)[0]
    assert got["headers"]["Authorization"].startswith("Basic ")  # the credentials were sent
    wait_state(kassad, order["uuid"], "delivered", 1)
    log = kassad.wait_log('url="http://merchant:***@127.0.0.1:')
    assert "s3cr3t-pw" not in log
