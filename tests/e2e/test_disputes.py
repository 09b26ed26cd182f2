"""Disputes (issue 21, spec p2p.md "Disputes"): the merchant API in the
panda dialect, the lifecycle in the core, the operator's queue and
decisions. Every figure is computed by hand; ledger/verify holds after
each test."""
import hashlib
import hmac
import json
import re

import pytest

from kassa_client import create_shop, send_raw
from test_callbacks import Receiver, wait_until, settle

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
PDF = b"%PDF-1.4\n" + b"\x00" * 40
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}"
TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"

LIST_KEYS = ["uuid", "order_id", "merchant_id", "merchant_order_id", "amount", "status",
             "reason", "initiator", "ttl_sec", "pause_duration_sec", "paused_at",
             "reopened_at", "created_at", "modified_at"]
FULL_KEYS = LIST_KEYS + ["evidence", "logs"]


@pytest.fixture
def rec():
    r = Receiver()
    yield r
    r.close()


def signed(server, creds, method, path, body=b"", ctype=None, signed_part=""):
    ts = str(server.now())
    sig = hmac.new(creds["panda"]["secret"].encode(), (ts + signed_part).encode(),
                   hashlib.sha256).hexdigest()
    headers = [("X-API-Key", creds["panda"]["api_key"]), ("X-Timestamp", ts),
               ("X-Signature", sig)]
    if ctype:
        headers.insert(0, ("Content-Type", ctype))
    return send_raw(server.base_url, method, path, body, headers)


def form(fields):
    """multipart/form-data of (name, value, filename or None)."""
    boundary = "----kassaDisputeBoundary"
    out = b""
    for name, value, filename in fields:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{boundary}\r\nContent-Disposition: {disp}\r\n\r\n".encode()
        out += value if isinstance(value, bytes) else value.encode()
        out += b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


def open_dispute(server, creds, order_uuid, fields, prefix="/v1"):
    path = f"{prefix}/orders/{order_uuid}/disputes"
    body, ctype = form(fields)
    return signed(server, creds, "POST", path, body, ctype, signed_part=path)


def get(server, creds, path):
    return signed(server, creds, "GET", path)


def order(server, creds, amount="1000.00", **kw):
    r = server.panda(creds).create_order(amount=amount, **kw)
    assert r.status == 200, r.body
    return r.json["uuid"]


def admin_order(server, ref):
    st, o = server.admin("GET", f"/admin/v1/orders/{ref}")
    assert st == 200, o
    return o


def expire(server, ref):
    server.advance_clock(901)
    wait_until(lambda: admin_order(server, ref)["status"] == "expired", what="expiry")


def verify_ok(server):
    st, report = server.admin("GET", "/admin/v1/ledger/verify")
    assert st == 200 and report["ok"] is True, report


def balances(server, shop_id):
    st, body = server.admin("GET", f"/admin/v1/shops/{shop_id}/balances")
    assert st == 200, body
    return body.get("RUB", {"available": "0.00", "held": "0.00"})


def platform(server):
    st, body = server.admin("GET", "/admin/v1/ledger/accounts?shop_id=0&currency=RUB")
    assert st == 200, body
    return {x["kind"]: x["balance"] for x in body["items"]}


def admin_dispute(server, uuid):
    st, d = server.admin("GET", f"/admin/v1/disputes/{uuid}")
    assert st == 200, d
    return d


# ---- opening, shapes --------------------------------------------------------------

