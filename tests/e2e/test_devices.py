"""Devices and bank messages (spec/p2p.md "Confirmation"; docs/p2p.md "The
device protocol"): pairing with a one-time code, signed device requests,
notifications kept, read and matched to the one pending order they pay,
the rest waiting for the operator to attach. SQLite and
(KASSA_TEST_DB=postgres) PostgreSQL. Every test ends with ledger/verify."""
import hashlib
import hmac
import json
import time

import pytest

from kassa_client import SBP_REQUISITE, create_shop, send_raw
from test_callbacks import Receiver
from test_cli import kassa

VERIFIED = "Иван Иванов"
SBER_140 = "СЧЁТ1234 00:21 Перевод 140р от Сергей С. Баланс: 879.81р"
SBER_1000 = "СЧЁТ1234 16:36 Зачисление 1 000р Баланс: 1 123.48р"
SBER_DEBIT = "СЧЁТ1234 10:15 Покупка 140р MAGNIT Баланс: 739.81р"
SBER_BALANCE = "Баланс карты СЧЁТ1234: 140р"


class Device:
    def __init__(self, server, device_id, token, secret):
        self.server, self.id, self.token, self.secret = server, device_id, token, secret

    def headers(self, body, ts=None, token=None, secret=None, signature=None):
        ts = str(self.server.now() if ts is None else ts)
        sig = signature or hmac.new((secret or self.secret).encode(), ts.encode() + body,
                                    hashlib.sha256).hexdigest()
        return [("Authorization", f"Bearer {token or self.token}"), ("X-Timestamp", ts),
                ("X-Signature", sig), ("Content-Type", "application/json")]

    def post(self, path, payload=None, raw=None, **kw):
        body = raw if raw is not None else (json.dumps(payload).encode() if payload is not None
                                            else b"")
        return send_raw(self.server.base_url, "POST", path, body, self.headers(body, **kw))

    def messages(self, *msgs, **kw):
        return self.post("/device/v1/messages", {"messages": list(msgs)}, **kw)


def verify_ok(server):
    st, v = server.admin("GET", "/admin/v1/ledger/verify")
    assert st == 200 and v["ok"] is True, v


def sms(event_id, text, server, sender="900", received_at=None):
    return {"event_id": event_id, "source": "sms", "sender": sender, "package": None,
            "title": None, "text": text,
            "received_at": server.now() if received_at is None else received_at}


def new_trader(server):
    st, t = server.admin("POST", "/admin/v1/traders",
                         {"name": "Ivan", "verified_name": VERIFIED, "reward_bps": 100,
                          "currency": "RUB"})
    assert st == 201, t
    st, _ = server.admin("POST", f"/admin/v1/traders/{t['id']}/deposits", {"amount": "100000"})
    assert st == 201
    st, _ = server.admin("PATCH", f"/admin/v1/traders/{t['id']}", {"online": True})
    assert st == 200
    return t


def code_for(server, trader_id):
    st, c = server.admin("POST", f"/admin/v1/traders/{trader_id}/devices/pair")
    assert st == 201, c
    return c


def pair(server, trader_id, name="Pixel"):
    c = code_for(server, trader_id)
    r = send_raw(server.base_url, "POST", "/device/v1/pair",
                 json.dumps({"code": c["code"], "name": name}).encode(),
                 [("Content-Type", "application/json")])
    assert r.status == 201, r.body
    assert set(r.json) == {"device_id", "token", "secret"}
    return Device(server, r.json["device_id"], r.json["token"], r.json["secret"])


def requisite(server, trader_id, **fields):
    """A requisite of the trader's that takes several open orders (a
    trader's requisite takes one unless max_pending says otherwise)."""
    body = dict(SBP_REQUISITE, owner_full_name=VERIFIED, trader_id=trader_id, max_pending=10)
    body.update(fields)
    st, r = server.admin("POST", "/admin/v1/requisites", body)
    assert st == 201, r
    return r["id"]


def bind(server, requisite_id, device_id):
    return server.admin("PUT", f"/admin/v1/requisites/{requisite_id}/device",
                        {"device_id": device_id})


@pytest.fixture
def setup(kassad):
    """A trader, a paired device (heartbeat sent), one SBP requisite bound
    to it, a shop whose callbacks go to a real local receiver."""
    rec = Receiver()
    t = new_trader(kassad)
    dev = pair(kassad, t["id"])
    assert dev.post("/device/v1/heartbeat").status == 200
    rid = requisite(kassad, t["id"])
    assert bind(kassad, rid, dev.id) == (200, {"requisite_id": rid, "device_id": dev.id})
    shop = create_shop(kassad, requisite=False, callback_url=rec.url())
    yield kassad, t, dev, rid, shop, rec
    rec.close()


