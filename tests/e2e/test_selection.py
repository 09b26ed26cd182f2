"""The requisite selection rule and a trader's money (spec/p2p.md "Requisite
selection", "Money"): limits, unambiguous amounts and their raise, the
reason an order found no requisite, the reserve a trader's deposit holds
for each pending order, its release, the completion's postings with the
reward and the exchange, and two orders never spending one deposit, on
one node and on two nodes sharing PostgreSQL. Every figure is computed by
hand in the test. SQLite and (KASSA_TEST_DB=postgres) PostgreSQL."""
import concurrent.futures
import os
import time

import pytest

from kassa_client import create_shop

VERIFIED = "Иван Иванов"


def new_trader(server, currency="RUB", reward_bps=100, deposit="1000.00", online=True):
    st, t = server.admin("POST", "/admin/v1/traders",
                         {"name": "Ivan", "verified_name": VERIFIED, "reward_bps": reward_bps,
                          "currency": currency})
    assert st == 201, t
    if deposit is not None:
        st, body = server.admin("POST", f"/admin/v1/traders/{t['id']}/deposits",
                                {"amount": deposit})
        assert st == 201, body
    if online:
        assert server.admin("PATCH", f"/admin/v1/traders/{t['id']}", {"online": True})[0] == 200
    return t["id"]


def new_requisite(server, trader_id=None, phone="+79001234567", **fields):
    body = {"type": "SBP", "requisite": phone, "owner_full_name": VERIFIED, "bank_code": "Sber",
            "bank_name_ru": "Сбербанк", "bank_name_en": "Sberbank", "currency": "RUB",
            "country_code": "RUS"}
    if trader_id is not None:
        body["trader_id"] = trader_id
    body.update(fields)
    st, r = server.admin("POST", "/admin/v1/requisites", body)
    assert st == 201, r
    return r["id"]


def create(server, shop, amount, **kw):
    r = server.panda(shop).create_order(amount=amount, **kw)
    assert r.status == 200, r.body
    return r.json


def admin_order(server, ref):
    st, o = server.admin("GET", f"/admin/v1/orders/{ref}")
    assert st == 200, o
    return o


def reason(server, o):
    """(panda status, the admin's no_requisite_reason) of a created order."""
    return o["status"], admin_order(server, o["uuid"])["no_requisite_reason"]


def balances(server, trader_id):
    st, t = server.admin("GET", f"/admin/v1/traders/{trader_id}")
    assert st == 200, t
    b = t["balances"]
    return b["available"], b["reserved"], b["earned"]


def account(server, owner, kind, currency):
    st, body = server.admin("GET", f"/admin/v1/ledger/accounts?kind={kind}&currency={currency}")
    assert st == 200, body
    got = [a["balance"] for a in body["items"] if a["owner"] == owner]
    return got[0] if got else None


def shop_available(server, shop_id, currency="RUB"):
    st, body = server.admin("GET", f"/admin/v1/shops/{shop_id}/balances")
    assert st == 200, body
    return body[currency]["available"] if currency in body else None


def verify_ok(server):
    st, report = server.admin("GET", "/admin/v1/ledger/verify")
    assert st == 200 and report["ok"] is True and report["problems"] == [], report


def move(server, ref, action, body=None):
    st, o = server.admin("POST", f"/admin/v1/orders/{ref}/{action}", body)
    assert st == 200, o
    return o


# ---- a trader's reserve, its release, the completion and the reversal ----