def test_open_on_timeout_shapes_and_reads(kassad):
    shop = create_shop(kassad, fee_percent="2.5")
    ref = order(kassad, shop, merchant_order_id="m-1")
    expire(kassad, ref)
    r = open_dispute(kassad, shop, ref, [("amount", "950.00", None), ("comment", "paid at 10:02", None),
                                         ("evidence", PNG, "a.png"), ("evidence", PDF, "b.pdf")])
    assert r.status == 201, r.body
    d = r.json
    assert list(d) == FULL_KEYS
    assert re.fullmatch(UUID, d["uuid"])
    st, shop_view = kassad.admin("GET", f"/admin/v1/shops/{shop['id']}")
    assert {k: d[k] for k in LIST_KEYS if k not in ("uuid", "created_at", "modified_at")} == {
        "order_id": ref, "merchant_id": shop_view["merchant_id"], "merchant_order_id": "m-1",
        "amount": 950.0, "status": "in_progress", "reason": "payment_made",
        "initiator": "merchant", "ttl_sec": 1800, "pause_duration_sec": 0, "paused_at": None,
        "reopened_at": None}
    assert re.fullmatch(TIME, d["created_at"]) and d["modified_at"] == d["created_at"]
    assert json.loads(r.body.decode())["amount"] == 950.00 and b'"amount":950.00' in r.body
    assert [list(e) for e in d["evidence"]] == [["uuid", "dispute_id", "key", "uploader", "url",
                                                  "created_at"]] * 2
    e = d["evidence"][0]
    assert e["dispute_id"] == d["uuid"] and e["uploader"] == "merchant"
    assert e["key"] == f"disputes/{d['uuid']}/{e['uuid']}.png"
    assert d["evidence"][1]["key"].endswith(".pdf")
    assert e["url"] == f"{kassad.base_url}/v1/disputes/{d['uuid']}/evidence/{e['uuid']}"
    assert len(d["logs"]) == 1
    log = d["logs"][0]
    assert list(log) == ["uuid", "dispute_id", "actor_role", "status", "details", "created_at"]
    assert (log["dispute_id"], log["actor_role"], log["status"], log["details"]) == (
        d["uuid"], "merchant", "in_progress",
        "opened by the merchant: the payer says 950.00 RUB was sent; paid at 10:02")

    # the same object at every read, both prefixes
    for path in (f"/disputes/{d['uuid']}", f"/v1/disputes/{d['uuid']}",
                 f"/orders/{ref}/disputes", f"/v1/orders/{ref}/disputes"):
        g = get(kassad, shop, path)
        assert (g.status, g.json) == (200, d), path
    # the evidence's bytes, exactly
    g = get(kassad, shop, f"/v1/disputes/{d['uuid']}/evidence/{e['uuid']}")
    assert (g.status, g.body, g.headers["Content-Type"]) == (200, PNG, "image/png")
    # the list: items without evidence and logs
    g = get(kassad, shop, "/v1/disputes?page=1&per_page=10&status=in_progress")
    assert g.status == 200, g.body
    assert g.json == {"disputes": [{k: d[k] for k in LIST_KEYS}], "has_more": False}
    g = get(kassad, shop, "/disputes?status=resolved_cancel")
    assert g.json == {"disputes": [], "has_more": False}
    g = get(kassad, shop, "/disputes?status=open")
    assert (g.status, g.json) == (400, {"error": "status: expected in_progress, paused, "
                                                 "resolved_success or resolved_cancel"})
    # another shop sees none of it
    other = create_shop(kassad)
    assert get(kassad, other, f"/v1/disputes/{d['uuid']}").json == {"error": "Dispute not found"}
    assert get(kassad, other, "/v1/disputes").json == {"disputes": [], "has_more": False}
    # a second one on the same order: refused, nothing written
    r = open_dispute(kassad, shop, ref, [("evidence", JPG, "c.jpg")])
    assert (r.status, r.json) == (409, {"error": f"Dispute already open for this order: "
                                                 f"{d['uuid']}"})
    assert len(admin_dispute(kassad, d["uuid"])["evidence"]) == 2
    verify_ok(kassad)


def test_list_pages(kassad):
    shop = create_shop(kassad)
    refs = [order(kassad, shop, amount=f"{1000 + i}.00") for i in range(3)]
    expire(kassad, refs[0])
    uuids = [open_dispute(kassad, shop, ref, []).json["uuid"] for ref in refs]
    g = get(kassad, shop, "/v1/disputes?page=1&per_page=2")
    assert [x["uuid"] for x in g.json["disputes"]] == uuids[::-1][:2] and g.json["has_more"]
    g = get(kassad, shop, "/v1/disputes?page=2&per_page=2")
    assert [x["uuid"] for x in g.json["disputes"]] == [uuids[0]] and not g.json["has_more"]
    g = get(kassad, shop, "/v1/disputes?per_page=0")
    assert (g.status, g.json) == (400, {"error": "per_page: expected an integer between 1 and 100"})


