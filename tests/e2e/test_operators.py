"""Named operators with roles, their API tokens, and the audit log of every
admin write (written in the write's own transaction). Each role is tried
against an action it may and one it may not do: the refusal is a 403 and
leaves nothing in the audit log. Runs on SQLite and, with
KASSA_TEST_DB=postgres, on PostgreSQL."""
import hashlib
import re
import sqlite3
import time

import pytest

from kassa_client import KassadError, create_requisite, create_shop, pg_scalar
from test_cli import kassa

TOKEN_RE = re.compile(r"^kop_[0-9a-f]{48}$")


def operator(server, name, role, **extra):
    st, body = server.admin("POST", "/admin/v1/operators", {"name": name, "role": role, **extra})
    assert st == 201, body
    return body


def token_for(server, op_id, name="t"):
    st, body = server.admin("POST", f"/admin/v1/operators/{op_id}/tokens", {"name": name})
    assert st == 201, body
    return body


def as_role(server, role):
    """A fresh operator of `role` and one token of theirs -> (operator, token)."""
    op = operator(server, f"{role} person", role)
    return op, token_for(server, op["id"])["token"]


def audit(server, **args):
    q = "&".join(f"{k}={v}" for k, v in args.items())
    st, body = server.admin("GET", "/admin/v1/audit" + ("?" + q if q else ""))
    assert st == 200, body
    return body["items"]


def audit_count(server):
    return len(audit(server, limit=500))


# ---- operators and tokens ----

def test_operator_and_token_shown_once_stored_hashed(kassad):
    op = operator(kassad, "Alice", "support")
    assert set(op) == {"id", "name", "role", "login", "disabled", "created_at"}
    assert (op["name"], op["role"], op["login"], op["disabled"]) == ("Alice", "support", None, False)
    assert kassad.admin("GET", f"/admin/v1/operators/{op['id']}") == (200, op)
    assert kassad.admin("GET", "/admin/v1/operators/999999") == (404, {"error": "Operator not found"})
    tok = token_for(kassad, op["id"], "laptop")
    assert set(tok) == {"id", "operator_id", "name", "token"}
    assert TOKEN_RE.match(tok["token"]), tok
    assert (tok["operator_id"], tok["name"]) == (op["id"], "laptop")
    # Only the SHA-256 of the token is kept.
    digest = hashlib.sha256(tok["token"].encode()).hexdigest()
    assert kassad.count_rows("operator_tokens", "token_hash = ?", (digest,)) == 1
    assert kassad.count_rows("operator_tokens", "token_hash = ?", (tok["token"],)) == 0
    st, me = kassad.admin("GET", "/admin/v1/me", token=tok["token"])
    assert st == 200
    assert me == {"operator_id": op["id"], "token_id": tok["id"], "name": "Alice",
                  "role": "support"}
    st, me = kassad.admin("GET", "/admin/v1/me")
    assert me == {"operator_id": None, "token_id": None, "name": "bootstrap", "role": "owner"}
    # The list of tokens never shows one.
    st, body = kassad.admin("GET", f"/admin/v1/operators/{op['id']}/tokens")
    assert st == 200
    assert [set(t) for t in body["items"]] == [
        {"id", "operator_id", "name", "created_at", "last_used_at", "revoked_at"}]
    assert tok["token"] not in str(body)


def test_last_used_is_written(kassad):
    op, tok = as_role(kassad, "viewer")
    st, body = kassad.admin("GET", f"/admin/v1/operators/{op['id']}/tokens")
    assert body["items"][0]["last_used_at"] is None
    assert kassad.admin("GET", "/admin/v1/orders", token=tok)[0] == 200
    deadline = time.monotonic() + 5
    while True:
        st, body = kassad.admin("GET", f"/admin/v1/operators/{op['id']}/tokens")
        if body["items"][0]["last_used_at"] is not None:
            break
        assert time.monotonic() < deadline, body
        time.sleep(0.2)


