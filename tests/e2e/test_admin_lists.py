"""The operator's lists: GET /admin/v1/orders with every filter, cursor
pagination that stays stable while orders are inserted, the daily queue
("pending orders whose payer says they paid, oldest first"), and exact 400
answers for bad arguments. Runs on SQLite and, with KASSA_TEST_DB=postgres,
on PostgreSQL."""
import urllib.parse

import pytest

from kassa_client import create_requisite, create_shop
from tegro_client import tegro_for


def list_orders(server, **args):
    st, body = server.admin("GET", "/admin/v1/orders?" + urllib.parse.urlencode(args))
    assert st == 200, body
    assert set(body) == {"items", "next_cursor"}, body
    return body


def ids(body):
    return [o["id"] for o in body["items"]]


@pytest.fixture
def world(kassad):
    """Two merchants' shops, panda and tegro orders of both, one pending
    order the payer confirmed, a completed and a canceled one."""
    a = create_shop(kassad, name="Shop A")
    b = create_shop(kassad, name="Shop B", requisite=False)
    req2 = create_requisite(kassad, requisite="+79005550000")
    pa, pb = kassad.panda(a), kassad.panda(b)
    orders = {}
    for i in range(6):
        r = pa.create_order(amount=f"{100 + i}.00", merchant_order_id=f"a-{i}")
        assert r.status == 200, r
        orders[f"a{i}"] = r.json
    r = pb.create_order(amount="500.00", merchant_order_id="b-0")
    assert r.status == 200, r
    orders["b0"] = r.json
    t = tegro_for(kassad, b).create_order(amount=700, order_id="b-tegro", currency="RUB")
    assert t.status == 200 and t.json["type"] == "success", t.body
    orders["bt"] = t.json["data"]
    # a1: the payer says they paid; a2 completed; a3 canceled.
    assert pa.get(f"/v1/orders/{orders['a1']['uuid']}/confirm").status == 200
    assert kassad.admin("POST", f"/admin/v1/orders/{orders['a2']['uuid']}/complete")[0] == 200
    assert pa.get(f"/v1/orders/{orders['a3']['uuid']}/cancel").status == 200
    full = {k: kassad.admin("GET", f"/admin/v1/orders/{v.get('uuid', v.get('id'))}")[1]
            for k, v in orders.items()}
    return kassad, a, b, req2, full


def test_all_orders_newest_first_then_oldest_first(world):
    server, a, b, _, o = world
    every = sorted(v["id"] for v in o.values())
    body = list_orders(server)
    assert ids(body) == every[::-1] and body["next_cursor"] is None
    assert body["items"][0] == o["bt"]  # each item is the order as GET renders it
    assert ids(list_orders(server, order="asc")) == every