def test_reserve_release_complete_reverse_exact(kassad):
    tid = new_trader(kassad, reward_bps=100, deposit="1000.00")
    new_requisite(kassad, tid, max_pending=5)
    shop = create_shop(kassad, requisite=False)  # fee 2.5 %
    a = create(kassad, shop, "300.00")
    b = create(kassad, shop, "200.00")
    assert (a["status"], b["status"]) == ("pending", "pending")
    ao = admin_order(kassad, a["uuid"])
    assert (ao["trader_id"], ao["no_requisite_reason"], ao["confirmed_by"]) == (tid, None, None)
    # Assignment: E of the deposit moves from available to reserved.
    assert balances(kassad, tid) == ("500.00", "500.00", "0.00")
    # A failed order gives its reserve back.
    move(kassad, a["uuid"], "fail")
    assert balances(kassad, tid) == ("800.00", "200.00", "0.00")
    # Completed for 150.00 of 200.00: E = 200.00 leaves the reserve, E' =
    # 150.00 goes to the platform, the 50.00 difference back to available,
    # and the reward 1 % of 150.00 = 1.50 on top.
    done = move(kassad, b["uuid"], "complete", {"amount_received": "150.00"})
    assert (done["status"], done["amount_received"], done["fee"], done["confirmed_by"]) == \
        ("completed", "150.00", "3.75", "operator")
    assert balances(kassad, tid) == ("851.50", "0.00", "1.50")
    # The merchant: 150.00 - 3.75 (2.5 % of 200.00, scaled to what came).
    assert shop_available(kassad, shop["id"]) == "146.25"
    assert account(kassad, "platform", "platform_fees", "RUB") == "3.75"
    # The platform's exchange account in RUB: +150.00 from the deposit,
    # -150.00 to the merchant, -1.50 of reward.
    assert account(kassad, "platform", "platform_exchange", "RUB") == "-1.50"
    assert account(kassad, "platform", "platform_custody", "RUB") == "-1000.00"
    verify_ok(kassad)
    # A reversal: the spent deposit comes back, the reward goes.
    st, body = kassad.admin("POST", f"/admin/v1/orders/{b['uuid']}/reverse")
    assert st == 200, body
    assert balances(kassad, tid) == ("1000.00", "0.00", "0.00")
    assert shop_available(kassad, shop["id"]) == "0.00"
    assert account(kassad, "platform", "platform_exchange", "RUB") == "0.00"
    verify_ok(kassad)


def test_usdt_deposit_at_the_orders_rate(kassad):
    assert kassad.admin("PUT", "/admin/v1/rates/USDT-RUB", {"rate": "95.00"})[0] == 200
    tid = new_trader(kassad, currency="USDT", reward_bps=100, deposit="100.000000")
    new_requisite(kassad, tid)
    shop = create_shop(kassad, requisite=False)
    o = create(kassad, shop, "1000.00")
    assert o["status"] == "pending"
    # E = 1000.00 / 95.00 = 10.5263157... -> 10.526316 (half-up).
    assert balances(kassad, tid) == ("89.473684", "10.526316", "0.000000")
    move(kassad, o["uuid"], "complete", {"amount_received": "950.00"})
    # E' = 950.00 / 95.00 = 10.000000; back to available 0.526316; reward
    # 1 % of 10.000000 = 0.100000.
    assert balances(kassad, tid) == ("90.100000", "0.000000", "0.100000")
    assert shop_available(kassad, shop["id"]) == "926.25"
    assert account(kassad, "platform", "platform_exchange", "USDT") == "9.900000"
    assert account(kassad, "platform", "platform_exchange", "RUB") == "-950.00"
    verify_ok(kassad)


def test_usdt_deposit_without_a_rate_backs_nothing(kassad):
    tid = new_trader(kassad, currency="USDT", deposit="100.000000")
    new_requisite(kassad, tid)
    shop = create_shop(kassad, requisite=False)
    assert reason(kassad, create(kassad, shop, "10.00")) == ("traderNotFound", "deposit")
    assert balances(kassad, tid) == ("100.000000", "0.000000", "0.000000")


def test_expiry_releases_the_reserve(kassad):
    tid = new_trader(kassad, deposit="100.00")
    new_requisite(kassad, tid)
    shop = create_shop(kassad, requisite=False)
    o = create(kassad, shop, "100.00")
    assert balances(kassad, tid) == ("0.00", "100.00", "0.00")
    kassad.advance_clock(901)
    for _ in range(50):
        if admin_order(kassad, o["uuid"])["status"] == "expired":
            break
        time.sleep(0.1)
    assert admin_order(kassad, o["uuid"])["status"] == "expired"
    assert balances(kassad, tid) == ("100.00", "0.00", "0.00")
    # A late completion by the operator takes E' from the available money:
    # refused while the trader has taken it out, nothing written.
    st, _ = kassad.admin("POST", f"/admin/v1/traders/{tid}/withdrawals", {"amount": "50.00"})
    assert st == 201
    assert kassad.admin("POST", f"/admin/v1/orders/{o['uuid']}/complete") == (409, {
        "error": f"order {admin_order(kassad, o['uuid'])['id']}: its trader's available deposit "
                 "does not cover it; record a deposit first"})
    assert admin_order(kassad, o["uuid"])["status"] == "expired"
    assert kassad.admin("POST", f"/admin/v1/traders/{tid}/deposits", {"amount": "50.00"})[0] == 201
    move(kassad, o["uuid"], "complete")
    assert balances(kassad, tid) == ("1.00", "0.00", "1.00")
    verify_ok(kassad)


