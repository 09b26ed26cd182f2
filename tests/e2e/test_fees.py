"""Per-shop tariff: percent plus a fixed fee per currency (issue 4). The fee
is the percent of the amount rounded half-up plus the fixed part in the
order's currency; it is what panda shows as merchant_commission and what the
ledger takes at completion."""

import pytest

from kassa_client import create_requisite, create_shop


def balances(server, shop_id):
    status, body = server.admin("GET", f"/admin/v1/shops/{shop_id}/balances")
    assert status == 200, body
    return body


def test_fixed_fee_per_currency(kassad):
    shop = create_shop(kassad, fee_percent="2.5", fee_fixed={"RUB": "10.00", "USD": "0.30"})
    assert shop["fee_fixed"] == {"RUB": "10.00", "USD": "0.30"}
    create_requisite(kassad, currency="USD", requisite="+15550001111")
    panda = kassad.panda(shop)

    r = panda.create_order(amount="1000.47")
    assert r.status == 200, r.body
    assert r.json["merchant_commission"] == "35.01"          # 25.01 + 10.00
    rusd = panda.create_order(amount="20", currency="USD")
    assert rusd.status == 200, rusd.body
    assert rusd.json["merchant_commission"] == "0.80"        # 0.50 + 0.30

    for o in (r.json, rusd.json):
        status, body = kassad.admin("POST", f"/admin/v1/orders/{o['uuid']}/complete")
        assert status == 200, body
    assert balances(kassad, shop["id"]) == {
        "RUB": {"available": "965.46", "held": "0.00"},
        "USD": {"available": "19.20", "held": "0.00"}}
    status, report = kassad.admin("GET", "/admin/v1/ledger/verify")
    assert status == 200 and report["ok"] is True, report


def test_amount_below_the_fee_is_refused_and_not_stored(kassad):
    shop = create_shop(kassad, fee_percent="2.5", fee_fixed={"RUB": "10.00"})
    panda = kassad.panda(shop)
    r = panda.create_order(amount="10.00", merchant_order_id="too-small")
    assert r.status == 400
    assert r.json == {"error": "amount: smaller than the shop's fee in RUB"}
    r = panda.orders_by_merchant_id("too-small")
    assert r.status == 200 and r.json == []
    # exactly the fee: 10.26 - (0.26 + 10.00) = 0 is allowed
    r = panda.create_order(amount="10.26")
    assert r.status == 200 and r.json["merchant_commission"] == "10.26", r.body


def test_tariff_change_applies_to_new_orders(kassad, shop):
    panda = kassad.panda(shop)
    first = panda.create_order(amount="1000.00")
    assert first.json["merchant_commission"] == "25.00"
    status, body = kassad.admin("PUT", f"/admin/v1/shops/{shop['id']}/tariff",
                                {"fee_percent": "1", "fee_fixed": {"RUB": "5.00"}})
    assert status == 200, body
    assert body == {"id": shop["id"], "fee_percent": "1", "fee_fixed": {"RUB": "5.00"}}
    second = panda.create_order(amount="1000.00")
    assert second.json["merchant_commission"] == "15.00"
    # the first order keeps the fee it was created with
    got = panda.get_order(first.json["uuid"])
    assert got.json["merchant_commission"] == "25.00"


@pytest.mark.parametrize("body, message", [
    ({"fee_fixed": {"XXX": "1"}}, "fee_fixed: unknown currency 'XXX'"),
    ({"fee_fixed": {"RUB": "-1"}}, "fee_fixed.RUB: expected a decimal string >= 0"),
    ({"fee_fixed": {"RUB": 5}}, "fee_fixed.RUB: expected a decimal string >= 0"),
    ({"fee_fixed": ["RUB"]}, "fee_fixed: expected an object of currency: amount"),
    ({"fee_percent": "101"}, "fee_percent: expected a decimal percent between 0 and 100"),
    ({}, "nothing to change: give fee_percent and/or fee_fixed"),
])
def test_tariff_refusals(kassad, shop, body, message):
    status, answer = kassad.admin("PUT", f"/admin/v1/shops/{shop['id']}/tariff", body)
    assert status == 400
    assert answer["error"].startswith(message), answer


def test_tariff_of_unknown_shop(kassad):
    status, answer = kassad.admin("PUT", "/admin/v1/shops/999/tariff", {"fee_percent": "1"})
    assert status == 404 and answer == {"error": "Shop not found"}


def test_tegro_amount_below_the_fee(kassad):
    """The tegro dialect refuses it in its own envelope, storing nothing."""
    import hashlib, hmac, json, time, urllib.request
    shop = create_shop(kassad, fee_percent="0", fee_fixed={"RUB": "50.00"})
    body = json.dumps({"shop_id": shop["shop_id"], "nonce": int(time.time()), "currency": "RUB",
                       "amount": 10, "order_id": "small-1", "payment_system": 28})
    sign = hmac.new(shop["tegro"]["api_key"].encode(), body.encode(), hashlib.sha256).hexdigest()
    req = urllib.request.Request(kassad.url("/api/createOrder/"), data=body.encode(),
                                 headers={"Authorization": "Bearer " + sign,
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        answer = json.loads(r.read())
    assert answer == {"type": "error", "desc": "Amount is smaller than the shop's fee"}
    if kassad.db_path:  # SQLite: nothing stored
        assert kassad.count_rows("orders") == 0
