"""A shop's test mode (issue 21): every order of a shop in test mode is a
test order, whatever the dialect. A panda order gets the sandbox's
requisite (never one of the pool: no amount claimed, no reserve), its
payer page has the sandbox's Pay / Fail buttons, completing or failing it
moves no money, and the merchant's callbacks go out signed as for real
orders. Switching the mode off makes the next order a real one again.
"""
import json
import subprocess
import urllib.parse

import pytest

from kassa_client import create_shop, public_get, release_pending
from tegro_client import get, post_form, tegro_for
from test_callbacks import Receiver, panda_check
from test_cli import cli_path, clean_env

# What a payer and the merchant's integration see for a test SBP order.
SANDBOX_SBP = {
    "requisite": "+79990000000",
    "requisite_attributes": {"phoneNumber": "+79990000000"},
    "owner_full_name": "Тестовый Получатель",
    "bank_code": "sandbox",
    "bank_name_ru": "Тестовый банк",
    "bank_name_en": "Sandbox Bank",
    "country_code": "",
}


@pytest.fixture
def rec():
    r = Receiver()
    yield r
    r.close()


def admin_ok(server, method, path, body=None, status=200):
    st, js = server.admin(method, path, body)
    assert st == status, (method, path, st, js)
    return js


def money(server, shop_id):
    """The shop's balances and the platform's accounts, exactly."""
    shop = admin_ok(server, "GET", f"/admin/v1/shops/{shop_id}/balances")
    platform = admin_ok(server, "GET", "/admin/v1/ledger/accounts?shop_id=0&currency=RUB")
    return shop, platform


def verify_ok(server):
    js = admin_ok(server, "GET", "/admin/v1/ledger/verify")
    assert js["ok"] is True and js["problems"] == [] and js["problem_count"] == 0, js


def create(server, creds, amount, **fields):
    r = server.panda(creds).create_order(amount=amount, requisite_type="SBP", **fields)
    assert r.status == 200, (r.status, r.body)
    return r.json


def page_of(server, order):
    """The payer's page path, through the panda payer view (public)."""
    path = urllib.parse.urlsplit(order["url_callback"]).path
    r = public_get(server.base_url, path)
    assert r.status == 200, r.body
    return r.json, urllib.parse.urlsplit(r.json["payment_redirect_url"]).path


def test_setting_on_create_patch_and_refusals(kassad):
    sid = create_shop(kassad, requisite=False)["id"]
    assert admin_ok(kassad, "GET", f"/admin/v1/shops/{sid}")["test_mode"] is False
    made = admin_ok(kassad, "POST", "/admin/v1/shops",
                    {"name": "T", "url": "https://t.example",
                     "callback_url": "http://127.0.0.1:9/cb", "test_mode": True}, status=201)
    assert made["test_mode"] is True
    assert admin_ok(kassad, "GET", f"/admin/v1/shops/{made['id']}")["test_mode"] is True
    n = kassad.count_rows("shops")
    st, js = kassad.admin("POST", "/admin/v1/shops",
                          {"name": "T", "url": "https://t.example",
                           "callback_url": "http://127.0.0.1:9/cb", "test_mode": "yes"})
    assert (st, js) == (400, {"error": "test_mode: expected true or false"})
    assert kassad.count_rows("shops") == n
    for bad in ("on", 1, None):
        st, js = kassad.admin("PATCH", f"/admin/v1/shops/{sid}", {"test_mode": bad})
        assert (st, js) == (400, {"error": "test_mode: expected true or false"}), bad
    assert admin_ok(kassad, "GET", f"/admin/v1/shops/{sid}")["test_mode"] is False
    js = admin_ok(kassad, "PATCH", f"/admin/v1/shops/{sid}", {"test_mode": True})
    assert js["test_mode"] is True and js["name"] == "Test shop"

    admin = ["--server", kassad.base_url, "--admin-token", kassad.admin_token]
    r = subprocess.run([cli_path(), "shop", "update", str(sid), *admin, "--test-mode", "off"],
                       capture_output=True, text=True, env=clean_env(), timeout=60)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["test_mode"] is False
    r = subprocess.run([cli_path(), "shop", "update", str(sid), *admin, "--test-mode", "maybe"],
                       capture_output=True, text=True, env=clean_env(), timeout=60)
    assert r.returncode == 1
    assert r.stderr.strip() == "kassa: HTTP 400 Bad Request: test_mode: expected true or false"


