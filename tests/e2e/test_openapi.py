"""The OpenAPI documents (docs/openapi/): kassad serves them, they are sound
JSON Schema, and the check of kassad's answers against them
(openapi_check.py, on unless KASSA_OPENAPI_CHECK=0) catches a wrong answer."""

import json
import time

import jsonschema
import pytest

from openapi_check import DOCS, NAMES, Checker, Exchange, Recorder

UUID = "0b8d3c3e-8f5a-4f6e-9a59-2d8f6b8c1a11"
ORDER = {
    "uuid": UUID, "uuid_callback": "6c1f7d0a-2b4e-4d9a-8e3f-5a7b9c0d1e22", "id": 1,
    "status": "pending", "amount": "1000.47", "amount_usdt": None, "exchange_rate": None,
    "currency": "RUB", "merchant_commission": "25.01", "merchant_id": "1",
    "merchant_order_id": None, "requisite_type": "SBP", "requisite": "+79001234567",
    "requisite_attributes": {"phoneNumber": "+79001234567"}, "owner_full_name": "Ivan Ivanov",
    "bank_code": "Sber", "bank_name_ru": "Сбербанк", "bank_name_en": "Sberbank",
    "country_code": "RUS", "payment_system": "OTHER", "customer_name": None,
    "customer_requisite": None, "confirmed_by_customer": False,
    "created_at": "2026-11-22T10:00:00Z", "expires_at": "2026-11-22T10:15:00Z"}


def ex(method, path, status, body, ctype="application/json"):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Exchange(method, path, status, ctype, raw, "test")


@pytest.fixture(scope="module")
def checker():
    return Checker()


# ---- kassad serves them ----

@pytest.mark.parametrize("name", NAMES)
def test_kassad_serves_each_document_as_built(kassad_shared, name):
    path = f"/openapi/{name}.json"
    r = kassad_shared.request("GET", path)  # no Authorization: public
    assert r.status == 200
    assert r.headers["Content-Type"] == "application/json"
    # the file as built in: the same document, compact
    assert r.json == json.loads((DOCS / f"{name}.json").read_text(encoding="utf-8"))
    assert r.body == json.dumps(r.json, ensure_ascii=False, separators=(",", ":")).encode()
    assert r.json["openapi"] == "3.1.0"
    assert r.headers["Cache-Control"] == "public, max-age=300"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    etag = r.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) == 34
    again = kassad_shared.request("GET", path, headers=[("If-None-Match", etag)])
    assert (again.status, again.body, again.headers["ETag"]) == (304, b"", etag)
    weak = kassad_shared.request("GET", path, headers=[("If-None-Match", 'W/"x", ' + etag)])
    assert weak.status == 304
    other = kassad_shared.request("GET", path, headers=[("If-None-Match", '"0000"')])
    assert other.status == 200 and other.body == r.body
    head = kassad_shared.request("HEAD", path)
    assert (head.status, head.body, head.headers["ETag"]) == (200, b"", etag)


def test_each_document_has_its_own_etag(kassad_shared):
    tags = {kassad_shared.request("GET", f"/openapi/{n}.json").headers["ETag"] for n in NAMES}
    assert len(tags) == len(NAMES)


@pytest.mark.parametrize("path", ["/openapi/nope.json", "/openapi/", "/openapi",
                                  "/openapi/panda.json/x", "/openapi/panda"])
def test_unknown_document_is_404(kassad_shared, path):
    r = kassad_shared.request("GET", path)
    assert (r.status, r.json) == (404, {"error": "Not found"})


def test_document_is_read_only(kassad_shared):
    r = kassad_shared.request("POST", "/openapi/admin.json", b"{}")
    assert (r.status, r.json) == (405, {"error": "method not allowed"})
    assert r.headers["Allow"] == "GET, HEAD"


# ---- the documents are sound ----

@pytest.mark.parametrize("name", NAMES)
def test_every_schema_is_valid_json_schema_2020_12(checker, name):
    doc = checker.docs[name]
    schemas = list(doc["components"].get("schemas", {}).values())
    for item in doc["paths"].values():
        for method, op in item.items():
            if method == "parameters":
                continue
            for resp in op["responses"].values():
                for media in checker.deref(doc, resp).get("content", {}).values():
                    if "schema" in media:
                        schemas.append(media["schema"])
    assert len(schemas) > 20
    for s in schemas:
        jsonschema.Draft202012Validator.check_schema(s)


def test_documented_examples_are_valid(checker):
    doc = checker.docs["panda"]
    order = doc["components"]["schemas"]["OrderCreated"]
    for example in order["examples"]:
        assert list(checker.validator("panda", order).iter_errors(example)) == []


# ---- the check fails a wrong answer ----

def test_a_documented_answer_passes(checker):
    assert checker.check(ex("POST", "/v1/orders", 200, ORDER)) == []
    assert checker.check(ex("GET", f"/orders/{UUID}", 404, {"error": "Order not found"})) == []
    assert checker.check(ex("GET", "/healthz", 200, {"status": "ok"})) == []


def test_a_money_amount_of_the_wrong_type_is_caught(checker):
    wrong = dict(ORDER, amount=1000.47)  # a number where the wire contract has a string
    problems = checker.check(ex("POST", "/v1/orders", 200, wrong))
    assert len(problems) == 1
    assert problems[0].startswith("POST /v1/orders -> 200: $.amount: 1000.47 is not of type "
                                  "'string'")