@pytest.mark.parametrize("how", ["canceled", "failed", "confirmed"])
def test_open_on_each_allowed_state(kassad, how):
    shop = create_shop(kassad)
    ref = order(kassad, shop)
    p = kassad.panda(shop)
    if how == "canceled":
        assert p.get(f"/v1/orders/{ref}/cancel").status == 200
    elif how == "failed":
        assert kassad.admin("POST", f"/admin/v1/orders/{ref}/fail")[0] == 200
    else:
        assert p.get(f"/v1/orders/{ref}/confirm").status == 200
    r = open_dispute(kassad, shop, ref, [("evidence", JPG, "a.jpg")])
    assert r.status == 201, r.body
    assert (r.json["status"], r.json["amount"]) == ("in_progress", 1000.0)
    verify_ok(kassad)


def test_refused_states_and_bad_input(kassad):
    shop = create_shop(kassad)
    ref = order(kassad, shop)
    r = open_dispute(kassad, shop, ref, [])
    assert (r.status, r.json) == (409, {"error": "Dispute cannot be opened: order is pending (a "
                                                 "dispute opens on a timeout, canceled or failed "
                                                 "order, or a pending one the customer "
                                                 "confirmed)"})
    assert kassad.admin("POST", f"/admin/v1/orders/{ref}/complete")[0] == 200
    r = open_dispute(kassad, shop, ref, [])
    assert r.status == 409 and r.json["error"].startswith(
        "Dispute cannot be opened: order is completed")
    ref = order(kassad, shop)
    assert kassad.panda(shop).get(f"/v1/orders/{ref}/cancel").status == 200
    r = open_dispute(kassad, shop, ref, [("evidence", b"GIF89a" + b"\x00" * 20, "a.png")])
    assert (r.status, r.json) == (415, {"error": "evidence: only JPG, PNG and PDF files are "
                                                 "accepted"})
    r = open_dispute(kassad, shop, ref, [("evidence", PNG, "a.png")] * 6)
    assert (r.status, r.json) == (400, {"error": "evidence: at most 5 files"})
    r = open_dispute(kassad, shop, ref, [("evidence", PNG + b"\x00" * (3 << 20), "a.png")])
    assert (r.status, r.json) == (413, {"error": "evidence: each file at most 3 MB"})
    r = open_dispute(kassad, shop, ref, [("amount", "-5", None)])
    assert (r.status, r.json) == (400, {"error": "amount: expected a decimal amount greater "
                                                 "than 0"})
    r = open_dispute(kassad, shop, ref, [("colour", "red", None)])
    assert (r.status, r.json) == (400, {"error": "unknown field 'colour': a dispute takes amount, "
                                                 "comment and evidence"})
    r = open_dispute(kassad, shop, "0190a0b0-0000-7000-8000-000000000000", [])
    assert (r.status, r.json) == (404, {"error": "Order not found"})
    assert get(kassad, shop, f"/v1/orders/{ref}/disputes").json == {"error": "Dispute not found"}
    assert kassad.count_rows("disputes") == 0
    verify_ok(kassad)


def test_receipt_on_timeout_opens_one(kassad):
    from test_money import upload_receipt
    shop = create_shop(kassad)
    ref = order(kassad, shop)
    r = upload_receipt(kassad, shop, ref, PNG)      # pending: no dispute
    assert r.status == 200, r.body
    assert get(kassad, shop, f"/v1/orders/{ref}/disputes").status == 404
    expire(kassad, ref)
    r = upload_receipt(kassad, shop, ref, PNG)
    assert r.status == 200, r.body
    g = get(kassad, shop, f"/v1/orders/{ref}/disputes")
    assert g.status == 200, g.body
    d = g.json
    assert (d["initiator"], d["status"], d["amount"]) == ("customer", "in_progress", 1000.0)
    assert [(e["uploader"]) for e in d["evidence"]] == ["customer"]
    assert [(x["actor_role"], x["details"]) for x in d["logs"]] == [
        ("customer", "opened by the customer: the payer says 1000.00 RUB was sent; the "
                     "payer's receipt")]
    verify_ok(kassad)


