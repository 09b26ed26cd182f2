"""The trader API beyond orders (docs/p2p.md "The trader API"): pairing
codes and devices, a requisite's device, bank messages the trader attaches
to its orders, and the disputes on its requisites that the trader accepts
or rejects. The rules and the ownership checks are the core's; another
trader's device, requisite, message or dispute answers 404 exactly as a
missing one. Every figure is by hand; ledger/verify after each test.
SQLite and (KASSA_TEST_DB=postgres) PostgreSQL."""
import json
import re

from kassa_client import SBP_REQUISITE, create_shop, send_raw
from test_devices import SBER_140, Device, sms
from test_disputes import PDF, PNG, form, open_dispute
from test_trader_api import Trader, verify_ok

TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


def rub_trader(server, name, verified_name, deposit="100000"):
    """A RUB trader (reward 1 %) with a deposit, online."""
    st, t = server.admin("POST", "/admin/v1/traders",
                         {"name": name, "verified_name": verified_name, "reward_bps": 100,
                          "currency": "RUB"})
    assert st == 201, t
    st, body = server.admin("POST", f"/admin/v1/traders/{t['id']}/deposits", {"amount": deposit})
    assert st == 201, body
    tr = Trader(server, t)
    tr.verified_name = verified_name
    return tr


def online(trader, on=True):
    st, p = trader.post("/trader/v1/online", {"online": on})
    assert st == 200 and p["online"] is on, p


def requisite(trader, **fields):
    body = dict(SBP_REQUISITE, owner_full_name=trader.verified_name)
    body.update(fields)
    st, r = trader.post("/trader/v1/requisites", body)
    assert st == 201, r
    return r["id"]


def pair(trader, name="Pixel"):
    """A pairing code from the trader API; the phone pairs with it."""
    st, c = trader.post("/trader/v1/devices")
    assert st == 201, c
    assert set(c) == {"code", "trader_id", "expires_at"} and len(c["code"]) == 12, c
    assert c["trader_id"] == trader.id and re.fullmatch(TIME, c["expires_at"])
    r = send_raw(trader.server.base_url, "POST", "/device/v1/pair",
                 json.dumps({"code": c["code"], "name": name}).encode(),
                 [("Content-Type", "application/json")])
    assert r.status == 201, r.body
    return Device(trader.server, r.json["device_id"], r.json["token"], r.json["secret"])


def call(trader, method, path, body=None):
    r = trader.call(method, path, body)
    return r.status, r.json


def money(trader):
    st, p = trader.get("/trader/v1/profile")
    assert st == 200, p
    b = p["balances"]
    return b["available"], b["reserved"], b["earned"]


def merchant(server, shop_id):
    st, body = server.admin("GET", f"/admin/v1/shops/{shop_id}/balances")
    assert st == 200, body
    return body.get("RUB", {"available": "0.00"})["available"]


def audit(server, action):
    """The audit lines of an action, oldest first, as (actor, actor_id,
    kind, target)."""
    st, page = server.admin("GET", f"/admin/v1/audit?action={action}&order=asc")
    assert st == 200, page
    return page["items"]


def order_on(server, shop, amount="1000.00"):
    r = server.panda(shop).create_order(amount=amount)
    assert r.status == 200 and r.json["status"] == "pending", r.body
    st, o = server.admin("GET", f"/admin/v1/orders/{r.json['uuid']}")
    assert st == 200, o
    return o


def admin_order(server, ref):
    st, o = server.admin("GET", f"/admin/v1/orders/{ref}")
    assert st == 200, o
    return o


def multipart(trader, path, fields):
    """A signed multipart request: the signature covers the raw body."""
    body, ctype = form(fields)
    ts = trader.change_ts()
    r = send_raw(trader.server.base_url, "POST", path, body,
                 [("X-API-Key", trader.api_key), ("X-Timestamp", str(ts)),
                  ("X-Signature", trader.sign(ts, body)), ("Content-Type", ctype)])
    return r.status, r.json


