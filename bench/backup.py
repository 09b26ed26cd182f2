#!/usr/bin/python3
"""backup.py: what an online backup costs the writer (bench/README.md, "Backups").

A kassad on an SQLite database filled to --orders orders (bench/run's
fill_orders), then two create phases of --duration seconds with wrk and
bench/run's pre-signed panda creates: one alone, one while a client takes
backups back to back (POST /admin/v1/backup, each answer read whole and
thrown away). Prints creates/s and latency of both, and the backups taken
meanwhile (count, size, time, the WAL's largest size).

  bench/backup.py --kassad build-bench/src/server/kassad [--orders 300000] [--duration 10]
"""

import argparse
import importlib.machinery
import importlib.util
import os
import shutil
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))

_loader = importlib.machinery.SourceFileLoader("bench_run", os.path.join(HERE, "run"))
_spec = importlib.util.spec_from_loader("bench_run", _loader)
br = importlib.util.module_from_spec(_spec)
_loader.exec_module(br)


class Backups(threading.Thread):
    """POST /admin/v1/backup back to back until stopped."""

    def __init__(self, kd, wal, gap):
        super().__init__(daemon=True)
        self.kd, self.wal, self.gap = kd, wal, gap
        self.windows = []  # (start, end) of each backup, time.monotonic()
        self.stop_flag = threading.Event()
        self.taken = []  # (seconds, bytes, server's copy ms)
        self.wal_max = 0
        self.refused = 0

    def run(self):
        while not self.stop_flag.wait(self.gap):
            t0 = time.perf_counter()
            w0 = time.monotonic()
            req = urllib.request.Request(self.kd.base + "/admin/v1/backup", data=b"",
                                         method="POST",
                                         headers={"Authorization": f"Bearer {br.ADMIN_TOKEN}"})
            n = 0
            try:
                r = urllib.request.urlopen(req, timeout=600)
            except urllib.error.HTTPError as e:
                if e.code != 409:  # 409: the last one is still being sent
                    raise
                self.refused += 1
                time.sleep(0.01)
                continue
            with r:
                ms = int(r.headers.get("X-Kassa-Backup-Ms", "0"))
                while True:
                    chunk = r.read(1 << 20)
                    if not chunk:
                        break
                    n += len(chunk)
                    try:
                        self.wal_max = max(self.wal_max, os.path.getsize(self.wal))
                    except OSError:
                        pass
            self.taken.append((time.perf_counter() - t0, n, ms))
            self.windows.append((w0, time.monotonic()))


class Sampler(threading.Thread):
    """The orders table's newest id every 20 ms: creates over time."""

    def __init__(self, db):
        super().__init__(daemon=True)
        self.db = db
        self.stop_flag = threading.Event()
        self.samples = []  # (time.monotonic(), max id)

    def run(self):
        import sqlite3
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=30)
        while not self.stop_flag.wait(0.02):
            self.samples.append((time.monotonic(),
                                 con.execute("SELECT max(id) FROM orders").fetchone()[0]))
        con.close()


def rates(samples, windows):
    """Creates/s inside the backup windows and outside them."""
    inside = [0, 0.0]
    outside = [0, 0.0]
    for (t0, a), (t1, b) in zip(samples, samples[1:]):
        mid = (t0 + t1) / 2
        acc = inside if any(w0 <= mid <= w1 for w0, w1 in windows) else outside
        acc[0] += b - a
        acc[1] += t1 - t0
    return (inside[0] / inside[1] if inside[1] else 0, outside[0] / outside[1] if outside[1] else 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kassad", required=True)
    ap.add_argument("--orders", type=int, default=300_000)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--gap", type=float, default=1.0,
                    help="seconds between two backups (0: back to back)")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="kassa-backup-bench-")
    db = os.path.join(tmp, "kassa.db")
    kd = br.Kassad(os.path.abspath(a.kassad), "sqlite:" + db, tmp, "backup")
    try:
        if not kd.start():
            raise SystemExit(f"kassad did not start: {kd.err}")
        shop = kd.setup_shop()
        kd.probe_create(shop)
        kd.stop()
        br.fill_orders(db, shop["id"], a.orders)
        if not kd.start():
            raise SystemExit(f"kassad did not start: {kd.err}")
        size_mb = os.path.getsize(db) / 1e6
        res = {}
        plain = br.create_phase(res, "plain", kd, shop, tmp, a.duration, 80_000, db)
        bk = Backups(kd, db + "-wal", a.gap)
        sm = Sampler(db)
        bk.start()
        sm.start()
        during = br.create_phase(res, "during", kd, shop, tmp, a.duration, 80_000, db)
        bk.stop_flag.set()
        sm.stop_flag.set()
        bk.join()
        sm.join()
        t0 = sm.samples[0][0] if sm.samples else 0
        wins = [(w0, w1) for w0, w1 in bk.windows if w0 >= t0]
        r_in, r_out = rates(sm.samples, wins)
        print(f"database: {a.orders} orders + the phases' creates, {size_mb:.0f} MB at the start")
        print("| phase | creates/s | p50 ms | p99 ms | max ms | non-2xx |")
        print("|---|---|---|---|---|---|")
        for name, r in (("creates alone", plain), (f"creates, a backup every {a.gap:g} s", during)):
            print(f"| {name} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} "
                  f"| {r['max_ms']:.1f} | {r['non2xx']} |"
                  + (" keys wrapped" if r.get("wrapped") else ""))
        if bk.taken:
            secs = [t for t, _, _ in bk.taken]
            print(f"backups: {len(bk.taken)} in {a.duration} s, {bk.taken[-1][1] / 1e6:.0f} MB "
                  f"each, {sum(secs) / len(secs) * 1000:.0f} ms each on average (the copy "
                  f"{sum(m for _, _, m in bk.taken) / len(bk.taken):.0f} ms, the rest "
                  f"streaming), the WAL at most {bk.wal_max / 1e6:.0f} MB, {bk.refused} refused "
                  f"(409: the last one still being sent)")
        print(f"creates/s during the backups' copy and streaming: {r_in:.0f}; between "
              f"them: {r_out:.0f} ({r_in / r_out * 100 if r_out else 0:.0f} %)")
    finally:
        kd.stop()
        if a.keep:
            print("kept", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