# ---- answers and decisions ----------------------------------------------------

def test_accept_another_amount_completes_late(kassad, rec):
    st, _ = kassad.admin("PUT", "/admin/v1/rates/USDT-RUB", {"rate": "95.00"})
    assert st == 200
    shop = create_shop(kassad, fee_percent="2.5", callback_url=rec.url())
    ref = order(kassad, shop, merchant_order_id="m-late")
    expire(kassad, ref)
    rec.wait(1)                                      # the timeout callback
    d = open_dispute(kassad, shop, ref, [("amount", "950.00", None),
                                         ("evidence", PNG, "a.png")]).json
    st, a = kassad.admin("POST", f"/admin/v1/disputes/{d['uuid']}/accept",
                         {"amount_received": "950.00"})
    assert st == 200, a
    assert (a["status"], a["awaiting"], a["amount_received"], a["ttl_sec"]) == (
        "resolved_success", None, "950.00", 0)
    assert a["logs"][-1]["actor_role"] == "operator"
    assert a["logs"][-1]["details"] == "accepted for the trader: 950.00 RUB received"
    o = admin_order(kassad, ref)
    assert (o["status"], o["amount"], o["amount_received"], o["fee"]) == (
        "completed", "1000.00", "950.00", "23.75")
    assert balances(kassad, shop["id"])["available"] == "926.25"
    p = platform(kassad)
    assert (p["platform_fees"], p["provider_clearing"]) == ("23.75", "-950.00")
    got = rec.wait(2)[1]
    assert json.loads(got["body"]) == {"uuid": ref, "status": "completed", "amount_usdt": 10.0,
                                       "amount_local": 950.0, "currency": "RUB",
                                       "merchant_commission": -23.75,
                                       "merchant_order_id": "m-late"}
    # the merchant's view; a second answer is refused, nothing moves
    g = get(kassad, shop, f"/v1/disputes/{d['uuid']}")
    assert (g.json["status"], g.json["ttl_sec"]) == ("resolved_success", 0)
    st, body = kassad.admin("POST", f"/admin/v1/disputes/{d['uuid']}/decide",
                            {"outcome": "cancel"})
    assert (st, body) == (409, {"error": f"dispute {d['uuid']} is resolved (resolved_success)"})
    r = open_dispute(kassad, shop, ref, [("evidence", PNG, "a.png")])
    assert r.status == 409
    assert balances(kassad, shop["id"])["available"] == "926.25"
    settle()
    assert len(rec.requests) == 2
    verify_ok(kassad)