def order(server, shop, amount):
    r = server.panda(shop).create_order(amount=amount)
    assert r.status == 200, r.body
    return r.json["uuid"]


def admin_order(server, ref):
    st, o = server.admin("GET", f"/admin/v1/orders/{ref}")
    assert st == 200
    return o


# ---- pairing ----

def test_pairing_code_once_and_short_lived(kassad):
    t = new_trader(kassad)
    c = code_for(kassad, t["id"])
    assert set(c) == {"code", "trader_id", "expires_at"} and len(c["code"]) == 12
    assert c["trader_id"] == t["id"]

    def use(code):
        r = send_raw(kassad.base_url, "POST", "/device/v1/pair",
                     json.dumps({"code": code, "name": "Pixel"}).encode(),
                     [("Content-Type", "application/json")])
        return r.status, r.json

    st, first = use(c["code"].lower())       # case does not matter
    assert st == 201 and first["device_id"] > 0 and first["token"].startswith("kdt_")
    assert len(first["secret"]) == 64
    assert use(c["code"]) == (401, {"error": "pairing code already used"})
    assert use("AAAAAAAAAAAA") == (401, {"error": "invalid pairing code"})
    late = code_for(kassad, t["id"])
    kassad.advance_clock(601)
    assert use(late["code"]) == (401, {"error": "pairing code expired"})
    r = send_raw(kassad.base_url, "POST", "/device/v1/pair", b'{"code": "X"}',
                 [("Content-Type", "application/json")])
    assert (r.status, r.json) == (400, {"error": "name: required (what the phone is called)"})
    assert kassad.count_rows("devices") == 1
    # Only hashes of the token and code are kept.
    assert kassad.count_rows("devices", "token_hash = ?", (
        hashlib.sha256(first["token"].encode()).hexdigest(),)) == 1
    assert kassad.count_rows("device_pairings", "code_hash = ?", (c["code"],)) == 0
    st, page = kassad.admin("GET", f"/admin/v1/traders/{t['id']}/devices")
    assert st == 200 and [(d["id"], d["name"], d["status"], d["online"]) for d in page["items"]] \
        == [(first["device_id"], "Pixel", "active", False)]  # the clock moved 601 s
    assert kassad.admin("POST", "/admin/v1/traders/999/devices/pair") == (
        404, {"error": "Trader not found"})
    verify_ok(kassad)


# ---- authentication ----

def test_device_auth_failures(kassad):
    t = new_trader(kassad)
    dev = pair(kassad, t["id"])
    hb = "/device/v1/heartbeat"
    r = dev.post(hb, token="kdt_" + "0" * 48)
    assert (r.status, r.json) == (401, {"error": "invalid device token"})
    r = send_raw(kassad.base_url, "POST", hb, b"", [])
    assert (r.status, r.json) == (401, {"error": "missing or malformed Authorization header: "
                                                  "expected Bearer <device token>"})
    r = dev.post(hb, secret="f" * 64)
    assert (r.status, r.json) == (401, {"error": "invalid signature"})
    r = dev.post(hb, ts=kassad.now() - 301)
    assert (r.status, r.json) == (401, {"error": "timestamp outside the allowed window of 300 "
                                                  "seconds"})
    r = dev.post(hb, ts="12a")
    assert (r.status, r.json) == (401, {"error": "missing or malformed X-Timestamp header"})
    ts = kassad.now()
    r = dev.post(hb, ts=ts)
    assert r.status == 200 and r.json == {"device_id": dev.id, "now": r.json["now"]}
    r = dev.post(hb, ts=ts)   # the same signed request again
    assert (r.status, r.json) == (401, {"error": "request replayed: sign each request with a new "
                                                  "X-Timestamp"})
    st, d = kassad.admin("GET", f"/admin/v1/devices/{dev.id}")
    assert st == 200 and d["online"] is True and d["requisites"] == []
    # Rotation: new credentials, the old ones stop at once.
    # Same second, no body: the heartbeat's signature; a body tells them apart.
    assert dev.post("/device/v1/rotate", ts=ts).status == 401
    r = dev.post("/device/v1/rotate", {"nonce": "r1"})
    assert r.status == 200 and set(r.json) == {"device_id", "token", "secret"}
    new = Device(kassad, dev.id, r.json["token"], r.json["secret"])
    assert dev.post(hb, {"n": 1}).status == 401
    assert new.post(hb, {"n": 2}).status == 200
    # Revoked by the operator: refused.
    st, d = kassad.admin("POST", f"/admin/v1/devices/{dev.id}/revoke")
    assert st == 200 and d["status"] == "revoked" and d["revoked_at"] is not None
    r = new.post(hb, {"n": 3})
    assert (r.status, r.json) == (401, {"error": "invalid device token"})
    assert kassad.admin("POST", f"/admin/v1/devices/{dev.id}/revoke") == (
        409, {"error": f"device {dev.id} is already revoked"})
    st, lines = kassad.admin("GET", "/admin/v1/audit?action=device.")
    assert [l["action"] for l in lines["items"]] == ["device.revoke", "device.pair"]
    verify_ok(kassad)


