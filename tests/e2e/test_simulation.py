"""A day of P2P processing on the test clock (issue 21, "Done when"): three
traders (two settling in RUB, one in USDT at a USDT-RUB rate), each with a
paired phone and one or two requisites bound to it, two shops with
different tariffs whose callbacks go to a real local receiver, and a
couple hundred orders over a simulated day, each with a payer drawn at
random:

* exact     pays the exact amount: the trader's phone posts the bank's SMS
            (Sber's "900" format of docs/p2p.md) and the order completes;
* other     pays another amount: the trader confirms through the trader API
            with amount_received;
* late      pays after expiry: the operator completes the expired order
            (with or without an amount), or the phone's SMS arrives within
            the grace period after expiry;
* never     never pays: the order expires;
* dispute   never confirmed in time; the merchant opens a dispute on the
            expired order (panda API) and the operator decides it: success
            with an amount, or cancel.

Every order's requisite is checked against the selection rule as this
model sees it (trader online, phone's heartbeat within 120 s, fewer open
orders than max_pending, the trader's available deposit covering E; none
eligible exactly when kassa found none): traders go offline now and then,
phones miss heartbeats, the USDT trader's deposit runs short until the
operator tops it up.

At the end, every order's state and figures, every callback's exact body,
every shop's balance, every trader's available/reserved/earned and every
ledger account (platform fees, exchange per currency, custody) must be
what the rules of spec/p2p.md "Money" and docs/p2p.md say, computed here
independently of kassa (integer minor units, half-up rounding), and
ledger/verify must hold.

The seed is fixed and printed; KASSA_SIM_SEED=<int> runs another day.
SQLite and (KASSA_TEST_DB=postgres) PostgreSQL."""
import json
import os
import random
import time
from decimal import Decimal, ROUND_HALF_UP

from kassa_client import SBP_REQUISITE, create_shop, send_raw
from test_callbacks import Receiver
from test_devices import Device, sms
from test_disputes import open_dispute
from test_trader_api import Trader

SEED = int(os.environ.get("KASSA_SIM_SEED", "20261207"))
DAY = 86400
STEP = 300           # seconds of the test clock per step
TTL = 900            # panda's default order TTL
GRACE = 600          # --bank-message-grace's default
RATE = "92.37"       # USDT-RUB
PLACES = {"RUB": 2, "USDT": 6}

TRADERS = [  # name, verified name, settlement currency, reward (bps), deposit, requisites
    ("Ivan", "Иван Иванов", "RUB", 150, "5000000.00", 2),
    ("Petr", "Пётр Петров", "USDT", 120, "1500", 2),
    ("Anna", "Анна Смирнова", "RUB", 90, "150000.00", 1),
]
TOP_UP = {"RUB": ("30000.00", "100000.00"), "USDT": ("300", "1000")}  # below, deposit
SHOPS = [  # fee_percent, fee_fixed in RUB
    ("2.5", None),
    ("3.1", "15.00"),
]
PANDA_STATUS = {"completed": "completed", "expired": "timeout", "no_requisite": "traderNotFound"}
BEHAVIOURS = [("exact", 30), ("other", 15), ("late", 20), ("never", 20), ("dispute", 15)]


# ---- the rules, written again here (never kassa's code) --------------------------

def half_up(num, den):
    """num / den rounded half-up, for non-negative integers."""
    return (2 * num + den) // (2 * den)


def minor(text, currency):
    """A decimal string in minor units (exact)."""
    v = Decimal(text) * (10 ** PLACES[currency])
    assert v == v.to_integral_value(), (text, currency)
    return int(v)


def fmt(units, currency, places=None):
    """Minor units as a decimal string of `places` places (default the
    currency's), half-up away from zero when places are dropped."""
    exp = PLACES[currency]
    places = exp if places is None else places
    q = Decimal(units).scaleb(-exp).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{q:.{places}f}"


def rate8():
    """The rate in units of 10^-8."""
    return int(Decimal(RATE) * 10 ** 8)


def rub_to_usdt(rub):
    """RUB minor units (kopecks) -> USDT minor units at RATE, half-up:
    rub / 100 / rate * 10^6."""
    return half_up(rub * 10 ** 8 * 10 ** 6, rate8() * 10 ** 2)


