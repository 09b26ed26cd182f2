"""Backups: POST /admin/v1/backup and `kassa backup --to FILE` (docs/BACKUP.md).

A backup taken under load from several threads (panda and tegro creates,
operator completions) holds every order answered before it began, in the
state it had then; restored into a new kassad on a new file, the ledger
verifies and new orders are taken. PostgreSQL answers 409 naming pg_dump.
"""

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from kassa_client import Kassad, create_shop, send_raw
from tegro_client import tegro_for

REPO = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("KASSA_BUILD", REPO / "build"))
KASSA = os.environ.get("KASSA_CLI") or str(BUILD / "src/cli/kassa")

PG_REFUSAL = ("kassad backs up SQLite databases only; this one runs on PostgreSQL: back it up "
              "with pg_dump (docs/BACKUP.md)")
BUSY = "a backup is already running; try again once it has finished"


def on_postgres():
    return os.environ.get("KASSA_TEST_DB", "") != ""


def kassa(server, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KASSA_")}
    return subprocess.run([KASSA, *args, "--server", server.base_url, "--admin-token",
                           server.admin_token], capture_output=True, text=True, env=env,
                          timeout=120)


class Load:
    """Creates (panda, tegro) and completions from several threads. Each
    answer is noted with the monotonic time it arrived: (t, ref, status)."""

    def __init__(self, server, creds, threads=4):
        self.server, self.creds = server, creds
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.answers = []
        self.errors = []
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True)
                        for i in range(threads)]

    def note(self, ref, status):
        with self.lock:
            self.answers.append((time.monotonic(), str(ref), status))

    def run(self, i):
        panda = self.server.panda(self.creds)
        tegro = tegro_for(self.server, self.creds)
        n = 0
        try:
            while not self.stop.is_set():
                n += 1
                # an amount of its own (a requisite takes one pending
                # order of an amount at a time)
                r = panda.create_order(amount=f"{100 + i}.{n % 100:02d}" if n < 100
                                       else f"{1000 * (i + 1) + n}.00")
                assert r.status == 200, (r.status, r.body)
                uuid = r.json["uuid"] if "uuid" in r.json else r.json["data"]["uuid"]
                self.note(uuid, "pending")
                if n % 3 == 0:
                    st, body = self.server.admin("POST", f"/admin/v1/orders/{uuid}/complete")
                    assert st == 200, (st, body)
                    self.note(uuid, "completed")
                if i % 2 == 0:
                    t = tegro.create_order(amount=100000 * (i + 1) + n)
                    assert t.status == 200 and t.json["type"] == "success", t.body
                    self.note(t.json["data"]["id"], "pending")
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.errors.append(repr(e))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(60)

    def later(self, t):
        """{ref: statuses answered at or after t}: a change in flight when
        the backup began may be in it or not."""
        out = {}
        with self.lock:
            for at, ref, status in self.answers:
                if at >= t:
                    out.setdefault(ref, set()).add(status)
        return out

    def before(self, t):
        """{ref: status} of everything answered before monotonic time t (the
        later answer of one order wins: a completion after its create)."""
        out = {}
        with self.lock:
            for at, ref, status in sorted(self.answers):
                if at < t:
                    out[ref] = status
        return out