def test_bad_operator_input(kassad):
    cases = [
        ({"name": "A", "role": "root"}, 400, "role: expected owner, admin, support, finance or viewer"),
        ({"role": "viewer"}, 400, "name: required"),
        ({"name": "A", "role": "viewer", "colour": "red"}, 400, "unknown field 'colour'"),
        ({"name": "A", "role": "viewer", "login": "a"}, 400, "login and password: give both or neither"),
        ({"name": "A", "role": "viewer", "login": "a", "password": "short"}, 400,
         "password: at least 12 characters"),
        ({"name": None, "role": "viewer"}, 400, "name: must not be null"),
    ]
    for body, status, message in cases:
        st, answer = kassad.admin("POST", "/admin/v1/operators", body)
        assert (st, answer) == (status, {"error": message}), body
    assert kassad.count_rows("operators") == 0
    assert audit_count(kassad) == 0


def test_password_is_scrypt_and_login_unique(kassad):
    op = operator(kassad, "Olga", "admin", login="olga", password="correct horse battery")
    assert op["login"] == "olga"
    stored = kassad.count_rows("operators", "password_hash LIKE ?", ("scrypt$15$8$1$%",))
    assert stored == 1
    assert kassad.count_rows("operators", "password_hash LIKE ?", ("%horse%",)) == 0
    st, body = kassad.admin("POST", "/admin/v1/operators",
                            {"name": "O2", "role": "viewer", "login": "olga",
                             "password": "another long one"})
    assert (st, body) == (409, {"error": "login: 'olga' is taken"})
    assert kassad.count_rows("operators") == 1
    # The audit line says a password is set, never what it is.
    line = audit(kassad, action="operator.create")[0]
    assert line["after"]["has_password"] == 1
    assert "scrypt" not in str(line) and "horse" not in str(line)


def test_revoke_own_token_and_not_anothers(kassad):
    a, ta = as_role(kassad, "viewer")
    b, tb = as_role(kassad, "viewer")
    b_tok_id = kassad.admin("GET", "/admin/v1/me", token=tb)[1]["token_id"]
    a_tok_id = kassad.admin("GET", "/admin/v1/me", token=ta)[1]["token_id"]
    # A viewer cannot revoke another's token: as if there were none.
    assert kassad.admin("DELETE", f"/admin/v1/tokens/{b_tok_id}", token=ta) == (
        404, {"error": "Token not found"})
    assert kassad.admin("GET", "/admin/v1/me", token=tb)[0] == 200
    st, body = kassad.admin("DELETE", f"/admin/v1/tokens/{a_tok_id}", token=ta)
    assert st == 200 and body["revoked_at"] is not None, body
    assert kassad.admin("GET", "/admin/v1/me", token=ta) == (
        401, {"error": "invalid or missing admin token"})
    # The owner revokes anyone's; a second revocation keeps the first time.
    st, first = kassad.admin("DELETE", f"/admin/v1/tokens/{b_tok_id}")
    assert st == 200
    st, again = kassad.admin("DELETE", f"/admin/v1/tokens/{b_tok_id}")
    assert (st, again["revoked_at"]) == (200, first["revoked_at"])
    assert kassad.admin("GET", "/admin/v1/me", token=tb)[0] == 401
    assert kassad.admin("DELETE", "/admin/v1/tokens/999")[0] == 404


def test_switched_off_operator_and_no_self_demotion(kassad):
    owner, to = as_role(kassad, "owner")
    v, tv = as_role(kassad, "viewer")
    st, body = kassad.admin("PATCH", f"/admin/v1/operators/{v['id']}", {"disabled": True}, token=to)
    assert (st, body["disabled"]) == (200, True)
    assert kassad.admin("GET", "/admin/v1/me", token=tv)[0] == 401
    assert kassad.admin("POST", f"/admin/v1/operators/{v['id']}/tokens", {})[0] == 409
    st, body = kassad.admin("PATCH", f"/admin/v1/operators/{owner['id']}", {"role": "viewer"},
                            token=to)
    assert (st, body) == (409, {"error": "an operator cannot change their own role or switch "
                                         "themselves off"})
    st, body = kassad.admin("PATCH", f"/admin/v1/operators/{v['id']}", {})
    assert st == 400
    assert body == {"error": "nothing to change: give any of name, role, disabled, login and "
                             "password"}
    st, body = kassad.admin("PATCH", f"/admin/v1/operators/{v['id']}",
                            {"disabled": False, "role": "finance"}, token=to)
    assert (st, body["role"], body["disabled"]) == (200, "finance", False)
    assert kassad.admin("GET", "/admin/v1/me", token=tv)[1]["role"] == "finance"