def test_reject_then_operator_decides(kassad):
    shop = create_shop(kassad, fee_percent="2.5")
    ref = order(kassad, shop)
    assert kassad.panda(shop).get(f"/v1/orders/{ref}/cancel").status == 200
    d = open_dispute(kassad, shop, ref, []).json
    body, ctype = form([("reason", "fake_proof", None), ("comment", "no such transfer", None),
                        ("evidence", PDF, "statement.pdf")])
    resp = send_raw(kassad.base_url, "POST", f"/admin/v1/disputes/{d['uuid']}/reject", body,
                    [("Authorization", f"Bearer {kassad.admin_token}"), ("Content-Type", ctype)])
    st, r = resp.status, resp.json
    assert st == 200, r
    assert (r["status"], r["awaiting"], r["reject_reason"], r["ttl_sec"]) == (
        "in_progress", "operator", "fake_proof", 0)
    assert r["evidence"][-1]["uploader"] == "operator"
    assert r["logs"][-1]["details"] == ("rejected for the trader (fake_proof): awaiting the "
                                        "operator: no such transfer")
    st, body = kassad.admin("POST", f"/admin/v1/disputes/{d['uuid']}/reject",
                            {"reason": "fake_proof"})
    assert (st, body) == (409, {"error": f"dispute {d['uuid']} is not awaiting the trader's "
                                         "answer"})
    st, body = kassad.admin("POST", f"/admin/v1/disputes/{d['uuid']}/decide", {"outcome": "maybe"})
    assert (st, body) == (400, {"error": "outcome: expected success or cancel"})
    # the queue: awaiting the operator first
    other = order(kassad, shop)
    assert kassad.panda(shop).get(f"/v1/orders/{other}/cancel").status == 200
    d2 = open_dispute(kassad, shop, other, []).json
    st, q = kassad.admin("GET", "/admin/v1/disputes")
    assert st == 200 and [x["uuid"] for x in q["items"]] == [d["uuid"], d2["uuid"]]
    st, q = kassad.admin("GET", "/admin/v1/disputes?limit=1")
    assert [x["uuid"] for x in q["items"]] == [d["uuid"]] and q["next_cursor"] is not None
    st, q = kassad.admin("GET", f"/admin/v1/disputes?limit=1&cursor={q['next_cursor']}")
    assert [x["uuid"] for x in q["items"]] == [d2["uuid"]]
    st, r = kassad.admin("POST", f"/admin/v1/disputes/{d['uuid']}/decide",
                         {"outcome": "success", "amount_received": "1000.00"})
    assert st == 200, r
    assert (r["status"], r["amount_received"]) == ("resolved_success", "1000.00")
    o = admin_order(kassad, ref)
    assert (o["status"], o["amount_received"], o["fee"]) == ("completed", None, "25.00")
    assert balances(kassad, shop["id"])["available"] == "975.00"
    st, audit = kassad.admin("GET", "/admin/v1/audit?action=dispute.decide")
    assert st == 200 and len(audit["items"]) == 1
    line = audit["items"][0]
    assert (line["kind"], line["target"]) == ("dispute", d["uuid"])
    assert (line["before"]["status"], line["before"]["awaiting"]) == ("in_progress", "operator")
    assert (line["after"]["status"], line["after"]["amount_received"]) == ("resolved_success",
                                                                          100000)
    verify_ok(kassad)


def test_pause_resume_arithmetic(kassad):
    shop = create_shop(kassad)
    ref = order(kassad, shop)
    assert kassad.panda(shop).get(f"/v1/orders/{ref}/cancel").status == 200
    d = open_dispute(kassad, shop, ref, []).json
    kassad.advance_clock(100)
    assert get(kassad, shop, f"/v1/disputes/{d['uuid']}").json["ttl_sec"] == 1700
    st, p = kassad.admin("POST", f"/admin/v1/disputes/{d['uuid']}/pause")
    assert st == 200, p
    assert (p["status"], p["ttl_sec"], p["pause_duration_sec"]) == ("paused", 0, 0)
    assert re.fullmatch(TIME, p["paused_at"])
    st, body = kassad.admin("POST", f"/admin/v1/disputes/{d['uuid']}/pause")
    assert (st, body) == (409, {"error": f"dispute {d['uuid']} is paused already"})
    st, body = kassad.admin("POST", f"/admin/v1/disputes/{d['uuid']}/accept")
    assert (st, body) == (409, {"error": f"dispute {d['uuid']} is not awaiting the trader's "
                                         "answer"})
    kassad.advance_clock(5000)                       # paused: no expiry
    g = get(kassad, shop, f"/v1/disputes/{d['uuid']}").json
    assert (g["status"], g["ttl_sec"]) == ("paused", 0)
    st, r = kassad.admin("POST", f"/admin/v1/disputes/{d['uuid']}/resume")
    assert st == 200, r
    # the test clock runs on with real time: a second may pass between calls
    paused = r["pause_duration_sec"]
    assert paused in (5000, 5001) and (r["status"], r["paused_at"]) == ("in_progress", None)
    assert r["ttl_sec"] in (1699, 1700)
    assert r["logs"][-1]["details"] == f"resumed after {paused} s"
    left = r["ttl_sec"]
    kassad.advance_clock(200)
    st, p = kassad.admin("POST", f"/admin/v1/disputes/{d['uuid']}/pause")
    kassad.advance_clock(30)
    st, r = kassad.admin("POST", f"/admin/v1/disputes/{d['uuid']}/resume")
    assert r["ttl_sec"] in (left - 201, left - 200)
    assert r["pause_duration_sec"] in (paused + 30, paused + 31)
    st, body = kassad.admin("POST", f"/admin/v1/disputes/{d['uuid']}/resume")
    assert (st, body) == (409, {"error": f"dispute {d['uuid']} is not paused"})
    verify_ok(kassad)


