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
