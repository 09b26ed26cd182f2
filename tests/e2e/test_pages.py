"""End-to-end tests of the hosted payment form and the payer's pages
(spec/tegro.md "Hosted payment form"): signed links, the form POST, the
payer's page, the sandbox buttons and the QR images."""

import html as htmllib
import json
import re
import subprocess
import struct
import time
import urllib.parse
import zlib

import pytest

from kassa_client import SBP_REQUISITE, create_shop, release_pending, send_raw
from tegro_client import PAY_URL_RE, form_sign, get, post_form, tegro_for

PNG_SIG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def shop_p(kassad_shared):
    return create_shop(kassad_shared, name='Shop <b>"bold"</b> & co')


@pytest.fixture(scope="module")
def tc(kassad_shared, shop_p):
    return tegro_for(kassad_shared, shop_p)


@pytest.fixture(autouse=True)
def _amounts_free(request):
    """Each test starts with no order pending on the server's requisites: the
    links ask for one amount again and again, and a requisite takes one
    pending order of an amount at a time."""
    if "tc" in request.fixturenames:
        release_pending(request.getfixturevalue("kassad_shared"))


def html(r):
    return r.body.decode("utf-8")


def signed_query(tc, style="raw", extra_signed=None, unsigned=None, **base):
    data = {"shop_id": tc.shop_id, "amount": 100, "currency": "RUB",
            "order_id": f"web-{time.time_ns()}"}
    data.update(base)
    data.update(extra_signed or {})
    q = dict(data)
    q.update(unsigned or {})
    q["sign"] = form_sign(tc.secret, data, style)
    return q, data


def open_order(server, tc, **unsigned):
    """GET a signed /pay/ link with payment_system: -> (location path, id, token)."""
    unsigned.setdefault("payment_system", 28)
    q, _ = signed_query(tc, unsigned=unsigned)
    r = get(server, "/pay/?" + urllib.parse.urlencode(q))
    assert r.status == 303, html(r)
    loc = r.headers["Location"]
    m = re.match(r"^/pay/complete/(\d+)/([0-9a-f]{32})/$", loc)
    assert m, loc
    return loc, int(m[1]), m[2]


