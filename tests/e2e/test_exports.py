"""Find anything: GET /admin/v1/shops (shops with their balances, paged like
the other lists) and the CSV exports GET /admin/v1/orders.csv and
/admin/v1/ledger/postings.csv (exact content, range boundaries, exact 400s,
401, a connection cut on failure, constant memory), with the `kassa` CLI's
shop list / order export / ledger export. Runs on SQLite and, with
KASSA_TEST_DB=postgres, on PostgreSQL (the memory test fills an SQLite file
directly and runs on SQLite only)."""
import http.client
import os
import sqlite3
import subprocess
import threading
import time
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path

import pytest

from kassa_client import Response, _observe, create_shop
from test_hostile import _sanitized

CLI = os.environ.get("KASSA_CLI") or str(
    Path(__file__).resolve().parents[2] / "build" / "src" / "cli" / "kassa")

ORDERS_HEADER = ("id,uuid,created_at,shop_id,dialect,merchant_order_id,status,amount,fee,"
                 "currency,requisite_id,requisite_type,confirmed_by_customer,test,paid_at,"
                 "expires_at,updated_at\r\n")
POSTINGS_HEADER = ("id,tx,created_at,kind,ref_type,ref_id,account,account_kind,owner,currency,"
                   "amount\r\n")


def get(server, path, token=None):
    """GET path on the admin API -> (status, headers, body bytes)."""
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        c.request("GET", path, headers={
            "Authorization": f"Bearer {server.admin_token if token is None else token}"})
        r = c.getresponse()
        body = r.read()
        # Checked against docs/openapi/ as every helper's answer is.
        _observe("GET", f"http://127.0.0.1:{server.port}{path}",
                 Response(r.status, r.headers, body, None))
        return r.status, r.headers, body
    finally:
        c.close()