# ---- roles ----

def test_roles_each_may_and_may_not(kassad):
    shop = create_shop(kassad)
    pa = kassad.panda(shop)
    r = pa.create_order(amount="100.00", merchant_order_id="m-1")
    assert r.status == 200, r
    order_uuid = r.json["uuid"]
    tokens = {role: as_role(kassad, role)[1]
              for role in ("owner", "admin", "support", "finance", "viewer")}
    before = audit_count(kassad)
    forbidden = [
        ("viewer", "POST", "/admin/v1/shops", {"name": "x"}, "shop.create"),
        ("viewer", "POST", f"/admin/v1/orders/{order_uuid}/complete", {}, "order.complete"),
        ("support", "POST", "/admin/v1/withdrawals/1/complete", {}, "withdrawal.complete"),
        ("support", "PUT", "/admin/v1/rates/USDT-RUB", {"rate": "95.00"}, "rate.set"),
        ("finance", "POST", f"/admin/v1/orders/{order_uuid}/fail", {}, "order.fail"),
        ("finance", "PATCH", f"/admin/v1/shops/{shop['id']}", {"name": "y"}, "shop.update"),
        ("admin", "POST", "/admin/v1/operators", {"name": "x", "role": "viewer"},
         "operator.create"),
        ("admin", "GET", "/admin/v1/operators", None, "operator.list"),
        ("viewer", "POST", "/admin/v1/requisites", {"type": "SBP"}, "requisite.create"),
        ("support", "POST", "/admin/v1/clock/advance", {"seconds": 1}, "clock.advance"),
    ]
    for role, method, path, body, action in forbidden:
        st, answer = kassad.admin(method, path, body, token=tokens[role])
        assert (st, answer) == (403, {"error": f"the {role} role may not do {action}"}), (
            role, method, path)
    assert audit_count(kassad) == before
    assert kassad.count_rows("shops") == 1
    # What each may do (a 404 for a record that is not there shows the
    # role passed).
    allowed = [
        ("viewer", "GET", "/admin/v1/orders", None, 200),
        ("viewer", "GET", "/admin/v1/audit", None, 200),
        ("support", "POST", "/admin/v1/withdrawals/1/complete", None, None),
        ("finance", "POST", "/admin/v1/withdrawals/999/reject", {}, 404),
        ("finance", "PUT", "/admin/v1/rates/USDT-RUB", {"rate": "95.00"}, 200),
        ("finance", "PUT", f"/admin/v1/shops/{shop['id']}/tariff", {"fee_percent": "3"}, 200),
        ("support", "POST", f"/admin/v1/orders/{order_uuid}/complete", {}, 200),
        ("admin", "PATCH", f"/admin/v1/shops/{shop['id']}", {"name": "Renamed"}, 200),
        ("admin", "POST", "/admin/v1/requisites",
         {"type": "SBP", "requisite": "+79001112233", "owner_full_name": "Ivan I.",
          "bank_code": "sber", "bank_name_ru": "Сбер", "bank_name_en": "Sber",
          "currency": "RUB", "country_code": "RUS"}, 201),
        ("owner", "POST", "/admin/v1/operators", {"name": "New", "role": "viewer"}, 201),
        ("owner", "GET", "/admin/v1/operators", None, 200),
    ]
    for role, method, path, body, want in allowed:
        if want is None:
            continue
        st, answer = kassad.admin(method, path, body, token=tokens[role])
        assert st == want, (role, method, path, answer)
    lines = audit(kassad, limit=500)
    actions = [(l["actor"], l["action"]) for l in lines[:len(lines) - before]]
    assert actions == [
        ("owner person", "operator.create"),
        ("admin person", "requisite.create"),
        ("admin person", "shop.update"),
        ("support person", "order.complete"),
        ("finance person", "shop.tariff"),
        ("finance person", "rate.set"),
    ]


# ---- the audit log ----

