"""The console's sign-in and sessions (/console/api/session, TOTP) and the
session cookie taken by the admin and trader APIs in place of their own
credentials: cookie attributes, CSRF, roles, audit, rate limits."""
import base64
import hashlib
import hmac
import json
import struct

from kassa_client import send_raw

PASSWORD = "correct horse battery"
WRONG = {"error": "wrong login or password"}
NOT_SIGNED_IN = {"error": "not signed in"}
CSRF_MSG = {"error": "missing or wrong CSRF token"}


class Session:
    """A browser's view: the cookie and the CSRF token of one sign-in."""

    def __init__(self, server, cookie=None, csrf=None):
        self.server, self.cookie, self.csrf = server, cookie, csrf

    def call(self, method, path, body=None, csrf=True):
        headers = [("Cookie", f"kassa_session={self.cookie}")]
        if csrf and self.csrf:
            headers.append(("X-CSRF-Token", self.csrf))
        data = b""
        if body is not None:
            data = json.dumps(body).encode()
            headers.append(("Content-Type", "application/json"))
        r = send_raw(self.server.base_url, method, path, data, headers)
        return r.status, r.json


def sign_in(server, login, password=PASSWORD, totp=None, headers=()):
    body = {"login": login, "password": password}
    if totp is not None:
        body["totp"] = totp
    return send_raw(server.base_url, "POST", "/console/api/session", json.dumps(body).encode(),
                    [("Content-Type", "application/json"), *headers])


def session(server, login, password=PASSWORD, totp=None):
    r = sign_in(server, login, password, totp)
    assert r.status == 200, r.json
    cookie = r.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    return Session(server, cookie, r.json["csrf"]), r.json


def totp_code(secret, at):
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", at // 30), hashlib.sha1).digest()
    off = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000)


def make_operator(server, login, role="owner", name=None):
    st, op = server.admin("POST", "/admin/v1/operators",
                          {"name": name or login.title(), "role": role, "login": login,
                           "password": PASSWORD})
    assert st == 201, op
    return op


def make_trader(server, login=None, name="Tom"):
    body = {"name": name, "verified_name": name.upper(), "reward_bps": 100}
    if login:
        body.update(login=login, password=PASSWORD)
    st, t = server.admin("POST", "/admin/v1/traders", body)
    assert st == 201, t
    return t


def test_operator_signs_in_with_exact_cookie(kassad):
    op = make_operator(kassad, "olga", role="support")
    r = sign_in(kassad, "olga")
    assert r.status == 200
    token = r.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    assert len(token) == 64
    assert r.headers["Set-Cookie"] == (
        f"kassa_session={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200")
    assert r.headers["Cache-Control"] == "no-store"
    csrf = r.json["csrf"]
    assert len(csrf) == 48
    assert r.json == {"kind": "operator", "id": op["id"], "name": "Olga", "role": "support",
                      "login": "olga", "csrf": csrf, "totp_enabled": False, "lang": "en"}
    # Only the token's hash is kept.
    assert kassad.count_rows("console_sessions") == 1
    assert kassad.count_rows("console_sessions", "token_hash = ?",
                             (hashlib.sha256(token.encode()).hexdigest(),)) == 1
    s = Session(kassad, token, csrf)
    assert s.call("GET", "/console/api/session") == (200, r.json)
    st, me = s.call("GET", "/admin/v1/me")
    assert (st, me) == (200, {"operator_id": op["id"], "token_id": None, "name": "Olga",
                              "role": "support"})


def test_wrong_password_and_unknown_login_say_the_same(kassad):
    make_operator(kassad, "olga")
    for login, password in [("olga", "wrong password!"), ("nobody", PASSWORD)]:
        r = sign_in(kassad, login, password)
        assert (r.status, r.json) == (401, WRONG)
        assert "Set-Cookie" not in r.headers
    assert kassad.count_rows("console_sessions") == 0
    assert sign_in(kassad, "olga", "x", headers=()).status == 401
    r = send_raw(kassad.base_url, "POST", "/console/api/session", b'{"login": "olga"}',
                 [("Content-Type", "application/json")])
    assert (r.status, r.json) == (400, {"error": "password: expected a string of 1 to 255 "
                                                 "characters"})
    r = send_raw(kassad.base_url, "GET", "/console/api/session")
    assert (r.status, r.json) == (401, NOT_SIGNED_IN)


