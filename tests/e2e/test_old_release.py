"""A database made by the previous release opens, migrates and keeps every
order, key, nonce, posting and pending callback.

The fixtures were made with kassad at commit 01ffd0e (the release before the
notification_format migration) by tests/e2e/fixtures/make_old_db.py, which
says exactly how; each has a manifest of what it holds, as that release
answered it. On SQLite the test opens a copy of fixtures/old-release.sqlite;
with KASSA_TEST_DB=postgres it restores fixtures/old-release.pg.sql into the
fresh database the session's PostgreSQL gives (the make_db_url hook). Then
today's kassad runs on it.

Every time in the fixtures lies in 2090 (the old kassad's test clock was
moved there), so nothing has expired, been pruned or come due when today's
kassad opens it; the test moves the new clock to the moment the old kassad
stopped, as if the upgrade happened right then.
"""

import hashlib
import json
import shutil
import sqlite3
import subprocess
import time
import urllib.parse
from datetime import datetime
from pathlib import Path

import pytest

from kassa_client import REPO, Kassad, pg_scalar
from tegro_client import TegroClient

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MIGRATIONS = REPO / "src/server/store/migrations"
MAX_STEP = 10 * 365 * 86400  # the most one clock/advance may move
COUNTED = ("orders", "idempotency", "request_nonces", "withdrawals")
# Tables a later migration renamed (011): the fixture's name -> today's.
RENAMED = {"tegro_nonces": "request_nonces", "tegro_shop_methods": "shop_methods",
           "tegro_receipt_items": "receipt_items"}


# ---- the database ----

def is_pg(url):
    return url.startswith(("postgresql://", "postgres://"))


def open_fixture(workdir, make_db_url):
    """A database holding the fixture for this session's backend -> (url, manifest)."""
    url = make_db_url(workdir)
    if is_pg(url):
        p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f",
                            str(FIXTURES / "old-release.pg.sql")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        assert p.returncode == 0, p.stdout.decode(errors="replace")
        manifest = FIXTURES / "old-release.pg.json"
    else:
        # A copy of our own (never over a file KASSA_TEST_DB may name).
        path = Path(workdir) / "old-release.sqlite"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURES / "old-release.sqlite", path)
        url = f"sqlite:{path}"
        manifest = FIXTURES / "old-release.sqlite.json"
    return url, json.loads(manifest.read_text())


def db_value(url, sqlite_sql, pg_sql, params=()):
    """One value from the database kassad runs on (read-only on SQLite)."""
    if is_pg(url):
        return pg_scalar(url, pg_sql, params)
    con = sqlite3.connect("file:" + urllib.parse.quote(url[len("sqlite:"):]) + "?mode=ro",
                          uri=True, timeout=10)
    try:
        row = con.execute(sqlite_sql, params).fetchone()
        return row[0] if row else None
    finally:
        con.close()


def table_counts(k, tables):
    """count(*) of each table, by the name the fixture knows it by."""
    return {t: k.count_rows(RENAMED.get(t, t)) for t in tables}


def move_clock_to(k, target):
    """Advance k's test clock (in the steps the admin API allows) to `target`."""
    while k.now() < target:
        k.advance_clock(min(MAX_STEP, target - k.now()))


def start_on_fixture(workdir, make_db_url):
    """Today's kassad on a fresh copy of the fixture -> (kassad, manifest, counts
    read the moment it was up, before any request)."""
    url, m = open_fixture(workdir / "db", make_db_url)
    k = Kassad(workdir / "kassad", db_url=url)
    k.start()
    counts = table_counts(k, m["rows"])
    move_clock_to(k, m["clock"]["stopped_at"])
    return k, m, counts


@pytest.fixture(scope="module")
def old(tmp_path_factory, make_db_url):
    """(kassad, manifest, counts at start) for the module's checks, which
    only add rows no other check counts."""
    k, m, counts = start_on_fixture(tmp_path_factory.mktemp("old_release"), make_db_url)
    yield k, m, counts
    k.close()


# ---- helpers ----

def shop_of(m, name):
    return m["shops"][name]


def order_of(m, name):
    return next(o for o in m["orders"] if o["name"] == name)


def tegro(k, m, name):
    c = shop_of(m, name)
    return TegroClient(k.base_url, c["shop_id"], c["tegro"]["api_key"], c["tegro"]["secret"],
                       clock=k.now)


_nonce = [5000]


