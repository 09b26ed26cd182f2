"""GET /admin/v1/overview (issue 22, the console's live overview): the
per-bucket series of orders created and completed, the window's totals and
volumes per currency and shop, the queues of now, the callback failure
rate and the database's state, with exact figures on the test clock; and
the per-minute rows behind it (migration 027) equal to the orders they
count, however those were created, completed or reversed."""
import time

import pytest

from kassa_client import create_requisite, create_shop
from test_callbacks import Receiver, callbacks_of, wait_until
from test_disputes import open_dispute

# The per-minute rows summed over writer slots, with the orders created
# since the sweeper's last fold (overview_fold, migration 029) added as the
# overview adds them, and the same figures from the orders themselves: the
# two must always be equal.
MINUTES = ("SELECT minute, shop_id, currency, sum(c) AS c, sum(k) AS k, sum(v) AS v FROM "
           "(SELECT minute, shop_id, currency, created AS c, completed AS k, volume AS v "
           "FROM order_minutes UNION ALL SELECT created_at - created_at % 60, shop_id, currency, "
           "1, 0, 0 FROM orders, overview_fold WHERE created_at >= folded_until AND test = 0) t "
           "GROUP BY minute, shop_id, currency")
# The rows alone, for the orders created before the fold.
FOLDED = ("SELECT minute, shop_id, currency, sum(created), sum(completed), sum(volume) "
          "FROM order_minutes GROUP BY minute, shop_id, currency")
FROM_ORDERS = ("SELECT created_at - created_at % 60, shop_id, currency, count(*), "
               "sum(CASE WHEN status = 1 THEN 1 ELSE 0 END), "
               "sum(CASE WHEN status = 1 THEN (CASE WHEN amount_received > 0 THEN amount_received "
               "ELSE amount END) ELSE 0 END) FROM orders WHERE test = 0 "
               "GROUP BY created_at - created_at % 60, shop_id, currency")


def assert_minutes_exact(server):
    x, y = f"SELECT * FROM ({MINUTES}) x", f"SELECT * FROM ({FROM_ORDERS}) y"
    differ = server.count_rows(f"({x} EXCEPT {y}) d")
    missing = server.count_rows(f"({y} EXCEPT {x}) d")
    assert server.count_rows(f"({MINUTES}) m") > 0
    assert (differ, missing) == (0, 0)


def folded_until(server):
    return server.count_rows("orders, overview_fold", "created_at < folded_until")


def overview(server, query="", token=None):
    st, body = server.admin("GET", "/admin/v1/overview" + query, token=token)
    assert st == 200, body
    return body


def admin_ok(server, method, path, body=None, status=200):
    st, js = server.admin(method, path, body)
    assert st == status, (method, path, st, js)
    return js