def expired_with_dispute(server, shop, trader, fields, amount="1000.00"):
    """An order on the trader's requisite, expired, then disputed."""
    o = order_on(server, shop, amount)
    assert o["uuid"] in [x["uuid"] for x in trader.get("/trader/v1/orders")[1]["items"]], o
    server.advance_clock(901)
    deadline = 0
    while admin_order(server, o["uuid"])["status"] != "expired":
        deadline += 1
        assert deadline < 200
    r = open_dispute(server, shop, o["uuid"], fields)
    assert r.status == 201, r.body
    return o, r.json


# ---- devices ----------------------------------------------------------------

def test_devices_pairing_listing_binding_revoking(kassad):
    a = rub_trader(kassad, "Ivan", "Иван Иванов")
    b = rub_trader(kassad, "Petr", "Пётр Петров")
    dev = pair(a)
    st, page = a.get("/trader/v1/devices")
    assert st == 200 and page["next_cursor"] is None, page
    [d] = page["items"]
    assert (d["id"], d["trader_id"], d["name"], d["status"], d["online"], d["revoked_at"]) == (
        dev.id, a.id, "Pixel", "active", True, None)
    assert re.fullmatch(TIME, d["last_seen"])
    # offline 120 s after it was last seen; the heartbeat makes it online
    # again, as the admin shows it
    kassad.advance_clock(121)
    assert a.get("/trader/v1/devices")[1]["items"][0]["online"] is False
    assert dev.post("/device/v1/heartbeat").status == 200
    assert a.get("/trader/v1/devices")[1]["items"][0]["online"] is True
    st, admin_page = kassad.admin("GET", f"/admin/v1/traders/{a.id}/devices")
    assert admin_page["items"] == a.get("/trader/v1/devices")[1]["items"]
    assert b.get("/trader/v1/devices") == (200, {"items": [], "next_cursor": None})
    assert a.post("/trader/v1/devices", {"name": "x"}) == (
        400, {"error": "a pairing code takes no body"})
    assert a.get("/trader/v1/devices?trader_id=2") == (
        400, {"error": "unknown argument 'trader_id': devices are listed with limit, cursor "
                       "and order"})
    # a requisite of a's bound to a's device; b can neither bind it nor
    # bind its own to a's device
    ra = requisite(a)
    rb = requisite(b, requisite="+79990000002")
    assert call(a, "PUT", f"/trader/v1/requisites/{ra}/device", {"device_id": dev.id}) == (
        200, {"requisite_id": ra, "device_id": dev.id})
    assert kassad.admin("GET", f"/admin/v1/devices/{dev.id}")[1]["requisites"] == [ra]
    nf = (404, {"error": "Requisite not found"})
    assert call(b, "PUT", f"/trader/v1/requisites/{ra}/device", {"device_id": dev.id}) == nf
    assert call(b, "DELETE", f"/trader/v1/requisites/{ra}/device") == nf
    assert call(b, "PUT", f"/trader/v1/requisites/{rb}/device", {"device_id": dev.id}) == (
        400, {"error": f"device_id: no device {dev.id} in use"})
    assert call(a, "PUT", f"/trader/v1/requisites/{ra}/device", {}) == (
        400, {"error": "device_id: required (DELETE unbinds)"})
    assert call(a, "PUT", f"/trader/v1/requisites/{ra}/device", {"device": 1}) == (
        400, {"error": "unknown field 'device': a binding takes device_id"})
    assert call(a, "PATCH", f"/trader/v1/requisites/{ra}/device", {"device_id": dev.id}) == (
        404, {"error": "Not found"})
    assert call(a, "DELETE", f"/trader/v1/requisites/{ra}/device") == (
        200, {"requisite_id": ra, "device_id": None})
    assert kassad.admin("GET", f"/admin/v1/devices/{dev.id}")[1]["requisites"] == []
    assert call(a, "PUT", f"/trader/v1/requisites/{ra}/device", {"device_id": dev.id})[0] == 200
    # another's device is no device at all
    assert b.post(f"/trader/v1/devices/{dev.id}/revoke") == (
        404, {"error": "Device not found"})
    assert b.post("/trader/v1/devices/999/revoke") == (404, {"error": "Device not found"})
    st, gone = a.post(f"/trader/v1/devices/{dev.id}/revoke")
    assert st == 200, gone
    assert (gone["id"], gone["status"], gone["online"], gone["requisites"]) == (
        dev.id, "revoked", False, [])
    assert re.fullmatch(TIME, gone["revoked_at"])
    assert a.post(f"/trader/v1/devices/{dev.id}/revoke") == (
        409, {"error": f"device {dev.id} is already revoked"})
    assert dev.post("/device/v1/heartbeat").status == 401
    assert call(a, "PUT", f"/trader/v1/requisites/{ra}/device", {"device_id": dev.id}) == (
        400, {"error": f"device_id: no device {dev.id} in use"})
    assert kassad.count_rows("devices") == 1
    # the trader's writes are audited with the trader as the actor
    got = [(x["actor"], x["actor_id"], x["kind"], x["target"]) for x in audit(kassad, "device.")]
    assert got == [(f"trader:{a.id}", None, "trader", str(a.id)),
                   (f"trader:{a.id}", None, "device", str(dev.id))]
    [line] = audit(kassad, "requisite.unbind")
    assert (line["actor"], line["target"], line["before"]["device_id"],
            line["after"]["device_id"]) == (f"trader:{a.id}", str(ra), dev.id, 0)
    assert [x["target"] for x in audit(kassad, "requisite.create")] == [str(ra), str(rb)]
    # actor=0 is the bootstrap token's alone
    assert {x["actor"] for x in kassad.admin("GET", "/admin/v1/audit?actor=0")[1]["items"]} == {
        "bootstrap"}
    verify_ok(kassad)


