"""Traders (spec/p2p.md): created by the operator with a verified name, a
reward rate and a settlement currency; deposits and withdrawals of their
money are balanced ledger transactions (platform custody <-> the trader's
available account); a trader's requisite must be in the trader's verified
name. SQLite and (KASSA_TEST_DB=postgres) PostgreSQL."""
import re

from kassa_client import SBP_REQUISITE
from test_cli import kassa


def new_trader(server, **fields):
    body = {"name": "Ivan", "verified_name": "Иван Иванов", "reward_bps": 150}
    body.update(fields)
    st, t = server.admin("POST", "/admin/v1/traders", body)
    assert st == 201, t
    return t


def account(server, owner, kind, currency="USDT"):
    st, body = server.admin("GET", f"/admin/v1/ledger/accounts?kind={kind}&currency={currency}")
    assert st == 200, body
    return [a["balance"] for a in body["items"] if a["owner"] == owner]


def test_create_trader_exact(kassad):
    t = new_trader(kassad)
    assert set(t) == {"id", "name", "verified_name", "reward_bps", "currency", "status", "online",
                      "api_key", "secret", "balances", "created_at"}
    assert (t["name"], t["verified_name"], t["reward_bps"], t["currency"], t["status"],
            t["online"]) == ("Ivan", "Иван Иванов", 150, "USDT", "active", False)
    assert re.fullmatch(r"[0-9a-f]{32}", t["api_key"]) and re.fullmatch(r"[0-9a-f]{64}", t["secret"])
    assert t["balances"] == {"available": "0.000000", "reserved": "0.000000",
                             "earned": "0.000000"}
    st, got = kassad.admin("GET", f"/admin/v1/traders/{t['id']}")
    assert st == 200
    assert "secret" not in got and "api_key" not in got
    assert got["balances"] == t["balances"]
    st, page = kassad.admin("GET", "/admin/v1/traders")
    assert [x["id"] for x in page["items"]] == [t["id"]] and page["next_cursor"] is None
    assert "balances" not in page["items"][0]


def test_bad_trader_input(kassad):
    cases = [
        ({"verified_name": "A", "reward_bps": 1}, "name: required"),
        ({"name": "A", "reward_bps": 1}, "verified_name: required (the name on the trader's "
                                         "documents)"),
        ({"name": "A", "verified_name": "A"}, "reward_bps: required (basis points of each "
                                              "received amount)"),
        ({"name": "A", "verified_name": "A", "reward_bps": 10001},
         "reward_bps: expected an integer between 0 and 10000"),
        ({"name": "A", "verified_name": "A", "reward_bps": 1, "currency": "XXX"},
         "currency: unknown currency 'XXX'"),
        ({"name": "A", "verified_name": "A", "reward_bps": 1, "card": "1"},
         "unknown field 'card': a trader takes name, verified_name, reward_bps, currency, login and password"),
    ]
    for body, msg in cases:
        assert kassad.admin("POST", "/admin/v1/traders", body) == (400, {"error": msg}), body
    assert kassad.count_rows("traders") == 0


def test_deposits_and_withdrawals_are_balanced(kassad):
    t = new_trader(kassad)
    tid = t["id"]
    st, after = kassad.admin("POST", f"/admin/v1/traders/{tid}/deposits", {"amount": "1000.50"})
    assert st == 201, after
    assert after["balances"] == {"available": "1000.500000", "reserved": "0.000000",
                                 "earned": "0.000000"}
    st, after = kassad.admin("POST", f"/admin/v1/traders/{tid}/withdrawals", {"amount": "200.5"})
    assert st == 201
    assert after["balances"]["available"] == "800.000000"
    st, body = kassad.admin("POST", f"/admin/v1/traders/{tid}/withdrawals", {"amount": "800.000001"})
    assert (st, body) == (409, {"error": "insufficient funds: the trader's available balance is "
                                         "lower"})
    assert account(kassad, f"trader:{tid}", "trader_available") == ["800.000000"]
    assert account(kassad, "platform", "platform_custody") == ["-800.000000"]
    st, v = kassad.admin("GET", "/admin/v1/ledger/verify")
    assert v["ok"] is True, v
    for amount, msg in [("0", "amount: amount must be greater than zero"),
                        ("-5", "amount: amount must not be negative"),
                        ("abc", "amount: amount is not a plain decimal number")]:
        st, body = kassad.admin("POST", f"/admin/v1/traders/{tid}/deposits", {"amount": amount})
        assert (st, body) == (400, {"error": msg}), amount
    assert kassad.admin("POST", "/admin/v1/traders/99/deposits", {"amount": "1"}) == (
        404, {"error": "Trader not found"})
    st, lines = kassad.admin("GET", "/admin/v1/audit?action=trader.")
    assert [l["action"] for l in lines["items"]] == ["trader.withdrawal", "trader.deposit",
                                                     "trader.create"]
    assert t["secret"] not in str(lines)