def test_sign_out_then_the_cookie_is_refused(kassad):
    make_operator(kassad, "olga")
    s, _ = session(kassad, "olga")
    # Without the CSRF header sign-out is refused and the session lives on.
    assert s.call("DELETE", "/console/api/session", csrf=False) == (403, CSRF_MSG)
    assert s.call("GET", "/console/api/session")[0] == 200
    r = send_raw(kassad.base_url, "DELETE", "/console/api/session", b"",
                 [("Cookie", f"kassa_session={s.cookie}"), ("X-CSRF-Token", s.csrf)])
    assert r.status == 204
    assert r.headers["Set-Cookie"] == "kassa_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
    assert s.call("GET", "/console/api/session") == (401, NOT_SIGNED_IN)
    assert s.call("GET", "/admin/v1/me") == (401, {"error": "invalid or missing admin token"})
    assert kassad.count_rows("console_sessions") == 0


def test_totp_setup_enable_sign_in_and_replay(kassad):
    make_operator(kassad, "olga")
    s, _ = session(kassad, "olga")
    # Setup without the CSRF token changes nothing.
    assert s.call("POST", "/console/api/totp/setup", csrf=False) == (403, CSRF_MSG)
    st, setup = s.call("POST", "/console/api/totp/setup")
    assert st == 200, setup
    secret = setup["secret"]
    assert len(secret) == 32 and len(base64.b32decode(secret)) == 20
    assert setup == {"secret": secret,
                     "otpauth_uri": f"otpauth://totp/kassa:olga?secret={secret}&issuer=kassa"}
    # Not on until a code proves the app has it: a password alone still signs in.
    assert sign_in(kassad, "olga").status == 200
    assert s.call("POST", "/console/api/totp/enable", {"code": "000000"}) == (
        400, {"error": "wrong one-time code"})
    now = kassad.now()
    assert s.call("POST", "/console/api/totp/enable", {"code": totp_code(secret, now)}) == (
        200, {"totp_enabled": True})
    assert s.call("GET", "/console/api/session")[1]["totp_enabled"] is True
    r = sign_in(kassad, "olga")
    assert (r.status, r.json) == (401, {"error": "one-time code required", "totp_required": True})
    r = sign_in(kassad, "olga", totp="123456" if totp_code(secret, now) != "123456" else "654321")
    assert (r.status, r.json) == (401, {"error": "wrong one-time code", "totp_required": True})
    # The code enabling it was taken: the next step's code signs in, once.
    kassad.advance_clock(30)
    code = totp_code(secret, kassad.now())
    r = sign_in(kassad, "olga", totp=code)
    assert r.status == 200 and r.json["totp_enabled"] is True, r.json
    r = sign_in(kassad, "olga", totp=code)
    assert (r.status, r.json) == (401, {"error": "wrong one-time code", "totp_required": True})
    # A wrong password with a right code says only that.
    kassad.advance_clock(30)
    r = sign_in(kassad, "olga", "wrong password!", totp=totp_code(secret, kassad.now()))
    assert (r.status, r.json) == (401, WRONG)
    # Off again with a fresh code.
    s2, _ = session(kassad, "olga", totp=totp_code(secret, kassad.now()))
    kassad.advance_clock(30)
    assert s2.call("POST", "/console/api/totp/disable",
                   {"code": totp_code(secret, kassad.now())}) == (200, {"totp_enabled": False})
    assert sign_in(kassad, "olga").status == 200


def test_rate_limit_per_login(kassad):
    make_operator(kassad, "olga")
    for _ in range(5):
        assert sign_in(kassad, "olga", "wrong password!").status == 401
    r = sign_in(kassad, "olga")  # the right password, too late
    assert (r.status, r.json) == (429, {"error": "too many sign-in attempts, try again later"})
    assert 1 <= int(r.headers["Retry-After"]) <= 900
    # Another login from the same address is not locked (30 per address).
    make_operator(kassad, "petr")
    assert sign_in(kassad, "petr").status == 200
    kassad.advance_clock(900)
    assert sign_in(kassad, "olga").status == 200


def test_rate_limit_per_address(kassad):
    for i in range(30):
        assert sign_in(kassad, f"nobody{i}", "wrong password!").status == 401
    make_operator(kassad, "olga")
    r = sign_in(kassad, "olga")
    assert r.status == 429 and "Retry-After" in r.headers


def test_csrf_missing_changes_nothing_and_viewer_may_not_write(kassad, make_shop):
    shop = make_shop(kassad)
    make_operator(kassad, "olga", role="admin")
    make_operator(kassad, "vera", role="viewer")
    s, _ = session(kassad, "olga")
    path = f"/admin/v1/shops/{shop['id']}"
    audited = kassad.count_rows("audit_log")
    assert s.call("PATCH", path, {"name": "Renamed"}, csrf=False) == (403, CSRF_MSG)
    s_bad = Session(kassad, s.cookie, "0" * 48)
    assert s_bad.call("PATCH", path, {"name": "Renamed"}) == (403, CSRF_MSG)
    before = kassad.admin("GET", path)[1]["name"]
    assert before != "Renamed"
    assert kassad.count_rows("audit_log") == audited
    v, _ = session(kassad, "vera")
    assert v.call("PATCH", path, {"name": "Renamed"}) == (
        403, {"error": "the viewer role may not do shop.update"})
    assert v.call("GET", path)[0] == 200
    # Through the console with the token: done, and audited as Olga.
    st, body = s.call("PATCH", path, {"name": "Renamed"})
    assert (st, body["name"]) == (200, "Renamed")
    st, audit = kassad.admin("GET", "/admin/v1/audit?action=shop.update")
    [line] = audit["items"]
    olga = kassad.admin("GET", "/admin/v1/operators")[1]["items"]
    olga_id = next(o["id"] for o in olga if o["login"] == "olga")
    assert (line["actor_id"], line["actor"], line["token_id"], line["client"]) == (
        olga_id, "Olga", None, "console@127.0.0.1")