def test_audit_line_before_after_without_secrets(kassad):
    shop = create_shop(kassad, requisite=False)
    op, tok = as_role(kassad, "admin")
    r = kassad.request("PATCH", f"/admin/v1/shops/{shop['id']}",
                       b'{"name": "New name", "callback_url": "https://shop.example/cb2"}',
                       [("Authorization", f"Bearer {tok}"), ("Content-Type", "application/json")])
    assert r.status == 200, r
    line = audit(kassad, kind="shop", target=shop["id"])[0]
    me = kassad.admin("GET", "/admin/v1/me", token=tok)[1]
    assert line["action"] == "shop.update"
    assert (line["actor_id"], line["actor"], line["token_id"]) == (op["id"], "admin person",
                                                                  me["token_id"])
    assert line["request_id"] == r.headers["X-Request-Id"]
    assert line["client"] == "127.0.0.1"
    assert line["before"]["name"] == shop["request"]["name"]
    assert line["after"]["name"] == "New name"
    assert line["after"]["callback_url"] == "https://shop.example/cb2"
    assert {k for k in line["before"] if line["before"][k] != line["after"][k]} == {
        "name", "callback_url"}
    text = str(audit(kassad, limit=500))
    for dialect in ("panda", "tegro"):
        assert shop[dialect]["secret"] not in text
        assert shop[dialect]["api_key"] not in text
    created = audit(kassad, action="shop.create")[0]
    assert created["before"] is None
    assert created["after"]["id"] == shop["id"]
    assert created["actor"] == "bootstrap" and created["actor_id"] is None


# Every setting of a shop and of a requisite is in its snapshot: a change of
# any one of them shows in the audit line as exactly that field.
SHOP_SETTINGS = [("test_mode", True, 1), ("dispute_ttl", 3600, 3600),
                 ("dispute_callbacks", True, 1), ("dispute_auto_success", True, 1),
                 ("amount_adjust_max", 5, 5), ("rate_limit", 10, 10), ("rate_burst", 20, 20),
                 ("logo_url", "https://shop.example/logo.png", "https://shop.example/logo.png"),
                 ("brand_color", "#112233", "#112233"),
                 ("allowed_hosts", ["pay.example"], "pay.example"),
                 ("fee_percent", "3.75", "3.75"), ("url", "https://shop.example/2",
                                                 "https://shop.example/2")]


def changed(line):
    return {k for k in set(line["before"]) | set(line["after"])
            if line["before"].get(k) != line["after"].get(k)}


def test_audit_shop_snapshot_has_every_setting(kassad):
    shop = create_shop(kassad, requisite=False)
    for field, value, shown in SHOP_SETTINGS:
        st, body = kassad.admin("PATCH", f"/admin/v1/shops/{shop['id']}", {field: value})
        assert st == 200, (field, body)
        line = audit(kassad, kind="shop", target=shop["id"])[0]
        assert line["action"] == "shop.update"
        assert changed(line) == {field}, (field, line)
        assert line["after"][field] == shown
    # The admin API's settings all have their place in the snapshot (a
    # dialect's order TTL and strict signing under "dialects").
    st, got = kassad.admin("GET", f"/admin/v1/shops/{shop['id']}")
    assert st == 200, got
    per_dialect = {"panda_order_ttl", "tegro_order_ttl", "callback_version",
                   "notification_format", "strict_signing"}
    assert set(got) - set(line["after"]) == {"shop_id"} | per_dialect
    assert [d["dialect"] for d in line["after"]["dialects"]] == ["panda", "tegro"]
    for field, value in [("callback_version", 2), ("notification_format", "json"),
                         ("strict_signing", True), ("tegro_order_ttl", 900)]:
        st, body = kassad.admin("PATCH", f"/admin/v1/shops/{shop['id']}", {field: value})
        assert st == 200, (field, body)
        line = audit(kassad, kind="shop", target=shop["id"])[0]
        assert changed(line) == {"dialects"}, (field, line)
    # Turning test mode off again shows as that too.
    st, body = kassad.admin("PATCH", f"/admin/v1/shops/{shop['id']}", {"test_mode": False})
    assert st == 200, body
    line = audit(kassad, kind="shop", target=shop["id"])[0]
    assert changed(line) == {"test_mode"}
    assert (line["before"]["test_mode"], line["after"]["test_mode"]) == (1, 0)
    text = str(audit(kassad, limit=500))
    for dialect in ("panda", "tegro"):
        assert shop[dialect]["secret"] not in text