def iso(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def unix(s):
    return int(datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
               .timestamp())


def csv_text(s):
    """What the export writes for a text cell from outside."""
    if s and s[0] in "=+-@\t\r":
        s = "'" + s
    if any(ch in s for ch in ',"\r\n'):
        s = '"' + s.replace('"', '""') + '"'
    return s


def order_line(o, updated_at):
    req = o["requisite"]
    return ",".join([
        str(o["id"]), o["uuid"], o["created_at"], str(o["shop_id"]), o["origin"],
        csv_text(o["merchant_order_id"]), o["status"], o["amount"], o["fee"], o["currency"],
        str(req["id"]) if req else "", csv_text(o["requisite_type"]),
        "true" if o["confirmed_by_customer"] else "false", "true" if o["test"] else "false",
        o["paid_at"] or "", o["expires_at"], updated_at]) + "\r\n"


# ---- shops -------------------------------------------------------------------

def list_shops(server, **args):
    st, body = server.admin("GET", "/admin/v1/shops?" + urllib.parse.urlencode(args))
    assert st == 200, body
    assert set(body) == {"items", "next_cursor"}, body
    return body


def test_shop_list_with_balances_pages_and_filters(kassad):
    a = create_shop(kassad, name="Alpha 100% shop")
    b = create_shop(kassad, name="beta", merchant_id=a["merchant_id"], requisite=False)
    c = create_shop(kassad, name="Gamma", requisite=False)
    assert kassad.admin("PUT", f"/admin/v1/shops/{a['id']}/tariff",
                        {"fee_fixed": {"RUB": "1.00"}})[0] == 200
    assert kassad.admin("POST", f"/admin/v1/shops/{c['id']}/disable", {})[0] == 200
    r = kassad.panda(a).create_order(amount="1000.00")
    assert r.status == 200, r
    assert kassad.admin("POST", f"/admin/v1/orders/{r.json['uuid']}/complete")[0] == 200

    def expected(shop):
        st, one = kassad.admin("GET", f"/admin/v1/shops/{shop['id']}")
        assert st == 200
        st, bal = kassad.admin("GET", f"/admin/v1/shops/{shop['id']}/balances")
        assert st == 200
        one["balances"] = bal
        return one

    want = [expected(s) for s in (c, b, a)]
    assert want[2]["balances"] == {"RUB": {"available": "974.00", "held": "0.00"}}
    assert want[2]["fee_fixed"] == {"RUB": "1.00"}
    body = list_shops(kassad)
    assert body == {"items": want, "next_cursor": None}
    # A page at a time, both ways.
    p1 = list_shops(kassad, limit=2)
    assert [s["id"] for s in p1["items"]] == [c["id"], b["id"]] and p1["next_cursor"]
    p2 = list_shops(kassad, limit=2, cursor=p1["next_cursor"])
    assert p2 == {"items": [want[2]], "next_cursor": None}
    asc = list_shops(kassad, order="asc", limit=1)
    assert [s["id"] for s in asc["items"]] == [a["id"]]
    assert [s["id"] for s in list_shops(kassad, order="asc", limit=1,
                                        cursor=asc["next_cursor"])["items"]] == [b["id"]]
    # Filters.
    ids = lambda body: [s["id"] for s in body["items"]]  # noqa: E731
    assert ids(list_shops(kassad, merchant_id=a["merchant_id"])) == [b["id"], a["id"]]
    assert ids(list_shops(kassad, active="false")) == [c["id"]]
    assert ids(list_shops(kassad, active="true")) == [b["id"], a["id"]]
    assert ids(list_shops(kassad, q="ALPHA")) == [a["id"]]
    assert ids(list_shops(kassad, q="100%")) == [a["id"]]
    assert ids(list_shops(kassad, q="0%")) == [a["id"]]
    assert ids(list_shops(kassad, q="%")) == [a["id"]]  # a literal %, not a wildcard
    assert ids(list_shops(kassad, q="_")) == []
    assert ids(list_shops(kassad, q=str(b["id"]))) == [b["id"]]
    assert ids(list_shops(kassad, q=c["shop_id"])) == [c["id"]]
    # Bad arguments.
    for path, msg in [
        ("/admin/v1/shops?name=x", "unknown argument 'name': shops are listed by merchant_id, "
                                   "active and q (with limit, cursor, order)"),
        ("/admin/v1/shops?active=yes", "active: expected true or false"),
        ("/admin/v1/shops?limit=501", "limit: expected an integer between 1 and 500"),
        ("/admin/v1/shops?merchant_id=0",
         "merchant_id: expected an integer between 1 and 9223372036854775807"),
        ("/admin/v1/shops?cursor=t1.2", "cursor: not a cursor of this list"),
    ]:
        assert kassad.admin("GET", path) == (400, {"error": msg}), path
    assert kassad.admin("GET", "/admin/v1/shops", token="wrong") == \
        (401, {"error": "invalid or missing admin token"})
    # The CLI.
    out = subprocess.run([CLI, "shop", "list", "--server", kassad.base_url, "--admin-token",
                          kassad.admin_token, "--active", "false"], capture_output=True,
                         text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert f'"id":{c["id"]}' in out.stdout and '"next_cursor":null' in out.stdout


# ---- orders.csv --------------------------------------------------------------

@pytest.fixture
def timed_orders(kassad):
    """Three orders 100 s apart (the test clock moved between them): a
    merchant order id with a comma, a quote and a line break; one starting
    with '='; one completed."""
    shop = create_shop(kassad, name="=SUM(A1)")
    pa = kassad.panda(shop)
    made = []
    # (amounts apart: the shop's one requisite takes one pending order of an
    # amount at a time)
    for moid, amount in zip(['a,b "c"\nd', "=HYPERLINK(1)", "-12"],
                            ["1002.47", "1001.47", "1000.4747448348385"]):
        r = pa.create_order(amount=amount, merchant_order_id=moid)
        assert r.status == 200, r
        made.append(r.json["uuid"])
        kassad.advance_clock(100)
    assert kassad.admin("POST", f"/admin/v1/orders/{made[2]}/complete")[0] == 200
    orders = [kassad.admin("GET", f"/admin/v1/orders/{u}")[1] for u in made]
    return kassad, shop, orders


def test_orders_csv_exact(timed_orders):
    server, shop, o = timed_orders
    st, h, body = get(server, "/admin/v1/orders.csv?from=" + o[0]["created_at"])
    assert st == 200, body
    assert h["Content-Type"] == "text/csv; charset=utf-8"
    assert h["Transfer-Encoding"] == "chunked"
    to = iso(server.now() + 1).replace("-", "").replace(":", "")
    frm = o[0]["created_at"].replace("-", "").replace(":", "")
    assert h["Content-Disposition"] == f'attachment; filename="orders-{frm}-{to}.csv"'
    # updated_at: the creation for pending orders, the payment for the paid one.
    want = (ORDERS_HEADER + order_line(o[0], o[0]["created_at"]) +
            order_line(o[1], o[1]["created_at"]) + order_line(o[2], o[2]["paid_at"]))
    assert body.decode() == want
    assert '"a,b ""c""\nd"' in want and ",'=HYPERLINK(1)," in want and ",'-12," in want
    assert o[2]["status"] == "completed" and ",1000.47," in want
    # The other filters apply.
    st, _, body = get(server, "/admin/v1/orders.csv?status=completed&shop_id=%d" % shop["id"])
    assert (st, body.decode()) == (200, ORDERS_HEADER + order_line(o[2], o[2]["paid_at"]))
    st, _, body = get(server, "/admin/v1/orders.csv?status=failed")
    assert (st, body.decode()) == (200, ORDERS_HEADER)


def test_orders_csv_range_is_from_inclusive_to_exclusive(timed_orders):
    server, _, o = timed_orders
    t = [unix(x["created_at"]) for x in o]
    assert t[1] - t[0] == 100 and t[2] - t[1] == 100

    def ids(query):
        st, _, body = get(server, "/admin/v1/orders.csv?" + query)
        assert st == 200, body
        lines = body.decode().split("\r\n")
        assert lines[0] + "\r\n" == ORDERS_HEADER and lines[-1] == ""
        return [int(line.split(",")[0]) for line in lines[1:-1] if line[:1].isdigit()]

    assert ids(f"from={t[1]}&to={t[2]}") == [o[1]["id"]]
    assert ids(f"from={t[1]}&to={t[2] + 1}") == [o[1]["id"], o[2]["id"]]
    assert ids(f"from={t[1] + 1}&to={t[2] + 1}") == [o[2]["id"]]
    assert ids(f"from={o[0]['created_at']}&to={o[1]['created_at']}") == [o[0]["id"]]
    assert ids(urllib.parse.urlencode({"from": iso(t[0] + 3 * 3600).replace("Z", "+03:00")})) \
        == [x["id"] for x in o]
    assert ids(f"to={t[0]}") == []
    assert ids("") == [x["id"] for x in o]  # to: the next second


def test_exports_refuse_bad_arguments_before_streaming(kassad):
    cases = [
        ("/admin/v1/orders.csv?from=yesterday",
         "from: expected an RFC 3339 time or Unix seconds"),
        ("/admin/v1/orders.csv?from=2026-12-08T00:00:00Z&to=2026-12-01T00:00:00Z",
         "to: must be later than from"),
        ("/admin/v1/orders.csv?from=100&to=100", "to: must be later than from"),
        ("/admin/v1/orders.csv?limit=10",
         "unknown argument 'limit': orders are exported by status, shop_id, merchant_id, "
         "dialect, from, to, requisite_id, trader_id, confirmed_by_customer, currency, amount_min, "
         "amount_max, merchant_order_id, q"),
        ("/admin/v1/orders.csv?status=paid",
         "status: expected pending, completed, failed, expired, canceled, no_requisite or "
         "reversed"),
        ("/admin/v1/ledger/postings.csv?to=soon",
         "to: expected an RFC 3339 time or Unix seconds"),
        ("/admin/v1/ledger/postings.csv?from=200&to=100", "to: must be later than from"),
        ("/admin/v1/ledger/postings.csv?account=x", "account: expected an account id"),
        ("/admin/v1/ledger/postings.csv?tx=1",
         "unknown argument 'tx': postings are exported by from, to and account"),
    ]
    for path, msg in cases:
        st, h, body = get(kassad, path)
        assert (st, h["Content-Type"], body) == \
            (400, "application/json", ('{"error":"%s"}' % msg).encode()), path
    for path in ("/admin/v1/orders.csv", "/admin/v1/ledger/postings.csv"):
        st, _, body = get(kassad, path, token="not-the-token")
        assert (st, body) == (401, b'{"error":"invalid or missing admin token"}')


# ---- postings.csv ------------------------------------------------------------

def test_postings_csv_exact(timed_orders):
    server, shop, o = timed_orders
    st, listed = server.admin("GET", "/admin/v1/ledger/postings?order=asc")
    assert st == 200 and listed["next_cursor"] is None and len(listed["items"]) >= 2
    want = POSTINGS_HEADER + "".join(
        ",".join([str(p["id"]), str(p["tx"]), p["at"], p["kind"], p["ref_type"], str(p["ref_id"]),
                  str(p["account"]), p["account_kind"], p["owner"], p["currency"],
                  p["amount"]]) + "\r\n" for p in listed["items"])
    assert any(p["amount"].startswith("-") for p in listed["items"])  # never apostrophed
    st, h, body = get(server, "/admin/v1/ledger/postings.csv")
    assert (st, body.decode()) == (200, want)
    assert h["Content-Disposition"].startswith('attachment; filename="postings-start-')
    # The completion's transaction is at the third order's payment: a range
    # that ends there has none of it; one that starts there has all.
    paid = unix(o[2]["paid_at"])
    st, _, body = get(server, f"/admin/v1/ledger/postings.csv?to={paid}")
    assert (st, body.decode()) == (200, POSTINGS_HEADER)
    st, _, body = get(server, f"/admin/v1/ledger/postings.csv?from={paid}")
    assert body.decode() == want
    account = listed["items"][0]["account"]
    st, _, body = get(server, f"/admin/v1/ledger/postings.csv?account={account}")
    assert body.decode() == POSTINGS_HEADER + "".join(
        line + "\r\n" for line in want.split("\r\n")[1:-1] if line.split(",")[6] == str(account))


# ---- the CLI -----------------------------------------------------------------

def test_cli_exports(timed_orders, tmp_path):
    server, _, o = timed_orders
    base = [CLI, "--server", server.base_url, "--admin-token", server.admin_token]
    out = tmp_path / "orders.csv"
    r = subprocess.run([CLI, "order", "export", *base[1:], "--from", o[0]["created_at"],
                        "--out", str(out)], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    st, _, body = get(server, "/admin/v1/orders.csv?from=" + o[0]["created_at"])
    assert out.read_bytes() == body and not (tmp_path / "orders.csv.part").exists()
    r = subprocess.run([CLI, "ledger", "export", *base[1:]], capture_output=True, timeout=60)
    assert r.returncode == 0 and r.stdout == get(server, "/admin/v1/ledger/postings.csv")[2]
    r = subprocess.run([CLI, "order", "export", *base[1:], "--from", "2026-12-08T00:00:00Z",
                        "--to", "2026-12-01T00:00:00Z", "--out", str(tmp_path / "bad.csv")],
                       capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stderr) == (1, "kassa: HTTP 400: to: must be later than from\n")
    assert not (tmp_path / "bad.csv").exists() and not (tmp_path / "bad.csv.part").exists()


# ---- constant memory ---------------------------------------------------------

BULK_BASE = 1_700_000_000  # the filled orders' created_at: BULK_BASE + i, one a second


def fill_orders(db_path, shop_id, n):
    """n completed orders created at BULK_BASE + i, written straight into
    the SQLite file while kassad is stopped (bench/run's fill, with
    controlled times), copying the shape of an order kassad wrote."""
    con = sqlite3.connect(db_path, timeout=60)
    try:
        tmpl = con.execute(
            "SELECT origin, amount, currency, fee, amount_usdt, exchange_rate, requisite_type,"
            " requisite_id FROM orders WHERE shop_id = ? ORDER BY id LIMIT 1",
            (shop_id,)).fetchone()
        uuid_sql = ("substr(h,1,8)||'-'||substr(h,9,4)||'-4'||substr(h,14,3)||'-8'||"
                    "substr(h,18,3)||'-'||substr(h,21,12)")
        with con:
            con.execute(
                f"""WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < ?),
                    r(i, h, h2) AS (SELECT i, lower(hex(randomblob(16))),
                                           lower(hex(randomblob(16))) FROM c)
                INSERT INTO orders (uuid, uuid_callback, pay_token, shop_id, origin, status,
                    amount, currency, fee, amount_usdt, exchange_rate, requisite_type,
                    requisite_id, merchant_order_id, created_at, expires_at, paid_at, updated_at)
                SELECT {uuid_sql}, {uuid_sql.replace('h,', 'h2,')}, substr(h2, 1, 32), ?, ?, 1,
                    ?, ?, ?, ?, ?, ?, ?, 'bulk-' || i, ? + i, ? + i + 900, ? + i + 60,
                    ? + i + 60
                FROM r""",
                (n - 1, shop_id) + tuple(tmpl) + (BULK_BASE,) * 4)
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def export_peak(server, query):
    """Export orders.csv?query, reading it as it comes: (data rows, RSS
    before in KiB, peak RSS during in KiB), RSS sampled every 5 ms."""
    pid = server.proc.pid
    before = rss_kib(pid)
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kib(pid))
            time.sleep(0.005)

    t = threading.Thread(target=sample)
    t.start()
    rows = 0
    try:
        c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        c.request("GET", "/admin/v1/orders.csv?" + query,
                  headers={"Authorization": f"Bearer {server.admin_token}"})
        r = c.getresponse()
        assert r.status == 200
        tail = b""
        while True:
            chunk = r.read(65536)
            if not chunk:
                break
            rows += chunk.count(b"\n")  # no line breaks inside these cells
            tail = (tail + chunk)[-2:]
        c.close()
        assert tail == b"\r\n"
    finally:
        done.set()
        t.join()
    return rows - 1, before, peak[0]


@pytest.mark.skipif(bool(os.environ.get("KASSA_TEST_DB")),
                    reason="fills an SQLite file directly")
def test_export_memory_stays_flat(kassad, tmp_path):
    """200,000 orders export with the memory of 20,000: kassad holds one
    page, not the export (its SQLite page caches are warmed to their bound
    first, so what grows is what the export itself holds)."""
    shop = create_shop(kassad)
    assert kassad.panda(shop).create_order(amount="100.00").status == 200
    kassad.stop()
    total = 200_000
    fill_orders(kassad.db_path, shop["id"], total)
    kassad.start()
    whole = f"from={BULK_BASE}&to={BULK_BASE + total}"
    for _ in range(3):  # every HTTP thread's reader cache filled to its bound
        assert export_peak(kassad, whole)[0] == total
    small_rows, small_before, small_peak = export_peak(
        kassad, f"from={BULK_BASE}&to={BULK_BASE + total // 10}")
    big_rows, big_before, big_peak = export_peak(kassad, whole)
    assert (small_rows, big_rows) == (total // 10, total)
    small, big = small_peak - small_before, big_peak - big_before
    print(f"RSS growth: 20k orders {small} KiB, 200k orders {big} KiB "
          f"(RSS {small_before} -> {big_peak} KiB)")
    # Under ASan its quarantine holds freed memory: RSS says nothing there
    # (its leak check at kassad's exit speaks instead).
    if not _sanitized(kassad.binary):
        assert big - small < 3 * 1024, (small, big)


def db_exec(server, sql):
    """Run one statement on kassad's database behind its back."""
    if server.db_path is None:
        from kassa_client import pg_scalar
        pg_scalar(server.db_url, sql)
        return
    con = sqlite3.connect(server.db_path, timeout=30)
    try:
        con.execute(sql)
        con.commit()
    finally:
        con.close()


def test_export_cut_when_the_database_fails_mid_stream(kassad):
    """A database error after the answer began (here the orders table
    renamed away between two pages): the connection is cut without the
    last chunk, so the client sees an incomplete body, never a short file
    that ends cleanly."""
    shop = create_shop(kassad)
    assert kassad.panda(shop).create_order(amount="100.00").status == 200
    total = 60_000  # ~11 MB: more than the socket buffers hold
    if kassad.db_path is not None:
        kassad.stop()
        fill_orders(kassad.db_path, shop["id"], total)
        kassad.start()
    else:
        db_exec(kassad, f"""INSERT INTO orders (uuid, uuid_callback, pay_token, shop_id,
            origin, status, amount, currency, fee, amount_usdt, requisite_type,
            merchant_order_id, created_at, expires_at, paid_at, updated_at)
            SELECT md5('u' || i), md5('c' || i), md5('p' || i), o.shop_id, o.origin, 1,
                   o.amount, o.currency, o.fee, o.amount_usdt, o.requisite_type, 'bulk-' || i,
                   {BULK_BASE} + i, {BULK_BASE} + i + 900, {BULK_BASE} + i + 60,
                   {BULK_BASE} + i + 60
            FROM generate_series(0, {total - 1}) i, (SELECT * FROM orders LIMIT 1) o""")
    c = http.client.HTTPConnection("127.0.0.1", kassad.port, timeout=60)
    c.request("GET", f"/admin/v1/orders.csv?from={BULK_BASE}&to={BULK_BASE + total}",
              headers={"Authorization": f"Bearer {kassad.admin_token}"})
    r = c.getresponse()
    assert r.status == 200
    got = r.read(65536)
    assert got.startswith(ORDERS_HEADER.encode())
    time.sleep(0.3)  # kassad has filled the socket buffers and waits for the client
    db_exec(kassad, "ALTER TABLE orders RENAME TO orders_away")
    try:
        with pytest.raises(http.client.IncompleteRead):
            while True:
                chunk = r.read(65536)
                if not chunk:
                    break
                got += chunk
        c.close()
        assert got.count(b"\n") - 1 < total
        log = kassad.wait_log("export finished")
        assert "complete=no" in log.split("export finished")[-1]
    finally:
        db_exec(kassad, "ALTER TABLE orders_away RENAME TO orders")
    st, _, body = get(kassad, f"/admin/v1/orders.csv?from={BULK_BASE}&to={BULK_BASE + 10}")
    assert st == 200 and body.count(b"\r\n") == 11
