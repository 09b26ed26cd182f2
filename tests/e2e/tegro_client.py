"""A Tegro.money merchant for kassa's end-to-end tests (standard library only).

``TegroClient`` signs REST calls exactly the way the seed
(003_de0cab9466c10ebc) does: ``body = json.dumps(data)`` with Python's
default separators, ``nonce = int(time.time())`` (the server's clock when a
``clock`` callable is given), ``Authorization: Bearer`` + lower-case hex
HMAC-SHA256(api_key, body), POSTed to ``/api/<method>/``. ``form_sign`` is
the seed's MD5 form sign, in both of its query-string spellings.
"""

import hashlib
import hmac
import json
import re
import time
import urllib.parse

from kassa_client import Response, send_raw, urllib_request

PAY_URL_RE = re.compile(r"^(?P<base>https?://[^/]+)/pay/complete/(?P<id>\d+)/(?P<token>[0-9a-f]{32})/$")
DATE_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


def form_sign(secret, data, style="raw"):
    """The seed's MD5 sign: sorted fields joined raw ("k=v&...") or with
    urllib.parse.urlencode, then the secret appended."""
    sorted_data = dict(sorted(data.items()))
    if style == "raw":
        query_string = "&".join([f"{key}={value}" for key, value in sorted_data.items()])
    else:
        query_string = urllib.parse.urlencode(sorted_data)
    return hashlib.md5(f"{query_string}{secret}".encode()).hexdigest()


class TegroClient:
    def __init__(self, base_url, shop_id, api_key, secret, clock=None):
        self.base_url = base_url.rstrip("/")
        self.shop_id = shop_id
        self.api_key = api_key
        self.secret = secret
        self.clock = clock or time.time

    def nonce(self):
        return int(self.clock())

    def body(self, data=None, nonce=None):
        payload = {"shop_id": self.shop_id, "nonce": self.nonce() if nonce is None else nonce}
        payload.update(data or {})
        return json.dumps(payload)

    def sign(self, body):
        if isinstance(body, str):
            body = body.encode("utf-8")
        return hmac.new(self.api_key.encode("utf-8"), body, hashlib.sha256).hexdigest()

    def post(self, method, body, sign=None, path=None):
        """POST a ready body (str/bytes), signed unless `sign` is given ("" sends
        no Authorization header). Returns a Response."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = {"Content-Type": "application/json"}
        s = self.sign(body) if sign is None else sign
        if s != "":
            headers["Authorization"] = "Bearer " + s
        url = self.base_url + (path or f"/api/{method}/")
        return urllib_request(url, "POST", body, headers)

    def call(self, method, data=None, nonce=None, **kw):
        """Build the seed's body (shop_id, nonce, data) and POST it."""
        return self.post(method, self.body(data, nonce), **kw)

    def ok(self, method, data=None, nonce=None):
        """call() that must succeed: returns the envelope's data."""
        r = self.call(method, data, nonce=nonce if nonce is not None else time.time_ns())
        assert r.status == 200, r
        assert r.json is not None and r.json.get("type") == "success", r.body
        assert r.json["desc"] == ""
        return r.json["data"]

    def create_order(self, nonce=None, **fields):
        """createOrder with defaults (RUB 1200, payment_system 28); a field
        given as None is left out of the body."""
        data = {"currency": "RUB", "amount": 1200, "order_id": f"order-{time.time_ns()}",
                "payment_system": 28}
        data.update(fields)
        data = {k: v for k, v in data.items() if v is not None}
        return self.call("createOrder", data, nonce=nonce if nonce is not None else time.time_ns())

    def pay_link(self, base_url=None, sign_style="raw", **fields):
        """A signed GET /pay/?... link (path and query)."""
        data = {"shop_id": self.shop_id, "amount": 100, "currency": "RUB", "order_id": "123"}
        signed = {k: v for k, v in fields.items() if k in ("amount", "currency", "order_id", "test")}
        data.update(signed)
        sign = form_sign(self.secret, data, sign_style)
        q = dict(data)
        q.update({k: v for k, v in fields.items() if k not in signed})
        q["sign"] = sign
        return "/pay/?" + urllib.parse.urlencode(q)


def tegro_for(server, creds):
    """A TegroClient for a shop's creds (create_shop's answer) on `server`'s clock."""
    return TegroClient(server.base_url, creds["shop_id"], creds["tegro"]["api_key"],
                       creds["tegro"]["secret"], clock=server.now)


def get(server, path, headers=()):
    """GET without following redirects."""
    return send_raw(server.base_url, "GET", path, headers=headers)


def post_form(server, path, fields):
    """POST application/x-www-form-urlencoded (a list of pairs or a dict), no redirects."""
    body = urllib.parse.urlencode(fields).encode()
    return send_raw(server.base_url, "POST", path, body,
                    [("Content-Type", "application/x-www-form-urlencoded")])


__all__ = ["TegroClient", "form_sign", "tegro_for", "get", "post_form", "PAY_URL_RE",
           "DATE_RE", "Response"]