def test_each_filter(world):
    server, a, b, req2, o = world
    assert ids(list_orders(server, shop_id=a["id"])) == [o[f"a{i}"]["id"] for i in range(5, -1, -1)]
    assert ids(list_orders(server, merchant_id=b["merchant_id"])) == [o["bt"]["id"], o["b0"]["id"]]
    assert ids(list_orders(server, status="completed")) == [o["a2"]["id"]]
    assert ids(list_orders(server, status="canceled")) == [o["a3"]["id"]]
    assert ids(list_orders(server, dialect="tegro")) == [o["bt"]["id"]]
    assert len(ids(list_orders(server, dialect="panda"))) == 7
    assert ids(list_orders(server, confirmed_by_customer="true")) == [o["a1"]["id"]]
    assert ids(list_orders(server, currency="RUB", amount_min="103.00", amount_max="500.00")) == \
        [o["b0"]["id"], o["a5"]["id"], o["a4"]["id"], o["a3"]["id"]]
    assert ids(list_orders(server, merchant_order_id="a-4")) == [o["a4"]["id"]]
    for q in (o["a4"]["uuid"], "a-4", str(o["a4"]["id"])):
        assert ids(list_orders(server, q=q)) == [o["a4"]["id"]], q
    assert ids(list_orders(server, q="no-such-order")) == []
    on_req = [v["id"] for v in o.values()
              if v["requisite"] is not None and v["requisite"]["id"] == req2["id"]]
    assert ids(list_orders(server, requisite_id=req2["id"])) == sorted(on_req, reverse=True)
    # created_at: everything is inside [now - 1 h, now + 1 h), nothing before.
    now = server.now()
    assert len(ids(list_orders(server, **{"from": now - 3600, "to": now + 3600}))) == 8
    assert ids(list_orders(server, to=now - 3600)) == []
    rfc = lambda t: __import__("datetime").datetime.fromtimestamp(
        t, __import__("datetime").timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(ids(list_orders(server, **{"from": rfc(now - 3600)}))) == 8
    assert len(ids(list_orders(server, **{"from": rfc(now - 3600).replace("Z", "+03:00")}))) == 8


def test_the_daily_queue(world):
    """Pending orders whose payer says they paid, oldest first: one query."""
    server, a, _, _, o = world
    pa = server.panda(a)
    assert pa.get(f"/v1/orders/{o['a5']['uuid']}/confirm").status == 200
    body = list_orders(server, status="pending", confirmed_by_customer="true", order="asc")
    assert ids(body) == [o["a1"]["id"], o["a5"]["id"]]
    assert all(i["confirmed_by_customer"] and i["status"] == "pending" for i in body["items"])


def test_pages_stay_stable_while_orders_arrive(world):
    """Walking the list three at a time sees every order that existed when
    the walk began exactly once, whatever is inserted meanwhile; new orders
    appear on a fresh walk."""
    server, a, _, _, o = world
    pa = server.panda(a)
    before = sorted((v["id"] for v in o.values()), reverse=True)
    seen, cursor, pages = [], None, 0
    while True:
        args = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        body = list_orders(server, **args)
        assert len(body["items"]) <= 3
        seen += ids(body)
        pages += 1
        assert pa.create_order(amount="1.00").status == 200  # an insert between pages
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == before and pages == 3
    assert len(ids(list_orders(server, limit=500))) == len(before) + pages
    asc, cursor = [], None
    while True:
        body = list_orders(server, limit=5, order="asc", **({"cursor": cursor} if cursor else {}))
        asc += ids(body)
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert asc == sorted(asc) and len(asc) == len(before) + pages


@pytest.mark.parametrize("query, message", [
    ("limit=0", "limit: expected an integer between 1 and 500"),
    ("limit=501", "limit: expected an integer between 1 and 500"),
    ("limit=ten", "limit: expected an integer between 1 and 500"),
    ("cursor=abc", "cursor: not a cursor of this list"),
    ("cursor=t1765000000.5", "cursor: not a cursor of this list"),  # a time list's, no range
    ("order=newest", "order: expected asc or desc"),
    ("status=paid", "status: expected pending, completed, failed, expired, canceled, "
                    "no_requisite or reversed"),
    ("dialect=admin", "dialect: no merchant dialect 'admin'"),
    ("confirmed_by_customer=yes", "confirmed_by_customer: expected true or false"),
    ("shop_id=-1", "shop_id: expected an integer between 1 and 9223372036854775807"),
    ("from=yesterday", "from: expected an RFC 3339 time or Unix seconds"),
    ("to=2026-13-01T00:00:00Z", "to: expected an RFC 3339 time or Unix seconds"),
    ("currency=XXX", "currency: unknown currency 'XXX'"),
    ("amount_min=10", "amount_min: give currency too (amounts are in its units)"),
    ("currency=RUB&amount_max=1e3", "amount_max: expected an amount in RUB, e.g. 100.00"),
    ("stauts=pending", "unknown argument 'stauts': orders are listed by status, shop_id, "
                       "merchant_id, dialect, from, to, requisite_id, trader_id, confirmed_by_customer, "
                       "currency, amount_min, amount_max, merchant_order_id, q (with limit, "
                       "cursor, order)"),
])
def test_bad_arguments(kassad, query, message):
    st, body = kassad.admin("GET", "/admin/v1/orders?" + query)
    assert st == 400 and body == {"error": message}, (st, body)


def test_lists_need_the_admin_token(kassad):
    st, body = kassad.admin("GET", "/admin/v1/orders", token="")
    assert st == 401 and body == {"error": "invalid or missing admin token"}


def test_cli_order_list(world):
    """kassa order list: the options become the list's arguments; the answer
    is printed as JSON; a refused argument is kassad's message."""
    import json
    import subprocess
    from test_cli import cli_path
    server, a, _, _, o = world
    admin = ["--server", server.base_url, "--admin-token", server.admin_token]
    r = subprocess.run([cli_path(), "order", "list", *admin, "--shop-id", str(a["id"]),
                        "--limit", "2", "--order", "asc"], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r.stderr
    page = json.loads(r.stdout)
    assert ids(page) == [o["a0"]["id"], o["a1"]["id"]]
    r = subprocess.run([cli_path(), "order", "list", *admin, "--shop-id", str(a["id"]),
                        "--limit", "2", "--order", "asc", "--cursor", page["next_cursor"]],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and ids(json.loads(r.stdout)) == [o["a2"]["id"], o["a3"]["id"]]
    r = subprocess.run([cli_path(), "order", "list", *admin, "--status", "pending",
                        "--confirmed-by-customer", "true", "--order", "asc"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and ids(json.loads(r.stdout)) == [o["a1"]["id"]]
    r = subprocess.run([cli_path(), "order", "list", *admin, "--merchant-order-id", "a 4?&"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and ids(json.loads(r.stdout)) == []
    r = subprocess.run([cli_path(), "order", "list", *admin, "--status", "paid"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert r.stderr.strip() == ("kassa: HTTP 400 Bad Request: status: expected pending, "
                                "completed, failed, expired, canceled, no_requisite or reversed")


# ---- withdrawals ----

@pytest.fixture
def payouts(kassad):
    """Two shops with money; five withdrawals of shop A (w0..w4, w1 completed,
    w3 rejected) and one of shop B."""
    import time as _time
    a = create_shop(kassad, name="Payout A")
    b = create_shop(kassad, name="Payout B", requisite=False)
    ws = {}
    for creds in (a, b):
        t = tegro_for(kassad, creds)
        r = t.create_order(amount="1000.00")
        assert r.json["type"] == "success", r.body
        assert kassad.admin("POST", f"/admin/v1/orders/{r.json['data']['id']}/complete")[0] == 200
    for name, creds, i in [("w0", a, 0), ("w1", a, 1), ("w2", a, 2), ("w3", a, 3), ("w4", a, 4),
                           ("b0", b, 0)]:
        r = tegro_for(kassad, creds).call(
            "createWithdrawal", {"currency": "RUB", "account": "2200000000000004",
                                 "amount": f"{10 + i}.00", "payment_id": f"{name}",
                                 "payment_system": 36}, nonce=_time.time_ns())
        assert r.json["type"] == "success", r.body
        ws[name] = int(r.json["data"]["id"])
    assert kassad.admin("POST", f"/admin/v1/withdrawals/{ws['w1']}/complete")[0] == 200
    assert kassad.admin("POST", f"/admin/v1/withdrawals/{ws['w3']}/reject")[0] == 200
    return kassad, a, b, ws


def list_withdrawals(server, **args):
    st, body = server.admin("GET", "/admin/v1/withdrawals?" + urllib.parse.urlencode(args))
    assert st == 200, body
    assert set(body) == {"items", "next_cursor"}, body
    return body


def test_withdrawals_pending_first(payouts):
    server, a, b, ws = payouts
    body = list_withdrawals(server)
    assert ids(body) == [ws["b0"], ws["w4"], ws["w2"], ws["w0"], ws["w3"], ws["w1"]]
    assert body["next_cursor"] is None
    assert [i["status"] for i in body["items"]] == ["pending"] * 4 + ["rejected", "completed"]
    st, one = server.admin("GET", f"/admin/v1/withdrawals/{ws['w3']}")
    assert body["items"][4] == one
    assert ids(list_withdrawals(server, order="asc")) == \
        [ws["w0"], ws["w2"], ws["w4"], ws["b0"], ws["w1"], ws["w3"]]
    assert ids(list_withdrawals(server, status="pending", shop_id=a["id"])) == \
        [ws["w4"], ws["w2"], ws["w0"]]
    assert ids(list_withdrawals(server, status="completed")) == [ws["w1"]]
    assert ids(list_withdrawals(server, shop_id=b["id"])) == [ws["b0"]]


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 5])
def test_withdrawal_pages_cover_the_list_once(payouts, limit):
    """Walked a page at a time, every withdrawal once, pending ones first, for
    every page size (a page may end inside either part or at the border)."""
    server, _, _, ws = payouts
    seen, cursor = [], None
    while True:
        body = list_withdrawals(server, limit=limit, **({"cursor": cursor} if cursor else {}))
        assert len(body["items"]) <= limit
        seen += ids(body)
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [ws["b0"], ws["w4"], ws["w2"], ws["w0"], ws["w3"], ws["w1"]]


@pytest.mark.parametrize("query, message", [
    ("status=paid", "status: expected pending, completed or rejected"),
    ("cursor=i5", "cursor: not a cursor of this list"),
    ("status=pending&cursor=p5", "cursor: not a cursor of this list"),
    ("limit=0", "limit: expected an integer between 1 and 500"),
    ("order=up", "order: expected asc or desc"),
    ("shop=1", "unknown argument 'shop': withdrawals are listed by status and shop_id (with "
               "limit, cursor, order)"),
])
def test_withdrawal_list_bad_arguments(kassad, query, message):
    st, body = kassad.admin("GET", "/admin/v1/withdrawals?" + query)
    assert st == 400 and body == {"error": message}, (st, body)


def test_cli_withdrawal_list(payouts):
    import json
    import subprocess
    from test_cli import cli_path
    server, a, _, ws = payouts
    admin = ["--server", server.base_url, "--admin-token", server.admin_token]
    r = subprocess.run([cli_path(), "withdrawal", "list", *admin, "--shop-id", str(a["id"]),
                        "--status", "pending", "--order", "asc"], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r.stderr
    assert ids(json.loads(r.stdout)) == [ws["w0"], ws["w2"], ws["w4"]]


# ---- an order's events ----

def test_order_timeline(kassad):
    """An order that expired and was then completed by the operator has two
    events, newest first (order=asc: oldest first), paged; an unknown order
    is 404."""
    import time as _time
    creds = create_shop(kassad)
    order = kassad.panda(creds).create_order(amount="10.00").json
    kassad.advance_clock(2 * 86400)
    deadline = _time.monotonic() + 10
    while kassad.admin("GET", f"/admin/v1/orders/{order['uuid']}")[1]["status"] != "expired":
        assert _time.monotonic() < deadline, "the order did not expire"
        _time.sleep(0.05)
    assert kassad.admin("POST", f"/admin/v1/orders/{order['uuid']}/complete")[0] == 200
    st, body = kassad.admin("GET", f"/admin/v1/orders/{order['uuid']}/events")
    assert st == 200, body
    assert [(e["kind"], e["status"]) for e in body["items"]] == \
        [("order.completed", "completed"), ("order.expired", "expired")]
    assert body["next_cursor"] is None
    assert all(set(e) == {"id", "kind", "status", "at"} for e in body["items"])
    first = kassad.admin("GET", f"/admin/v1/orders/{order['id']}/events?order=asc&limit=1")[1]
    assert [e["kind"] for e in first["items"]] == ["order.expired"] and first["next_cursor"]
    second = kassad.admin("GET", f"/admin/v1/orders/{order['id']}/events?order=asc&limit=1"
                                 f"&cursor={first['next_cursor']}")[1]
    assert [e["kind"] for e in second["items"]] == ["order.completed"]
    assert second["next_cursor"] is None
    st, body = kassad.admin("GET", "/admin/v1/orders/00000000-0000-4000-8000-000000000000/events")
    assert st == 404 and body == {"error": "Order not found"}
    st, body = kassad.admin("GET", f"/admin/v1/orders/{order['id']}/events?status=x")
    assert st == 400 and body == {"error": "unknown argument 'status': events are listed with "
                                           "limit, cursor, order"}


# ---- the ledger ----

def money(s):
    from decimal import Decimal
    return Decimal(s)


def test_ledger_accounts_and_postings(payouts):
    """Every account with its balance, the platform's included; each balance
    is the sum of its postings, each transaction's postings sum to zero, and
    all balances of a currency sum to zero. Shop A: 1000.00 paid in at 2.5%
    (975.00), 10+11+12+13+14 withdrawn of which 13 rejected: 928.00 available,
    36.00 held (w0, w2, w4), 11.00 paid out."""
    server, a, b, ws = payouts
    st, body = server.admin("GET", "/admin/v1/ledger/accounts?limit=500")
    assert st == 200 and body["next_cursor"] is None, body
    accounts = body["items"]
    assert sum(money(x["balance"]) for x in accounts if x["currency"] == "RUB") == 0
    mine = {x["kind"]: x["balance"] for x in accounts if x["owner"] == f"shop:{a['id']}"}
    assert mine == {"shop_available": "928.00", "shop_held": "36.00"}, mine
    platform = {x["kind"]: x["balance"] for x in accounts if x["owner"] == "platform"}
    assert platform == {"platform_fees": "50.00", "provider_clearing": "-2000.00",
                        "payouts": "11.00"}, platform
    st, shop_view = server.admin("GET", f"/admin/v1/ledger/accounts?shop_id={a['id']}")
    assert {x["kind"] for x in shop_view["items"]} == {"shop_available", "shop_held"}
    st, plat = server.admin("GET", "/admin/v1/ledger/accounts?shop_id=0&kind=payouts")
    assert [x["balance"] for x in plat["items"]] == ["11.00"]

    avail = next(x for x in accounts
                 if x["owner"] == f"shop:{a['id']}" and x["kind"] == "shop_available")
    st, posts = server.admin("GET", f"/admin/v1/ledger/postings?account={avail['id']}&limit=500")
    assert st == 200
    assert sum(money(p["amount"]) for p in posts["items"]) == money("928.00")
    assert {p["kind"] for p in posts["items"]} >= {"order.completed"}
    tx = posts["items"][0]["tx"]
    st, legs = server.admin("GET", f"/admin/v1/ledger/postings?tx={tx}")
    assert len(legs["items"]) >= 2 and sum(money(p["amount"]) for p in legs["items"]) == 0
    assert all(set(p) == {"id", "tx", "kind", "ref_type", "ref_id", "account", "account_kind",
                          "owner", "currency", "amount", "at"} for p in legs["items"])
    # Paged two at a time, the whole posting list once, newest first.
    st, whole = server.admin("GET", "/admin/v1/ledger/postings?limit=500")
    seen, cursor = [], None
    while True:
        st, page = server.admin("GET", "/admin/v1/ledger/postings?limit=2" +
                                (f"&cursor={cursor}" if cursor else ""))
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [p["id"] for p in whole["items"]] == sorted(seen, reverse=True)


@pytest.mark.parametrize("path, message", [
    ("/admin/v1/ledger/accounts?kind=cash", "kind: expected shop_available, shop_held, "
     "platform_fees, provider_clearing, payouts, trader_available, trader_reserved or "
     "platform_custody"),
    ("/admin/v1/ledger/accounts?shop_id=-1",
     "shop_id: expected an integer between 0 and 9223372036854775807"),
    ("/admin/v1/ledger/accounts?currency=XYZ", "currency: unknown currency 'XYZ'"),
    ("/admin/v1/ledger/accounts?owner=1", "unknown argument 'owner': accounts are listed by "
     "shop_id (0: the platform's), kind and currency (with limit, cursor, order)"),
    ("/admin/v1/ledger/postings?account=x",
     "account: expected an integer between 1 and 9223372036854775807"),
    ("/admin/v1/ledger/postings?cursor=5", "cursor: not a cursor of this list"),
])
def test_ledger_list_bad_arguments(kassad, path, message):
    st, body = kassad.admin("GET", path)
    assert st == 400 and body == {"error": message}, (st, body)


# ---- callbacks ----

def test_callbacks_by_state(kassad):
    """GET /admin/v1/callbacks without order=: callbacks by state, newest
    first, paged; a receiver answering 410 leaves them refused, one that
    answers 200 delivered."""
    import time as _time
    from test_callbacks import Receiver
    ok, gone = Receiver(answers=(200,)), Receiver(answers=(410,))
    try:
        a = create_shop(kassad, callback_url=ok.url())
        b = create_shop(kassad, callback_url=gone.url(), requisite=False)
        done = []
        for creds in (a, b, a):
            o = kassad.panda(creds).create_order(amount="10.00").json
            assert kassad.admin("POST", f"/admin/v1/orders/{o['uuid']}/complete")[0] == 200
            done.append(o["id"])

        def by_state(state):
            st, body = kassad.admin("GET", f"/admin/v1/callbacks?state={state}")
            assert st == 200, body
            return body

        deadline = _time.monotonic() + 10
        while len(by_state("delivered")["items"]) + len(by_state("refused")["items"]) < 3:
            assert _time.monotonic() < deadline, "callbacks did not settle"
            _time.sleep(0.05)
        delivered, refused = by_state("delivered"), by_state("refused")
        assert [c["order_id"] for c in delivered["items"]] == [done[2], done[0]]
        assert [c["order_id"] for c in refused["items"]] == [done[1]]
        assert refused["items"][0]["shop_id"] == b["id"] and refused["items"][0]["attempt_count"] == 1
        assert set(delivered["items"][0]) == {"id", "event", "event_id", "order_id", "shop_id",
                                              "receiver", "url", "state", "attempt_count",
                                              "next_attempt_at", "updated_at"}
        assert by_state("failed")["items"] == []
        st, page = kassad.admin("GET", f"/admin/v1/callbacks?shop_id={a['id']}&limit=1")
        assert [c["order_id"] for c in page["items"]] == [done[2]] and page["next_cursor"]
        st, page = kassad.admin("GET", f"/admin/v1/callbacks?shop_id={a['id']}&limit=1"
                                       f"&cursor={page['next_cursor']}")
        assert [c["order_id"] for c in page["items"]] == [done[0]]
        assert page["next_cursor"] is None
        st, body = kassad.admin("GET", "/admin/v1/callbacks?state=lost")
        assert st == 400 and body == {"error": "state: expected pending, delivered, failed or "
                                               "refused"}
        # With order= it is still the order's callbacks, attempts and all.
        st, body = kassad.admin("GET", f"/admin/v1/callbacks?order={done[1]}")
        assert st == 200 and isinstance(body, list) and body[0]["attempts"]
    finally:
        ok.close()
        gone.close()


# ---- requisites ----

def test_requisites_with_pending_counts(world):
    """The pool, each requisite with the count of pending orders on it: the
    counts add up to the pending orders that have a requisite."""
    server, a, b, req2, o = world
    st, body = server.admin("GET", "/admin/v1/requisites?limit=500")
    assert st == 200 and body["next_cursor"] is None, body
    pending_on = {}
    for v in o.values():
        if v["status"] == "pending" and v["requisite"] is not None:
            pending_on[v["requisite"]["id"]] = pending_on.get(v["requisite"]["id"], 0) + 1
    assert {r["id"]: r["pending_orders"] for r in body["items"]} == \
        {r["id"]: pending_on.get(r["id"], 0) for r in body["items"]}
    assert sum(r["pending_orders"] for r in body["items"]) == sum(pending_on.values()) > 0
    mine = next(r for r in body["items"] if r["id"] == req2["id"])
    assert mine["requisite"] == "+79005550000" and mine["active"] is True
    assert set(mine) == {"id", "type", "requisite", "owner_full_name", "bank_code",
                         "bank_name_ru", "bank_name_en", "currency", "country_code", "active",
                         "assigned", "trader_id", "pending_orders", "created_at", "paused",
                         "min_amount", "max_amount", "daily_amount", "daily_count",
                         "max_pending", "device_id", "bic", "corr_account"}
    assert [r["id"] for r in body["items"]] == sorted((r["id"] for r in body["items"]),
                                                      reverse=True)
    st, none = server.admin("GET", "/admin/v1/requisites?type=card")
    assert st == 200 and none["items"] == []
    st, bad = server.admin("GET", "/admin/v1/requisites?active=yes")
    assert st == 400 and bad == {"error": "active: expected true or false"}


def test_time_range_pages(world):
    """A time range lists in creation-time order (newest first), its cursor
    carrying the time; walked three at a time it covers the range once."""
    server, _, _, _, o = world
    now = server.now()
    want = [v["id"] for v in sorted(o.values(), key=lambda v: (v["created_at"], v["id"]),
                                    reverse=True)]
    seen, cursor = [], None
    while True:
        args = {"from": now - 3600, "limit": 3} | ({"cursor": cursor} if cursor else {})
        body = list_orders(server, **args)
        seen += ids(body)
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert cursor.startswith("t")
    assert seen == want
    for bad in ("i5", "t5", "t1.x", "tx.1"):
        st, body = server.admin("GET", f"/admin/v1/orders?from={now - 3600}&cursor={bad}")
        assert st == 400 and body == {"error": "cursor: not a cursor of this list"}, bad