def test_guard_locks_a_guessing_address(kassad_factory):
    k = kassad_factory(extra_args=["--auth-fail-limit", "3"])
    for _ in range(3):
        r = send_raw(k.base_url, "POST", "/device/v1/heartbeat", b"",
                     [("Authorization", "Bearer kdt_nope")])
        assert r.status == 401
    r = send_raw(k.base_url, "POST", "/device/v1/heartbeat", b"",
                 [("Authorization", "Bearer kdt_nope")])
    assert r.status == 429 and r.json["error"].startswith(
        "too many failed device authentications; try again in ")


# ---- binding ----

def test_bind_only_to_the_traders_own_device(kassad):
    t = new_trader(kassad)
    dev = pair(kassad, t["id"])
    st, other = kassad.admin("POST", "/admin/v1/traders",
                             {"name": "P", "verified_name": "Пётр Петров", "reward_bps": 1})
    foreign = requisite(kassad, other["id"], owner_full_name="Пётр Петров")
    assert bind(kassad, foreign, dev.id) == (
        409, {"error": f"device {dev.id} is not a device of trader {other['id']}"})
    st, r = kassad.admin("POST", "/admin/v1/requisites", dict(SBP_REQUISITE))
    pool = r["id"]
    assert bind(kassad, pool, dev.id) == (
        409, {"error": f"requisite {pool} has no trader: only a trader's requisite is bound to "
                       "the trader's device"})
    mine = requisite(kassad, t["id"])
    assert bind(kassad, mine, 999) == (400, {"error": "device_id: no device 999 in use"})
    assert bind(kassad, 999, dev.id) == (404, {"error": "Requisite not found"})
    assert bind(kassad, mine, dev.id) == (200, {"requisite_id": mine, "device_id": dev.id})
    assert kassad.admin("GET", f"/admin/v1/devices/{dev.id}")[1]["requisites"] == [mine]
    assert kassad.admin("DELETE", f"/admin/v1/requisites/{mine}/device") == (
        200, {"requisite_id": mine, "device_id": None})
    assert kassad.admin("GET", f"/admin/v1/devices/{dev.id}")[1]["requisites"] == []
    verify_ok(kassad)


# ---- messages ----

def test_sber_credit_completes_exactly_its_order(setup):
    k, t, dev, rid, shop, rec = setup
    other = order(k, shop, "150.00")
    target = order(k, shop, "140.00")
    r = dev.messages(sms("e-1", SBER_140, k))
    assert r.status == 200, r.body
    assert r.json == {"results": [{"event_id": "e-1", "id": r.json["results"][0]["id"],
                                   "state": "matched", "order": target, "reason": None}]}
    o = admin_order(k, target)
    assert (o["status"], o["amount"], o["amount_received"]) == ("completed", "140.00", None)  # exact: none named
    if "confirmed_by" in o:
        assert o["confirmed_by"] == "device"
    assert admin_order(k, other)["status"] == "pending"
    bodies = [json.loads(x["body"]) for x in rec.wait(1)]
    assert [(b["uuid"], b["status"], b["amount_local"]) for b in bodies] == [
        (target, "completed", 140.0)]
    st, m = k.admin("GET", f"/admin/v1/bank-messages/{r.json['results'][0]['id']}")
    assert st == 200
    assert (m["state"], m["template"], m["bank"], m["kind"], m["amount"], m["currency"],
            m["last4"], m["payer"], m["order"], m["matched_by"]) == (
        "matched", "sber.transfer_in", "Sber", "credit", "140.00", "RUB", "1234", "Сергей С.",
        target, "device")
    verify_ok(k)