def test_audit_requisite_snapshot_has_pause_and_limits(kassad):
    req = create_requisite(kassad)
    for field, value, shown in [("paused", True, 1), ("min_amount", "100.00", 10000),
                                ("max_amount", "5000.00", 500000),
                                ("daily_amount", "20000.00", 2000000), ("daily_count", 7, 7),
                                ("max_pending", 3, 3), ("owner_full_name", "B. B.", "B. B."),
                                ("active", False, 0), ("paused", False, 0)]:
        st, body = kassad.admin("PATCH", f"/admin/v1/requisites/{req['id']}", {field: value})
        assert st == 200, (field, body)
        line = audit(kassad, kind="requisite", target=req["id"])[0]
        assert line["action"] == "requisite.update"
        assert changed(line) == {field}, (field, line)
        assert line["after"][field] == shown


def test_audit_order_by_uuid_names_its_id(kassad):
    shop = create_shop(kassad)
    r = kassad.panda(shop).create_order(amount="250.00", merchant_order_id="m-7")
    assert r.status == 200, r
    st, order = kassad.admin("POST", f"/admin/v1/orders/{r.json['uuid']}/complete", {})
    assert st == 200, order
    line = audit(kassad, action="order.complete")[0]
    assert (line["kind"], line["target"]) == ("order", str(order["id"]))
    assert (line["before"]["status"], line["after"]["status"]) == ("pending", "completed")
    assert line["after"]["amount"] == 25000
    # A refused transition writes no line.
    st, body = kassad.admin("POST", f"/admin/v1/orders/{r.json['uuid']}/fail", {})
    assert st == 409, body
    assert len(audit(kassad, action="order.fail")) == 0


def test_audit_filters_and_pages(kassad):
    owner, to = as_role(kassad, "owner")
    for i in range(3):
        create_requisite(kassad, requisite=f"+7900000000{i}")
    st, _ = kassad.admin("PUT", "/admin/v1/rates/USDT-RUB", {"rate": "90.00"}, token=to)
    assert st == 200
    assert [l["action"] for l in audit(kassad, actor=owner["id"])] == ["rate.set"]
    assert [l["action"] for l in audit(kassad, actor=0)] == [
        "requisite.create"] * 3 + ["token.create", "operator.create"]
    assert len(audit(kassad, action="requisite.")) == 3
    assert len(audit(kassad, action="requisite.create")) == 3
    assert len(audit(kassad, action="requisite")) == 0
    rate = audit(kassad, kind="rate", target="USDT-RUB")[0]
    assert rate["before"] is None and rate["after"]["rate"] == "90.00"
    page1 = kassad.admin("GET", "/admin/v1/audit?limit=2&order=asc")[1]
    page2 = kassad.admin("GET", f"/admin/v1/audit?limit=2&order=asc&cursor={page1['next_cursor']}")[1]
    ids = [l["id"] for l in page1["items"] + page2["items"]]
    assert ids == sorted(ids) and len(set(ids)) == 4
    now = kassad.now()
    assert len(audit(kassad, **{"from": now + 3600})) == 0
    assert len(audit(kassad, **{"to": now - 3600})) == 0
    assert len(audit(kassad, **{"from": now - 3600, "to": now + 3600})) == 6
    for q, msg in [("actor=x", "actor: expected an integer between 0 and 9223372036854775807"),
                   ("from=yesterday", "from: expected an RFC 3339 time or Unix seconds"),
                   ("who=me", "unknown argument 'who': the audit log is listed by actor (an "
                              "operator id, or 0: the bootstrap token), action, kind, target, "
                              "from and to (with limit, cursor, order)")]:
        assert kassad.admin("GET", "/admin/v1/audit?" + q) == (400, {"error": msg}), q


