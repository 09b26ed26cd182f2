"""Races at the last byte: every request of a race is sent but its last
byte, then all the last bytes go out at once, so kassad receives them
within microseconds of each other (threads racing to connect would be
milliseconds apart). Each race is repeated; each checks who won and that
the money and the rows agree."""

import json
import random
import socket
import time

import pytest

from kassa_client import compact, create_shop, new_key, panda_signature
from tegro_client import tegro_for

REPEAT = 16


def _http(method, path, body=b"", headers=None, host="127.0.0.1"):
    head = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: close",
            f"Content-Length: {len(body)}"]
    for k, v in (headers or {}).items():
        head.append(f"{k}: {v}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def race(port_and_requests):
    """[(port, raw request bytes)] -> [(status, body)] in the same order."""
    socks = []
    for port, raw in port_and_requests:
        s = socket.create_connection(("127.0.0.1", port), timeout=20)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(raw[:-1])
        socks.append((s, raw[-1:]))
    time.sleep(0.05)  # every request waits for its last byte
    for s, last in socks:
        s.sendall(last)
    out = []
    for s, _ in socks:
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        head, _, body = data.partition(b"\r\n\r\n")
        out.append((int(head.split(b" ", 2)[1]), body))
    return out


def admin_req(server, method, path, body=None):
    raw = json.dumps(body).encode() if body is not None else b""
    return server.port, _http(method, path, raw, {
        "Authorization": f"Bearer {server.admin_token}", "Content-Type": "application/json"})


def panda_req(server, creds, method, path, payload=None):
    body = compact(payload).encode() if payload is not None else b""
    ts = str(server.now())
    p = creds["panda"]
    return server.port, _http(method, path, body, {
        "Content-Type": "application/json", "X-API-Key": p["api_key"],
        "X-Timestamp": ts, "X-Signature": panda_signature(p["secret"], ts, body)})


def status_of(server, uuid):
    st, o = server.admin("GET", f"/admin/v1/orders/{uuid}")
    assert st == 200, o
    return o["status"]


def available(server, creds):
    st, js = server.admin("GET", f"/admin/v1/shops/{creds['id']}/balances")
    assert st == 200, js
    return js.get("RUB", {}).get("available", "0.00")


def verify_ok(server):
    st, js = server.admin("GET", "/admin/v1/ledger/verify")
    assert st == 200 and js["ok"] is True, js


def test_complete_cancel_fail_expiry_one_winner(kassad):
    """An operator's complete and fail, the merchant's cancel and the expiry
    (a clock moved past the order's end) at the same instant: exactly one
    transition happens, and only a completion credits the shop."""
    # Orders live 60 s: a clock moved 120 s ends them, and a signed
    # request's timestamp stays within the 300 s window either way.
    creds = create_shop(kassad, fee_percent="0", panda_order_ttl=60)
    panda = kassad.panda(creds)
    credited = 0
    winners = {}
    for i in range(REPEAT):
        o = panda.create_order(amount="100.00").json
        uuid = o["uuid"]
        named = [("complete", admin_req(kassad, "POST", f"/admin/v1/orders/{uuid}/complete")),
                 ("fail", admin_req(kassad, "POST", f"/admin/v1/orders/{uuid}/fail")),
                 ("cancel", panda_req(kassad, creds, "GET", f"/v1/orders/{uuid}/cancel")),
                 ("expiry", admin_req(kassad, "POST", "/admin/v1/clock/advance",
                                      {"seconds": 120}))]
        random.shuffle(named)  # whose last byte goes first changes
        got = dict(zip((n for n, _ in named), race([r for _, r in named])))
        answers = [got["complete"], got["fail"], got["cancel"], got["expiry"]]
        kassad.clock_offset += 120
        ok = [n for n, (st, _) in zip(("complete", "fail", "cancel"), answers[:3]) if st == 200]
        for st, body in answers[:3]:
            assert st in (200, 409), (st, body)
        final = status_of(kassad, uuid)
        assert len(ok) <= 1, (ok, answers)
        if ok:
            want = {"complete": "completed", "fail": "failed", "cancel": "canceled"}[ok[0]]
            assert final == want, (ok, final)
        else:
            # the sweeper expired it first (within a second of the clock)
            deadline = time.monotonic() + 3
            while final == "pending" and time.monotonic() < deadline:
                time.sleep(0.1)
                final = status_of(kassad, uuid)
            assert final == "expired", (final, answers)
        # A refusal names the state that refused it, never "pending".
        for st, body in answers[:3]:
            if st == 409:
                assert b"pending" not in body, body
        winners[final] = winners.get(final, 0) + 1
        if final == "completed":
            credited += 10000
    got = available(kassad, creds).split(".")
    assert int(got[0]) * 100 + int(got[1]) == credited, (got, credited, winners)
    verify_ok(kassad)
    print("winners:", winners)


def test_one_key_four_times_one_order(kassad):
    creds = create_shop(kassad)
    for i in range(REPEAT):
        key = new_key()
        payload = {"amount": "100.00", "requisite_type": "SBP", "idempotency_key": key,
                   "merchant_order_id": key}
        answers = race([panda_req(kassad, creds, "POST", "/v1/orders", payload)] * 4)
        uuids = {json.loads(b)["uuid"] for st, b in answers if st in (200, 201)}
        assert all(st in (200, 201) for st, _ in answers), answers
        assert len(uuids) == 1, answers
        r = kassad.panda(creds).orders_by_merchant_id(key)
        assert r.status == 200 and len(r.json) == 1


def test_one_tegro_request_four_times(kassad):
    """The same signed createOrder body, nonce included, four times at once:
    one order; the others are refused as replays or answer that order."""
    creds = create_shop(kassad)
    t = tegro_for(kassad, creds)
    for i in range(REPEAT):
        oid = f"t-{i}-{time.time_ns()}"
        body = t.body({"currency": "RUB", "amount": 1200, "order_id": oid,
                       "payment_system": 28}, nonce=time.time_ns()).encode()
        raw = _http("POST", "/api/createOrder/", body, {
            "Content-Type": "application/json", "Authorization": "Bearer " + t.sign(body)})
        answers = race([(kassad.port, raw)] * 4)
        ids = set()
        for st, b in answers:
            assert st == 200, (st, b)
            env = json.loads(b)
            if env["type"] == "success":
                ids.add(env["data"]["id"])
            else:
                assert "nonce" in env["desc"].lower() or "replay" in env["desc"].lower(), env
        assert len(ids) == 1, answers
        assert kassad.count_rows("orders", "merchant_order_id = ?", (oid,)) == 1


def _fund(server, creds, rub):
    panda = server.panda(creds)
    o = panda.create_order(amount=f"{rub}.00").json
    st, _ = server.admin("POST", f"/admin/v1/orders/{o['uuid']}/complete")
    assert st == 200


def _withdrawal_race(nodes, creds, n_ok, n_sent):
    reqs = []
    for i in range(n_sent):
        server = nodes[i % len(nodes)]
        t = tegro_for(server, creds)
        body = t.body({"currency": "RUB", "account": "2200000000000004", "amount": 10,
                       "payment_id": f"w-{i}-{time.time_ns()}", "payment_system": 36},
                      nonce=time.time_ns() + i).encode()
        reqs.append((server.port, _http("POST", "/api/createWithdrawal/", body, {
            "Content-Type": "application/json", "Authorization": "Bearer " + t.sign(body)})))
    answers = race(reqs)
    envs = [json.loads(b) for st, b in answers]
    ok = [e for e in envs if e["type"] == "success"]
    short = [e for e in envs if e["type"] != "success"]
    assert len(ok) == n_ok, envs
    assert all(e["desc"] == "Insufficient funds" for e in short), short


def test_withdrawals_never_overdraw(kassad):
    creds = create_shop(kassad, fee_percent="0")
    _fund(kassad, creds, 100)
    _withdrawal_race([kassad], creds, 10, 24)
    assert available(kassad, creds) == "0.00"
    verify_ok(kassad)


@pytest.fixture
def two_nodes(kassad_factory, kassad):
    if not kassad.db_url.startswith("postgres"):
        pytest.skip("runs in the PostgreSQL pass (KASSA_TEST_DB=postgres)")
    other = kassad_factory("node_b", db_url=kassad.db_url)
    return kassad, other


def test_one_key_four_times_across_two_nodes(two_nodes):
    a, b = two_nodes
    creds = create_shop(a)
    for i in range(REPEAT):
        key = new_key()
        payload = {"amount": "100.00", "requisite_type": "SBP", "idempotency_key": key,
                   "merchant_order_id": key}
        answers = race([panda_req(a, creds, "POST", "/v1/orders", payload),
                        panda_req(b, creds, "POST", "/v1/orders", payload)] * 2)
        assert all(st in (200, 201) for st, _ in answers), answers
        assert len({json.loads(x)["uuid"] for _, x in answers}) == 1, answers
        r = a.panda(creds).orders_by_merchant_id(key)
        assert r.status == 200 and len(r.json) == 1


def test_withdrawals_across_two_nodes_never_overdraw(two_nodes):
    a, b = two_nodes
    creds = create_shop(a, fee_percent="0")
    _fund(a, creds, 100)
    _withdrawal_race([a, b], creds, 10, 24)
    assert available(a, creds) == "0.00"
    verify_ok(a)


def test_cancel_signature_taken_once_across_nodes(two_nodes):
    """A cancel's plain signature replayed on the other node, for another
    order: that node has not seen it, but the database has (recorded with
    the first cancel): refused."""
    a, b = two_nodes
    creds = create_shop(a)
    pa, pb = a.panda(creds), b.panda(creds)
    x = pa.create_order(amount="10.00").json
    y = pa.create_order(amount="11.00").json
    ts = a.now() + 5
    assert pa.get(f"/v1/orders/{x['uuid']}/cancel", ts=ts).status == 200
    r = pb.get(f"/v1/orders/{y['uuid']}/cancel", ts=ts)
    assert r.status == 401, r
    assert r.json["error"].startswith("signature already used for another request")
    st, o = a.admin("GET", f"/admin/v1/orders/{y['uuid']}")
    assert o["status"] == "pending"