def test_trader_session_sees_only_its_own(kassad):
    import test_trader_api as tapi
    from test_callbacks import Receiver
    rec = Receiver()
    try:
        shop, a, b, oa, ob = tapi.two_traders_with_orders(kassad, rec)
    finally:
        rec.close()
    for t, login in [(a, "ivan"), (b, "petr")]:
        st, body = kassad.admin("PATCH", f"/admin/v1/traders/{t.id}",
                                {"login": login, "password": PASSWORD})
        assert st == 200, body
    sb, info = session(kassad, "petr")
    assert info == {"kind": "trader", "id": b.id, "name": "Petr", "trader_id": b.id,
                    "login": "petr", "csrf": info["csrf"], "totp_enabled": False, "lang": "en"}
    st, page = sb.call("GET", "/trader/v1/orders")
    assert [o["uuid"] for o in page["items"]] == [ob["uuid"]]
    nf = (404, {"error": "Order not found"})
    assert sb.call("POST", f"/trader/v1/orders/{oa['uuid']}/received") == nf
    # A change without the CSRF token: refused in the trader API's shape.
    assert sb.call("POST", "/trader/v1/online", {"online": False}, csrf=False) == (403, CSRF_MSG)
    st, p = sb.call("POST", "/trader/v1/online", {"online": False})
    assert (st, p["online"]) == (200, False)
    # A trader's cookie is no credential for the admin API, nor an
    # operator's for the trader API.
    assert sb.call("GET", "/admin/v1/me") == (401, {"error": "invalid or missing admin token"})
    make_operator(kassad, "olga")
    so, _ = session(kassad, "olga")
    assert so.call("GET", "/trader/v1/orders") == (401, {"error": "missing X-API-Key header"})
    # Suspended: the session ends.
    assert kassad.admin("PATCH", f"/admin/v1/traders/{b.id}", {"status": "suspended"})[0] == 200
    assert sb.call("GET", "/trader/v1/orders") == (401, {"error": "missing X-API-Key header"})
    assert sign_in(kassad, "petr").status == 401


def test_merchant_users(kassad, make_shop):
    shop = make_shop(kassad)
    mid = shop["merchant_id"]
    path = f"/admin/v1/merchants/{mid}/users"
    st, u = kassad.admin("POST", path, {"name": "Mila", "login": "mila", "password": PASSWORD})
    assert (st, u) == (201, {"id": u["id"], "merchant_id": mid, "name": "Mila", "login": "mila",
                             "disabled": False, "created_at": u["created_at"]})
    st, page = kassad.admin("GET", path)
    assert (st, page) == (200, {"items": [u], "next_cursor": None})
    # A login is unique across operators, traders and merchant users.
    make_operator(kassad, "olga")
    assert kassad.admin("POST", path, {"name": "X", "login": "olga", "password": PASSWORD}) == (
        409, {"error": "login: 'olga' is taken"})
    assert kassad.admin("POST", "/admin/v1/traders",
                        {"name": "T", "verified_name": "T", "reward_bps": 1, "login": "mila",
                         "password": PASSWORD}) == (409, {"error": "login: 'mila' is taken"})
    assert kassad.admin("POST", "/admin/v1/operators",
                        {"name": "M", "role": "viewer", "login": "mila",
                         "password": PASSWORD}) == (409, {"error": "login: 'mila' is taken"})
    for body, msg in [
        ({"name": "X", "login": "x y", "password": PASSWORD},
         "login: 1 to 64 letters, digits or . _ @ -"),
        ({"name": "X", "login": "xy", "password": "short"}, "password: at least 12 characters"),
        ({"name": "X", "login": "xy"}, "password: required"),
        ({"login": "xy", "password": PASSWORD}, "name: required"),
        ({"name": "X", "login": "xy", "password": PASSWORD, "role": "owner"},
         "unknown field 'role': a merchant user takes name, login and password"),
    ]:
        assert kassad.admin("POST", path, body) == (400, {"error": msg}), body
    assert kassad.admin("POST", "/admin/v1/merchants/999/users",
                        {"name": "X", "login": "xy", "password": PASSWORD}) == (
        404, {"error": "Merchant not found"})
    assert kassad.count_rows("merchant_users") == 1
    s, info = session(kassad, "mila")
    assert info == {"kind": "merchant", "id": u["id"], "name": "Mila", "merchant_id": mid,
                    "login": "mila", "csrf": info["csrf"], "totp_enabled": False, "lang": "en"}
    # A merchant's cookie is refused by the admin API like no token at all.
    assert s.call("GET", "/admin/v1/shops") == (401, {"error": "invalid or missing admin token"})
    # Switched off: the session ends, and no sign-in.
    st, off = kassad.admin("PATCH", f"{path}/{u['id']}", {"disabled": True})
    assert (st, off["disabled"]) == (200, True)
    assert s.call("GET", "/console/api/session") == (401, NOT_SIGNED_IN)
    assert sign_in(kassad, "mila").status == 401
    # Back on with a new password.
    st, on = kassad.admin("PATCH", f"{path}/{u['id']}",
                          {"disabled": False, "password": "another long one"})
    assert st == 200, on
    assert sign_in(kassad, "mila").status == 401
    assert sign_in(kassad, "mila", "another long one").status == 200
    assert kassad.admin("PATCH", f"/admin/v1/merchants/{mid + 1}/users/{u['id']}",
                        {"disabled": True}) == (404, {"error": "Merchant user not found"})
    st, audit = kassad.admin("GET", "/admin/v1/audit?kind=merchant_user")
    assert [x["action"] for x in audit["items"]] == [
        "merchant_user.update", "merchant_user.update", "merchant_user.create"]
    assert "password" not in json.dumps(audit)