def test_audit_log_is_append_only(kassad):
    create_requisite(kassad)
    assert audit_count(kassad) == 1
    if kassad.db_url and kassad.db_url.startswith(("postgresql://", "postgres://")):
        for sql in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
            with pytest.raises(KassadError, match="audit_log is append-only"):
                pg_scalar(kassad.db_url, sql)
    else:
        con = sqlite3.connect(kassad.db_path, timeout=10)
        try:
            for sql in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
                with pytest.raises(sqlite3.IntegrityError, match="audit_log is append-only"):
                    con.execute(sql)
        finally:
            con.close()
    assert audit(kassad)[0]["actor"] == "bootstrap"
    # And no API changes it.
    for method in ("DELETE", "PATCH", "POST", "PUT"):
        assert kassad.admin(method, "/admin/v1/audit", {})[0] == 404


def test_cli_operator_token_audit(kassad):
    env = {"KASSA_SERVER": kassad.base_url, "KASSA_ADMIN_TOKEN": kassad.admin_token}
    r = kassa("operator", "create", "--name", "Cli Op", "--role", "finance", env=env)
    assert r.returncode == 0, r.stderr
    op_id = int(re.search(r'"id":(\d+)', r.stdout).group(1))
    r = kassa("token", "create", "--operator", str(op_id), "--name", "cron", env=env)
    assert r.returncode == 0, r.stderr
    token = re.search(r'"token":"(kop_[0-9a-f]{48})"', r.stdout).group(1)
    r = kassa("whoami", env={**env, "KASSA_ADMIN_TOKEN": token})
    assert r.returncode == 0 and '"role":"finance"' in r.stdout, r
    r = kassa("operator", "create", "--name", "x", "--role", "viewer",
              env={**env, "KASSA_ADMIN_TOKEN": token})
    assert r.returncode == 1
    assert r.stderr.strip() == "kassa: HTTP 403 Forbidden: the finance role may not do operator.create"
    r = kassa("operator", "update", str(op_id), "--disabled", "on", env=env)
    assert r.returncode == 0 and '"disabled":true' in r.stdout, r
    r = kassa("audit", "list", "--action", "operator.", env=env)
    assert r.returncode == 0
    assert r.stdout.count('"action":"operator.') == 2, r.stdout
    r = kassa("token", "list", "--operator", str(op_id), env=env)
    assert r.returncode == 0 and token not in r.stdout
    tok_id = re.search(r'"id":(\d+)', r.stdout).group(1)
    r = kassa("token", "revoke", tok_id, env=env)
    assert r.returncode == 0 and '"revoked_at":"' in r.stdout, r


def test_operator_token_reads_metrics(kassad):
    op, tok = as_role(kassad, "viewer")
    r = kassad.request("GET", "/metrics", headers=[("Authorization", f"Bearer {tok}")])
    assert r.status == 200 and b"kassa_http_requests_total" in r.body
    kassad.admin("DELETE", f"/admin/v1/tokens/{kassad.admin('GET', '/admin/v1/me', token=tok)[1]['token_id']}")
    r = kassad.request("GET", "/metrics", headers=[("Authorization", f"Bearer {tok}")])
    assert (r.status, r.json) == (401, {"error": "missing or wrong bearer token"})


def test_log_lines_name_the_operator_and_the_shop(kassad):
    op, tok = as_role(kassad, "admin")
    r = kassad.request("PATCH", "/admin/v1/shops/999", b'{"name": "x"}',
                       [("Authorization", f"Bearer {tok}"), ("Content-Type", "application/json")])
    assert r.status == 404
    rid = r.headers["X-Request-Id"]
    log = kassad.wait_log(f"req={rid} who=operator:{op['id']} msg=\"request\"")
    assert f'req={rid} who=operator:{op["id"]} msg="request" method=PATCH' in log
    shop = create_shop(kassad, requisite=False)
    r = kassad.panda(shop).create_order(amount="100.00", merchant_order_id="who-1")
    rid = r.headers["X-Request-Id"]
    assert f"req={rid} who=shop:{shop['id']} msg=" in kassad.wait_log(f"req={rid} who=shop:")
    # A failed authentication names nobody.
    r = kassad.request("GET", "/admin/v1/me", headers=[("Authorization", "Bearer nope")])
    rid = r.headers["X-Request-Id"]
    log = kassad.wait_log(f"req={rid} msg=\"request\"")
    assert f"req={rid} who=" not in log