def in_settlement(rub, currency):
    """E: an amount of the order (RUB) in the trader's currency."""
    return rub if currency == "RUB" else rub_to_usdt(rub)


def fee_of(amount, pct, fixed):
    """The tariff: the percent of the amount, half-up, plus the fixed part."""
    p = Decimal(pct) * amount / 100
    return int(p.quantize(Decimal(1), rounding=ROUND_HALF_UP)) + fixed


def fee_received(fee, amount, received):
    """The order's fee scaled to the amount received, half-up."""
    return half_up(fee * received, amount)


def sber_amount(units):
    """1234567 kopecks -> "12 345.67" (thousands separated by a space)."""
    rub, kop = divmod(units, 100)
    return f"{rub:,}".replace(",", " ") + f".{kop:02d}"


class Ledger:
    """The expected balance of every account: (owner, kind, currency) -> minor."""

    def __init__(self):
        self.acc = {}

    def post(self, *legs):
        sums = {}
        for owner, kind, cur, amount in legs:
            key = (owner, kind, cur)
            self.acc[key] = self.acc.get(key, 0) + amount
            sums[cur] = sums.get(cur, 0) + amount
        assert all(v == 0 for v in sums.values()), legs

    def get(self, owner, kind, cur):
        return self.acc.get((owner, kind, cur), 0)


# ---- the simulation -------------------------------------------------------------