def test_a_member_too_many_or_missing_is_caught(checker):
    extra = dict(ORDER, surprise=True)
    (p,) = checker.check(ex("POST", "/v1/orders", 200, extra))
    assert "Additional properties are not allowed ('surprise' was unexpected)" in p
    missing = dict(ORDER)
    del missing["owner_full_name"]  # the requisite's members go together
    (p,) = checker.check(ex("POST", "/v1/orders", 200, missing))
    assert "'owner_full_name' is a dependency of 'requisite'" in p


def test_a_wrong_answer_of_each_api_is_caught(checker):
    tegro = {"type": "success", "desc": "", "data": {"id": "7", "url": "http://x/"}}
    assert checker.check(ex("POST", "/api/createOrder/", 200, tegro)) != []
    page = {"items": [{"id": 1}], "next_cursor": None}
    assert checker.check(ex("GET", "/admin/v1/withdrawals", 200, page)) != []
    assert checker.check(ex("GET", "/admin/v1/orders/1", 200, {"error": "x"})) != []


def test_an_answer_outside_the_documents_is_caught(checker):
    (p,) = checker.check(ex("GET", "/v1/orders/stats/more", 200, {}))
    assert p == "GET /v1/orders/stats/more -> 200: the path is in no document"
    (p,) = checker.check(ex("DELETE", "/admin/v1/orders/1", 200, {}))
    assert p == "DELETE /admin/v1/orders/1 -> 200: the method is in no document"
    (p,) = checker.check(ex("GET", "/admin/v1/orders/1", 418, {"error": "teapot"}))
    assert p.startswith("GET /admin/v1/orders/1 -> 418: status 418 is not documented")
    (p,) = checker.check(ex("GET", "/admin/v1/orders/1", 200, b"<p>", "text/html"))
    assert "content type text/html is not documented" in p
    # ... but refusing what is outside the contract is fine
    assert checker.check(ex("GET", "/v1/orders/a/b/c", 404, {"error": "Not found"})) == []
    assert checker.check(ex("GET", "/pay/elsewhere", 404, b"<html>", "text/html")) == []


def test_the_recorder_fails_the_session_with_each_problem_once(checker):
    rec = Recorder()
    rec.test = "tests/e2e/test_x.py::test_y"
    for n in range(3):
        rec.observe("POST", "/v1/orders", 200, "application/json",
                    json.dumps(dict(ORDER, id=n + 1, amount=5)).encode())
    rec.observe("GET", "/healthz", 200, "application/json", b'{"status":"ok"}')
    problems, summary = rec.check(checker)
    assert len(problems) == 1
    assert problems[0].endswith("[3x, first in tests/e2e/test_x.py::test_y]")
    n = len(checker.operations())
    assert n > 80
    assert summary.startswith(f"4 answers of kassad checked against docs/openapi/ (2 of {n} "
                              "documented operations exercised), 1 problems, in ")
    assert ("admin", "/healthz", "GET") not in rec.unexercised
    assert ("panda", "/v1/orders", "POST") not in rec.unexercised
    assert ("panda", "/orders", "POST") in rec.unexercised


# ---- the routes the rest of the suite does not take, as documented ----

def test_the_less_travelled_routes_answer_as_documented(kassad_shared, make_shop, make_tegro,
                                                        checker):
    """The variants no other test takes (the other panda prefix's stats, a
    POSTed confirm, the tegro form and page without their trailing slash,
    a REST GET): exact answers, each also as the documents say."""
    import urllib.parse

    from kassa_client import public_get, send_raw
    from tegro_client import form_sign

    k = kassad_shared
    creds = make_shop(k)
    p = k.panda(creds)
    tc = make_tegro(k, creds)
    answers = []

    def keep(method, path, r):
        answers.append(Exchange(method, path.split("?")[0], r.status,
                                r.headers.get("Content-Type"), r.body, "here"))
        return r

    r = keep("GET", "/v1/orders/stats", p.get("/v1/orders/stats?from_date=2020-01-01"))
    assert (r.status, r.json["total_orders"], r.json["currency"]) == (200, 0, "RUB")
    order = p.create_order().json
    ts = str(p.change_timestamp())
    r = keep("POST", f"/v1/orders/{order['uuid']}/confirm",
             send_raw(k.base_url, "POST", f"/v1/orders/{order['uuid']}/confirm",
                      headers=[("X-API-Key", creds["panda"]["api_key"]), ("X-Timestamp", ts),
                               ("X-Signature", p.sign(ts, b""))]))
    assert (r.status, r.json) == (200, {"uuid": order["uuid"], "status": "pending",
                                        "confirmed_by_customer": True})

    r = keep("GET", "/api/createOrder", k.request("GET", "/api/createOrder"))
    assert (r.status, r.json) == (200, {"type": "error", "desc": "Use POST"})
    r = keep("GET", "/pay", k.request("GET", "/pay"))
    assert r.status == 400 and b"Missing required parameter: shop_id" in r.body

    data = {"shop_id": tc.shop_id, "amount": "100", "currency": "RUB",
            "order_id": f"nos-{time.time_ns()}"}
    fields = dict(data, payment_system="28", sign=form_sign(tc.secret, data))
    body = urllib.parse.urlencode(fields).encode()
    ctype = [("Content-Type", "application/x-www-form-urlencoded")]
    for path in ("/pay/form", "/pay", "/pay/"):  # the same order each time
        r = keep("POST", path, k.request("POST", path, body, ctype))
        assert r.status == 303 and r.body == b"See Other"
        page = r.headers["Location"]
        assert page.startswith("/pay/complete/") and page.endswith("/")
    r = keep("GET", page[:-1], public_get(k.base_url, page[:-1]))
    assert r.status == 200 and r.headers["Content-Type"] == "text/html; charset=utf-8"

    assert len(answers) == 8
    assert [p for a in answers for p in checker.check(a)] == []