def test_suspend_and_online(kassad):
    t = new_trader(kassad)
    st, body = kassad.admin("PATCH", f"/admin/v1/traders/{t['id']}",
                            {"status": "suspended", "online": True, "reward_bps": 90})
    assert st == 200, body
    assert (body["status"], body["online"], body["reward_bps"]) == ("suspended", True, 90)
    assert kassad.admin("PATCH", f"/admin/v1/traders/{t['id']}", {"status": "gone"}) == (
        400, {"error": "status: expected active or suspended"})
    assert kassad.admin("PATCH", f"/admin/v1/traders/{t['id']}", {}) == (
        400, {"error": "nothing to change: give any of name, reward_bps, status, online, login and password"})
    assert kassad.admin("PATCH", "/admin/v1/traders/77", {"online": False})[0] == 404


def test_requisite_in_the_traders_name_only(kassad):
    t = new_trader(kassad)
    body = dict(SBP_REQUISITE, trader_id=t["id"], owner_full_name="Пётр Петров")
    st, answer = kassad.admin("POST", "/admin/v1/requisites", body)
    assert (st, answer) == (400, {"error": "owner_full_name: a trader's requisite must be in the "
                                           "trader's verified name 'Иван Иванов'"})
    st, answer = kassad.admin("POST", "/admin/v1/requisites", dict(body, trader_id=555))
    assert (st, answer) == (400, {"error": "trader_id: no trader 555"})
    st, answer = kassad.admin("POST", "/admin/v1/requisites", dict(body, trader_id="1"))
    assert (st, answer) == (400, {"error": "trader_id: expected a positive integer id"})
    assert kassad.count_rows("requisites") == 0
    st, answer = kassad.admin("POST", "/admin/v1/requisites",
                              dict(body, owner_full_name="Иван Иванов"))
    assert st == 201, answer
    st, page = kassad.admin("GET", "/admin/v1/requisites")
    assert page["items"][0]["trader_id"] == t["id"]
    # Renaming its holder away from the trader is refused too.
    st, answer = kassad.admin("PATCH", f"/admin/v1/requisites/{answer['id']}",
                              {"owner_full_name": "Someone Else"})
    assert (st, answer) == (400, {"error": "owner_full_name: a trader's requisite must be in the "
                                           "trader's verified name 'Иван Иванов'"})
    # The operator's own pool is as before.
    st, own = kassad.admin("POST", "/admin/v1/requisites", dict(SBP_REQUISITE))
    assert st == 201
    assert [r["trader_id"] for r in kassad.admin("GET", "/admin/v1/requisites")[1]["items"]] == [
        None, t["id"]]


def test_roles_for_traders(kassad):
    t = new_trader(kassad)
    st, op = kassad.admin("POST", "/admin/v1/operators", {"name": "F", "role": "finance"})
    tok = kassad.admin("POST", f"/admin/v1/operators/{op['id']}/tokens", {})[1]["token"]
    assert kassad.admin("POST", "/admin/v1/traders", {"name": "x"}, token=tok) == (
        403, {"error": "the finance role may not do trader.create"})
    st, _ = kassad.admin("POST", f"/admin/v1/traders/{t['id']}/deposits", {"amount": "5"}, token=tok)
    assert st == 201


def test_cli_traders(kassad):
    env = {"KASSA_SERVER": kassad.base_url, "KASSA_ADMIN_TOKEN": kassad.admin_token}
    r = kassa("trader", "create", "--name", "Cli", "--verified-name", "Cli Trader",
              "--reward-bps", "100", env=env)
    assert r.returncode == 0, r.stderr
    tid = re.search(r'"id":(\d+)', r.stdout).group(1)
    r = kassa("trader", "deposit", tid, "--amount", "50", env=env)
    assert r.returncode == 0 and '"available":"50.000000"' in r.stdout, r
    r = kassa("trader", "withdraw", tid, "--amount", "60", env=env)
    assert r.returncode == 1
    assert r.stderr.strip() == ("kassa: HTTP 409 Conflict: insufficient funds: the trader's "
                                "available balance is lower")
    r = kassa("trader", "show", tid, env=env)
    assert r.returncode == 0 and '"verified_name":"Cli Trader"' in r.stdout
    r = kassa("trader", "list", env=env)
    assert r.returncode == 0 and f'"id":{tid}' in r.stdout
