#!/usr/bin/python3
"""Regenerate the console screenshots README.md shows (make screenshots).

Starts a kassad of its own (SQLite in a temporary directory, --test-clock),
fills it with a demo day through the public APIs only (two shops, a trader
with a deposit and a requisite, an operator; six hours of orders, most of
them paid, some pending), then tests/browser/screenshots.mjs signs in as the
operator (1280 px) and as the trader (a 375 px phone) in Debian's chromium
and writes:

  docs/img/console-overview.png   the operator's live overview
  docs/img/console-trader.png     the trader's phone view

Usage: scripts/screenshots.py [--keep] (--keep leaves kassad running and
prints its address and the two sign-ins, to look around by hand)."""
import math
import os
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

from kassa_client import Kassad, KassadError  # noqa: E402

OPERATOR = ("operator", "demo-operator-pass")
TRADER = ("trader", "demo-trader-pass")


def admin(k, method, path, body=None, want=(200, 201)):
    status, answer = k.admin(method, path, body)
    if status not in want:
        raise KassadError(f"{method} {path}: {status} {answer}")
    return answer


class Merchant(BaseHTTPRequestHandler):
    """The demo shops' callback receiver: answers 200, as a merchant does."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def demo(k, callback_url):
    """The demo day: returns nothing; every step through the admin and panda
    APIs, on the test clock."""
    rnd = random.Random(20261207)
    admin(k, "POST", "/admin/v1/operators",
          {"name": "Anna Smirnova", "role": "owner", "login": OPERATOR[0],
           "password": OPERATOR[1]})
    shops = []
    for name, fee in (("Coffee Point", "2.5"), ("Book House", "3"), ("Gadget Store", "2")):
        creds = admin(k, "POST", "/admin/v1/shops",
                      {"name": name, "url": "https://shop.example/",
                       "callback_url": callback_url, "fee_percent": fee,
                       "amount_adjust_max": 100})
        shops.append(creds)
    # The operator's own pool, for most orders.
    for i, bank in enumerate(("sber", "tinkoff", "vtb")):
        admin(k, "POST", "/admin/v1/requisites",
              {"type": "SBP", "requisite": f"+7900555{i:04d}", "owner_full_name": "Пётр Сидоров",
               "bank_code": bank, "bank_name_ru": bank.upper(), "bank_name_en": bank.upper(),
               "currency": "RUB", "country_code": "RU", "max_pending": 100})
    # Six hours of orders, a minute at a time, busier in the evening: most
    # paid, some not.
    for minute in range(360):
        busy = 4 + 3 * math.sin(minute / 45) + minute / 120
        for _ in range(max(0, int(busy + rnd.uniform(-1.5, 1.5)))):
            shop = rnd.choice(shops)
            amount = f"{rnd.randint(300, 9000)}.{rnd.randint(0, 99):02d}"
            r = k.panda(shop).create_order(amount=amount)
            if r.status != 200:
                continue
            if rnd.random() < 0.82:
                admin(k, "POST", f"/admin/v1/orders/{r.json['uuid']}/complete")
            else:
                admin(k, "POST", f"/admin/v1/orders/{r.json['uuid']}/fail")
        k.advance_clock(60)
    # The trader: a deposit, online, a requisite of their own; the pool is
    # paused so the last orders are theirs to confirm.
    trader = admin(k, "POST", "/admin/v1/traders",
                   {"name": "Ivan", "verified_name": "Иван Петров", "reward_bps": 150,
                    "currency": "RUB", "login": TRADER[0], "password": TRADER[1]})
    admin(k, "POST", f"/admin/v1/traders/{trader['id']}/deposits", {"amount": "150000.00"})
    admin(k, "PATCH", f"/admin/v1/traders/{trader['id']}", {"online": True})
    admin(k, "POST", "/admin/v1/requisites",
          {"type": "SBP", "requisite": "+79161234567", "owner_full_name": "Иван Петров",
           "bank_code": "sber", "bank_name_ru": "Сбербанк", "bank_name_en": "Sberbank",
           "currency": "RUB", "country_code": "RU", "trader_id": trader["id"],
           "max_pending": 5})
    pool = admin(k, "GET", "/admin/v1/requisites?limit=500")["items"]
    for r in pool:
        if not r.get("trader_id"):
            admin(k, "PATCH", f"/admin/v1/requisites/{r['id']}", {"paused": True})
    for amount in ("1500.00", "2750.00", "980.00"):
        r = k.panda(shops[0]).create_order(amount=amount)
        if r.status != 200:
            raise KassadError(f"trader's order: {r.status} {r.body}")


def main():
    keep = "--keep" in sys.argv[1:]
    out = REPO / "docs" / "img"
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="kassa-screens-"))
    k = Kassad(work)
    k.start()
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Merchant)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        demo(k, f"http://127.0.0.1:{receiver.server_address[1]}/callback")
        env = dict(os.environ, KASSA_BASE=k.base_url, OPERATOR_LOGIN=OPERATOR[0],
                   OPERATOR_PASSWORD=OPERATOR[1], TRADER_LOGIN=TRADER[0],
                   TRADER_PASSWORD=TRADER[1], OUT_DIR=str(out))
        subprocess.run(["node", str(REPO / "tests" / "browser" / "screenshots.mjs")], env=env,
                       check=True, timeout=180)
        for name in ("console-overview.png", "console-trader.png"):
            print(f"screenshots: {out / name}")
        if keep:
            print(f"kassad at {k.base_url}/console/ (operator {OPERATOR[0]} / {OPERATOR[1]}, "
                  f"trader {TRADER[0]} / {TRADER[1]}); Ctrl-C stops it")
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        receiver.shutdown()
        k.close()


if __name__ == "__main__":
    main()