# ---- bank messages ----------------------------------------------------------

def test_unmatched_message_attached_by_the_trader(kassad):
    shop = create_shop(kassad, requisite=False)
    a = rub_trader(kassad, "Ivan", "Иван Иванов")
    b = rub_trader(kassad, "Petr", "Пётр Петров")
    ra = requisite(a)
    rb = requisite(b, requisite="+79990000002")
    dev = pair(a)
    assert dev.post("/device/v1/heartbeat").status == 200
    assert call(a, "PUT", f"/trader/v1/requisites/{ra}/device", {"device_id": dev.id})[0] == 200
    # b's order first (a offline), then a's
    online(b)
    ob = order_on(kassad, shop, "500.00")
    online(b, False)
    online(a)
    oa = order_on(kassad, shop, "1000.00")
    assert (oa["requisite"]["id"], ob["requisite"]["id"]) == (ra, rb)
    assert money(a) == ("99000.00", "1000.00", "0.00")
    # a credit of 140 nobody waits for: unmatched, a's to see
    r = dev.messages(sms("t-1", SBER_140, kassad))
    un = r.json["results"][0]
    assert (un["state"], un["order"]) == ("unmatched", None)
    st, page = a.get("/trader/v1/bank-messages?state=unmatched")
    assert st == 200 and page["next_cursor"] is None, page
    [m] = page["items"]
    assert (m["id"], m["device_id"], m["trader_id"], m["state"], m["amount"], m["currency"],
            m["order"], m["matched_by"]) == (un["id"], dev.id, a.id, "unmatched", "140.00",
                                             "RUB", None, None)
    st, one = a.get(f"/trader/v1/bank-messages/{un['id']}")
    assert st == 200 and one == m
    assert a.get("/trader/v1/bank-messages?state=matched")[1]["items"] == []
    assert a.get("/trader/v1/bank-messages?state=lost") == (
        400, {"error": "state: expected matched, unmatched, ambiguous or ignored"})
    assert a.get("/trader/v1/bank-messages?trader_id=1") == (
        400, {"error": "unknown argument 'trader_id': bank messages are listed with state, "
                       "device_id, limit, cursor and order"})
    # another trader's message is no message at all
    nf = (404, {"error": "Bank message not found"})
    assert b.get("/trader/v1/bank-messages") == (200, {"items": [], "next_cursor": None})
    assert b.get(f"/trader/v1/bank-messages/{un['id']}") == nf
    assert b.post(f"/trader/v1/bank-messages/{un['id']}/attach", {"order": ob["uuid"]}) == nf
    # nor is an order on another's requisite a's to attach to
    assert a.post(f"/trader/v1/bank-messages/{un['id']}/attach", {"order": ob["uuid"]}) == (
        404, {"error": "Order not found"})
    assert a.post(f"/trader/v1/bank-messages/{un['id']}/attach", {"order": "x"}) == (
        400, {"error": "order: required, the order's uuid"})
    assert a.post(f"/trader/v1/bank-messages/{un['id']}/attach",
                  {"order": oa["uuid"], "amount": "1"}) == (
        400, {"error": "unknown field 'amount': an attachment takes order"})
    assert admin_order(kassad, oa["uuid"])["status"] == "pending"
    # a attaches it to its order: completed for 140.00
    st, att = a.post(f"/trader/v1/bank-messages/{un['id']}/attach", {"order": oa["uuid"]})
    assert st == 200, att
    assert (att["message"]["state"], att["message"]["order"], att["message"]["matched_by"]) == (
        "matched", oa["uuid"], "trader")
    assert (att["order"]["uuid"], att["order"]["status"], att["order"]["amount"],
            att["order"]["amount_received"]) == (oa["uuid"], "completed", "1000.00", "140.00")
    o = admin_order(kassad, oa["uuid"])
    assert (o["status"], o["amount_received"], o["fee"]) == ("completed", "140.00", "3.50")
    assert kassad.count_rows("orders", "confirmed_by = 'trader'") == 1
    # 140.00 - 2.5 % = 136.50 for the merchant; the trader's reserve of
    # 1000.00 released, 140.00 of its deposit spent and 1 % of it earned
    assert merchant(kassad, shop["id"]) == "136.50"
    assert money(a) == ("99861.40", "0.00", "1.40")
    assert money(b) == ("99500.00", "500.00", "0.00")
    assert a.post(f"/trader/v1/bank-messages/{un['id']}/attach", {"order": oa["uuid"]}) == (
        409, {"error": f"bank message {un['id']} is matched: only an unmatched or ambiguous one "
                       "is attached"})
    [line] = audit(kassad, "bank_message.attach")
    assert (line["actor"], line["kind"], line["target"]) == (
        f"trader:{a.id}", "bank_message", str(un["id"]))
    assert (line["before"]["state"], line["after"]["state"], line["after"]["matched_by"]) == (
        "unmatched", "matched", "trader")
    assert b.post(f"/trader/v1/orders/{ob['uuid']}/not-received")[0] == 200
    [line] = audit(kassad, "order.fail")
    assert (line["actor"], line["target"], line["before"]["status"], line["after"]["status"]) == (
        f"trader:{b.id}", str(ob["id"]), "pending", "failed")
    verify_ok(kassad)