def fresh_nonce():
    """A counter nonce no fixture request used (they are 1001... and 2001...)."""
    _nonce[0] += 1
    return _nonce[0]


def tegro_ok(k, m, shop, method, data=None):
    r = tegro(k, m, shop).call(method, data, nonce=fresh_nonce())
    assert r.status == 200 and r.json and r.json["type"] == "success", r.body
    return r.json["data"]


def rebase(value, old_base, new_base):
    """The fixture's answers name the old kassad's address; today's its own."""
    text = json.dumps(value, sort_keys=True)
    return json.loads(text.replace(old_base, new_base))


def admin_ok(k, method, path, body=None):
    status, answer = k.admin(method, path, body)
    assert status == 200, (method, path, status, answer)
    return answer


# ---- the checks ----

def test_every_row_is_kept_and_the_new_migration_applied(old):
    k, m, counts = old
    backend = "pg" if is_pg(k.db_url) else "sqlite"
    today = sorted(int(p.name[:3]) for p in (MIGRATIONS / backend).glob("*.sql"))
    new = [v for v in today if v not in m["migrations"]]
    assert set(m["migrations"]) < set(today) and new, (m["migrations"], today)

    want = dict(m["rows"], schema_migrations=m["rows"]["schema_migrations"] + len(new))
    assert counts == want
    applied = [db_value(k.db_url, "SELECT name FROM schema_migrations WHERE version = ?",
                        "SELECT name FROM schema_migrations WHERE version = ?", (v,))
               for v in new]
    assert any("notification_format" in (a or "") for a in applied), applied
    assert any("shop_dialects" in (a or "") for a in applied), applied
    assert any("neutral_record_names" in (a or "") for a in applied), applied
    # The nonces and receipt items moved with their tables (counted above
    # under their new names); the old names are gone.
    assert counts["tegro_nonces"] == m["rows"]["tegro_nonces"] > 0
    assert counts["tegro_receipt_items"] == m["rows"]["tegro_receipt_items"] > 0
    for old_name in RENAMED:
        assert db_value(k.db_url, "SELECT count(*) FROM sqlite_master WHERE name = ?",
                        "SELECT count(*) FROM pg_class WHERE relname = ?", (old_name,)) == 0
    for name in m["shops"]:
        shop = admin_ok(k, "GET", f"/admin/v1/shops/{shop_of(m, name)['id']}")
        assert shop["notification_format"] == "form"


def test_shops_keep_their_settings_and_keys(old):
    k, m, _ = old
    for name, made in m["shops"].items():
        shop = admin_ok(k, "GET", f"/admin/v1/shops/{made['id']}")
        for key in ("id", "merchant_id", "shop_id", "name", "url", "callback_url", "fee_percent",
                    "fee_fixed", "callback_version", "panda_order_ttl", "tegro_order_ttl"):
            assert shop[key] == made[key], (name, key)
        # Both dialects' keys still authenticate.
        r = k.panda(made).get_order(order_of(m, "A1" if name == "A" else "B1")["uuid"])
        assert r.status == 200, r.body
        assert tegro_ok(k, m, name, "shops")


def test_every_order_reads_back_exactly(old):
    k, m, _ = old
    statuses = {}
    for o in m["orders"]:
        want_admin = rebase(o["admin"], m["public_url"], k.base_url)
        # Members the admin view gained after that release (migration 019:
        # no old order named an amount received or was reversed; 021: no
        # old order was raised, refused with a reason, a trader's, or
        # completed by anyone named).
        want_admin.update(amount_received=None, reversed_at=None, amount_requested=None,
                          no_requisite_reason=None, trader_id=None, confirmed_by=None)
        assert admin_ok(k, "GET", f"/admin/v1/orders/{o['uuid']}") == want_admin, o["name"]
        statuses[o["name"]] = (o["admin"]["status"], o["admin"]["amount"], o["admin"]["fee"])
        if o["dialect"] == "panda":
            r = k.panda(shop_of(m, o["shop"])).get_order(o["uuid"])
            assert r.status == 200, r.body
            assert r.json == rebase(o["panda"], m["public_url"], k.base_url), o["name"]
        else:
            got = tegro_ok(k, m, o["shop"], "order", {"order_id": o["tegro_id"]})
            assert got == o["tegro"], o["name"]
            # The payer's link from the old release still opens.
            pay = urllib.parse.urlsplit(o["created"]["body"]["url"]).path
            r = k.request("GET", pay)
            assert r.status == 200, (pay, r.status, r.body[:200])
            forged = pay.rstrip("/")[:-1] + ("0" if pay.rstrip("/")[-1] != "0" else "1") + "/"
            assert k.request("GET", forged).status == 404, forged
    assert statuses == {
        "A7": ("expired", "120.00", "13.00"),
        "A1": ("completed", "1000.47", "35.01"),
        "A2": ("failed", "250.00", "16.25"),
        "A3": ("pending", "99.99", "12.50"),
        "A4": ("completed", "500.00", "22.50"),
        "A5": ("canceled", "300.00", "17.50"),
        "A6": ("no_requisite", "50.00", "11.25"),
        "TA1": ("completed", "1200.00", "40.00"),
        "TA2": ("pending", "450.50", "21.26"),
        "B1": ("completed", "777.77", "11.67"),
        "TB1": ("completed", "2000.00", "30.00"),
    }
    assert k.count_rows("receipt_items", "order_id = ?",
                        (order_of(m, "TA1")["admin"]["id"],)) == 2


