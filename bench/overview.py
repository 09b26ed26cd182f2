#!/usr/bin/env python3
"""bench/overview.py: GET /admin/v1/overview on a database of 1,000,000
orders, on SQLite and on PostgreSQL (issue 22: "the overview under 200 ms").

For each backend: kassad makes the schema and 20 shops (16 in RUB, 4 in
USDT) and two requisites, then stops; the orders are written by direct SQL
(SQLite: one INSERT ... SELECT over a recursive CTE through Python's sqlite3;
PostgreSQL: one INSERT ... SELECT over generate_series through psql): N
orders spread evenly over the last 48 hours across the 20 shops, those
younger than 15 minutes pending (every fifth confirmed by the payer), the
older ones completed (60 %), expired (25 %), failed (10 %) or canceled
(5 %); every tenth completed order has an event, a callback and one
attempt (every tenth of those answered 500). The triggers of migration 027
fill the per-minute rows of completions and attempts as kassad's own writes
would, and the orders created are folded into them as kassad's sweeper
folds them (migration 029; FOLD below), so the timing starts with the
tail of unfolded orders kassad would have. kassad is started
again on that database and GET /admin/v1/overview is timed over one
keep-alive connection (5 calls to warm up, then `--requests` each for
hours=6 and hours=48): min / median / p99 ms. For comparison, the same
figures read straight from the orders (one GROUP BY over the window on the
orders_created index) are timed too: what the overview would cost without
the per-minute rows.

    bench/overview.py --kassad build-bench/src/server/kassad [--orders 1000000]
        [--backends sqlite,postgres] [--requests 50] [--keep]

Prints a Markdown table and, as its last line, one JSON object.
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
import pg  # noqa: E402  (the tests' throwaway PostgreSQL)

TOKEN = "bench-admin-token-0123456789abcdef0123"
SHOPS = 20
USDT_SHOPS = 4  # the last four shops take USDT
WINDOW = 48 * 3600


def log(msg):
    print(f"overview: {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Kassad:
    def __init__(self, exe, db, workdir):
        self.exe, self.db, self.dir = exe, db, workdir
        self.port = free_port()
        self.proc = None

    def start(self):
        log_f = open(os.path.join(self.dir, "kassad.log"), "ab")
        self.proc = subprocess.Popen(
            [self.exe, "--listen", f"127.0.0.1:{self.port}", "--db", self.db,
             "--admin-token", TOKEN, "--public-url", f"http://127.0.0.1:{self.port}"],
            stdout=log_f, stderr=log_f, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"kassad exited {self.proc.returncode}; see {self.dir}/kassad.log")
            try:
                if self.call("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise SystemExit("kassad not ready in 120 s")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(60)
        self.proc = None

    def call(self, method, path, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            headers = {"Authorization": f"Bearer {TOKEN}"}
            data = json.dumps(body).encode() if body is not None else None
            if data:
                headers["Content-Type"] = "application/json"
            c.request(method, path, data, headers)
            r = c.getresponse()
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
        finally:
            c.close()

    def setup(self):
        """The 20 shops (ids 1..20 on a fresh database) and a requisite per
        currency: {"RUB": id, "USDT": id}."""
        for i in range(1, SHOPS + 1):
            st, body = self.call("POST", "/admin/v1/shops", {
                "name": f"Shop {i:02d}", "url": "https://shop.example",
                "callback_url": "http://127.0.0.1:9/cb", "fee_percent": "2.5"})
            assert st == 201 and body["id"] == i, (st, body)
        reqs = {}
        for cur, value in (("RUB", "+79001234567"), ("USDT", "+79001234568")):
            st, body = self.call("POST", "/admin/v1/requisites", {
                "type": "SBP", "requisite": value, "owner_full_name": "Ivan Ivanov",
                "bank_code": "Sber", "bank_name_ru": "Сбербанк", "bank_name_en": "Sberbank",
                "currency": cur, "country_code": "RUS"})
            assert st == 201, (st, body)
            reqs[cur] = body["id"]
        return reqs


def order_columns(i, n, now, reqs):
    """The column expressions of order number `i` (an SQL expression over
    0 .. n-1), the same text for both backends."""
    created = f"({now - WINDOW} + ({i}) * {WINDOW} / {n})"
    usdt = f"(({i}) % {SHOPS} >= {SHOPS - USDT_SHOPS})"
    pending = f"({created} > {now - 900})"
    kind = f"((({i}) / {SHOPS}) % 20)"  # 0-11 completed, 12-16 expired, 17-18 failed, 19 canceled
    status = (f"CASE WHEN {pending} THEN 0 WHEN {kind} < 12 THEN 1 WHEN {kind} < 17 THEN 3 "
              f"WHEN {kind} < 19 THEN 2 ELSE 4 END")
    amount = (f"CASE WHEN {pending} THEN 100000 + ({i}) WHEN {usdt} THEN "
              f"(({i}) % 900 + 10) * 1000000 ELSE (({i}) % 9000 + 100) * 100 END")
    return {
        "shop_id": f"1 + ({i}) % {SHOPS}",
        "origin": "1",
        "status": status,
        "amount": amount,
        "currency": f"CASE WHEN {usdt} THEN 'USDT' ELSE 'RUB' END",
        "fee": f"({amount}) * 25 / 1000",
        "amount_usdt": f"({amount}) / 100",
        "requisite_type": "'SBP'",
        "requisite_id": f"CASE WHEN {usdt} THEN {reqs['USDT']} ELSE {reqs['RUB']} END",
        "confirmed_by_customer": f"CASE WHEN {pending} AND ({i}) % 5 = 0 THEN 1 ELSE 0 END",
        "created_at": created,
        "expires_at": f"{created} + 900",
        "paid_at": f"CASE WHEN ({status}) = 1 THEN {created} + 120 ELSE 0 END",
        "updated_at": f"{created} + CASE WHEN ({status}) = 0 THEN 0 WHEN ({status}) = 1 "
                      f"THEN 120 ELSE 900 END",
    }


def callbacks_sql(blob, empty):
    """Events, callbacks and attempts for every tenth completed order."""
    return [
        "INSERT INTO events (shop_id, order_id, kind, status, created_at, planned) "
        "SELECT shop_id, id, 'order.completed', 1, paid_at, 1 FROM orders "
        "WHERE status = 1 AND id % 10 = 0",
        "INSERT INTO callbacks (event_id, order_id, shop_id, receiver, url, content_type, body, "
        "state, attempts, step, base_at, created_at, updated_at) "
        f"SELECT id, order_id, shop_id, 'panda', 'http://127.0.0.1:9/cb', 'application/json', "
        f"{blob}, CASE WHEN id % 10 = 0 THEN 'failed' ELSE 'delivered' END, 1, 1, "
        "created_at * 1000, created_at * 1000, created_at * 1000 FROM events",
        "INSERT INTO callback_attempts (callback_id, at, url, http_status, error, latency_ms, "
        f"response) SELECT id, created_at + 50, url, CASE WHEN state = 'failed' THEN 500 ELSE 200 "
        f"END, '', 3, {empty} FROM callbacks",
    ]


# What the overview would read without the per-minute rows: the window's
# orders grouped by minute, shop and currency, on the orders_created index.
DIRECT = ("SELECT created_at - created_at % 60, shop_id, currency, count(*), "
          "sum(CASE WHEN status = 1 THEN 1 ELSE 0 END), "
          "sum(CASE WHEN status = 1 THEN amount ELSE 0 END) FROM orders "
          "WHERE created_at >= {since} AND test = 0 "
          "GROUP BY created_at - created_at % 60, shop_id, currency")


def fold_sql(now):
    """What kassad would hold for these orders, written the way they were (in
    bulk, already in their final status): every order created up to two
    minutes before `now` in order_minutes as the sweeper's fold
    (src/server/store/sql/overview.h SQL_OVERVIEW_FOLD) leaves it, its
    completion as the update trigger of migration 027 counts it, and the
    fold's mark moved past them (kassad's first fold, on the empty
    database, had moved it to its start time already)."""
    until = (now - 120) - (now - 120) % 60
    return [f"""INSERT INTO order_minutes AS m (minute, shop_id, currency, slot, created,
                completed, volume) SELECT created_at - created_at % 60, shop_id, currency, 0,
                count(*), sum(CASE WHEN status = 1 THEN 1 ELSE 0 END),
                sum(CASE WHEN status = 1 THEN amount ELSE 0 END) FROM orders
                WHERE created_at < {until} AND test = 0
                GROUP BY created_at - created_at % 60, shop_id, currency
                ON CONFLICT (minute, shop_id, currency, slot) DO UPDATE SET
                created = m.created + excluded.created,
                completed = m.completed + excluded.completed, volume = m.volume + excluded.volume""",
            f"UPDATE overview_fold SET folded_until = {until}"]


def fill_sqlite(path, n, now, reqs):
    cols = order_columns("i", n, now, reqs)
    uuid = ("substr(h,1,8)||'-'||substr(h,9,4)||'-4'||substr(h,14,3)||'-8'||"
            "substr(h,18,3)||'-'||substr(h,21,12)")
    con = sqlite3.connect(path, timeout=60)
    try:
        con.execute("PRAGMA cache_size=-1000000")
        with con:
            con.execute(
                f"""WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < {n - 1}),
                    r(i, h, h2) AS (SELECT i, lower(hex(randomblob(16))),
                                           lower(hex(randomblob(16))) FROM c)
                INSERT INTO orders (uuid, uuid_callback, pay_token, {", ".join(cols)})
                SELECT {uuid}, {uuid.replace('h,', 'h2,')}, substr(h2, 1, 32),
                       {", ".join(cols.values())} FROM r""")
            for q in callbacks_sql("x'7b7d'", "x''") + fold_sql(now):
                con.execute(q)
        con.execute("ANALYZE")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


def direct_sqlite(path, since, rounds=3):
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            con.execute(DIRECT.format(since=since)).fetchall()
            times.append((time.perf_counter() - t0) * 1000)
        return statistics.median(times)
    finally:
        con.close()


def psql(url, sql):
    p = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c",
                        sql], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=3600)
    if p.returncode != 0:
        raise SystemExit(f"psql: {p.stderr.strip()[-400:]}")
    return p.stdout


def fill_pg(url, n, now, reqs):
    cols = order_columns("g::bigint", n, now, reqs)
    psql(url, f"""INSERT INTO orders (uuid, uuid_callback, pay_token, {", ".join(cols)})
        SELECT gen_random_uuid()::text, gen_random_uuid()::text,
               replace(gen_random_uuid()::text, '-', ''), {", ".join(cols.values())}
        FROM generate_series(0, {n - 1}) g""")
    for q in callbacks_sql("'\\x7b7d'::bytea", "'\\x'::bytea") + fold_sql(now):
        psql(url, q)
    psql(url, "VACUUM ANALYZE")


def direct_pg(url, since, rounds=3):
    times = []
    for _ in range(rounds):
        out = psql(url, "EXPLAIN (ANALYZE, FORMAT JSON) " + DIRECT.format(since=since))
        times.append(json.loads(out)[0]["Execution Time"])
    return statistics.median(times)


def time_overview(kd, hours, requests):
    c = http.client.HTTPConnection("127.0.0.1", kd.port, timeout=60)
    path = f"/admin/v1/overview?hours={hours}"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    times, body = [], None
    try:
        for k in range(5 + requests):
            t0 = time.perf_counter()
            c.request("GET", path, headers=headers)
            r = c.getresponse()
            raw = r.read()
            took = (time.perf_counter() - t0) * 1000
            assert r.status == 200, (r.status, raw[:200])
            if k >= 5:
                times.append(took)
            body = raw
    finally:
        c.close()
    times.sort()
    return {"min": round(times[0], 2), "median": round(statistics.median(times), 2),
            "p99": round(times[min(len(times) - 1, int(0.99 * (len(times) - 1) + 0.5))], 2),
            "bytes": len(body)}, json.loads(body)


def run_backend(name, exe, tmp, args):
    work = os.path.join(tmp, name)
    os.makedirs(work)
    server = None
    if name == "sqlite":
        path = os.path.join(work, "kassa.db")
        db = f"sqlite:{path}"
    else:
        if not pg.available():
            return {"error": "PostgreSQL server binaries not installed"}
        server = pg.PgServer()
        server.start()
        db = server.new_database()
    try:
        kd = Kassad(exe, db, work)
        kd.start()
        reqs = kd.setup()
        kd.stop()
        now = int(time.time())
        log(f"{name}: filling {args.orders:,} orders")
        t0 = time.monotonic()
        (fill_sqlite(path, args.orders, now, reqs) if name == "sqlite"
         else fill_pg(db, args.orders, now, reqs))
        fill_s = time.monotonic() - t0
        log(f"{name}: filled in {fill_s:.1f} s; starting kassad")
        kd.start()
        res = {"orders": args.orders, "fill_s": round(fill_s, 1)}
        for hours in (6, 48):
            res[f"hours_{hours}"], body = time_overview(kd, hours, args.requests)
            res[f"hours_{hours}"]["created"] = body["totals"]["created"]
        res["pending"] = body["orders"]["pending"]
        res["payer_says_paid"] = body["orders"]["payer_says_paid"]
        res["callback_failure_rate"] = body["callbacks"]["failure_rate"]
        res["db_bytes"] = body["database"]["size_bytes"]
        kd.stop()
        since6 = now - 6 * 3600
        since48 = now - WINDOW
        res["direct_ms"] = {
            "hours_6": round(direct_sqlite(path, since6) if name == "sqlite"
                             else direct_pg(db, since6), 1),
            "hours_48": round(direct_sqlite(path, since48) if name == "sqlite"
                              else direct_pg(db, since48), 1)}
        return res
    finally:
        if server is not None and not args.keep:
            server.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kassad", required=True)
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument("--requests", type=int, default=50)
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (and the PG server)")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="kassa-overview-")
    out = {}
    try:
        for name in args.backends.split(","):
            out[name] = run_backend(name, os.path.abspath(args.kassad), tmp, args)
    finally:
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("| backend | orders | fill s | overview 6 h ms (min / median / p99) | "
          "overview 48 h ms (min / median / p99) | straight from orders 6 h / 48 h ms |")
    print("|---|---|---|---|---|---|")
    for name, r in out.items():
        if "error" in r:
            print(f"| {name} | not available: {r['error']} | | | | |")
            continue
        h6, h48 = r["hours_6"], r["hours_48"]
        print(f"| {name} | {r['orders']:,} | {r['fill_s']} | {h6['min']} / {h6['median']} / "
              f"{h6['p99']} | {h48['min']} / {h48['median']} / {h48['p99']} | "
              f"{r['direct_ms']['hours_6']} / {r['direct_ms']['hours_48']} |")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