def test_debit_and_balance_never_complete(setup):
    k, t, dev, rid, shop, rec = setup
    target = order(k, shop, "140.00")
    r = dev.messages(sms("d-1", SBER_DEBIT, k), sms("b-1", SBER_BALANCE, k),
                     sms("x-1", SBER_140, k, sender="+79990000000"))
    assert r.status == 200, r.body
    assert [(x["state"], x["reason"], x["order"]) for x in r.json["results"]] == [
        ("ignored", "debit", None), ("ignored", "unparsed", None), ("ignored", "unparsed", None)]
    assert admin_order(k, target)["status"] == "pending"
    assert k.count_rows("bank_messages") == 3
    verify_ok(k)


def test_two_equal_amounts_are_ambiguous_then_attached(setup):
    k, t, dev, rid, shop, rec = setup
    rid2 = requisite(k, t["id"], requisite="+79007654321")
    assert bind(k, rid2, dev.id)[0] == 200
    a = order(k, shop, "1000.00")
    b = order(k, shop, "1000.00")
    oa, ob = admin_order(k, a), admin_order(k, b)
    if oa["requisite"]["id"] == ob["requisite"]["id"]:
        pytest.skip("the selection put both on one requisite")
    r = dev.messages(sms("amb-1", SBER_1000, k))
    res = r.json["results"][0]
    assert (res["state"], res["order"]) == ("ambiguous", None)
    assert (admin_order(k, a)["status"], admin_order(k, b)["status"]) == ("pending", "pending")
    st, page = k.admin("GET", f"/admin/v1/bank-messages?state=ambiguous&trader_id={t['id']}")
    assert st == 200 and [m["id"] for m in page["items"]] == [res["id"]]
    # A credit nobody waits for: unmatched.
    r = dev.messages(sms("un-1", SBER_140, k))
    un = r.json["results"][0]
    assert (un["state"], un["order"]) == ("unmatched", None)
    # The operator attaches the ambiguous one to b.
    st, att = k.admin("POST", f"/admin/v1/bank-messages/{res['id']}/attach", {"order": b})
    assert st == 200, att
    assert (att["message"]["state"], att["message"]["order"], att["message"]["matched_by"]) == (
        "matched", b, "operator")
    # the message's amount is the order's: none named
    assert (att["order"]["status"], att["order"]["amount_received"]) == ("completed", None)
    assert admin_order(k, a)["status"] == "pending"
    assert k.admin("POST", f"/admin/v1/bank-messages/{res['id']}/attach", {"order": a}) == (
        409, {"error": f"bank message {res['id']} is matched: only an unmatched or ambiguous one "
                       "is attached"})
    assert k.admin("POST", f"/admin/v1/bank-messages/{un['id']}/attach", {"order": b}) == (
        409, {"error": f"order {b} is completed: it cannot become completed"})
    assert k.admin("POST", f"/admin/v1/bank-messages/{un['id']}/attach", {"order": "x"}) == (
        400, {"error": "order: required, the order's uuid"})
    # Attaching the 140 credit to the 1000 order completes it for 140.
    st, att = k.admin("POST", f"/admin/v1/bank-messages/{un['id']}/attach", {"order": a})
    assert st == 200 and att["order"]["amount_received"] == "140.00"
    st, lines = k.admin("GET", "/admin/v1/audit?action=bank_message.")
    assert [l["action"] for l in lines["items"]] == ["bank_message.attach"] * 2
    verify_ok(k)


def test_repeat_event_id_is_stored_once(setup):
    k, t, dev, rid, shop, rec = setup
    target = order(k, shop, "140.00")
    first = dev.messages(sms("rep-1", SBER_140, k)).json["results"][0]
    assert first["state"] == "matched"
    k.advance_clock(2)   # a new signed request with the same event
    again = dev.messages(sms("rep-1", SBER_140, k), sms("rep-1", SBER_140, k))
    assert again.status == 200
    assert again.json["results"] == [first, first]
    assert k.count_rows("bank_messages") == 1
    o = admin_order(k, target)
    assert (o["status"], o["amount_received"], o["confirmed_by"]) == ("completed", None, "device")
    verify_ok(k)