def test_idempotency_keys_answer_the_original_orders(old):
    k, m, _ = old
    before = table_counts(k, ("orders", "idempotency"))
    for o in m["orders"]:
        if o["dialect"] != "panda":
            continue
        p = k.panda(shop_of(m, o["shop"]))
        r = p.post("/orders" if o["legacy"] else "/v1/orders", o["request"])
        assert r.status == o["created"]["status"], (o["name"], r.status, r.body)
        assert r.json["uuid"] == o["uuid"] and r.json["id"] == o["admin"]["id"], o["name"]
        assert r.json["merchant_commission"] == o["created"]["body"]["merchant_commission"]
    # tegro: the merchant's order_id is its key; a new nonce, the same order.
    for o in m["orders"]:
        if o["dialect"] != "tegro":
            continue
        data = json.loads(o["request"]["body"])
        del data["shop_id"], data["nonce"]
        got = tegro_ok(k, m, o["shop"], "createOrder", data)
        assert got["id"] == o["tegro_id"], o["name"]
    assert table_counts(k, ("orders", "idempotency")) == before


def test_used_nonces_are_refused(old):
    k, m, _ = old
    before = table_counts(k, COUNTED)
    assert len(m["tegro_requests"]) == m["rows"]["tegro_nonces"]
    for req in m["tegro_requests"]:
        r = tegro(k, m, req["shop"]).post(req["method"], req["body"])
        assert r.status == 200 and r.json["type"] == "error", (req["nonce"], r.body)
        assert r.json["desc"] == "Nonce already used", (req["method"], req["nonce"], r.body)
    assert table_counts(k, COUNTED) == before


def test_balances_withdrawals_and_the_ledger(old):
    k, m, _ = old
    for name, shop in m["shops"].items():
        assert admin_ok(k, "GET", f"/admin/v1/shops/{shop['id']}/balances") == m["balances"][name]
    assert m["balances"] == {"A": {"RUB": {"available": "2002.96", "held": "100.00"}},
                             "B": {"RUB": {"available": "2736.10", "held": "0.00"}}}
    for w in m["withdrawals"]:
        assert admin_ok(k, "GET", f"/admin/v1/withdrawals/{w['id']}") == w["admin"]
    report = admin_ok(k, "GET", "/admin/v1/ledger/verify")
    assert report["ok"] is True and report["problems"] == [], report
    assert report == m["ledger_verify"]