def attempts_in_window(server, refs, since):
    """(attempts, failed) of every callback of these orders made at or after
    `since` (Unix seconds), from the callbacks API."""
    n = failed = 0
    for ref in refs:
        for cb in callbacks_of(server, ref):
            for a in cb["attempts"]:
                at = time.mktime(time.strptime(a["at"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
                if at >= since:
                    n += 1
                    failed += not (a["http_status"] and 200 <= a["http_status"] < 300)
    return n, failed


def bucket(series, t, size=60):
    start = t - t % size
    [p] = [p for p in series if p["at"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start))]
    return p


def created_at(server, ref):
    o = admin_ok(server, "GET", f"/admin/v1/orders/{ref}")
    return int(time.mktime(time.strptime(o["created_at"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone)


@pytest.fixture
def receivers():
    ok, bad = Receiver(answers=(200,)), Receiver(answers=(500,))
    yield ok, bad
    ok.close()
    bad.close()


def test_overview_exact_figures(kassad, receivers):
    ok, bad = receivers
    server = kassad
    a = create_shop(server, name="Alpha", callback_url=ok.url())
    b = create_shop(server, name="Beta", callback_url=bad.url(), requisite=False)
    t = create_shop(server, name="Sandbox", callback_url=ok.url(), requisite=False,
                    test_mode=True)
    create_requisite(server, requisite="+79005550001")
    pa, pb, pt = server.panda(a), server.panda(b), server.panda(t)

    # Start a few seconds into a minute, so the first orders share one.
    server.advance_clock(60 - server.now() % 60 + 1)

    def new(client, amount):
        r = client.create_order(amount=amount)
        assert r.status == 200, r.body
        return r.json["uuid"]

    a1, a2, b1 = new(pa, "100.00"), new(pa, "200.00"), new(pb, "300.00")
    test_order = new(pt, "700.00")
    m1 = created_at(server, a1)
    assert created_at(server, b1) - created_at(server, b1) % 60 == m1 - m1 % 60
    server.advance_clock(180)
    a3, a4, a5 = new(pa, "400.00"), new(pa, "500.00"), new(pa, "600.00")
    m2 = created_at(server, a3)
    assert m2 - m2 % 60 == m1 - m1 % 60 + 180

    assert pa.get(f"/v1/orders/{a4}/confirm").status == 200  # the payer says paid
    admin_ok(server, "POST", f"/admin/v1/orders/{a1}/complete")
    admin_ok(server, "POST", f"/admin/v1/orders/{b1}/complete", {"amount_received": "250.00"})
    admin_ok(server, "POST", f"/admin/v1/orders/{a3}/complete")
    admin_ok(server, "POST", f"/admin/v1/orders/{test_order}/complete")  # not counted
    admin_ok(server, "POST", f"/admin/v1/orders/{a5}/fail")
    r = open_dispute(server, a, a5, [("amount", "600.00", None)])
    assert r.status == 201, r.body
    # Each change's callback: Alpha's delivered at once (the test order's
    # included), Beta's refused with 500 and kept pending.
    ok.wait(4)
    bad.wait(1)
    wait_until(lambda: callbacks_of(server, b1)[0]["attempts"], what="Beta's attempt")
    time.sleep(0.5)  # let any further callback (the dispute's) be made

    o = overview(server, "?hours=1")
    assert list(o) == ["now", "hours", "from", "bucket_seconds", "series", "totals", "shops",
                       "orders", "disputes", "callbacks", "withdrawals", "database"]
    assert (o["hours"], o["bucket_seconds"], len(o["series"])) == (1, 60, 60)
    assert o["series"][0]["at"] == o["from"]
    assert bucket(o["series"], m1) == {"at": bucket(o["series"], m1)["at"], "created": 3,
                                       "completed": 2, "conversion": 0.6667}
    assert bucket(o["series"], m2) == {"at": bucket(o["series"], m2)["at"], "created": 3,
                                       "completed": 1, "conversion": 0.3333}
    others = [p for p in o["series"] if p not in (bucket(o["series"], m1), bucket(o["series"], m2))]
    assert len(others) == 58
    assert all((p["created"], p["completed"], p["conversion"]) == (0, 0, None) for p in others)
    assert o["totals"] == {"created": 6, "completed": 3, "conversion": 0.5, "volume": [
        {"currency": "RUB", "amount": "750.00", "created": 6, "completed": 3, "conversion": 0.5}]}
    assert o["shops"] == [
        {"shop_id": a["id"], "name": "Alpha", "currency": "RUB", "amount": "500.00",
         "created": 5, "completed": 2, "conversion": 0.4},
        {"shop_id": b["id"], "name": "Beta", "currency": "RUB", "amount": "250.00",
         "created": 1, "completed": 1, "conversion": 1.0}]
    assert o["orders"] == {"pending": 2, "payer_says_paid": 1}
    assert o["disputes"] == {"open": 1}
    # Every attempt so far is one the receivers got; Beta's one failed.
    assert len(bad.requests) == 1
    sent = len(ok.requests) + 1
    assert o["callbacks"] == {"pending": 1, "in_flight": 0, "attempts": sent, "failed": 1,
                              "failure_rate": round(1 / sent, 4)}
    assert o["withdrawals"] == {"pending": 0}
    db = o["database"]
    backend = "postgresql" if server.db_url.startswith("postgresql") else "sqlite"
    assert (db["backend"], db["up"]) == (backend, True)
    assert db["size_bytes"] > 0 and db["writer_queue"] == 0 and db["last_commit_ms"] > 0
    assert_minutes_exact(server)

    # A reversal takes a completion back out of its order's minute.
    admin_ok(server, "POST", f"/admin/v1/orders/{a1}/reverse")
    o = overview(server, "?hours=1")
    assert bucket(o["series"], m1)["completed"] == 1
    assert o["totals"]["volume"][0]["amount"] == "650.00"
    assert [(s["name"], s["amount"], s["completed"]) for s in o["shops"]] == [
        ("Alpha", "400.00", 1), ("Beta", "250.00", 1)]
    assert_minutes_exact(server)

    # Two hours on: the orders left the one-hour window, the pending ones
    # expired, the dispute stays open; the attempts counted are the
    # window's (Beta's retry, the expiries' callbacks), as the callbacks
    # API lists them.
    server.advance_clock(7200)
    wait_until(lambda: overview(server, "?hours=1")["orders"]["pending"] == 0, what="expiry")
    refs = [a1, a2, a3, a4, a5, b1, test_order]
    wait_until(lambda: attempts_in_window(server, refs, server.now() - 3600)[0] >= 3,
               what="the retry and the expiries' callbacks")
    time.sleep(0.3)
    o = overview(server, "?hours=1")
    assert (o["totals"]["created"], o["totals"]["volume"], o["shops"]) == (0, [], [])
    assert all(p["created"] == 0 for p in o["series"])
    assert o["orders"] == {"pending": 0, "payer_says_paid": 0}
    assert o["disputes"] == {"open": 1}
    since = int(time.mktime(time.strptime(o["from"], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone)
    n, failed = attempts_in_window(server, refs, since)
    assert (o["callbacks"]["attempts"], o["callbacks"]["failed"]) == (n, failed)
    # A wider window still holds them, in 5-minute buckets.
    o = overview(server, "?hours=7")
    assert (o["bucket_seconds"], len(o["series"])) == (300, 84)
    assert (o["totals"]["created"], o["totals"]["completed"]) == (6, 2)
    assert sum(p["created"] for p in o["series"]) == 6
    assert_minutes_exact(server)


def test_overview_arguments_and_roles(kassad):
    o = overview(kassad)
    assert (o["hours"], o["bucket_seconds"], len(o["series"])) == (6, 60, 360)
    assert o["totals"] == {"created": 0, "completed": 0, "conversion": None, "volume": []}
    assert o["callbacks"]["failure_rate"] is None
    o = overview(kassad, "?hours=48")
    assert (o["bucket_seconds"], len(o["series"])) == (600, 288)
    o = overview(kassad, "?hours=30")
    assert (o["bucket_seconds"], len(o["series"])) == (300, 360)
    for q, msg in (("?hours=0", "hours: expected an integer between 1 and 48"),
                   ("?hours=49", "hours: expected an integer between 1 and 48"),
                   ("?hours=x", "hours: expected an integer between 1 and 48"),
                   ("?days=1", "unknown argument 'days': the overview takes hours")):
        assert kassad.admin("GET", "/admin/v1/overview" + q) == (400, {"error": msg})
    st, op = kassad.admin("POST", "/admin/v1/operators", {"name": "watcher", "role": "viewer"})
    assert st == 201, op
    st, tok = kassad.admin("POST", f"/admin/v1/operators/{op['id']}/tokens")
    assert st == 201, tok
    assert overview(kassad, "?hours=2", token=tok["token"])["hours"] == 2
    st, _ = kassad.admin("GET", "/admin/v1/overview", token="")
    assert st == 401
    st, _ = kassad.admin("POST", "/admin/v1/overview")
    assert st == 404


def test_cli_overview(kassad):
    import json
    import subprocess

    from test_cli import cli_path, clean_env
    create_shop(kassad, name="Gamma")
    r = kassad.panda(create_shop(kassad, name="Delta")).create_order(amount="321.00")
    assert r.status == 200, r.body
    admin_ok(kassad, "POST", f"/admin/v1/orders/{r.json['uuid']}/complete")
    env = clean_env({"KASSA_SERVER": kassad.base_url, "KASSA_ADMIN_TOKEN": kassad.admin_token})
    p = subprocess.run([cli_path(), "overview", "--hours", "2"], env=env, capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    o = json.loads(p.stdout)
    assert (o["hours"], o["totals"]["created"], o["totals"]["volume"][0]["amount"]) == (2, 1, "321.00")
    assert [s["name"] for s in o["shops"]] == ["Delta"]
    p = subprocess.run([cli_path(), "overview", "--hours", "99"], env=env, capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 1
    assert p.stderr == "kassa: HTTP 400 Bad Request: hours: expected an integer between 1 and 48\n"


def test_minutes_purged_past_the_window(kassad, receivers):
    """The sweeper forgets the per-minute rows older than the longest window
    and its first bucket (49 hours) once an hour: the rows of two days ago
    go, the rows in the window and so the overview's figures stay."""
    ok, _ = receivers
    server = kassad

    def minutes(table, where="", params=()):
        """The distinct minutes of a table's rows (PostgreSQL keeps a row
        per writer slot)."""
        w = f" WHERE {where}" if where else ""
        return server.count_rows(f"(SELECT DISTINCT minute FROM {table}{w}) m", "", params)

    shop = create_shop(server, name="Old", callback_url=ok.url())
    pa = server.panda(shop)

    def new(amount, complete):
        r = pa.create_order(amount=amount)
        assert r.status == 200, r.body
        if complete:
            admin_ok(server, "POST", f"/admin/v1/orders/{r.json['uuid']}/complete")
        return r.json["uuid"]

    old = new("100.00", True)
    t0 = created_at(server, old)
    ok.wait(1)  # its callback: an attempt in the callback minutes
    wait_until(lambda: minutes("callback_minutes") == 1, what="the attempt's minute")
    assert minutes("order_minutes") == 1
    # 47 hours on (and a few seconds into a 10-minute bucket): a newer order.
    server.advance_clock(47 * 3600 + 600 - (server.now() + 47 * 3600) % 600 + 5)
    recent = new("200.00", True)
    t1 = created_at(server, recent)
    ok.wait(2)
    wait_until(lambda: minutes("callback_minutes") == 2, what="the second attempt")
    assert minutes("order_minutes") == 2
    # Past 49 hours from the first: its rows go at the next hourly purge,
    # the newer ones stay; the 48-hour overview is the same before and after.
    server.advance_clock(2 * 3600 + 600 - (server.now() + 2 * 3600) % 600 + 5)
    before = overview(server, "?hours=48")
    cutoff = server.now() - 49 * 3600
    assert t0 < cutoff < t1
    wait_until(lambda: minutes("order_minutes", "minute < ?", (cutoff,)) == 0 and
               minutes("callback_minutes", "minute < ?", (cutoff,)) == 0,
               what="the purge of the old minutes")
    assert minutes("order_minutes") == 1
    assert minutes("order_minutes", "minute = ?", (t1 - t1 % 60,)) == 1
    assert minutes("callback_minutes") == 1
    after = overview(server, "?hours=48")
    for key in ("from", "series", "totals", "shops", "orders", "callbacks"):
        assert after[key] == before[key], key
    assert after["totals"] == {"created": 1, "completed": 1, "conversion": 1.0, "volume": [
        {"currency": "RUB", "amount": "200.00", "created": 1, "completed": 1, "conversion": 1.0}]}
    assert (after["callbacks"]["attempts"], after["callbacks"]["failed"]) == (1, 0)


def test_orders_folded_into_minutes(kassad):
    """The orders created are folded into the per-minute rows by the
    sweeper once they are two minutes old; before and after, the overview
    says the same, and after, the rows alone equal the orders."""
    server = kassad
    a = create_shop(server, name="Fold")
    pa = server.panda(a)
    server.advance_clock(60 - server.now() % 60 + 1)
    uuids = []
    for amount in ("110.00", "120.00", "130.00"):
        r = pa.create_order(amount=amount)
        assert r.status == 200, r.body
        uuids.append(r.json["uuid"])
    admin_ok(server, "POST", f"/admin/v1/orders/{uuids[0]}/complete")
    assert folded_until(server) == 0  # too young to fold: counted from the orders
    before = overview(server)
    assert before["totals"]["created"] == 3 and before["totals"]["completed"] == 1
    assert_minutes_exact(server)
    server.advance_clock(190)
    wait_until(lambda: folded_until(server) == 3, 10, "the sweeper's fold")
    after = overview(server, "?hours=6")
    assert after["totals"] == before["totals"]
    assert [s for s in after["series"] if s["created"]] == \
        [s for s in before["series"] if s["created"]]
    x, y = f"SELECT * FROM ({FOLDED}) x", f"SELECT * FROM ({FROM_ORDERS}) y"
    assert server.count_rows(f"({x} EXCEPT {y}) d") == 0
    assert server.count_rows(f"({y} EXCEPT {x}) d") == 0
    assert_minutes_exact(server)