# ---- eligibility and the reasons ----

def test_reasons_for_no_requisite(kassad):
    tid = new_trader(kassad, deposit="100.00")
    rid = new_requisite(kassad, tid, min_amount="10.00", max_amount="500.00")
    shop = create_shop(kassad, requisite=False)
    assert reason(kassad, create(kassad, shop, "5.00")) == ("traderNotFound", "amount")
    assert reason(kassad, create(kassad, shop, "600.00")) == ("traderNotFound", "amount")
    first = create(kassad, shop, "50.00")
    assert first["status"] == "pending"
    # One open order on a trader's requisite (max_pending 1 by default).
    assert reason(kassad, create(kassad, shop, "60.00")) == ("traderNotFound", "limit")
    move(kassad, first["uuid"], "fail")
    # 150.00 is more than the deposit's 100.00.
    assert reason(kassad, create(kassad, shop, "150.00")) == ("traderNotFound", "deposit")
    # The trader offline, or the requisite paused: offline.
    assert kassad.admin("PATCH", f"/admin/v1/traders/{tid}", {"online": False})[0] == 200
    assert reason(kassad, create(kassad, shop, "50.00")) == ("traderNotFound", "offline")
    assert kassad.admin("PATCH", f"/admin/v1/traders/{tid}", {"online": True})[0] == 200
    st, r = kassad.admin("PATCH", f"/admin/v1/requisites/{rid}", {"paused": True})
    assert st == 200 and r["paused"] is True, r
    assert reason(kassad, create(kassad, shop, "50.00")) == ("traderNotFound", "offline")
    assert kassad.admin("PATCH", f"/admin/v1/requisites/{rid}", {"paused": False})[0] == 200
    # Another country, another type: country, none.
    assert reason(kassad, create(kassad, shop, "50.00", countries=["KAZ"])) == \
        ("traderNotFound", "country")
    assert reason(kassad, create(kassad, shop, "50.00", requisite_type="card")) == \
        ("traderNotFound", "none")
    assert create(kassad, shop, "50.00")["status"] == "pending"
    verify_ok(kassad)


def test_limits_shown_changed_and_refused(kassad):
    tid = new_trader(kassad)
    rid = new_requisite(kassad, tid)
    st, r = kassad.admin("PATCH", f"/admin/v1/requisites/{rid}",
                         {"min_amount": "10", "max_amount": 500, "daily_amount": "1000.00",
                          "daily_count": 3, "max_pending": 2})
    assert st == 200, r
    assert (r["min_amount"], r["max_amount"], r["daily_amount"], r["daily_count"],
            r["max_pending"], r["paused"]) == ("10.00", "500.00", "1000.00", 3, 2, False)
    st, r = kassad.admin("PATCH", f"/admin/v1/requisites/{rid}",
                         {"min_amount": None, "daily_count": 0})
    assert (r["min_amount"], r["daily_count"], r["max_amount"]) == (None, None, "500.00")
    for body, msg in [
        ({"min_amount": "600"}, "min_amount: must not exceed max_amount"),
        ({"max_amount": "abc"}, "max_amount: expected an amount in RUB (0 or null: no limit)"),
        ({"max_pending": -1}, "max_pending: expected a count, 0 or more (0 or null: no limit)"),
        ({"daily_count": "3"}, "daily_count: expected a count, 0 or more (0 or null: no limit)"),
        ({"paused": 1}, "paused: expected true or false"),
    ]:
        assert kassad.admin("PATCH", f"/admin/v1/requisites/{rid}", body) == \
            (400, {"error": msg}), body
    # a pool requisite keeps no limit; a trader's takes one open order
    pool = new_requisite(kassad, None, phone="+79000000001")
    st, page = kassad.admin("GET", "/admin/v1/requisites")
    got = {x["id"]: x["max_pending"] for x in page["items"]}
    assert (got[pool], got[rid]) == (None, 2)