def test_callbacks_are_kept_and_a_pending_one_is_delivered_on_resend(old):
    k, m, _ = old
    for o in m["orders"]:
        got = admin_ok(k, "GET", "/admin/v1/callbacks?order=" + o["uuid"])
        assert got == m["callbacks"][o["name"]], o["name"]
    for row in m["callback_rows"]:
        body = db_value(k.db_url, "SELECT body FROM callbacks WHERE id = ?",
                        "SELECT encode(body, 'hex') FROM callbacks WHERE id = ?", (row["id"],))
        if isinstance(body, str):
            body = bytes.fromhex(body)
        assert hashlib.sha256(body).hexdigest() == row["body_sha256"], row["id"]
    pending = [cb for cbs in m["callbacks"].values() for cb in cbs if cb["state"] == "pending"]
    assert sorted(cb["id"] for cb in pending) == sorted(m["pending_callbacks"]) and pending
    stats = admin_ok(k, "GET", "/admin/v1/callbacks/stats")
    assert stats["delivered"] == len(m["callback_rows"]) - len(pending)

    # The receiver (a closed port on loopback) still refuses: a resend is
    # one more attempt recorded, and the callback stays pending.
    for cb in pending:
        admin_ok(k, "POST", f"/admin/v1/callbacks/{cb['id']}/resend")
    deadline = time.monotonic() + 10
    while True:
        now = {cb["id"]: admin_ok(k, "GET", f"/admin/v1/callbacks/{cb['id']}") for cb in pending}
        if all(n["attempt_count"] == cb["attempt_count"] + 1 for cb, n in
               zip(pending, now.values())) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    for cb in pending:
        n = now[cb["id"]]
        assert n["attempt_count"] == cb["attempt_count"] + 1, n
        assert n["attempts"][:-1] == cb["attempts"]
        last = n["attempts"][-1]
        assert last["url"] == cb["url"] and last["http_status"] is None and last["error"], last
        assert n["state"] == "pending" and n["next_attempt_at"] is not None, n


def test_new_orders_on_the_migrated_database(tmp_path, make_db_url):
    k, m, _ = start_on_fixture(tmp_path, make_db_url)
    try:
        a = shop_of(m, "A")
        orders = k.count_rows("orders")
        r = k.panda(a).create_order(amount="100.00", idempotency_key="new-after-upgrade")
        assert r.status == 200, r.body
        assert r.json["merchant_commission"] == "12.50"  # 2.5 % + 10.00 fixed, as before
        assert r.json["id"] == max(o["admin"]["id"] for o in m["orders"]) + 1
        admin_ok(k, "POST", f"/admin/v1/orders/{r.json['uuid']}/complete")
        d = tegro_ok(k, m, "B", "createOrder", {"currency": "RUB", "amount": 300,
                                                "order_id": "tb-new", "payment_system": 28})
        admin_ok(k, "POST", f"/admin/v1/orders/{d['id']}/complete")
        assert k.count_rows("orders") == orders + 2
        assert admin_ok(k, "GET", f"/admin/v1/shops/{a['id']}/balances") == \
            {"RUB": {"available": "2090.46", "held": "100.00"}}      # 2002.96 + 87.50
        assert admin_ok(k, "GET", f"/admin/v1/shops/{shop_of(m, 'B')['id']}/balances") == \
            {"RUB": {"available": "3031.60", "held": "0.00"}}        # 2736.10 + 295.50
        assert admin_ok(k, "GET", "/admin/v1/ledger/verify")["ok"] is True
        # A shop made today next to the old ones; then the migrated database
        # opens again without migrating twice.
        status, shop = k.admin("POST", "/admin/v1/shops", {"name": "New shop",
                                                          "callback_url": "http://127.0.0.1:9/",
                                                          "notification_format": "json"})
        assert status == 201 and shop["notification_format"] == "json", shop
        migrations = k.count_rows("schema_migrations")
        k.restart()
        assert k.count_rows("schema_migrations") == migrations
        assert k.count_rows("orders") == orders + 2
        assert admin_ok(k, "GET", f"/admin/v1/shops/{a['id']}")["notification_format"] == "form"
    finally:
        k.close()


@pytest.mark.parametrize("n", [1, 2])
def test_crash_inside_a_migration_loses_nothing(tmp_path, make_db_url, n):
    """kassad dies (KASSA_CRASHPOINT=migration:n) after applying the n-th
    pending migration, before recording or committing it: the next start
    applies them all again from the old schema, every row kept."""
    url, m = open_fixture(tmp_path / "db", make_db_url)
    k = Kassad(tmp_path / "kassad", db_url=url)
    try:
        k.start(env={"KASSA_CRASHPOINT": f"migration:{n}"}, wait=False)
        assert k.proc.wait(timeout=60) == -6  # SIGABRT at the point
        assert "crash point reached" in k.log_path.read_text()
        k.start(env={})
        backend = "pg" if is_pg(url) else "sqlite"
        today = sorted(int(p.name[:3]) for p in (MIGRATIONS / backend).glob("*.sql"))
        new = [v for v in today if v not in m["migrations"]]
        want = dict(m["rows"], schema_migrations=m["rows"]["schema_migrations"] + len(new))
        assert table_counts(k, m["rows"]) == want
        for name in m["shops"]:
            admin_ok(k, "GET", f"/admin/v1/shops/{shop_of(m, name)['id']}")
    finally:
        k.close()