# ---- disputes ---------------------------------------------------------------

def test_dispute_accepted_by_the_trader_with_another_amount(kassad):
    shop = create_shop(kassad, requisite=False)
    a = rub_trader(kassad, "Ivan", "Иван Иванов")
    b = rub_trader(kassad, "Petr", "Пётр Петров")
    requisite(a)
    online(a)
    o, d = expired_with_dispute(kassad, shop, a, [("amount", "1000.00", None),
                                                  ("evidence", PNG, "a.png")])
    assert money(a) == ("100000.00", "0.00", "0.00")    # the reserve back at the expiry
    st, page = a.get("/trader/v1/disputes")
    assert st == 200 and page["next_cursor"] is None, page
    [item] = page["items"]
    assert (item["uuid"], item["order_uuid"], item["amount"], item["status"], item["awaiting"],
            item["ttl_sec"]) == (d["uuid"], o["uuid"], "1000.00", "in_progress", "trader", 1800)
    assert "merchant_id" not in item and "shop_id" not in item and "evidence" not in item
    st, full = a.get(f"/trader/v1/disputes/{d['uuid']}")
    assert st == 200 and full["evidence"][0]["url"] == (
        f"/trader/v1/disputes/{d['uuid']}/evidence/{full['evidence'][0]['uuid']}")
    r = a.call("GET", full["evidence"][0]["url"])
    assert (r.status, r.headers["Content-Type"], r.body) == (200, "image/png", PNG)
    # another trader's dispute is no dispute at all
    nf = (404, {"error": "Dispute not found"})
    assert b.get("/trader/v1/disputes") == (200, {"items": [], "next_cursor": None})
    assert b.get(f"/trader/v1/disputes/{d['uuid']}") == nf
    assert b.get(full["evidence"][0]["url"]) == nf
    assert b.post(f"/trader/v1/disputes/{d['uuid']}/accept") == nf
    assert b.post(f"/trader/v1/disputes/{d['uuid']}/reject", {"reason": "fake_proof"}) == nf
    for body, msg in [({"amount_received": "0"},
                       "amount_received: expected a positive amount in RUB, e.g. 950.00"),
                      ({"outcome": "success"},
                       "unknown field 'outcome': an acceptance takes amount_received and comment")]:
        assert a.post(f"/trader/v1/disputes/{d['uuid']}/accept", body) == (
            400, {"error": msg}), body
    # a accepts that 950.00 arrived: the order completes, late
    st, acc = a.post(f"/trader/v1/disputes/{d['uuid']}/accept", {"amount_received": "950.00"})
    assert st == 200, acc
    assert (acc["status"], acc["awaiting"], acc["amount_received"], acc["ttl_sec"]) == (
        "resolved_success", None, "950.00", 0)
    assert (acc["logs"][-1]["actor_role"], acc["logs"][-1]["details"]) == (
        "trader", "accepted: 950.00 RUB received")
    ao = admin_order(kassad, o["uuid"])
    assert (ao["status"], ao["amount"], ao["amount_received"], ao["fee"], ao["confirmed_by"]) == (
        "completed", "1000.00", "950.00", "23.75", "dispute")
    # 950.00 - 2.5 % for the merchant; 950.00 of a's deposit spent, 1 % earned
    assert merchant(kassad, shop["id"]) == "926.25"
    assert money(a) == ("99059.50", "0.00", "9.50")
    assert a.post(f"/trader/v1/disputes/{d['uuid']}/accept") == (
        409, {"error": f"dispute {d['uuid']} is resolved (resolved_success)"})
    assert a.get("/trader/v1/disputes")[1]["items"] == []
    assert [x["uuid"] for x in a.get("/trader/v1/disputes?status=resolved_success")[1][
        "items"]] == [d["uuid"]]
    assert money(b) == ("100000.00", "0.00", "0.00")
    [line] = audit(kassad, "dispute.accept")
    assert (line["actor"], line["kind"], line["target"], line["before"]["status"],
            line["after"]["status"]) == (f"trader:{a.id}", "dispute", d["uuid"], "in_progress",
                                         "resolved_success")
    verify_ok(kassad)