def test_expiry_goes_to_operator_then_reopen_once(kassad):
    shop = create_shop(kassad)
    st, _ = kassad.admin("PATCH", f"/admin/v1/shops/{shop['id']}", {"dispute_ttl": 600})
    assert st == 200
    ref = order(kassad, shop)
    assert kassad.panda(shop).get(f"/v1/orders/{ref}/cancel").status == 200
    d = open_dispute(kassad, shop, ref, []).json
    assert d["ttl_sec"] == 600
    kassad.advance_clock(601)
    wait_until(lambda: admin_dispute(kassad, d["uuid"])["awaiting"] == "operator",
               what="dispute expiry")
    a = admin_dispute(kassad, d["uuid"])
    assert (a["status"], a["ttl_sec"]) == ("in_progress", 0)
    assert (a["logs"][-1]["actor_role"], a["logs"][-1]["status"], a["logs"][-1]["details"]) == (
        "system", "in_progress", "the trader did not answer within 600 s: awaiting the operator")
    st, q = kassad.admin("GET", "/admin/v1/disputes?awaiting=operator")
    assert [x["uuid"] for x in q["items"]] == [d["uuid"]]
    st, r = kassad.admin("POST", f"/admin/v1/disputes/{d['uuid']}/decide", {"outcome": "cancel"})
    assert st == 200 and r["status"] == "resolved_cancel", r
    assert admin_order(kassad, ref)["status"] == "canceled"
    # reopened once, with new evidence
    r = open_dispute(kassad, shop, ref, [])
    assert (r.status, r.json) == (400, {"error": f"evidence: reopening dispute {d['uuid']} takes "
                                                 "new evidence"})
    r = open_dispute(kassad, shop, ref, [("comment", "bank statement", None),
                                         ("evidence", PDF, "s.pdf")])
    assert r.status == 200, r.body
    assert (r.json["uuid"], r.json["status"], r.json["ttl_sec"]) == (d["uuid"], "in_progress", 600)
    assert re.fullmatch(TIME, r.json["reopened_at"])
    st, r2 = kassad.admin("POST", f"/admin/v1/disputes/{d['uuid']}/decide", {"outcome": "cancel"})
    assert st == 200
    r = open_dispute(kassad, shop, ref, [("evidence", PDF, "s.pdf")])
    assert (r.status, r.json) == (409, {"error": f"Dispute {d['uuid']} was reopened once already: "
                                                 "it cannot be reopened"})
    verify_ok(kassad)


def test_auto_success_on_expiry_and_dispute_callback(kassad, rec):
    shop = create_shop(kassad, fee_percent="2.5", callback_url=rec.url())
    st, s = kassad.admin("PATCH", f"/admin/v1/shops/{shop['id']}",
                         {"dispute_auto_success": True, "dispute_callbacks": True})
    assert st == 200 and (s["dispute_auto_success"], s["dispute_callbacks"]) == (True, True)
    ref = order(kassad, shop)
    assert kassad.panda(shop).get(f"/v1/orders/{ref}/cancel").status == 200
    rec.wait(1)
    d = open_dispute(kassad, shop, ref, [("amount", "500.00", None)]).json
    got = rec.wait(2)[1]
    body = json.loads(got["body"])
    assert list(body) == LIST_KEYS and (body["uuid"], body["status"]) == (d["uuid"], "in_progress")
    sig = hmac.new(shop["panda"]["secret"].encode(),
                   (got["headers"]["X-Timestamp"]).encode() + got["body"],
                   hashlib.sha256).hexdigest()
    assert got["headers"]["X-Signature"] == sig
    kassad.advance_clock(1801)
    wait_until(lambda: admin_order(kassad, ref)["status"] == "completed", what="auto success")
    a = admin_dispute(kassad, d["uuid"])
    assert (a["status"], a["amount_received"]) == ("resolved_success", "500.00")
    assert a["logs"][-1]["actor_role"] == "system"
    bodies = [json.loads(x["body"]) for x in rec.wait(4)]
    kinds = sorted((b.get("reason") == "payment_made", b["status"]) for b in bodies[2:])
    assert kinds == [(False, "completed"), (True, "resolved_success")]
    assert balances(kassad, shop["id"])["available"] == "487.50"
    verify_ok(kassad)


