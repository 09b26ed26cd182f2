#!/usr/bin/python3
"""presign.py: write pre-signed HTTP/1.1 requests for bench/replay.lua.

The output file is a sequence of records, each "<length>\\n<raw request>",
where the raw request is the exact bytes wrk sends (request line, headers,
blank line, body). wrk cannot compute HMACs itself, so every signature is
made here, ahead of the run; replay.lua hands the records out round-robin.

Modes:
  create  N panda POST /v1/orders, each with a fresh idempotency key (a
          random UUID) and X-Timestamp = --ts (default: now), signed
          HMAC-SHA256(secret, ts + body) like the PandaPay24 seed.
  get     one signed GET /v1/orders/{uuid} per line of --uuids FILE
          (a GET signs the timestamp alone, so one signature serves all).
  admin   POST /admin/v1/orders/{uuid}/{--action} per line of --uuids FILE
          with the admin bearer token (no body).

The timestamps must still be inside kassad's window (300 s by default) when
the requests are replayed, so sign right before each phase.

Usage:
  presign.py create --key K --secret S --count N --out FILE [--ts T] [--path /v1/orders]
  presign.py get    --key K --secret S --uuids FILE --out FILE [--ts T]
  presign.py admin  --token T --uuids FILE --out FILE [--action complete]
Prints the number of records written and the largest record's size.
"""

import argparse
import hashlib
import hmac
import os
import sys
import time


def record(method, path, headers, body):
    """The raw request bytes of one request (Host is fixed: kassad and nginx
    both ignore it)."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{k}: {v}" for k, v in headers]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
    return raw


def fresh_uuid(buf, i):
    """A version-4 UUID from 16 bytes of buf at record i."""
    b = bytearray(buf[16 * i:16 * i + 16])
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def gen_create(a, out):
    ts = str(a.ts)
    secret = a.secret.encode()
    rnd = os.urandom(16 * a.count)
    base = hmac.new(secret, ts.encode(), hashlib.sha256)  # key schedule once
    largest = 0
    # Each order an amount of its own (a requisite takes one pending order
    # of an amount at a time): the base amount plus i hundredths.
    units, _, frac = a.amount.partition(".")
    first = int(units) * 100 + int((frac + "00")[:2])
    for i in range(a.count):
        amount = first + i
        body = ('{"amount":"%d.%02d","requisite_type":"SBP","idempotency_key":"%s"}'
                % (amount // 100, amount % 100, fresh_uuid(rnd, i))).encode()
        h = base.copy()
        h.update(body)
        raw = record("POST", a.path, [
            ("Content-Type", "application/json"),
            ("X-API-Key", a.key),
            ("X-Timestamp", ts),
            ("X-Signature", h.hexdigest()),
        ], body)
        out.write(b"%d\n" % len(raw))
        out.write(raw)
        largest = max(largest, len(raw))
    return a.count, largest


def read_uuids(path):
    with open(path, encoding="ascii") as f:
        return [line.strip() for line in f if line.strip()]


def gen_get(a, out):
    ts = str(a.ts)
    sig = hmac.new(a.secret.encode(), ts.encode(), hashlib.sha256).hexdigest()
    uuids = read_uuids(a.uuids)
    largest = 0
    for u in uuids:
        raw = record("GET", f"{a.path}/{u}", [
            ("X-API-Key", a.key),
            ("X-Timestamp", ts),
            ("X-Signature", sig),
        ], None)
        out.write(b"%d\n" % len(raw))
        out.write(raw)
        largest = max(largest, len(raw))
    return len(uuids), largest


def gen_admin(a, out):
    uuids = read_uuids(a.uuids)
    largest = 0
    for u in uuids:
        raw = record("POST", f"/admin/v1/orders/{u}/{a.action}", [
            ("Authorization", f"Bearer {a.token}"),
            ("Content-Type", "application/json"),
        ], b"{}")
        out.write(b"%d\n" % len(raw))
        out.write(raw)
        largest = max(largest, len(raw))
    return len(uuids), largest


def main():
    p = argparse.ArgumentParser(description="write pre-signed requests for bench/replay.lua")
    p.add_argument("mode", choices=["create", "get", "admin"])
    p.add_argument("--key", help="panda api_key")
    p.add_argument("--secret", help="panda secret")
    p.add_argument("--token", help="admin token (admin mode)")
    p.add_argument("--count", type=int, default=10000, help="requests (create mode)")
    p.add_argument("--uuids", help="file of order uuids, one a line (get/admin modes)")
    p.add_argument("--action", default="complete", help="admin order action")
    p.add_argument("--amount", default="1000.47",
                   help="the first order's amount, the next ones 0.01 more each (create mode)")
    p.add_argument("--path", default=None, help="path (default /v1/orders)")
    p.add_argument("--ts", type=int, default=None, help="X-Timestamp (default: now)")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    if a.ts is None:
        a.ts = int(time.time())
    if a.path is None:
        a.path = "/v1/orders"
    if a.mode in ("create", "get") and (not a.key or not a.secret):
        p.error("--key and --secret are required")
    if a.mode in ("get", "admin") and not a.uuids:
        p.error("--uuids is required")
    if a.mode == "admin" and not a.token:
        p.error("--token is required")
    if a.mode == "create" and a.count < 1:
        p.error("--count must be positive")
    with open(a.out, "wb", buffering=1 << 20) as out:
        n, largest = {"create": gen_create, "get": gen_get, "admin": gen_admin}[a.mode](a, out)
    print(f"presign: {n} {a.mode} requests, largest {largest} bytes -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