def test_time_window_and_grace(setup):
    k, t, dev, rid, shop, rec = setup
    before = k.now() - 5
    target = order(k, shop, "140.00")
    # Received before the order was assigned: not its payment.
    r = dev.messages(sms("early", SBER_140, k, received_at=before))
    assert r.json["results"][0]["state"] == "unmatched"
    # Expired, then a credit received within the grace period completes it.
    k.advance_clock(900 + 5)
    deadline = time.monotonic() + 5
    while admin_order(k, target)["status"] != "expired" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert admin_order(k, target)["status"] == "expired"
    r = dev.messages(sms("late", SBER_140, k))
    assert (r.json["results"][0]["state"], r.json["results"][0]["order"]) == ("matched", target)
    assert admin_order(k, target)["status"] == "completed"
    verify_ok(k)


def test_bad_batches_store_nothing(setup):
    k, t, dev, rid, shop, rec = setup
    cases = [
        ({"messages": []}, "messages: expected an array of 1 to 100 messages"),
        ({"messages": [sms("a", "x", k)] * 101}, "messages: expected an array of 1 to 100 "
                                                  "messages"),
        ({"messages": [dict(sms("a", "x", k), source="mms")]},
         "messages[0].source: expected sms or push"),
        ({"messages": [sms("a", "x", k), dict(sms("b", "x", k), event_id="")]},
         "messages[1].event_id: required"),
        ({"messages": [dict(sms("a", "x", k), received_at=k.now() + 3600)]},
         "messages[0].received_at: expected the Unix seconds the phone received it (not in the "
         "future)"),
        ({"messages": [dict(sms("a", "x", k), extra=1)]},
         "messages[0]: unknown field 'extra': a message takes event_id, source, sender, package, "
         "title, text and received_at"),
        ({"msgs": []}, "unknown field 'msgs': a batch takes messages"),
    ]
    for body, msg in cases:
        r = dev.post("/device/v1/messages", body)
        assert (r.status, r.json) == (400, {"error": msg}), body
    assert k.count_rows("bank_messages") == 0
    verify_ok(k)


def test_unbound_device_matches_by_bank_and_last_digits(kassad):
    rec = Receiver()
    t = new_trader(kassad)
    dev = pair(kassad, t["id"])
    card = requisite(kassad, t["id"], type="card", requisite="2202200012341234",
                     bank_code="sber", bank_name_en="Sberbank")
    shop = create_shop(kassad, requisite=False, callback_url=rec.url())
    r = kassad.panda(shop).create_order(amount="47.33", requisite_type="card")
    assert r.status == 200, r.body
    uuid = r.json["uuid"]
    assert admin_order(kassad, uuid)["requisite"]["id"] == card
    r = dev.messages(sms("m-1", "MIR-9999 20:55 зачисление 47.33р Баланс: 681.81р", kassad))
    assert r.json["results"][0]["state"] == "unmatched"      # another card's digits
    r = dev.messages(sms("m-2", "MIR-1234 20:55 зачисление 47.33р Баланс: 681.81р", kassad))
    assert (r.json["results"][0]["state"], r.json["results"][0]["order"]) == ("matched", uuid)
    rec.wait(1)
    rec.close()
    verify_ok(kassad)


def test_cli_devices(setup):
    k, t, dev, rid, shop, rec = setup
    env = {"KASSA_SERVER": k.base_url, "KASSA_ADMIN_TOKEN": k.admin_token}
    r = kassa("device", "pair", str(t["id"]), env=env)
    assert r.returncode == 0 and '"code":"' in r.stdout, r
    r = kassa("device", "list", str(t["id"]), env=env)
    assert r.returncode == 0 and f'"id":{dev.id}' in r.stdout, r
    r = kassa("device", "unbind", str(rid), env=env)
    assert r.returncode == 0 and '"device_id":null' in r.stdout, r
    r = kassa("device", "bind", str(rid), str(dev.id), env=env)
    assert r.returncode == 0 and f'"device_id":{dev.id}' in r.stdout, r
    dev.messages(sms("c-1", SBER_140, k))
    r = kassa("bank-message", "list", "--state", "unmatched", env=env)
    assert r.returncode == 0 and '"event_id":"c-1"' in r.stdout, r
    mid = k.admin("GET", "/admin/v1/bank-messages?state=unmatched")[1]["items"][0]["id"]
    target = order(k, shop, "140.00")
    r = kassa("bank-message", "attach", str(mid), "--order", target, env=env)
    assert r.returncode == 0 and '"matched_by":"operator"' in r.stdout, r
    r = kassa("device", "revoke", str(dev.id), env=env)
    assert r.returncode == 0 and '"status":"revoked"' in r.stdout, r
    verify_ok(k)