def test_test_mode_orders_use_the_sandbox_and_move_no_money(kassad, rec):
    creds = create_shop(kassad, callback_url=rec.url())  # with one real SBP requisite
    rec.check = panda_check(creds["panda"]["api_key"], creds["panda"]["secret"])
    sid = creds["id"]
    real = creds["requisite"]
    # Some real money first, so "unchanged" compares non-zero balances.
    first = create(kassad, creds, "500.00", merchant_order_id="real-0")
    assert first["requisite"] == real["requisite"]
    admin_ok(kassad, "POST", f"/admin/v1/orders/{first['uuid']}/complete")
    rec.wait(1)
    before = money(kassad, sid)
    assert before[0]["RUB"]["available"] == "487.50", before

    admin_ok(kassad, "PATCH", f"/admin/v1/shops/{sid}", {"test_mode": True})

    # The panda answer: the sandbox's requisite in the full shape.
    pay = create(kassad, creds, "1000.00", merchant_order_id="test-1")
    for k, v in SANDBOX_SBP.items():
        assert pay[k] == v, (k, pay)
    assert pay["status"] == "pending" and pay["amount"] == "1000.00"
    got = kassad.panda(creds).get_order(pay["uuid"])
    assert got.status == 200 and got.json["requisites"] == "+79990000000"
    assert got.json["bank_name_en"] == "Sandbox Bank"
    seen = admin_ok(kassad, "GET", f"/admin/v1/orders/{pay['uuid']}")
    assert seen["test"] is True and seen["status"] == "pending"
    assert seen["trader_id"] in (None, 0) and seen["amount_requested"] in (None, 0)

    # The payer view and the payer's page: the sandbox's requisite and buttons.
    view, page = page_of(kassad, got.json)
    assert view["requisite_info"] == {
        "type": "SBP", "requisites": "+79990000000", "owner_full_name": "Тестовый Получатель",
        "bank_code": "sandbox", "bank_name": "Тестовый банк",
        "attributes": {"phoneNumber": "+79990000000"}}
    r = get(kassad, page)
    assert r.status == 200
    html = r.body.decode()
    assert 'id="pay"' in html and 'id="fail"' in html
    assert 'id="requisite-value">+79990000000<' in html

    # A second test order of the same amount: no claim on the pool.
    fail = create(kassad, creds, "1000.00", merchant_order_id="test-2")
    assert fail["requisite"] == "+79990000000"

    # Pay: completed, the signed callback says so.
    r = post_form(kassad, page + "pay", {})
    assert r.status == 303, r.body
    assert admin_ok(kassad, "GET", f"/admin/v1/orders/{pay['uuid']}")["status"] == "completed"
    got = rec.wait(2)[1]
    assert got["status"] == 200, got  # signed and shaped as the seed receiver checks
    body = json.loads(got["body"])
    assert body["uuid"] == pay["uuid"] and body["status"] == "completed"
    assert body["merchant_order_id"] == "test-1" and body["amount_local"] == 1000.0

    # Fail: failed, its callback too.
    _, page2 = page_of(kassad, kassad.panda(creds).get_order(fail["uuid"]).json)
    r = post_form(kassad, page2 + "fail", {})
    assert r.status == 303, r.body
    assert admin_ok(kassad, "GET", f"/admin/v1/orders/{fail['uuid']}")["status"] == "failed"
    got = rec.wait(3)[2]
    assert got["status"] == 200, got
    body = json.loads(got["body"])
    assert body["uuid"] == fail["uuid"] and body["status"] == "failed"

    # No money moved: balances and the platform's accounts exactly as before.
    assert money(kassad, sid) == before
    verify_ok(kassad)
    ids = {admin_ok(kassad, "GET", f"/admin/v1/orders/{o['uuid']}")["id"] for o in (pay, fail)}
    postings = admin_ok(kassad, "GET", "/admin/v1/ledger/postings?limit=500")["items"]
    assert postings and [p for p in postings
                         if p["ref_type"] == "order" and p["ref_id"] in ids] == []

    # The admin list shows them, test true.
    items = admin_ok(kassad, "GET", f"/admin/v1/orders?shop_id={sid}&limit=10")["items"]
    tests = {o["uuid"]: o["test"] for o in items}
    assert tests == {first["uuid"]: False, pay["uuid"]: True, fail["uuid"]: True}, tests

    # Whatever the dialect: a tegro order without test=1 is a test order too.
    tc = tegro_for(kassad, creds)
    r = tc.create_order(amount=1200, payment_system=28)
    assert r.json["type"] == "success", r.body
    assert tc.ok("order", {"order_id": r.json["data"]["id"]})["test_order"] == 1
    assert admin_ok(kassad, "GET", f"/admin/v1/orders/{r.json['data']['id']}")["test"] is True

    # A test order left pending keeps nothing of the pool: with the mode
    # off, a real order of its amount gets the real requisite.
    held = create(kassad, creds, "700.00", merchant_order_id="test-3")
    assert held["requisite"] == "+79990000000"
    admin_ok(kassad, "PATCH", f"/admin/v1/shops/{sid}", {"test_mode": False})
    real_order = create(kassad, creds, "700.00", merchant_order_id="real-1")
    assert real_order["requisite"] == real["requisite"]
    assert real_order["owner_full_name"] == real["owner_full_name"]
    assert admin_ok(kassad, "GET", f"/admin/v1/orders/{real_order['uuid']}")["test"] is False
    # ... and its payer page has no sandbox buttons.
    _, page3 = page_of(kassad, kassad.panda(creds).get_order(real_order["uuid"]).json)
    html = get(kassad, page3).body.decode()
    assert 'id="pay"' not in html and 'id="requisite-value">+79001234567<' in html
    r = post_form(kassad, page3 + "pay", {})
    assert r.status == 403
    release_pending(kassad, sid)
    assert money(kassad, sid) == before
    verify_ok(kassad)