@pytest.mark.skipif(on_postgres(), reason="an SQLite backup")
def test_backup_under_load_restores_every_answered_order(kassad, kassad_factory, tmp_path):
    creds = create_shop(kassad)
    out = tmp_path / "backups" / "kassa-backup.db"
    out.parent.mkdir()
    with Load(kassad, creds) as load:
        time.sleep(1.0)
        began = time.monotonic()
        p = kassa(kassad, "backup", "--to", str(out))
        ended = time.monotonic()
        time.sleep(0.5)
    assert load.errors == []
    assert p.returncode == 0, p.stderr
    m = re.fullmatch(r"backup: (\S+): (\d+) bytes, (\d+) pages, the database as of "
                     r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) \(copied in (\d+) ms\)\n", p.stdout)
    assert m, p.stdout
    assert m.group(1) == str(out)
    assert int(m.group(2)) == out.stat().st_size
    assert int(m.group(2)) == int(m.group(3)) * 4096
    assert p.stderr == ""
    # Nothing left beside the database or the target.
    assert sorted(f.name for f in out.parent.iterdir()) == ["kassa-backup.db"]
    assert [f.name for f in Path(kassad.db_path).parent.iterdir() if ".backup-" in f.name] == []

    expected = load.before(began)
    after = load.before(float("inf"))
    assert len(expected) >= 20, "the load made too few orders before the backup"
    assert len(after) > len(expected), "no order was answered during or after the backup"
    assert "completed" in expected.values() and "pending" in expected.values()

    con = sqlite3.connect(f"file:{out}?mode=ro", uri=True)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    in_copy = con.execute("SELECT count(*) FROM orders").fetchone()[0]
    con.close()
    assert len(expected) <= in_copy <= len(after)

    # Restore: a new kassad on a new file holding the copy.
    restored = kassad_factory("restored", start=False)
    (restored.dir).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(out, restored.dir / "kassa.db")
    restored.start(db_url=f"sqlite:{restored.dir / 'kassa.db'}")
    in_flight = load.later(began)
    for ref, status in expected.items():
        st, body = restored.admin("GET", f"/admin/v1/orders/{ref}")
        assert st == 200, (ref, st, body)
        assert body["status"] in {status} | in_flight.get(ref, set()), (ref, status, body)
    st, verify = restored.admin("GET", "/admin/v1/ledger/verify")
    assert st == 200 and verify["ok"] is True and verify["problems"] == [], verify
    # It takes new orders, for the same shop and credentials.
    r = restored.panda(creds).create_order(amount="100.00")
    assert r.status == 200, r.body
    assert ended > began


def test_backup_bad_token_is_401(kassad, tmp_path):
    r = send_raw(kassad.base_url, "POST", "/admin/v1/backup",
                 headers=[("Authorization", "Bearer " + "x" * 32)])
    assert r.status == 401
    assert r.json == {"error": "invalid or missing admin token"}
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "b.db"
    p = subprocess.run([KASSA, "backup", "--to", str(out), "--server", kassad.base_url,
                        "--admin-token", "x" * 32], capture_output=True, text=True)
    assert p.returncode == 1
    assert p.stderr == "kassa: HTTP 401 Unauthorized: invalid or missing admin token\n"
    assert p.stdout == ""
    assert list((tmp_path / "out").iterdir()) == []  # no FILE, no temporary file


def test_backup_get_is_404(kassad):
    st, body = kassad.admin("GET", "/admin/v1/backup")
    assert (st, body) == (404, {"error": "Not found"})


def test_backup_on_postgres_names_pg_dump(kassad_factory, pg_server, tmp_path):
    k = kassad_factory("pg", db_url=pg_server.new_database())
    st, body = k.admin("POST", "/admin/v1/backup")
    assert st == 409
    assert body == {"error": PG_REFUSAL}
    out = tmp_path / "b.db"
    p = kassa(k, "backup", "--to", str(out))
    assert p.returncode == 1
    assert p.stderr == f"kassa: HTTP 409 Conflict: {PG_REFUSAL}\n"
    assert not out.exists()


@pytest.mark.skipif(on_postgres(), reason="an SQLite backup")
def test_second_backup_while_one_is_sent_is_409(kassad):
    # Ballast, so the copy does not fit in the sockets' buffers: the first
    # backup stays "being sent" while its client reads nothing.
    con = sqlite3.connect(kassad.db_path, timeout=30)
    with con:
        con.execute("CREATE TABLE ballast (b BLOB)")
        for _ in range(8):
            con.execute("INSERT INTO ballast VALUES (randomblob(4 * 1024 * 1024))")
    con.close()
    s = socket.create_connection(("127.0.0.1", kassad.port), timeout=30)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(f"POST /admin/v1/backup HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
              f"{kassad.admin_token}\r\nContent-Length: 0\r\n\r\n".encode())
    head = s.recv(4096)
    assert head.startswith(b"HTTP/1.1 200 OK\r\n"), head[:200]
    assert b"Content-Type: application/vnd.sqlite3\r\n" in head
    st, body = kassad.admin("POST", "/admin/v1/backup")
    assert (st, body) == (409, {"error": BUSY})
    s.close()  # the client goes away: the backup is over
    deadline = time.monotonic() + 10
    while True:
        r = send_raw(kassad.base_url, "POST", "/admin/v1/backup",
                     headers=[("Authorization", f"Bearer {kassad.admin_token}")])
        if r.status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert r.status == 200, r.json
    assert r.body[:16] == b"SQLite format 3\x00"
    assert len(r.body) > 32 * 1024 * 1024
