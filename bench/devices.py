#!/usr/bin/env python3
"""bench/devices.py: bank notifications confirming orders (docs/p2p.md
"Confirmation by a device"), measured end to end.

One kassad on a fresh SQLite file (a temp dir), one trader with a paired
device, N requisites bound to it and N pending panda orders of distinct
amounts; then N signed POST /device/v1/messages, each one Sber credit
that matches one order, sent by C client threads over keep-alive
connections. Reported: the rate (messages/s, over the wall time from the
first POST to the last answer), how many matched, and the latency from
each message's POST to the merchant's callback for its order arriving at
a local HTTP receiver (min / median / p99 ms).

    bench/devices.py --kassad build-bench/src/server/kassad [--orders 1000] [--clients 8]
"""
import argparse
import hashlib
import hmac
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "bench-admin-token-0123456789abcdef0123"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method, path, body=b"", headers=None):
        self.conn.request(method, path, body, headers or {})
        r = self.conn.getresponse()
        data = r.read()
        return r.status, (json.loads(data) if data else None)

    def admin(self, method, path, obj=None):
        body = json.dumps(obj).encode() if obj is not None else b""
        st, ans = self.call(method, path, body, {"Authorization": f"Bearer {TOKEN}",
                                                 "Content-Type": "application/json"})
        if st >= 300:
            raise SystemExit(f"{method} {path}: {st} {ans}")
        return ans


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kassad", default="build-bench/src/server/kassad")
    ap.add_argument("--orders", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="kassa-bench-devices-")
    arrived = {}
    cond = threading.Condition()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            now = time.monotonic()
            doc = json.loads(body)
            if doc.get("status") == "completed":
                with cond:
                    arrived.setdefault(doc["uuid"], now)
                    cond.notify_all()
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *a):
            pass

    recv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    recv.daemon_threads = True
    threading.Thread(target=recv.serve_forever, daemon=True).start()
    port = free_port()
    log = open(os.path.join(tmp, "kassad.log"), "w")
    kd = subprocess.Popen([args.kassad, "--listen", f"127.0.0.1:{port}", "--db",
                           f"sqlite:{tmp}/kassa.db", "--admin-token", TOKEN, "--public-url",
                           f"http://127.0.0.1:{port}", "--allow-private-callbacks",
                           "--auth-fail-limit", "100000", "--log-level", "warn"],
                          stdout=log, stderr=log)
    try:
        for _ in range(150):
            try:
                if Client(port).call("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        c = Client(port)
        t = c.admin("POST", "/admin/v1/traders",
                    {"name": "B", "verified_name": "Bench Trader", "reward_bps": 100,
                     "currency": "RUB"})  # a RUB deposit backs RUB orders without a rate
        c.admin("POST", f"/admin/v1/traders/{t['id']}/deposits", {"amount": "100000000"})
        c.admin("PATCH", f"/admin/v1/traders/{t['id']}", {"online": True})
        code = c.admin("POST", f"/admin/v1/traders/{t['id']}/devices/pair")["code"]
        st, dev = c.call("POST", "/device/v1/pair",
                         json.dumps({"code": code, "name": "bench"}).encode(),
                         {"Content-Type": "application/json"})
        assert st == 201, dev
        secret = dev["secret"].encode()
        shop = c.admin("POST", "/admin/v1/shops",
                       {"name": "bench", "url": "https://shop.example",
                        "callback_url": f"http://127.0.0.1:{recv.server_address[1]}/cb",
                        "fee_percent": "2.5"})
        def device_headers(body):
            ts = str(int(time.time()))
            sig = hmac.new(secret, ts.encode() + body, hashlib.sha256).hexdigest()
            return {"Authorization": f"Bearer {dev['token']}", "X-Timestamp": ts,
                    "X-Signature": sig, "Content-Type": "application/json"}

        c.call("POST", "/device/v1/heartbeat", b"{}", device_headers(b"{}"))
        orders = []
        pk, ps = shop["panda"]["api_key"], shop["panda"]["secret"].encode()
        for i in range(args.orders):
            r = c.admin("POST", "/admin/v1/requisites",
                        {"type": "SBP", "requisite": f"+7900{i:07d}",
                         "owner_full_name": "Bench Trader", "bank_code": "Sber",
                         "bank_name_ru": "Сбербанк", "bank_name_en": "Sberbank",
                         "currency": "RUB", "country_code": "RUS", "trader_id": t["id"]})
            c.admin("PUT", f"/admin/v1/requisites/{r['id']}/device", {"device_id": dev["device_id"]})
        for i in range(args.orders):
            amount = f"{100 + i}.{i % 100:02d}"
            body = json.dumps({"amount": amount, "requisite_type": "SBP",
                               "idempotency_key": str(uuid.uuid4())}).encode()
            ts = str(int(time.time()))
            st, o = c.call("POST", "/v1/orders", body, {
                "X-API-Key": pk, "X-Timestamp": ts, "Content-Type": "application/json",
                "X-Signature": hmac.new(ps, ts.encode() + body, hashlib.sha256).hexdigest()})
            assert st == 200 and o.get("status") == "pending", o
            orders.append((o["uuid"], amount))
        sent = {}
        results = []
        lock = threading.Lock()
        work = list(enumerate(orders))

        def client():
            cl = Client(port)
            while True:
                with lock:
                    if not work:
                        return
                    i, (ouuid, amount) = work.pop()
                text = f"СЧЁТ1234 12:00 Зачисление {amount}р Баланс: 5 000.00р"
                body = json.dumps({"messages": [{"event_id": f"ev-{i}", "source": "sms",
                                                 "sender": "900", "text": text,
                                                 "received_at": int(time.time())}]}).encode()
                ts = str(int(time.time()))
                sig = hmac.new(secret, ts.encode() + body, hashlib.sha256).hexdigest()
                t0 = time.monotonic()
                st, ans = cl.call("POST", "/device/v1/messages", body, {
                    "Authorization": f"Bearer {dev['token']}", "X-Timestamp": ts,
                    "X-Signature": sig, "Content-Type": "application/json"})
                t1 = time.monotonic()
                with lock:
                    sent[ouuid] = t0
                    results.append((st, ans["results"][0]["state"] if st == 200 else None,
                                    ans["results"][0]["order"] if st == 200 else None, t1))

        start = time.monotonic()
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        end = max(r[3] for r in results)
        matched = sum(1 for r in results if r[1] == "matched")
        deadline = time.monotonic() + 30
        with cond:
            while len(arrived) < matched and time.monotonic() < deadline:
                cond.wait(0.5)
        lat = sorted((arrived[u] - sent[u]) * 1000 for u in sent if u in arrived)
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else None
        out = {"messages": len(results), "matched": matched,
               "non200": sum(1 for r in results if r[0] != 200),
               "messages_per_s": round(len(results) / (end - start), 1),
               "callbacks": len(arrived),
               "latency_ms": {"min": round(lat[0], 1) if lat else None,
                              "median": round(statistics.median(lat), 1) if lat else None,
                              "p99": round(p99, 1) if lat else None},
               "clients": args.clients}
        print(json.dumps(out))
        return 0 if matched == len(results) else 1
    finally:
        kd.terminate()
        kd.wait(10)
        recv.shutdown()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