def test_daily_count_and_amount(kassad):
    tid = new_trader(kassad, deposit="10000.00")
    new_requisite(kassad, tid, max_pending=10, daily_count=2, phone="+79000000001")
    shop = create_shop(kassad, requisite=False)
    a = create(kassad, shop, "10.00")
    create(kassad, shop, "11.00")
    assert reason(kassad, create(kassad, shop, "12.00")) == ("traderNotFound", "limit")
    move(kassad, a["uuid"], "fail")  # a released order leaves the day's count
    assert create(kassad, shop, "13.00")["status"] == "pending"
    # Another requisite by the day's amount.
    tid2 = new_trader(kassad, deposit="10000.00")
    new_requisite(kassad, tid2, max_pending=10, daily_amount="100.00", phone="+79000000002",
                  bank_code="Alfa")
    assert create(kassad, shop, "60.00", bank_code="Alfa")["status"] == "pending"
    # The first requisite is at its count: only the second can take it,
    # and 60.00 + 50.00 passes its day's 100.00.
    assert reason(kassad, create(kassad, shop, "50.00", bank_code="Alfa")) == \
        ("traderNotFound", "limit")
    o = create(kassad, shop, "40.00", bank_code="Alfa")
    assert o["status"] == "pending" and o["bank_code"] == "Alfa"
    verify_ok(kassad)


# ---- unambiguous amounts ----

def test_one_amount_per_requisite_and_the_raise(kassad):
    tid = new_trader(kassad, deposit="10000.00")
    new_requisite(kassad, tid, max_pending=5)
    shop = create_shop(kassad, requisite=False)
    assert create(kassad, shop, "777.00")["status"] == "pending"
    assert reason(kassad, create(kassad, shop, "777.00")) == \
        ("traderNotFound", "duplicate_amount")
    st, s = kassad.admin("PATCH", f"/admin/v1/shops/{shop['id']}", {"amount_adjust_max": 2})
    assert st == 200 and s["amount_adjust_max"] == 2, s
    # Raised by whole units: 78.00 then 79.00 (a new amount each), then none.
    new_requisite(kassad, tid, max_pending=5, phone="+79000000009")
    o1 = create(kassad, shop, "77.00")
    o2 = create(kassad, shop, "77.00")
    o3 = create(kassad, shop, "77.00")
    o4 = create(kassad, shop, "77.00")
    o5 = create(kassad, shop, "77.00")
    assert [o["amount"] for o in (o1, o2, o3, o4)] == ["77.00", "77.00", "78.00", "78.00"]
    x = admin_order(kassad, o3["uuid"])
    assert (x["amount"], x["amount_requested"], x["fee"]) == ("78.00", "77.00", "1.95")
    assert admin_order(kassad, o1["uuid"])["amount_requested"] is None
    assert o5["amount"] == "79.00"
    o6 = create(kassad, shop, "77.00")
    assert o6["amount"] == "79.00"
    assert reason(kassad, create(kassad, shop, "77.00")) == \
        ("traderNotFound", "duplicate_amount")
    assert kassad.admin("PATCH", f"/admin/v1/shops/{shop['id']}",
                        {"amount_adjust_max": 1001}) == \
        (400, {"error": "amount_adjust_max: expected whole units between 0 and 1000"})
    verify_ok(kassad)


def test_pool_requisites_keep_the_rule(kassad):
    """The issue's case: four pending orders of 777.00 over three pool
    requisites: three take one each, the fourth finds none."""
    shop = create_shop(kassad, requisite=False)
    ids = [new_requisite(kassad, None, phone=f"+7900000000{i}") for i in range(3)]
    got = [create(kassad, shop, "777.00") for _ in range(4)]
    assert [o["status"] for o in got] == ["pending"] * 3 + ["traderNotFound"]
    assert sorted(admin_order(kassad, o["uuid"])["requisite"]["id"] for o in got[:3]) == ids
    assert admin_order(kassad, got[3]["uuid"])["no_requisite_reason"] == "duplicate_amount"


