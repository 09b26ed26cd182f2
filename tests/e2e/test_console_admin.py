"""The operator's console views of shops, traders, requisites, the ledger,
the audit log and operators, in a real browser: tests/browser/console_admin.mjs
(playwright-core driving Debian's chromium) against a real kassad. What the
pages showed is checked against the admin API afterwards.

Needs node, tests/browser/node_modules (tests/browser/setup.sh) and
/usr/bin/chromium (or $CHROMIUM); see test_browser.py."""

import json
import os
import subprocess

from kassa_client import REPO
from test_browser import BROWSER_DIR, CHROMIUM, check_tools

ARTIFACTS = REPO / "tests" / "artifacts"
NBSP = "\u00a0"


def make_operator(kassad, name, role, login, password):
    st, op = kassad.admin("POST", "/admin/v1/operators",
                          {"name": name, "role": role, "login": login, "password": password})
    assert st == 201, op
    return {"id": op["id"], "name": name, "role": role, "login": login, "password": password}


def test_operator_console_shops_traders_ledger_audit(kassad):
    node = check_tools()
    owner = make_operator(kassad, "Olga Owner", "owner", "olga", "olga-password-123")
    viewer = make_operator(kassad, "Victor Viewer", "viewer", "victor", "victor-password-123")
    shop = {"name": "Console Shop", "url": "https://console-shop.example",
            "callback_url": "https://console-shop.example/webhook", "fee_percent": "2.75",
            "fee_fixed_currency": "RUB", "fee_fixed_amount": "10.00",
            "new_fee_percent": "3.1",
            "user": {"name": "Mila Merchant", "login": "mila", "password": "mila-password-123"}}
    trader = {"name": "Petr", "verified_name": "Petr Petrov", "reward_bps": 150,
              "currency": "USDT", "deposit": "250.5", "login": "petr",
              "password": "petr-password-123"}
    requisite = {"requisite": "+79005554433", "bank_code": "Sber", "bank_name_ru": "Сбербанк",
                 "bank_name_en": "Sberbank", "min_amount": "100", "max_amount": "5000",
                 "daily_amount": "50000", "daily_count": 20, "max_pending": 2}
    shots = ARTIFACTS / "console-admin"
    shots.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, KASSA_BASE=kassad.base_url, CHROMIUM=CHROMIUM,
               OWNER=json.dumps(owner), VIEWER=json.dumps(viewer), SHOP=json.dumps(shop),
               TRADER=json.dumps(trader), REQUISITE=json.dumps(requisite), SHOTS=str(shots))
    proc = subprocess.run([node, "console_admin.mjs"], cwd=BROWSER_DIR, env=env,
                          capture_output=True, text=True, timeout=300)
    (ARTIFACTS / "console-admin.json").write_text(proc.stdout)
    assert proc.returncode == 0, f"console_admin.mjs failed:\n{proc.stderr}\n{proc.stdout[-3000:]}"
    seen = json.loads(proc.stdout.strip().splitlines()[-1])

    assert seen["steps"] == ["signed in", "shop created", "test mode on", "deposit recorded",
                             "requisite added", "ledger verified", "audit read", "operators",
                             "russian", "viewer refused"]
    assert seen["owner_signed_in_as"] == "Olga Owner"
    assert seen["viewer_signed_in_as"] == "Victor Viewer"
    assert seen["console_errors"] == []
    assert seen["external_requests"] == []

    # ---- the shop: the credentials shown are the shop's; the secret only once
    assert seen["shop_create_question"] == "Create the shop “Console Shop”?"
    assert seen["shop_create_toast"] == "Shop created"
    assert seen["shop_once_warning"].startswith("Shown only now")
    st, page = kassad.admin("GET", "/admin/v1/shops?q=Console%20Shop")
    assert st == 200 and len(page["items"]) == 1
    listed = page["items"][0]
    assert seen["shop_creds"]["shop_id"] == listed["shop_id"]
    assert seen["shop_list_names"] == ["Console Shop"]
    assert seen["shop_url"].endswith(f"#/shops/{listed['id']}")
    assert seen["shop_title"] == "Console Shop"
    assert (listed["fee_percent"], listed["fee_fixed"]) == ("3.1", {"RUB": "10.00"})
    assert seen["tariff_question"] == f"Set the tariff of shop “Console Shop” to 3.1% + 10.00{NBSP}RUB?"
    assert seen["tariff_toast"] == "Tariff saved"
    creds = seen["shop_creds"]
    assert len(creds["panda.secret"]) >= 32 and len(creds["tegro.secret"]) >= 32
    assert creds["panda.api_key"] != creds["tegro.api_key"]
    # The secrets are on no page after the creation's, nor in the API's shop.
    assert seen["secret_on_shop_page"] is False
    st, one = kassad.admin("GET", f"/admin/v1/shops/{listed['id']}")
    assert creds["panda.secret"] not in json.dumps(one) and creds["tegro.secret"] not in json.dumps(one)
    # The panda key and secret shown sign in: an unknown order is a 404, not a 401.
    panda = kassad.panda({"panda": {"api_key": creds["panda.api_key"],
                                    "secret": creds["panda.secret"]}})
    assert panda.get_order("00000000-0000-4000-8000-000000000000").status == 404

    # ---- the merchant's user, who then signs in to the console as a merchant
    assert seen["user_question"] == f"Add user “mila” to merchant {listed['merchant_id']}?"
    assert seen["user_toast"] == "User added"
    assert seen["users_rows"] == ["mila"]
    st, users = kassad.admin("GET", f"/admin/v1/merchants/{listed['merchant_id']}/users")
    assert [(u["name"], u["login"], u["disabled"]) for u in users["items"]] == [
        ("Mila Merchant", "mila", False)]
    r = kassad.request("POST", "/console/api/session",
                       json.dumps({"login": "mila", "password": "mila-password-123"}).encode(),
                       [("Content-Type", "application/json")])
    assert r.status == 200 and (r.json["kind"], r.json["merchant_id"]) == (
        "merchant", listed["merchant_id"])

    # ---- test mode switched on through the settings form
    assert seen["test_mode_question"] == "Save 1 change(s) of shop “Console Shop”?"
    assert seen["test_mode_toast"] == "Settings saved"
    assert seen["test_mode_checked_after"] is True
    assert one["test_mode"] is True and one["active"] is True

    # ---- the trader and the deposit
    st, page = kassad.admin("GET", "/admin/v1/traders")
    tr = [x for x in page["items"] if x["name"] == "Petr"]
    assert len(tr) == 1
    tr = tr[0]
    assert seen["trader_url"].endswith(f"#/traders/{tr['id']}")
    assert (tr["verified_name"], tr["reward_bps"], tr["currency"]) == ("Petr Petrov", 150, "USDT")
    assert len(seen["trader_creds"]["api_key"]) > 0 and len(seen["trader_creds"]["secret"]) > 0
    st, tr = kassad.admin("GET", f"/admin/v1/traders/{tr['id']}")
    assert tr["balances"]["available"] == "250.500000"
    # The trader signs in with the login and password given at creation.
    r = kassad.request("POST", "/console/api/session",
                       json.dumps({"login": "petr", "password": "petr-password-123"}).encode(),
                       [("Content-Type", "application/json")])
    assert r.status == 200 and (r.json["kind"], r.json["trader_id"]) == ("trader", tr["id"])
    assert seen["available_before"] == f"0.000000{NBSP}USDT"
    assert seen["available_after"] == f"250.500000{NBSP}USDT"
    assert seen["reserved_after"] == f"0.000000{NBSP}USDT"
    assert seen["deposit_question"] == f"Record a deposit of 250.5{NBSP}USDT for trader “Petr”?"
    assert seen["deposit_toast"] == "Deposit recorded"

    # ---- the requisite with its limits (then paused from its row)
    assert seen["requisite_owner_prefilled"] == "Petr Petrov"
    assert seen["requisite_toast"] == "Requisite added"
    st, page = kassad.admin("GET", "/admin/v1/requisites")
    reqs = [r for r in page["items"] if r["requisite"] == "+79005554433"]
    assert len(reqs) == 1
    r = reqs[0]
    assert r["trader_id"] == tr["id"] and r["owner_full_name"] == "Petr Petrov"
    assert (r["min_amount"], r["max_amount"], r["daily_amount"], r["daily_count"],
            r["max_pending"]) == ("100.00", "5000.00", "50000.00", 20, 2)
    assert r["active"] is True and r["paused"] is True
    assert seen["requisite_row"]["requisite"] == "+79005554433"
    assert seen["requisite_row"]["limits"] == [
        f"100.00{NBSP}RUB – 5{NBSP}000.00{NBSP}RUB", f"Amount a day: 50{NBSP}000.00{NBSP}RUB",
        "Orders a day: 20", "Open orders at once: 2"]
    assert seen["pause_toast"] == "Requisite paused"
    assert seen["requisites_rows"] == ["+79005554433"]

    # ---- the ledger verifies
    st, v = kassad.admin("GET", "/admin/v1/ledger/verify")
    assert v["ok"] is True
    assert seen["verify"] == {"ok": "true", "text": "The ledger adds up"}
    st, accts = kassad.admin("GET", "/admin/v1/ledger/accounts?limit=500")
    assert seen["ledger_accounts"] == len(accts["items"])
    assert "trader.deposit" in seen["postings_first"] or "deposit" in seen["postings_first"]
    assert f"250.500000{NBSP}USDT" in seen["postings_first"]

    # ---- the audit log shows the owner's own actions, newest first
    # (the page was read before the token's creation and revocation)
    st, audit = kassad.admin("GET", "/admin/v1/audit?limit=500")
    upto = max(e["id"] for e in seen["audit"])
    assert [(e["id"], e["action"], e["actor"]) for e in seen["audit"]] == [
        (e["id"], e["action"], f"{e['actor']} (#{e['actor_id']})" if e["actor_id"] is not None
         else e["actor"]) for e in audit["items"] if e["id"] <= upto]
    mine = [e for e in seen["audit"] if e["actor"] == f"Olga Owner (#{owner['id']})"]
    # Done through the console's session (not a token): the client says so.
    for e in audit["items"]:
        if e["actor_id"] == owner["id"]:
            assert e["token_id"] is None and e["client"].startswith("console@"), e
    for action in ["shop.create", "shop.update", "trader.create", "trader.deposit",
                   "requisite.create", "requisite.update", "shop.tariff",
                   "merchant_user.create"]:
        assert action in [e["action"] for e in mine], action
    tariff = next(e for e in mine if e["action"] == "shop.tariff")
    assert tariff["changed"] == [["fee_percent", "2.75", "3.1"]]
    assert seen["audit_filtered"] == ["shop.tariff", "shop.update", "shop.create"]

    # ---- operators: the token shown once was made, and revoked
    assert "Olga Owner" in seen["operators"] and "Victor Viewer" in seen["operators"]
    st, toks = kassad.admin("GET", f"/admin/v1/operators/{viewer['id']}/tokens")
    made = [k for k in toks["items"] if k["name"] == "browser token"]
    assert len(made) == 1 and made[0]["revoked_at"] is not None
    assert seen["revoke_toast"] == "Token revoked"
    assert len(seen["token_shown"]) >= 32

    # ---- the viewer: each write answered 403 with the API's message; nothing changed
    assert seen["viewer_disable_toast"] == "the viewer role may not do shop.disable"
    assert seen["viewer_rotate_toast"] == "the viewer role may not do shop.rotate"
    assert seen["viewer_deposit_toast"] == "the viewer role may not do trader.deposit"
    assert seen["viewer_requisite_toast"] == "the viewer role may not do requisite.update"
    assert seen["viewer_operators_error"] == "the viewer role may not do operator.list"
    assert seen["viewer_available"] == f"250.500000{NBSP}USDT"
    st, one = kassad.admin("GET", f"/admin/v1/shops/{listed['id']}")
    assert one["active"] is True

    # ---- every page laid out at 375 and 1280 px
    assert set(seen["layout"]) == {"shops-empty", "shops", "shop", "traders", "trader", "requisites",
                                   "ledger", "ledger-postings", "audit", "operators", "operator",
                                   "operators-403", "ru-shop", "ru-trader", "ru-requisites",
                                   "ru-ledger", "ru-audit", "ru-operators"}
    assert seen["ru_title"] == "Операторы"
    for name, widths in seen["layout"].items():
        for w in widths:
            assert w["overflow"] <= 0, f"{name} at {w['width']} px overflows by {w['overflow']} px"
            assert w["broken"] == [], f"{name} at {w['width']} px breaks {w['broken']}"