def method_form(page, method):
    """The chooser's form for `method`: (http method, action, [(name, value)])."""
    for m in re.finditer(r'<form method="(get|post)" action="([^"]+)">(.*?)</form>', page):
        if f'id="method-{method}"' in m[3]:
            fields = [(htmllib.unescape(k), htmllib.unescape(v)) for k, v in
                      re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', m[3])]
            return m[1], m[2], fields
    raise AssertionError(f"no method-{method} in the chooser")


def choose(server, page, method):
    """Press the chooser's button for `method` (as a browser submits its form)."""
    verb, action, fields = method_form(page, method)
    if verb == "get":
        return get(server, action + "?" + urllib.parse.urlencode(fields))
    return post_form(server, action, fields)


def test_spec_sign_vectors():
    secret = "GB%^&*YJni677"
    data = {"shop_id": "D0F98E7D7742609DC508D86BB7500914", "amount": 100, "currency": "RUB",
            "order_id": "123"}
    assert form_sign(secret, data) == "ab399192242d30c151efda7f8c47b304"
    assert form_sign(secret, dict(data, test=1)) == "776f41234423f7f38c5a6e15baec854f"


@pytest.mark.parametrize("style", ["raw", "urlencode"])
def test_signed_link_without_method_shows_the_chooser(kassad_shared, tc, style):
    q, _ = signed_query(tc, style, order_id="Order #1 & more")
    r = get(kassad_shared, "/pay/?" + urllib.parse.urlencode(q))
    assert r.status == 200, html(r)
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    page = html(r)
    assert 'id="method-28"' in page and 'id="method-36"' in page
    assert 'id="method-5"' not in page  # no provider for real payments
    assert "Shop &lt;b&gt;&quot;bold&quot;&lt;/b&gt; &amp; co" in page
    assert "<b>" not in page
    assert "100.00 RUB" in page
    # the chooser's button sends the signed query again with payment_system
    r2 = choose(kassad_shared, page, 28)
    assert r2.status == 303 and r2.headers["Location"].startswith("/pay/complete/")


def test_test_mode_chooser_offers_every_method(kassad_shared, tc):
    q, _ = signed_query(tc, extra_signed={"test": 1}, unsigned={"lang": "en"})
    page = html(get(kassad_shared, "/pay/?" + urllib.parse.urlencode(q)))
    assert 'id="method-5"' in page and "Choose a payment method" in page


@pytest.mark.parametrize("mutate,status,message", [
    (lambda q: q.update(sign="0" * 32), 403, "Wrong sign"),
    (lambda q: q.update(amount="100.00"), 403, "Wrong sign"),  # "100" and "100.00" differ
    (lambda q: q.update(test="1"), 403, "Wrong sign: expected md5 of the sorted query string "
                                        "of amount, currency, order_id, shop_id, test"),
    (lambda q: q.pop("sign"), 400, "Missing required parameter: sign"),
    (lambda q: q.pop("amount"), 400, "Missing required parameter: amount"),
    (lambda q: q.update(shop_id="0" * 32), 404, "Unknown shop_id"),
])
def test_bad_links_refused_with_a_reason(kassad_shared, tc, mutate, status, message):
    before = kassad_shared.count_rows("orders")
    q, _ = signed_query(tc, unsigned={"payment_system": 28})
    mutate(q)
    r = get(kassad_shared, "/pay/?" + urllib.parse.urlencode(q))
    assert r.status == status
    assert message in html(r)
    assert kassad_shared.count_rows("orders") == before


def test_link_with_method_creates_once_and_shows_requisite_and_qr(kassad_shared, tc, shop_p):
    q, _ = signed_query(tc, order_id="<script>alert(1)</script>",
                        unsigned={"payment_system": 28})
    link = "/pay/?" + urllib.parse.urlencode(q)
    r = get(kassad_shared, link)
    assert r.status == 303
    loc = r.headers["Location"]
    assert get(kassad_shared, link).headers["Location"] == loc  # the same order again
    page = html(get(kassad_shared, loc))
    req = shop_p["requisite"]
    assert f'id="requisite-value">{req["requisite"]}<' in page
    assert "Сбербанк" in page and "Ivan Ivanov" in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'data-status="pending"' in page
    assert re.search(r'id="ttl">(23:59:\d\d|24:00:00)<', page)
    assert 'id="pay"' not in page  # not a test order
    qr = re.search(r'<img id="qr" alt="QR" src="([^"]+)"', page)[1]
    png = get(kassad_shared, qr)
    assert png.status == 200 and png.headers["Content-Type"] == "image/png"
    assert png.body.startswith(PNG_SIG)
    # no external assets (the link back to the shop is no asset)
    assert not re.search(r'src="(https?:)?//', page)
    assert re.findall(r'href="(https?:)?//[^"]*"', page) == ["https:"]
    # the API sees the order
    oid = int(loc.split("/")[3])
    o = tc.ok("order", {"order_id": oid})
    assert o["payment_id"] == "<script>alert(1)</script>" and o["amount"] == "100.00000000"


def test_wrong_token_and_id(kassad_shared, tc):
    loc, oid, token = open_order(kassad_shared, tc)
    bad = token[:-1] + ("0" if token[-1] != "0" else "1")
    for path in (f"/pay/complete/{oid}/{bad}/", f"/pay/complete/{oid + 1000}/{token}/",
                 f"/pay/complete/{oid}/{token[:31]}/", f"/pay/qr/{oid}/{bad}/dark.png"):
        r = get(kassad_shared, path)
        assert r.status == 404, path
    assert get(kassad_shared, f"/pay/qr/{oid}/{token}/other.png").status == 404


def test_status_endpoint(kassad_shared, tc):
    loc, oid, token = open_order(kassad_shared, tc)
    r = get(kassad_shared, loc + "status")
    assert r.status == 200
    assert r.json["status"] == 0 and r.json["state"] == "pending"
    assert 86000 < r.json["ttl"] <= 86400


def test_lang_en(kassad_shared, tc):
    loc, _, _ = open_order(kassad_shared, tc, lang="en")
    page = html(get(kassad_shared, loc))
    assert '<html lang="en">' in page and "Waiting for payment" in page
    page = html(get(kassad_shared, loc + "?lang=ru"))
    assert "Ожидает оплаты" in page


def test_sandbox_pay_goes_to_success_url(kassad_shared, tc):
    q, _ = signed_query(tc, extra_signed={"test": 1},
                        unsigned={"payment_system": 28,
                                  "success_url": "https://shop.example/ok?x=1&y=<2>",
                                  "fail_url": "https://shop.example/fail"})
    r = get(kassad_shared, "/pay/?" + urllib.parse.urlencode(q))
    loc = r.headers["Location"]
    page = html(get(kassad_shared, loc))
    assert 'id="pay"' in page and 'id="fail"' in page
    assert 'id="requisite-value">+79990000000<' in page  # the sandbox's requisite
    assert 'id="qr"' in page
    r = post_form(kassad_shared, loc + "pay", {})
    assert r.status == 303
    assert r.headers["Location"] == "https://shop.example/ok?x=1&y=<2>"
    oid = int(loc.split("/")[3])
    o = tc.ok("order", {"order_id": oid})
    assert o["status"] == 1 and o["test_order"] == 1 and o["date_payed"]
    again = post_form(kassad_shared, loc + "pay", {})
    assert again.status == 409 and "Этот заказ больше нельзя оплатить" in html(again)
    page = html(get(kassad_shared, loc))
    assert 'data-status="completed"' in page and 'id="pay"' not in page
    assert 'content="3;url=https://shop.example/ok?x=1&amp;y=&lt;2&gt;"' in page


def test_sandbox_fail_goes_to_fail_url(kassad_shared, tc):
    q, _ = signed_query(tc, extra_signed={"test": 1},
                        unsigned={"payment_system": 5, "fail_url": "https://shop.example/f"})
    loc = get(kassad_shared, "/pay/?" + urllib.parse.urlencode(q)).headers["Location"]
    r = post_form(kassad_shared, loc + "fail", {})
    assert r.status == 303 and r.headers["Location"] == "https://shop.example/f"
    assert tc.ok("order", {"order_id": int(loc.split("/")[3])})["status"] == 2


def test_sandbox_refuses_real_orders(kassad_shared, tc):
    loc, oid, _ = open_order(kassad_shared, tc)
    r = post_form(kassad_shared, loc + "pay", {})
    assert r.status == 403 and "Only test orders" in html(r)
    assert tc.ok("order", {"order_id": oid})["status"] == 0


def form_fields(tc, order_id, amount="100", items=None, **extra):
    data = {"shop_id": tc.shop_id, "amount": amount, "currency": "RUB", "order_id": order_id}
    fields = dict(data)
    fields.update({"payment_system": "28", "lang": "ru", "fields[email]": "buyer@example.com"})
    for i, (name, count, price) in enumerate(items or []):
        fields[f"receipt[items][{i}][name]"] = name
        fields[f"receipt[items][{i}][count]"] = count
        fields[f"receipt[items][{i}][price]"] = price
    fields.update(extra)
    fields["sign"] = form_sign(tc.secret, data)
    return fields


def test_form_post_with_receipt_creates_and_redirects(kassad_shared, tc):
    oid = f"form-{time.time_ns()}"
    before = kassad_shared.count_rows("receipt_items")
    r = post_form(kassad_shared, "/pay/form/", form_fields(
        tc, oid, items=[("Пример услуги", "1", "20"), ("Пример услуги 2", "2", "40")]))
    assert r.status == 303, html(r)
    loc = r.headers["Location"]
    assert PAY_URL_RE.match(kassad_shared.base_url + loc)
    assert kassad_shared.count_rows("receipt_items") == before + 2
    o = tc.ok("order", {"payment_id": oid})
    assert o["email"] == "buyer@example.com" and o["amount"] == "100.00000000"
    page = html(get(kassad_shared, loc))
    assert 'id="items"' in page and "Пример услуги 2" in page and "2 &times; 40.00" in page


@pytest.mark.parametrize("items,extra,message", [
    ([("a", "1", "20")], {}, "receipt: items total 20.00, but amount is 100.00"),
    ([("a", "1", "50"), ("b", "x", "50")], {},
     "receipt item 1: count must be a number greater than 0 with at most 3 decimals"),
    ([], {"receipt[items][0][name]": "a", "receipt[items][0][count]": "1",
          "receipt[items][2][name]": "c"}, "receipt item 0: price must be"),
    ([], {"receipt[items][x][name]": "a"}, "Bad receipt field"),
    ([], {"fields[email]": "nope"}, "Wrong email in fields"),
    ([], {"payment_system": ""}, "Missing required parameter: payment_system"),
])
def test_form_refusals_store_nothing(kassad_shared, tc, items, extra, message):
    before = (kassad_shared.count_rows("orders"), kassad_shared.count_rows("receipt_items"))
    r = post_form(kassad_shared, "/pay/form/", form_fields(tc, f"bad-{time.time_ns()}",
                                                         items=items, **extra))
    assert r.status == 400
    assert message in html(r)
    assert (kassad_shared.count_rows("orders"),
            kassad_shared.count_rows("receipt_items")) == before


def test_form_with_the_wrong_sign(kassad_shared, tc):
    fields = form_fields(tc, "x")
    fields["amount"] = "100.00"
    r = post_form(kassad_shared, "/pay/form/", fields)
    assert r.status == 403 and "Wrong sign" in html(r)


def test_create_order_url_is_the_page(kassad_shared, tc):
    d = tc.create_order(amount="5.00").json["data"]
    path = urllib.parse.urlsplit(d["url"]).path
    page = html(get(kassad_shared, path))
    assert "5.00 RUB" in page


def test_panda_qr_urls_are_served(kassad_shared, shop_p):
    p = kassad_shared.panda(shop_p)
    o = p.create_order(amount="10.00").json
    view = kassad_shared.request("GET", f"/orders/callback/{o['uuid_callback']}").json
    for key in ("dark_qr_code_url", "light_qr_code_url"):
        path = urllib.parse.urlsplit(view[key]).path
        r = get(kassad_shared, path)
        assert r.status == 200 and r.body.startswith(PNG_SIG), key
    page = get(kassad_shared, urllib.parse.urlsplit(view["payment_redirect_url"]).path)
    assert page.status == 200 and "10.00 RUB" in html(page)
    # an SBP phone: the QR code is the page's own address
    assert view["qr_code_kind"] == "page"
    assert view["qr_code_payload"] == view["payment_redirect_url"]
    assert view["shop"]["name"] == 'Shop <b>"bold"</b> & co'


def decode_png(data):
    """A minimal PNG reader for kassa's grayscale QR images: checks the CRCs,
    inflates, unfilters (filter 0 only) -> (width, height, depth, rows of pixels)."""
    assert data.startswith(PNG_SIG)
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        crc, = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        assert zlib.crc32(kind + body) == crc, kind
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    assert kind == b"IEND"
    w, h, depth, color, _, _, interlace = ihdr
    assert color == 0 and interlace == 0
    raw = zlib.decompress(idat)
    stride = (w * depth + 7) // 8 + 1
    assert len(raw) == stride * h
    rows = []
    for y in range(h):
        line = raw[y * stride:(y + 1) * stride]
        assert line[0] == 0
        if depth == 1:
            rows.append([(line[1 + x // 8] >> (7 - x % 8)) & 1 for x in range(w)])
        else:
            rows.append(list(line[1:]))
    return w, h, depth, rows


def test_qr_pngs_decode(kassad_shared, tc):
    loc, oid, token = open_order(kassad_shared, tc)
    dark = decode_png(get(kassad_shared, f"/pay/qr/{oid}/{token}/dark.png").body)
    light = decode_png(get(kassad_shared, f"/pay/qr/{oid}/{token}/light.png").body)
    w, h, depth, rows = dark
    assert w == h and depth == 1 and w % 8 == 0
    assert rows[0][0] == 1 and rows[-1][-1] == 1        # white quiet zone
    assert rows[32][32] == 0                              # the finder pattern's corner
    assert light[3][0][0] == 0 and light[3][32][32] == 1  # the same, inverted
    assert [[1 - p for p in r] for r in light[3]] == rows


def test_seed_form_with_an_unavailable_method_lets_the_payer_choose(kassad_shared, tc):
    """The seed's form posts payment_system 11 (Perfect Money), which has no
    provider here: the payer picks an available method, the receipt and
    fields travel on."""
    oid = f"seedform-{time.time_ns()}"
    fields = form_fields(tc, oid, items=[("Пример услуги", "1", "20"),
                                         ("Пример услуги 2", "2", "40")], payment_system="11")
    before = kassad_shared.count_rows("orders")
    r = post_form(kassad_shared, "/pay/form/", fields)
    assert r.status == 200
    page = html(r)
    assert 'id="refused"' in page and "11" in page
    verb, action, sent = method_form(page, 28)
    assert (verb, action) == ("post", "/pay/form/")
    assert ("receipt[items][1][name]", "Пример услуги 2") in sent
    assert ("payment_system", "28") in sent and ("payment_system", "11") not in sent
    assert kassad_shared.count_rows("orders") == before
    r = choose(kassad_shared, page, 28)
    assert r.status == 303, html(r)
    o = tc.ok("order", {"payment_id": oid})
    assert o["payment_system_id"] == 28 and o["email"] == "buyer@example.com"
    assert "Пример услуги 2" in html(get(kassad_shared, r.headers["Location"]))


def test_disabled_method_link_lets_the_payer_choose(kassad):
    creds = create_shop(kassad)
    t = tegro_for(kassad, creds)
    assert kassad.admin("PUT", f"/admin/v1/shops/{creds['id']}/methods/28",
                        {"enabled": False})[0] == 200
    q, _ = signed_query(t, unsigned={"payment_system": 28})
    r = get(kassad, "/pay/?" + urllib.parse.urlencode(q))
    assert r.status == 200
    page = html(r)
    assert 'id="refused"' in page and 'id="method-28"' not in page and 'id="method-36"' in page
    assert kassad.count_rows("orders") == 0


def test_sandbox_payment_notifies_notify_url_with_a_valid_sign(kassad_shared, tc):
    """The whole form flow as a merchant sees it: the payer pays in the
    sandbox, the merchant's notify_url receives Tegro's form-encoded
    notification, which verifies with the seed's own recipe."""
    import hashlib
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    got = []

    class Notify(BaseHTTPRequestHandler):
        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            got.append((self.path, self.headers.get("Content-Type"), self.rfile.read(n)))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"OK")

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Notify)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        notify = f"http://127.0.0.1:{srv.server_address[1]}/tegro/notify"
        oid = f"notify-{time.time_ns()}"
        q, _ = signed_query(tc, order_id=oid, extra_signed={"test": 1},
                            unsigned={"payment_system": 28, "notify_url": notify})
        loc = get(kassad_shared, "/pay/?" + urllib.parse.urlencode(q)).headers["Location"]
        assert post_form(kassad_shared, loc + "pay", {}).status == 303
        deadline = time.monotonic() + 15
        while not got and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        srv.shutdown()
        srv.server_close()
    assert got, "no notification arrived"
    path, ctype, body = got[0]
    assert path == "/tegro/notify"
    assert ctype.startswith("application/x-www-form-urlencoded")
    data = dict(urllib.parse.parse_qsl(body.decode()))
    assert data["order_id"] == oid and data["shop_id"] == tc.shop_id
    assert data["currency"] == "RUB" and data["test"] == "1" and data["payment_system"] == "28"
    # the seed's verification, verbatim
    secret = tc.secret
    data = dict(data)
    sign = data.pop("sign", None)
    sorted_data = dict(sorted(data.items()))
    query_string = urllib.parse.urlencode(sorted_data)
    str_to_sign = f"{query_string}{secret}"
    assert hashlib.md5(str_to_sign.encode()).hexdigest() == sign


@pytest.mark.parametrize("field", ["success_url", "fail_url", "notify_url"])
def test_hosted_form_urls_only_on_the_shops_hosts(kassad_shared, tc, field):
    """The hosted form's URLs are not signed (Tegro's contract): anyone
    holding a payment link could send the payer, or the merchant's
    notification, elsewhere. Only the hosts of the shop's url and
    callback_url are taken there; the signed REST createOrder is not
    limited."""
    before = kassad_shared.count_rows("orders")
    q, _ = signed_query(tc, unsigned={"payment_system": 28, field: "https://evil.example/x"})
    r = get(kassad_shared, "/pay/?" + urllib.parse.urlencode(q))
    assert r.status == 400, r
    assert f"{field}: not a host of this shop" in html(r)
    assert kassad_shared.count_rows("orders") == before
    q, _ = signed_query(tc, unsigned={"payment_system": 28,
                                      field: "https://SHOP.example:8443/back"})
    assert get(kassad_shared, "/pay/?" + urllib.parse.urlencode(q)).status == 303
    r = tc.create_order(**{field: "https://elsewhere.example/x"})
    assert r.json["type"] == "success", r.body


def test_operator_lists_further_hosts_for_the_form(kassad_shared, tc, shop_p):
    """An operator may allow further hosts for the form's URLs (a payment
    partner's, say): PATCH allowed_hosts, or kassa shop update --allowed-hosts."""
    import json
    import subprocess
    from test_cli import cli_path as kassa_cli_path
    st, body = kassad_shared.admin("PATCH", f"/admin/v1/shops/{shop_p['id']}",
                                   {"allowed_hosts": ["Pay.Partner.example"]})
    assert st == 200 and body["allowed_hosts"] == ["pay.partner.example"], body
    q, _ = signed_query(tc, unsigned={"payment_system": 28,
                                      "success_url": "https://pay.partner.example/ok"})
    assert get(kassad_shared, "/pay/?" + urllib.parse.urlencode(q)).status == 303
    for bad, why in ((["a b"], "allowed_hosts: expected host names (letters, digits, '.', '-'), "
                               "at most 16"),
                     ("x", "allowed_hosts: expected an array of host names")):
        st, body = kassad_shared.admin("PATCH", f"/admin/v1/shops/{shop_p['id']}",
                                       {"allowed_hosts": bad})
        assert st == 400 and body == {"error": why}, body
    r = subprocess.run([kassa_cli_path(), "shop", "update", str(shop_p["id"]), "--server",
                        kassad_shared.base_url, "--admin-token", kassad_shared.admin_token,
                        "--allowed-hosts", ""], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["allowed_hosts"] == []
    q, _ = signed_query(tc, unsigned={"payment_system": 28,
                                      "success_url": "https://pay.partner.example/ok"})
    assert get(kassad_shared, "/pay/?" + urllib.parse.urlencode(q)).status == 400


# ---- the payer page a payer trusts (issue 22) -------------------------------

ACCOUNT = {"type": "accountNumber", "requisite": "40702810938000012345",
           "owner_full_name": "Ivan Ivanov", "bank_code": "Sber", "bank_name_ru": "Сбербанк",
           "bank_name_en": "Sberbank", "currency": "RUB", "country_code": "RUS",
           "bic": "044525225", "corr_account": "30101810400000000225"}
NSPK = "https://qr.nspk.ru/AS1000670LSS7DN18SJQDNP4B05KLJL2?type=02&bank=100000000111"


def attr(page, id_, name):
    """The attribute `name` of the element with id `id_` (HTML-unescaped)."""
    tag = re.search(r'<[a-z]+ [^>]*id="%s"[^>]*>' % re.escape(id_), page)
    assert tag, f"no #{id_}"
    m = re.search(r' %s="([^"]*)"' % re.escape(name), tag[0])
    return None if m is None else htmllib.unescape(m[1])


def text(page, id_):
    m = re.search(r'id="%s"[^>]*>([^<]*)<' % re.escape(id_), page)
    assert m, f"no #{id_}"
    return htmllib.unescape(m[1])


def panda_page(server, creds, amount, requisite_type, lang=None):
    """A panda order of `requisite_type`: (its payer page's path, the order)."""
    fields = {"lang": lang} if lang else {}
    r = server.panda(creds).create_order(amount=amount, requisite_type=requisite_type, **fields)
    assert r.status == 200, r.body
    view = server.request("GET", f"/orders/callback/{r.json['uuid_callback']}").json
    return urllib.parse.urlsplit(view["payment_redirect_url"]).path, dict(r.json, view=view)


def multipart(field, filename, data, ctype):
    boundary = "kassa-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; "
            f"filename=\"{filename}\"\r\nContent-Type: {ctype}\r\n\r\n").encode() + data + \
        f"\r\n--{boundary}--\r\n".encode()
    return body, [("Content-Type", f"multipart/form-data; boundary={boundary}")]


def test_payer_page_has_a_strict_csp_and_its_own_static_files(kassad_shared, tc):
    loc, _, _ = open_order(kassad_shared, tc)
    r = get(kassad_shared, loc)
    csp = r.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["X-Frame-Options"] == "DENY"
    page = html(r)
    # no inline script, style element or style attribute
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/pay/static/pay.js" defer>']
    assert "</script>" in page and "<script>" not in page
    assert "<style" not in page and " style=" not in page
    assert '<link rel="stylesheet" href="/pay/static/pay.css">' in page
    css = get(kassad_shared, "/pay/static/pay.css")
    assert css.status == 200 and css.headers["Content-Type"] == "text/css; charset=utf-8"
    assert b"break-all" not in css.body and b"overflow-wrap: anywhere" in css.body
    js = get(kassad_shared, "/pay/static/pay.js")
    assert js.status == 200
    assert js.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert b"data-status-url" in js.body
    again = get(kassad_shared, "/pay/static/pay.js", [("If-None-Match", js.headers["ETag"])])
    assert again.status == 304
    assert get(kassad_shared, "/pay/static/nothing.js").status == 404
    # the error pages (and the hosted form's) use the same files
    err = get(kassad_shared, "/pay/complete/1/" + "0" * 32 + "/")
    assert err.status == 404 and "unsafe-inline" not in err.headers["Content-Security-Policy"]


def test_sbp_page_steps_copy_buttons_and_a_qr_of_its_own_address(kassad_shared, tc, shop_p):
    loc, oid, token = open_order(kassad_shared, tc)
    page = html(get(kassad_shared, loc))
    req = shop_p["requisite"]
    assert text(page, "shop") == 'Shop <b>"bold"</b> & co'
    assert text(page, "amount") == "100.00 RUB"
    assert attr(page, "copy-amount", "data-copy") == "100.00"
    assert attr(page, "copy-requisite", "data-copy") == req["requisite"]
    assert attr(page, "ttl", "data-left") in ("86400", "86399", "86398")
    steps = re.findall(r"<li>([^<]*)</li>", re.search(r'id="steps">(.*?)</ol>', page)[1])
    assert steps == [
        "Откройте приложение своего банка и выберите перевод по номеру телефона (СБП).",
        "Переведите ровно 100.00 RUB одним платежом по реквизитам ниже.",
        "Нажмите «Я оплатил» и приложите чек об оплате.",
        "Дождитесь подтверждения: страница обновится сама.",
    ]
    # an SBP phone is no account: the QR code is the page's own address
    assert attr(page, "qr", "data-kind") == "page"
    assert attr(page, "qr", "data-payload") == kassad_shared.public_url + loc
    assert text(page, "qr-label").startswith("Открыть на телефоне")
    assert "ST00012" not in page and "PersonalAcc" not in page
    assert attr(page, "paid", "type") == "submit"
    assert attr(page, "receipt-file", "name") == "receipt"
    assert text(page, "back-shop") == "Вернуться в магазин"
    assert attr(page, "back-shop", "href") == "https://shop.example"
    # the live status the script polls
    assert re.search(r'<body data-status-url="%sstatus" data-st="0" data-confirmed="false">'
                     % re.escape(loc), page)
    en = html(get(kassad_shared, loc + "?lang=en"))
    assert text(en, "qr-label").startswith("Open on your phone")
    assert text(en, "paid") == "I have paid"
    assert "Open your bank's app and choose a transfer by phone number (SBP)." in \
        htmllib.unescape(en)


def test_i_have_paid_and_the_receipt_reach_the_order(kassad_shared, tc):
    loc, oid, token = open_order(kassad_shared, tc)
    r = post_form(kassad_shared, loc + "confirm", {})
    assert r.status == 303 and r.headers["Location"] == loc
    status, o = kassad_shared.admin("GET", f"/admin/v1/orders/{oid}")
    assert status == 200 and o["confirmed_by_customer"] is True and o["status"] == "pending"
    st = get(kassad_shared, loc + "status").json
    assert st["confirmed_by_customer"] is True and st["state"] == "pending"
    page = html(get(kassad_shared, loc))
    assert 'id="paid"' not in page
    assert text(page, "confirmed") == "Вы сообщили об оплате. Мы проверяем поступление денег."
    assert 'data-confirmed="true"' in page

    png = get(kassad_shared, f"/pay/qr/{oid}/{token}/dark.png").body  # any PNG will do
    body, headers = multipart("receipt", "check.png", png, "image/png")
    r = send_raw(kassad_shared.base_url, "POST", loc + "receipt", body, headers)
    assert r.status == 303 and r.headers["Location"] == loc + "?receipt=1"
    got = get(kassad_shared, f"/admin/v1/orders/{oid}/receipt",
              [("Authorization", f"Bearer {kassad_shared.admin_token}")])
    assert got.status == 200 and got.headers["Content-Type"] == "image/png" and got.body == png
    assert text(html(get(kassad_shared, loc + "?receipt=1")), "receipt-ok") == \
        "Чек получен, спасибо."

    body, headers = multipart("receipt", "check.gif", b"GIF89a....", "image/gif")
    r = send_raw(kassad_shared.base_url, "POST", loc + "receipt", body, headers)
    assert r.status == 415 and "Принимаются только изображения JPG и PNG" in html(r)
    body, headers = multipart("other", "x.png", png, "image/png")
    r = send_raw(kassad_shared.base_url, "POST", loc + "receipt", body, headers)
    assert r.status == 400 and "Сначала выберите изображение чека" in html(r)
    bad = loc.replace(token, token[::-1])
    assert post_form(kassad_shared, bad + "confirm", {}).status == 404
    # a paid order takes no receipt and shows no button
    assert kassad_shared.admin("POST", f"/admin/v1/orders/{oid}/complete")[0] == 200
    r = send_raw(kassad_shared.base_url, "POST", loc + "receipt", *multipart(
        "receipt", "check.png", png, "image/png"))
    assert r.status == 409
    page = html(get(kassad_shared, loc))
    assert 'id="paid"' not in page and 'id="receipt"' not in page and 'id="qr"' not in page


def test_account_requisite_gets_a_gost_st00012_qr(kassad):
    creds = create_shop(kassad, requisite=ACCOUNT)
    loc, o = panda_page(kassad, creds, "1500.50", "accountNumber")
    page = html(get(kassad, loc))
    assert text(page, "requisite-value") == "40702810938000012345"
    assert text(page, "bic") == "044525225" and text(page, "corr") == "30101810400000000225"
    assert attr(page, "qr", "data-kind") == "st00012"
    assert attr(page, "qr", "data-payload") == (
        "ST00012|Name=Ivan Ivanov|PersonalAcc=40702810938000012345|BankName=Сбербанк"
        f"|BIC=044525225|CorrespAcc=30101810400000000225|Sum=150050|Purpose=Test shop #{o['id']}")
    assert text(page, "qr-label") == \
        "Отсканируйте QR-код в приложении банка: реквизиты и сумма заполнятся сами."
    assert "перевод по реквизитам счёта" in page
    # the panda payer view says the same
    view = o["view"]
    assert view["qr_code_kind"] == "st00012"
    assert view["qr_code_payload"] == attr(page, "qr", "data-payload")
    assert view["shop"] == {"name": "Test shop", "url": "https://shop.example", "logo_url": "",
                            "brand_color": ""}
    png = get(kassad, loc.replace("/pay/complete/", "/pay/qr/") + "dark.png")
    assert png.status == 200 and png.body.startswith(PNG_SIG)
    # without its bank's ids the requisite gets no ST00012 code
    rid = creds["requisite"]["id"]
    status, body = kassad.admin("PATCH", f"/admin/v1/requisites/{rid}", {"corr_account": ""})
    assert status == 200 and body["corr_account"] == "" and body["bic"] == "044525225"
    page = html(get(kassad, loc))
    assert attr(page, "qr", "data-kind") == "page" and "ST00012" not in page


def test_qr_requisite_gets_its_nspk_link(kassad):
    creds = create_shop(kassad, requisite=dict(SBP_REQUISITE, type="QR", requisite=NSPK))
    loc, o = panda_page(kassad, creds, "250.00", "QR")
    assert (o["view"]["qr_code_kind"], o["view"]["qr_code_payload"]) == ("nspk", NSPK)
    page = html(get(kassad, loc + "?lang=en"))
    assert attr(page, "qr", "data-kind") == "nspk"
    assert attr(page, "qr", "data-payload") == NSPK
    assert text(page, "qr-label") == \
        "Scan the QR code with your phone's camera or in your bank's app."
    steps = re.findall(r"<li>([^<]*)</li>", re.search(r'id="steps">(.*?)</ol>', page)[1])
    assert htmllib.unescape(steps[0]) == \
        "Scan the QR code with your phone's camera or in your bank's app."


@pytest.mark.parametrize("body, message", [
    (dict(SBP_REQUISITE, bic="044525225"),
     "bic: only for account requisites (accountNumber, internalTransferAccountNumber)"),
    (dict(ACCOUNT, bic="04452522"), "bic: expected 9 digits"),
    (dict(ACCOUNT, bic="04452522X"), "bic: expected 9 digits"),
    (dict(ACCOUNT, corr_account="3010181040000000022"), "corr_account: expected 20 digits"),
    (dict(ACCOUNT, requisite="4070281093800001234"),
     "bic: the requisite must be a 20-digit account number to have one"),
    (dict(ACCOUNT, bic="", requisite="+79001234567"),
     "corr_account: the requisite must be a 20-digit account number to have one"),
    (dict(ACCOUNT, bic=5), "bic: must be a string"),
])
def test_requisite_bank_ids_are_checked(kassad_shared, body, message):
    before = kassad_shared.count_rows("requisites")
    status, answer = kassad_shared.admin("POST", "/admin/v1/requisites", body)
    assert (status, answer) == (400, {"error": message})
    assert kassad_shared.count_rows("requisites") == before


def test_requisite_bank_ids_patch_is_checked(kassad_shared, shop_p):
    rid = shop_p["requisite"]["id"]  # an SBP requisite
    status, answer = kassad_shared.admin("PATCH", f"/admin/v1/requisites/{rid}",
                                         {"bic": "044525225"})
    assert (status, answer) == (400, {"error": "bic: only for account requisites (accountNumber, "
                                               "internalTransferAccountNumber)"})
    status, r = kassad_shared.admin("GET", f"/admin/v1/requisites?limit=500")
    mine = [x for x in r["items"] if x["id"] == rid][0]
    assert mine["bic"] == "" and mine["corr_account"] == ""


@pytest.mark.parametrize("fields, message", [
    ({"logo_url": "http://shop.example/logo.png"},
     "logo_url: must be an https URL (or empty: no logo)"),
    ({"logo_url": "javascript:alert(1)"}, "logo_url: must be an https URL (or empty: no logo)"),
    ({"brand_color": "red"}, "brand_color: expected a colour as #rrggbb (or empty: the default)"),
    ({"brand_color": "#12345g"},
     "brand_color: expected a colour as #rrggbb (or empty: the default)"),
    ({"brand_color": "#1234567"},
     "brand_color: expected a colour as #rrggbb (or empty: the default)"),
    ({"logo_url": 7}, "logo_url: must be a string"),
])
def test_shop_branding_is_checked(kassad_shared, shop_p, fields, message):
    before = kassad_shared.count_rows("shops")
    status, answer = kassad_shared.admin("POST", "/admin/v1/shops",
                                         dict(name="x", url="https://x.example",
                                              callback_url="https://x.example/cb", **fields))
    assert (status, answer) == (400, {"error": message})
    assert kassad_shared.count_rows("shops") == before
    status, answer = kassad_shared.admin("PATCH", f"/admin/v1/shops/{shop_p['id']}", fields)
    assert (status, answer) == (400, {"error": message})


def test_shop_branding_on_the_page_and_through_the_cli(kassad):
    creds = create_shop(kassad, logo_url="https://cdn.shop.example/logo.png",
                        brand_color="#0A7D32")
    assert creds["logo_url"] == "https://cdn.shop.example/logo.png"
    assert creds["brand_color"] == "#0A7D32"
    t = tegro_for(kassad, creds)
    loc, _, _ = open_order(kassad, t)
    page = html(get(kassad, loc))
    assert attr(page, "logo", "src") == "https://cdn.shop.example/logo.png"
    assert re.search(r'<body data-brand="#0A7D32" data-status-url=', page)
    assert "img-src 'self' data: https:" in get(kassad, loc).headers["Content-Security-Policy"]

    from test_cli import cli_path, clean_env
    admin = ["--server", kassad.base_url, "--admin-token", kassad.admin_token]
    r = subprocess.run([cli_path(), "shop", "update", str(creds["id"]), *admin, "--logo-url", "",
                        "--brand-color", "#123abc"], capture_output=True, text=True,
                       env=clean_env(), timeout=60)
    assert r.returncode == 0, r.stderr
    shop = json.loads(r.stdout)
    assert shop["logo_url"] == "" and shop["brand_color"] == "#123abc"
    page = html(get(kassad, loc))
    assert 'id="logo"' not in page and 'data-brand="#123abc"' in page
    r = subprocess.run([cli_path(), "shop", "update", str(creds["id"]), *admin, "--brand-color",
                        "blue"], capture_output=True, text=True, env=clean_env(), timeout=60)
    assert r.returncode == 1
    assert r.stderr.strip() == ("kassa: HTTP 400 Bad Request: brand_color: expected a colour as "
                                "#rrggbb (or empty: the default)")


def test_receipt_on_a_timed_out_order_opens_a_dispute(kassad):
    from test_disputes import expire
    creds = create_shop(kassad)
    loc, o = panda_page(kassad, creds, "100.00", "SBP")
    expire(kassad, o["uuid"])
    page = html(get(kassad, loc))
    assert 'data-status="expired"' in page and 'id="paid"' not in page
    assert text(page, "late").startswith("Время на оплату истекло.")
    png = get(kassad, loc.replace("/pay/complete/", "/pay/qr/") + "dark.png").body
    r = send_raw(kassad.base_url, "POST", loc + "receipt", *multipart(
        "receipt", "check.png", png, "image/png"))
    assert r.status == 303 and r.headers["Location"] == loc + "?receipt=1"
    st, q = kassad.admin("GET", "/admin/v1/disputes")
    assert st == 200 and len(q["items"]) == 1
    d = q["items"][0]
    assert d["initiator"] == "customer" and d["status"] == "in_progress"
    st, full = kassad.admin("GET", f"/admin/v1/disputes/{d['uuid']}")
    assert [e["uploader"] for e in full["evidence"]] == ["customer"]