# ---- two orders never spend one deposit ----

def _race(nodes, shop, n):
    def one(i):
        k = nodes[i % len(nodes)]
        r = k.panda(shop).create_order(amount="100.00")
        assert r.status == 200, r.body
        return r.json

    with concurrent.futures.ThreadPoolExecutor(n) as ex:
        return list(ex.map(one, range(n)))


def _check_race(server, tid, got):
    pending = [o for o in got if o["status"] == "pending"]
    assert len(pending) == 5, [o["status"] for o in got]
    assert {admin_order(server, o["uuid"])["no_requisite_reason"]
            for o in got if o["status"] != "pending"} == {"deposit"}
    assert balances(server, tid) == ("0.00", "500.00", "0.00")
    verify_ok(server)


def test_deposit_covers_exactly_n_concurrent_creates(kassad):
    """A deposit of 5 x 100.00 and ten requisites: of 16 concurrent creates
    of 100.00 exactly five get a requisite, the rest find the deposit
    short."""
    tid = new_trader(kassad, deposit="500.00")
    for i in range(10):
        new_requisite(kassad, tid, phone=f"+7900100000{i}")
    shop = create_shop(kassad, requisite=False)
    _check_race(kassad, tid, _race([kassad], shop, 16))


@pytest.mark.skipif(os.environ.get("KASSA_TEST_DB", "") in ("", "sqlite"),
                    reason="runs in the PostgreSQL pass (KASSA_TEST_DB=postgres)")
def test_deposit_covers_exactly_n_on_two_nodes(kassad_factory, pg_server):
    url = pg_server.new_database()
    a = kassad_factory("node_a", db_url=url)
    b = kassad_factory("node_b", db_url=url)
    tid = new_trader(a, deposit="500.00")
    for i in range(10):
        new_requisite(a, tid, phone=f"+7900200000{i}")
    shop = create_shop(a, requisite=False)
    _check_race(a, tid, _race([a, b], shop, 24))


def test_a_pool_larger_than_one_window(kassad):
    """More requisites than the rule looks at for one order (256): the
    window follows the rotation, so 300 orders of one amount over 300
    requisites each find a free one."""
    shop = create_shop(kassad, requisite=False)
    for i in range(300):
        new_requisite(kassad, None, phone=f"+7900300{i:04d}")
    got = [create(kassad, shop, "500.00") for _ in range(300)]
    assert [o["status"] for o in got].count("pending") == 300
    assert len({o["requisite"] for o in got}) == 300
    assert reason(kassad, create(kassad, shop, "500.00")) == \
        ("traderNotFound", "duplicate_amount")


def test_shop_create_takes_the_p2p_settings(kassad):
    shop = create_shop(kassad, requisite=False, amount_adjust_max=5, dispute_ttl=600,
                       dispute_callbacks=True)
    st, got = kassad.admin("GET", f"/admin/v1/shops/{shop['id']}")
    assert st == 200
    assert (got["amount_adjust_max"], got["dispute_ttl"], got["dispute_callbacks"],
            got["dispute_auto_success"]) == (5, 600, True, False)
    plain = create_shop(kassad, requisite=False)
    st, got = kassad.admin("GET", f"/admin/v1/shops/{plain['id']}")
    assert (got["amount_adjust_max"], got["dispute_ttl"]) == (0, 1800)
    shops = kassad.count_rows("shops")
    for body, msg in [
        ({"amount_adjust_max": -1}, "amount_adjust_max: expected whole units between 0 and 1000"),
        ({"dispute_ttl": 1}, "dispute_ttl: expected seconds between 60 and 2592000"),
    ]:
        st, err = kassad.admin("POST", "/admin/v1/shops", dict(
            {"name": "x", "url": "https://shop.example", "callback_url": "https://shop.example/cb",
             "fee_percent": "1"}, **body))
        assert (st, err) == (400, {"error": msg}), body
    assert kassad.count_rows("shops") == shops