def test_disabled_operator_session_refused(kassad):
    op = make_operator(kassad, "olga", role="viewer")
    s, _ = session(kassad, "olga")
    assert s.call("GET", "/admin/v1/me")[0] == 200
    assert kassad.admin("PATCH", f"/admin/v1/operators/{op['id']}", {"disabled": True})[0] == 200
    assert s.call("GET", "/admin/v1/me") == (401, {"error": "invalid or missing admin token"})
    assert s.call("GET", "/console/api/session") == (401, NOT_SIGNED_IN)


def test_session_idle_and_absolute_expiry(kassad):
    make_operator(kassad, "olga")
    s, _ = session(kassad, "olga")
    kassad.advance_clock(29 * 60)
    assert s.call("GET", "/console/api/session")[0] == 200
    kassad.advance_clock(29 * 60)  # used 29 min ago: still on
    assert s.call("GET", "/console/api/session")[0] == 200
    kassad.advance_clock(31 * 60)
    assert s.call("GET", "/console/api/session") == (401, NOT_SIGNED_IN)
    s, _ = session(kassad, "olga")
    statuses = []
    for _ in range(25):  # used every 29 min: on until 12 h after the sign-in
        kassad.advance_clock(29 * 60)
        statuses.append(s.call("GET", "/console/api/session")[0])
    assert statuses == [200] * 24 + [401]


def test_secure_cookie_with_an_https_public_url(kassad_factory):
    server = kassad_factory(extra_args=["--public-url", "https://pay.example"])
    make_operator(server, "olga")
    r = sign_in(server, "olga")
    assert r.status == 200
    assert r.headers["Set-Cookie"].endswith("; Path=/; HttpOnly; SameSite=Strict; "
                                            "Max-Age=43200; Secure")


def test_cli_merchant_users_and_trader_login(kassad, make_shop):
    from test_cli import kassa
    shop = make_shop(kassad)
    env = {"KASSA_SERVER": kassad.base_url, "KASSA_ADMIN_TOKEN": kassad.admin_token}
    r = kassa("merchant-user", "create", "--merchant", str(shop["merchant_id"]), "--name", "Mila",
              "--login", "mila", "--password", PASSWORD, env=env)
    assert r.returncode == 0, r.stderr
    u = json.loads(r.stdout)
    assert (u["login"], u["merchant_id"]) == ("mila", shop["merchant_id"])
    r = kassa("merchant-user", "update", str(u["id"]), "--merchant", str(shop["merchant_id"]),
              "--disabled", "on", env=env)
    assert r.returncode == 0 and json.loads(r.stdout)["disabled"] is True, r.stderr
    r = kassa("merchant-user", "list", "--merchant", str(shop["merchant_id"]), env=env)
    assert [x["login"] for x in json.loads(r.stdout)["items"]] == ["mila"]
    r = kassa("trader", "create", "--name", "Tom", "--verified-name", "TOM", "--reward-bps", "10",
              "--login", "tom", "--password", PASSWORD, env=env)
    assert r.returncode == 0, r.stderr
    assert session(kassad, "tom")[1]["kind"] == "trader"
    assert sign_in(kassad, "mila").status == 401