class Sim:
    def __init__(self, server, rec, rng):
        self.k = server
        self.rec = rec
        self.rng = rng
        self.ledger = Ledger()
        self.orders = []           # every order's expected record, in creation order
        self.by_uuid = {}
        self.amounts = set()       # every amount used: one credit never fits two orders
        self.traders = {}          # id -> dict
        self.devices = {}          # trader id -> Device
        self.req_trader = {}       # requisite id -> trader id
        self.requisites = {}       # requisite id -> max_pending
        self.beat_step = {}        # device id -> the step of its last heartbeat
        self.skip_until = {}       # device id -> the phone is silent before this step
        self.unassigned = 0
        self.shops = []
        self.events = {}           # step -> [(kind, order)]
        self.step = 0
        self.beat = 0
        self.deposits = 0
        self.event_no = 0

    # ---- setup ----
    def setup(self):
        k = self.k
        st, body = k.admin("PUT", "/admin/v1/rates/USDT-RUB", {"rate": RATE})
        assert st == 200, body
        phone = 79001000000
        for name, verified, cur, bps, deposit, nreq in TRADERS:
            st, t = k.admin("POST", "/admin/v1/traders", {"name": name, "verified_name": verified,
                                                          "reward_bps": bps, "currency": cur})
            assert st == 201, t
            tid = t["id"]
            st, body = k.admin("POST", f"/admin/v1/traders/{tid}/deposits", {"amount": deposit})
            assert st == 201, body
            d = minor(deposit, cur)
            self.ledger.post(("platform", "platform_custody", cur, -d),
                             (f"trader:{tid}", "trader_available", cur, d))
            st, body = k.admin("PATCH", f"/admin/v1/traders/{tid}", {"online": True})
            assert st == 200, body
            st, code = k.admin("POST", f"/admin/v1/traders/{tid}/devices/pair")
            assert st == 201, code
            r = send_raw(k.base_url, "POST", "/device/v1/pair",
                         json.dumps({"code": code["code"], "name": f"{name}'s phone"}).encode(),
                         [("Content-Type", "application/json")])
            assert r.status == 201, r.body
            dev = Device(k, r.json["device_id"], r.json["token"], r.json["secret"])
            self.devices[tid] = dev
            self.heartbeat(dev)
            for _ in range(nreq):
                phone += 1
                body = dict(SBP_REQUISITE, requisite=f"+{phone}", owner_full_name=verified,
                            trader_id=tid, max_pending=self.rng.randint(3, 6))
                st, req = k.admin("POST", "/admin/v1/requisites", body)
                assert st == 201, req
                st, b = k.admin("PUT", f"/admin/v1/requisites/{req['id']}/device",
                                {"device_id": dev.id})
                assert st == 200, b
                self.req_trader[req["id"]] = tid
                self.requisites[req["id"]] = body["max_pending"]
            self.traders[tid] = {"currency": cur, "bps": bps, "client": Trader(k, t),
                                 "earned": 0, "online": True, "name": name}
        for i, (pct, fixed) in enumerate(SHOPS):
            fields = {"fee_percent": pct, "callback_url": self.rec.url(f"/shop{i + 1}")}
            if fixed is not None:
                fields["fee_fixed"] = {"RUB": fixed}
            creds = create_shop(k, requisite=False, **fields)
            creds["fixed"] = minor(fixed, "RUB") if fixed else 0
            creds["pct"] = pct
            self.shops.append(creds)

    def heartbeat(self, dev):
        self.beat += 1
        r = dev.post("/device/v1/heartbeat", {"beat": self.beat})
        assert r.status == 200, r.body
        self.beat_step[dev.id] = self.step

    # ---- the clock ----
    def advance(self):
        self.k.advance_clock(STEP)
        self.step += 1
        for dev in self.devices.values():
            # Now and then a phone loses its network for a while: it is
            # offline 120 s after its last heartbeat, and its requisites
            # take no order meanwhile.
            if self.step < self.skip_until.get(dev.id, 0):
                continue
            if self.rng.random() < 0.03:
                self.skip_until[dev.id] = self.step + self.rng.randint(1, 4)
                continue
            self.heartbeat(dev)
        # Now and then a trader goes offline, and back.
        for tid, t in self.traders.items():
            if self.rng.random() < (0.02 if t["online"] else 0.15):
                t["online"] = not t["online"]
                st, body = self.k.admin("PATCH", f"/admin/v1/traders/{tid}",
                                        {"online": t["online"]})
                assert st == 200 and body["online"] is t["online"], body
        # The operator tops up a trader whose deposit ran low, every few hours.
        if self.step % 24 == 0:
            for tid, t in self.traders.items():
                low, top_up = TOP_UP[t["currency"]]
                if self.available(tid) < minor(low, t["currency"]):
                    self.deposit(tid, top_up)

    def available(self, tid):
        return self.ledger.get(f"trader:{tid}", "trader_available", self.traders[tid]["currency"])

    def deposit(self, tid, amount):
        cur = self.traders[tid]["currency"]
        st, body = self.k.admin("POST", f"/admin/v1/traders/{tid}/deposits", {"amount": amount})
        assert st == 201, body
        d = minor(amount, cur)
        self.ledger.post(("platform", "platform_custody", cur, -d),
                         (f"trader:{tid}", "trader_available", cur, d))
        self.deposits += 1

    def cover(self, tid, need):
        """A late payment or one above the order's takes E' (or E' - E)
        from the trader's available money, which never goes below zero:
        the operator tops it up first when it is short."""
        cur = self.traders[tid]["currency"]
        if self.available(tid) < need:
            self.deposit(tid, fmt(need - self.available(tid) + minor("100", cur), cur))

    def eligible(self, amount):
        """The requisites the selection rule allows for an order of
        `amount` now (spec/p2p.md "Requisite selection")."""
        out = []
        for rid, max_pending in self.requisites.items():
            tid = self.req_trader[rid]
            t = self.traders[tid]
            pending = sum(1 for o in self.orders
                          if o.get("requisite") == rid and o["status"] == "pending")
            if (t["online"] and self.beat_step.get(self.devices[tid].id) == self.step
                    and pending < max_pending
                    and self.available(tid) >= in_settlement(amount, t["currency"])):
                out.append(rid)
        return out

    def at(self, steps_ahead, kind, o):
        self.events.setdefault(self.step + steps_ahead, []).append((kind, o))

    # ---- orders ----
    def new_amount(self):
        while True:
            a = self.rng.randint(300, 25000) * 100
            a += self.rng.choice([0, 0, self.rng.randint(1, 99)])
            if a not in self.amounts:
                self.amounts.add(a)
                return a

    def create_order(self):
        n = len(self.orders) + 1
        shop = self.rng.choice(self.shops)
        amount = self.new_amount()
        r = self.k.panda(shop).create_order(amount=fmt(amount, "RUB"),
                                            merchant_order_id=f"sim-{n}")
        assert r.status == 200, r.body
        uuid = r.json["uuid"]
        st, view = self.k.admin("GET", f"/admin/v1/orders/{uuid}")
        assert st == 200, view
        eligible = self.eligible(amount)
        o = {"n": n, "uuid": uuid, "shop": shop, "amount": amount,
             "fee": fee_of(amount, shop["pct"], shop["fixed"]), "received": None,
             "status": "pending", "confirmed_by": None, "callbacks": [], "trader": None,
             "behaviour": None}
        self.orders.append(o)
        self.by_uuid[uuid] = o
        if view["status"] == "no_requisite":
            assert eligible == [], (SEED, n, eligible, view)
            assert r.json["status"] == "traderNotFound", r.json
            o["status"] = "no_requisite"
            o["behaviour"] = "no requisite"
            self.unassigned += 1
            self.callback(o, "traderNotFound")
            return
        assert view["status"] == "pending" and r.json["status"] == "pending", (view, r.json)
        req = view["requisite"]["id"]
        assert req in eligible, (SEED, n, req, eligible)
        o["requisite"] = req
        tid = self.req_trader[req]
        assert view["trader_id"] == tid, view
        o["trader"] = tid
        o["device"] = self.devices[tid]
        cur = self.traders[tid]["currency"]
        o["E"] = in_settlement(amount, cur)
        self.ledger.post((f"trader:{tid}", "trader_available", cur, -o["E"]),
                         (f"trader:{tid}", "trader_reserved", cur, o["E"]))
        o["expires_step"] = self.step + TTL // STEP   # expired once the clock reaches this step
        b = self.rng.choices([b for b, _ in BEHAVIOURS], [w for _, w in BEHAVIOURS])[0]
        o["behaviour"] = b
        if b == "exact":
            self.at(self.rng.randint(0, 2), "sms", o)
        elif b == "other":
            self.at(self.rng.randint(0, 2), "trader_confirm", o)
        elif b == "late":
            if self.rng.random() < 0.4:
                self.at(TTL // STEP + 1, "sms_late", o)        # within the grace period
            else:
                self.at(self.rng.randint(TTL // STEP + 1, TTL // STEP + 12), "operator_late", o)
        elif b == "dispute":
            opened = self.rng.randint(TTL // STEP + 1, TTL // STEP + 6)
            self.at(opened, "dispute_open", o)
            self.at(opened + self.rng.randint(1, 8), "dispute_decide", o)
        # never: nothing happens

    # ---- expected effects ----
    def callback(self, o, status):
        """The panda (version 3) callback body the order's change sends, as
        it is when sent: the amounts of the amount received, if any."""
        paid = o["received"] if o["received"] is not None else o["amount"]
        usdt = rub_to_usdt(paid)
        body = ('{"uuid":"%s","status":"%s","amount_usdt":%s,"amount_local":%s,"currency":"RUB",'
                '"merchant_commission":%s,"merchant_order_id":"sim-%d"}' % (
                    o["uuid"], status, fmt(usdt, "USDT", 2), fmt(paid, "RUB"),
                    fmt(-o["fee"], "RUB"), o["n"]))
        o["callbacks"].append(body)

    def expire(self, o):
        tid, cur = o["trader"], self.traders[o["trader"]]["currency"]
        o["status"] = "expired"
        self.ledger.post((f"trader:{tid}", "trader_reserved", cur, -o["E"]),
                         (f"trader:{tid}", "trader_available", cur, o["E"]))
        self.callback(o, "timeout")

    def need(self, o, received):
        """What a completion for `received` takes from the trader's available."""
        e2 = in_settlement(received, self.traders[o["trader"]]["currency"])
        return e2 - (o["E"] if o["status"] == "pending" else 0)

    def complete(self, o, received, by):
        """Completion with the amount received A' (p2p.md "Money"): in the
        order's currency the platform's exchange pays the shop A' - fee(A')
        and the fees fee(A'); in the trader's, E' of the deposit goes to the
        exchange (the reserve E when still held), and the reward on E' back."""
        tid = o["trader"]
        t = self.traders[tid]
        cur = t["currency"]
        held = o["status"] == "pending"
        o["fee"] = fee_received(o["fee"], o["amount"], received)
        o["received"] = received
        o["status"] = "completed"
        o["confirmed_by"] = by
        shop = f"shop:{o['shop']['id']}"
        self.ledger.post(("platform", "platform_exchange", "RUB", -received),
                         (shop, "shop_available", "RUB", received - o["fee"]),
                         ("platform", "platform_fees", "RUB", o["fee"]))
        e2 = in_settlement(received, cur)
        e = o["E"] if held else 0
        self.ledger.post((f"trader:{tid}", "trader_reserved", cur, -e),
                         (f"trader:{tid}", "trader_available", cur, e - e2),
                         ("platform", "platform_exchange", cur, e2))
        reward = half_up(e2 * t["bps"], 10000)
        t["earned"] += reward
        self.ledger.post(("platform", "platform_exchange", cur, -reward),
                         (f"trader:{tid}", "trader_available", cur, reward))
        self.callback(o, "completed")

    # ---- acting ----
    def wait_callbacks(self, o, timeout=15):
        """Until every callback expected of the order so far has arrived
        (a late completion waits for the timeout's, so that each is
        rendered from the order as it was)."""
        want = len(o["callbacks"])
        deadline = time.monotonic() + timeout
        while len(self.received_of(o)) < want:
            assert time.monotonic() < deadline, (
                f"seed {SEED}: order sim-{o['n']}: {len(self.received_of(o))} callbacks of {want}")
            time.sleep(0.02)

    def received_of(self, o):
        path = f"/shop{self.shops.index(o['shop']) + 1}"
        with self.rec.cond:
            reqs = list(self.rec.requests)
        return [q["body"].decode() for q in reqs
                if q["path"] == path and f'"uuid":"{o["uuid"]}"'.encode() in q["body"]]

    def sms(self, o, text_amount):
        self.event_no += 1
        if self.rng.random() < 0.5:
            text = (f"СЧЁТ{self.rng.randint(1000, 9999)} {self.rng.randint(0, 23):02d}:"
                    f"{self.rng.randint(0, 59):02d} Перевод {text_amount}р от Сергей С. "
                    f"Баланс: {sber_amount(self.rng.randint(0, 10 ** 7))}р")
        else:
            text = (f"СЧЁТ{self.rng.randint(1000, 9999)} {self.rng.randint(0, 23):02d}:"
                    f"{self.rng.randint(0, 59):02d} Зачисление {text_amount}р "
                    f"Баланс: {sber_amount(self.rng.randint(0, 10 ** 7))}р")
        r = o["device"].messages(sms(f"sim-{self.event_no}", text, self.k))
        assert r.status == 200, r.body
        res = r.json["results"][0]
        assert (res["state"], res["order"], res["reason"]) == ("matched", o["uuid"], None), (
            SEED, o["n"], text, res)

    def run_event(self, kind, o):
        k = self.k
        if kind in ("sms", "trader_confirm"):
            assert o["status"] == "pending", (SEED, o["n"], kind)
        else:
            assert o["status"] == "expired", (SEED, o["n"], kind)
            self.wait_callbacks(o)
        if kind == "sms":
            self.sms(o, sber_amount(o["amount"]))
            self.complete(o, o["amount"], "device")
        elif kind == "sms_late":
            self.cover(o["trader"], self.need(o, o["amount"]))
            self.sms(o, sber_amount(o["amount"]))
            self.complete(o, o["amount"], "device")
        elif kind == "trader_confirm":
            received = self.other_amount(o["amount"])
            self.cover(o["trader"], self.need(o, received))
            t = self.traders[o["trader"]]["client"]
            st, body = t.post(f"/trader/v1/orders/{o['uuid']}/confirm",
                              {"amount_received": fmt(received, "RUB")})
            assert st == 200, body
            self.complete(o, received, "trader")
        elif kind == "operator_late":
            if self.rng.random() < 0.5:
                self.cover(o["trader"], self.need(o, o["amount"]))
                st, body = k.admin("POST", f"/admin/v1/orders/{o['uuid']}/complete")
                assert st == 200, body
                self.complete(o, o["amount"], "operator")
                o["received_named"] = False
            else:
                received = self.other_amount(o["amount"])
                self.cover(o["trader"], self.need(o, received))
                st, body = k.admin("POST", f"/admin/v1/orders/{o['uuid']}/complete",
                                   {"amount_received": fmt(received, "RUB")})
                assert st == 200, body
                self.complete(o, received, "operator")
        elif kind == "dispute_open":
            claimed = o["amount"] if self.rng.random() < 0.6 else self.other_amount(o["amount"])
            r = open_dispute(k, o["shop"], o["uuid"], [("amount", fmt(claimed, "RUB"), None),
                                                       ("comment", f"sim {o['n']}", None)])
            assert r.status == 201, r.body
            assert (r.json["status"], r.json["amount"]) == ("in_progress",
                                                            float(fmt(claimed, "RUB")))
            o["dispute"] = r.json["uuid"]
            o["claimed"] = claimed
        elif kind == "dispute_decide":
            if self.rng.random() < 0.65:
                received = o["claimed"] if self.rng.random() < 0.5 else self.other_amount(
                    o["amount"])
                self.cover(o["trader"], self.need(o, received))
                st, body = k.admin("POST", f"/admin/v1/disputes/{o['dispute']}/decide",
                                   {"outcome": "success", "amount_received": fmt(received, "RUB"),
                                    "comment": "the payer's bank statement"})
                assert st == 200, body
                self.complete(o, received, "dispute")
                o["dispute_status"] = "resolved_success"
            else:
                st, body = k.admin("POST", f"/admin/v1/disputes/{o['dispute']}/decide",
                                   {"outcome": "cancel", "comment": "no such payment"})
                assert st == 200, body
                o["dispute_status"] = "resolved_cancel"
        else:
            raise AssertionError(kind)

    def other_amount(self, amount):
        """Another amount than the order's: less (often) or more, > 0."""
        while True:
            v = amount + self.rng.randint(-amount // 2, amount // 5)
            if v > 0 and v != amount:
                return v

    def expire_due(self):
        """Orders whose expiry the clock passed: the sweeper (woken by the
        clock's move) expires them; wait for it, so that what is pending
        here is what is pending in kassa when the next order is placed."""
        for o in self.orders:
            if o["status"] == "pending" and o["expires_step"] <= self.step:
                deadline = time.monotonic() + 10
                while True:
                    st, v = self.k.admin("GET", f"/admin/v1/orders/{o['uuid']}")
                    assert st == 200, v
                    if v["status"] != "pending":
                        break
                    assert time.monotonic() < deadline, (SEED, o["n"], "not expired")
                    time.sleep(0.01)
                assert v["status"] == "expired", (SEED, o["n"], v["status"])
                self.expire(o)

    def run(self, orders_wanted):
        k = self.k
        last_create = DAY // STEP
        while self.step <= last_create or any(s >= self.step for s in self.events):
            # The orders that expired when the clock moved on, then what
            # payers, phones, traders, merchants and the operator do now.
            self.expire_due()
            if self.step < last_create:
                n = self.rng.choice([0, 1, 1, 2, 2])
                if len(self.orders) < orders_wanted:
                    for _ in range(n):
                        self.create_order()
            for kind, o in self.events.pop(self.step, []):
                self.run_event(kind, o)
            if self.step % 48 == 0:     # every four hours of the day
                st, report = k.admin("GET", "/admin/v1/ledger/verify")
                assert st == 200 and report["ok"] is True, (SEED, self.step, report)
            self.advance()
        # Past every order's expiry.
        for _ in range(TTL // STEP + 1):
            self.advance()
        self.expire_due()
        assert not self.events
        assert all(o["status"] != "pending" for o in self.orders)



def account_balances(server):
    out = {}
    cursor = None
    while True:
        q = "/admin/v1/ledger/accounts?limit=500" + (f"&cursor={cursor}" if cursor else "")
        st, page = server.admin("GET", q)
        assert st == 200, page
        for a in page["items"]:
            out[(a["owner"], a["kind"], a["currency"])] = minor(a["balance"], a["currency"])
        cursor = page["next_cursor"]
        if cursor is None:
            return out


def test_a_day_of_p2p(kassad):
    print(f"simulation seed {SEED} (KASSA_SIM_SEED to vary it)")
    started = time.monotonic()
    rng = random.Random(SEED)
    rec = Receiver()
    try:
        sim = Sim(kassad, rec, rng)
        sim.setup()
        sim.run(orders_wanted=400)
        k = kassad
        orders = sim.orders
        counts = {}
        for o in orders:
            counts[o["behaviour"]] = counts.get(o["behaviour"], 0) + 1
        print(f"{len(orders)} orders over {sim.step} steps of {STEP} s: {counts}; "
              f"{sim.deposits} top-up deposits")
        assert len(orders) >= 300

        # Every callback, exactly, once (the receiver answers 200 to all).
        want_total = sum(len(o["callbacks"]) for o in orders)
        deadline = time.monotonic() + 30
        while len(rec.requests) < want_total and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)   # anything more would come now
        assert len(rec.requests) == want_total, (SEED, len(rec.requests), want_total)
        for o in orders:
            assert sim.received_of(o) == o["callbacks"], (SEED, o["n"], o["behaviour"])

        # Every order as kassa shows it to the operator.
        for o in orders:
            st, v = k.admin("GET", f"/admin/v1/orders/{o['uuid']}")
            assert st == 200, v
            received = o["received"]
            if o["confirmed_by"] == "operator" and not o.get("received_named", True):
                received = None     # completed without naming an amount
            if received == o["amount"]:
                # The amount received is named only when it differs from
                # the order's (core/lifecycle.c): the order's own then.
                received = None
            got = (v["status"], v["amount"], v["fee"], v["amount_received"], v["confirmed_by"],
                   v["trader_id"])
            want = (o["status"], fmt(o["amount"], "RUB"), fmt(o["fee"], "RUB"),
                    None if received is None else fmt(received, "RUB"), o["confirmed_by"],
                    o["trader"])
            assert got == want, (SEED, o["n"], o["behaviour"], got, want)
            # The merchant's own view (panda): the status and the fee.
            r = k.panda(o["shop"]).get_order(o["uuid"])
            assert r.status == 200, r.body
            assert (r.json["status"], r.json["merchant_commission"]) == (
                PANDA_STATUS[o["status"]], fmt(o["fee"], "RUB")), (SEED, o["n"], r.json)
            if "dispute" in o:
                st, d = k.admin("GET", f"/admin/v1/disputes/{o['dispute']}")
                assert st == 200, d
                assert d["status"] == o["dispute_status"], (SEED, o["n"], d)

        # Every shop's balance.
        for shop in sim.shops:
            st, b = k.admin("GET", f"/admin/v1/shops/{shop['id']}/balances")
            assert st == 200, b
            want = sim.ledger.get(f"shop:{shop['id']}", "shop_available", "RUB")
            assert b == {"RUB": {"available": fmt(want, "RUB"), "held": "0.00"}}, (SEED, b)

        # Every trader's available, reserved and earned.
        for tid, t in sim.traders.items():
            st, v = k.admin("GET", f"/admin/v1/traders/{tid}")
            assert st == 200, v
            cur = t["currency"]
            avail = sim.ledger.get(f"trader:{tid}", "trader_available", cur)
            want = {"available": fmt(avail, cur),
                    "reserved": fmt(0, cur), "earned": fmt(t["earned"], cur)}
            assert sim.ledger.get(f"trader:{tid}", "trader_reserved", cur) == 0
            assert v["balances"] == want, (SEED, tid, v["balances"], want)
            st, profile = t["client"].get("/trader/v1/profile")   # the trader's own view
            assert st == 200 and profile["balances"] == want, (SEED, tid, profile)

        # Every ledger account: platform fees, exchange per currency,
        # custody, and the shops' and traders' own.
        got = account_balances(k)
        want = {key: v for key, v in sim.ledger.acc.items()}
        for key in got:
            want.setdefault(key, 0)
        assert got == want, (SEED, sorted(set(got.items()) ^ set(want.items())))
        assert want[("platform", "platform_fees", "RUB")] > 0
        assert want[("platform", "platform_exchange", "USDT")] != 0

        st, report = k.admin("GET", "/admin/v1/ledger/verify")
        assert st == 200 and report["ok"] is True, report
        print(f"simulation seed {SEED}: {time.monotonic() - started:.1f} s")
    finally:
        rec.close()