def test_roles(kassad):
    shop = create_shop(kassad)
    ref = order(kassad, shop)
    assert kassad.panda(shop).get(f"/v1/orders/{ref}/cancel").status == 200
    d = open_dispute(kassad, shop, ref, []).json
    tokens = {}
    for role in ("viewer", "support", "finance"):
        st, op = kassad.admin("POST", "/admin/v1/operators", {"name": role, "role": role})
        assert st == 201, op
        st, t = kassad.admin("POST", f"/admin/v1/operators/{op['id']}/tokens", {})
        assert st == 201, t
        tokens[role] = t["token"]
    for role in ("viewer", "support"):
        st, body = kassad.admin("POST", f"/admin/v1/disputes/{d['uuid']}/decide",
                                {"outcome": "success"}, token=tokens[role])
        assert (st, body) == (403, {"error": f"the {role} role may not do dispute.decide"})
        st, got = kassad.admin("GET", f"/admin/v1/disputes/{d['uuid']}", token=tokens[role])
        assert st == 200 and got["status"] == "in_progress"
    assert admin_order(kassad, ref)["status"] == "canceled"
    assert len(admin_dispute(kassad, d["uuid"])["logs"]) == 1
    st, r = kassad.admin("POST", f"/admin/v1/disputes/{d['uuid']}/decide",
                         {"outcome": "success"}, token=tokens["finance"])
    assert st == 200 and r["status"] == "resolved_success"
    verify_ok(kassad)


def test_cli(kassad):
    import subprocess
    from test_cli import cli_path
    shop = create_shop(kassad)
    ref = order(kassad, shop)
    assert kassad.panda(shop).get(f"/v1/orders/{ref}/cancel").status == 200
    d = open_dispute(kassad, shop, ref, []).json
    env = {"KASSA_SERVER": kassad.base_url, "KASSA_ADMIN_TOKEN": kassad.admin_token,
           "PATH": "/usr/bin:/bin"}

    def kassa(*args):
        r = subprocess.run([cli_path(), *args], env=env, capture_output=True, text=True,
                           timeout=30)
        return r.returncode, json.loads(r.stdout) if r.stdout.strip() else None, r.stderr

    rc, q, _ = kassa("dispute", "list")
    assert rc == 0 and [x["uuid"] for x in q["items"]] == [d["uuid"]]
    rc, got, _ = kassa("dispute", "pause", d["uuid"])
    assert rc == 0 and got["status"] == "paused"
    rc, got, _ = kassa("dispute", "resume", d["uuid"], "--comment", "checked")
    assert rc == 0 and got["logs"][-1]["details"].endswith(": checked")
    rc, got, _ = kassa("dispute", "decide", d["uuid"], "--outcome", "success",
                       "--amount-received", "999.00")
    assert rc == 0 and (got["status"], got["amount_received"]) == ("resolved_success", "999.00")
    rc, got, _ = kassa("dispute", "show", d["uuid"])
    assert rc == 0 and got["status"] == "resolved_success"
    assert admin_order(kassad, ref)["amount_received"] == "999.00"
    rc, _, err = kassa("dispute", "decide", d["uuid"], "--outcome", "cancel")
    assert rc != 0 and "is resolved (resolved_success)" in err
    verify_ok(kassad)