def test_reject_with_a_reason_goes_to_the_operator(kassad):
    shop = create_shop(kassad, requisite=False)
    a = rub_trader(kassad, "Ivan", "Иван Иванов")
    requisite(a, max_pending=2)
    online(a)
    o1, d1 = expired_with_dispute(kassad, shop, a, [])
    o2, d2 = expired_with_dispute(kassad, shop, a, [], amount="700.00")
    url = f"/trader/v1/disputes/{d1['uuid']}/reject"
    reasons = ("reason: expected payment_not_found, fake_proof, invalid_proof_datetime, "
               "invalid_proof_requisites or bank_account_blocked")
    assert a.post(url, {"reason": "dunno"}) == (400, {"error": reasons})
    assert a.post(url) == (400, {"error": reasons})
    assert a.post(url, {"reason": "fake_proof", "amount": "1"}) == (
        400, {"error": "unknown field 'amount': a rejection takes reason, comment and evidence"})
    assert multipart(a, url, [("reason", "fake_proof", None),
                              ("evidence", b"GIF89a", "a.gif")]) == (
        415, {"error": "evidence: only JPG, PNG and PDF files are accepted"})
    assert multipart(a, url, [("reason", "fake_proof", None), ("amount", "1", None)]) == (
        400, {"error": "unknown field 'amount': a rejection takes reason, comment and evidence"})
    st, rej = multipart(a, url, [("reason", "fake_proof", None),
                                 ("comment", "no such transfer", None),
                                 ("evidence", PDF, "statement.pdf")])
    assert st == 200, rej
    assert (rej["status"], rej["awaiting"], rej["reject_reason"], rej["ttl_sec"]) == (
        "in_progress", "operator", "fake_proof", 0)
    assert (rej["evidence"][-1]["uploader"], rej["evidence"][-1]["content_type"]) == (
        "trader", "application/pdf")
    assert (rej["logs"][-1]["actor_role"], rej["logs"][-1]["details"]) == (
        "trader", "rejected (fake_proof): awaiting the operator: no such transfer")
    assert a.post(url, {"reason": "fake_proof"}) == (
        409, {"error": f"dispute {d1['uuid']} is not awaiting the trader's answer"})
    # the trader's list: those awaiting the trader first; the operator's
    # queue: those awaiting the operator first
    st, mine = a.get("/trader/v1/disputes")
    assert [(x["uuid"], x["awaiting"]) for x in mine["items"]] == [
        (d2["uuid"], "trader"), (d1["uuid"], "operator")]
    st, first = a.get("/trader/v1/disputes?limit=1")
    assert [x["uuid"] for x in first["items"]] == [d2["uuid"]], first
    st, rest = a.get(f"/trader/v1/disputes?limit=1&cursor={first['next_cursor']}")
    assert [x["uuid"] for x in rest["items"]] == [d1["uuid"]], rest
    assert [x["uuid"] for x in a.get("/trader/v1/disputes?awaiting=operator")[1]["items"]] == [
        d1["uuid"]]
    assert a.get("/trader/v1/disputes?awaiting=me") == (
        400, {"error": "awaiting: expected trader or operator"})
    st, q = kassad.admin("GET", "/admin/v1/disputes")
    assert [(x["uuid"], x["awaiting"], x["reject_reason"]) for x in q["items"]] == [
        (d1["uuid"], "operator", "fake_proof"), (d2["uuid"], "trader", None)]
    # the second rejected in JSON
    st, rej2 = a.post(f"/trader/v1/disputes/{d2['uuid']}/reject",
                      {"reason": "payment_not_found", "comment": "not on the statement"})
    assert (st, rej2["awaiting"], rej2["reject_reason"]) == (200, "operator", "payment_not_found")
    # no money moved: the orders stay expired, the reserves back
    assert [admin_order(kassad, o["uuid"])["status"] for o in (o1, o2)] == ["expired"] * 2
    assert money(a) == ("100000.00", "0.00", "0.00")
    assert merchant(kassad, shop["id"]) == "0.00"
    assert [(x["actor"], x["target"]) for x in audit(kassad, "dispute.reject")] == [
        (f"trader:{a.id}", d1["uuid"]), (f"trader:{a.id}", d2["uuid"])]
    verify_ok(kassad)
