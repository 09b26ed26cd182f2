"""The payer's pages in a real browser: tests/browser/pay.mjs (playwright-core
driving Debian's chromium headless) against a real kassad.

Needs node, tests/browser/node_modules (tests/browser/setup.sh, run by
``make deps``) and /usr/bin/chromium (or $CHROMIUM). The screenshot of the
payer page is kept as tests/artifacts/browser-payer-page.png."""

import json
import os
import shutil
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kassa_client import REPO, create_requisite, create_shop, free_port
from tegro_client import form_sign, tegro_for

BROWSER_DIR = REPO / "tests" / "browser"
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


class Merchant(BaseHTTPRequestHandler):
    """The merchant's site: answers the success page and remembers the hits."""
    hits = []

    def do_GET(self):
        Merchant.hits.append(self.path)
        body = b"<!DOCTYPE html><title>Shop: thank you</title><h1>Paid, thank you</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def merchant_site():
    srv = ThreadingHTTPServer(("127.0.0.1", free_port()), Merchant)
    Merchant.hits = []
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def check_tools():
    node = shutil.which("node")
    missing = []
    if node is None:
        missing.append("node (apt-get install nodejs)")
    if not (BROWSER_DIR / "node_modules" / "playwright-core" / "package.json").exists():
        missing.append("playwright-core (run tests/browser/setup.sh, or make deps)")
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if missing:
        pytest.fail("browser test cannot run, missing: " + "; ".join(missing), pytrace=False)
    return node


def test_pay_with_sbp_in_a_real_browser(kassad, merchant_site, tmp_path):
    node = check_tools()
    creds = create_shop(kassad, name="Browser <Shop>")
    t = tegro_for(kassad, creds)
    order_id = f"browser-{time.time_ns()}"
    signed = {"shop_id": creds["shop_id"], "amount": "1500.50", "currency": "RUB",
              "order_id": order_id, "test": 1}
    success_url = f"{merchant_site}/success?order={order_id}"
    query = dict(signed, lang="en", success_url=success_url,
                 fail_url=f"{merchant_site}/fail", sign=form_sign(t.secret, signed))
    link = kassad.url("/pay/?" + urllib.parse.urlencode(query))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "browser-payer-page.png"
    if shot.exists():
        shot.unlink()
    env = dict(os.environ, PAY_LINK=link, SUCCESS_URL=success_url, SCREENSHOT=str(shot),
               KASSA_BASE=kassad.base_url, CHROMIUM=CHROMIUM)
    proc = subprocess.run([node, "pay.mjs"], cwd=BROWSER_DIR, env=env, capture_output=True,
                          text=True, timeout=180)
    (ARTIFACTS / "browser-result.json").write_text(proc.stdout)
    assert proc.returncode == 0, f"pay.mjs failed:\n{proc.stderr}\n{proc.stdout}"
    seen = json.loads(proc.stdout.strip().splitlines()[-1])

    assert seen["steps"] == ["chooser", "payer page", "screenshot", "success_url", "paid page"]
    assert seen["chooser_status"] == 200
    assert seen["chooser_title"] == "Order payment"
    assert seen["amount"] == "1500.50 RUB"
    assert seen["requisite"] == "+79990000000"       # the sandbox's SBP requisite
    assert seen["bank"] == "Sandbox Bank" and seen["holder"] == "Test Recipient"
    assert seen["status_before"] == "pending"
    assert seen["ttl_ticks"] is True
    assert seen["qr"]["width"] > 200 and seen["qr"]["width"] == seen["qr"]["height"]
    assert seen["final_url"] == success_url
    assert seen["final_title"] == "Shop: thank you"
    assert seen["status_after"] == "completed" and seen["pay_button_after"] == 0
    assert seen["external_requests"] == []            # the pages work offline
    assert seen["console_errors"] == []
    assert f"/success?order={order_id}" in Merchant.hits

    # the order is paid, through the API
    oid = int(seen["order_url"].rstrip("/").split("/")[-2])
    o = t.ok("order", {"payment_id": order_id})
    assert o["id"] == oid and o["status"] == 1 and o["test_order"] == 1
    assert o["amount"] == "1500.50000000" and o["payment_system_id"] == 28
    assert o["date_payed"] is not None

    png = Path(shot).read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


def test_page_follows_an_operator_payment_to_success_url(kassad, merchant_site):
    """A real (not test) order: the payer keeps its page open, the operator
    confirms the payment, the page notices (status poll) and sends the payer
    to success_url (meta refresh), with nobody touching the browser."""
    node = check_tools()
    creds = create_shop(kassad)
    t = tegro_for(kassad, creds)
    success_url = f"{merchant_site}/success?watch=1"
    r = t.create_order(amount="250.00", success_url=success_url)
    assert r.json["type"] == "success", r.body
    d = r.json["data"]
    env = dict(os.environ, MODE="watch", ORDER_URL=d["url"], SUCCESS_URL=success_url,
               CHROMIUM=CHROMIUM)
    proc = subprocess.Popen([node, "pay.mjs"], cwd=BROWSER_DIR, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline().strip()
        assert first == "ready", f"{first}\n{proc.stderr.read() if proc.poll() is not None else ''}"
        status, _ = kassad.admin("POST", f"/admin/v1/orders/{d['id']}/complete")
        assert status == 200
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, f"watch failed:\n{err}\n{out}"
    seen = json.loads(out.strip().splitlines()[-1])
    assert seen["requisite"] == creds["requisite"]["requisite"]
    assert seen["status_before"] == "pending"
    assert seen["final_url"] == success_url
    assert "/success?watch=1" in Merchant.hits


LONG_SHOP = ("Интернет-магазин бытовой техники и электроники «Ромашка-Экспресс» для всей семьи: "
             "доставка по всей России")


def test_payer_page_layout_at_phone_and_desktop_widths(kassad):
    """The payer page of a card, an SBP and an account requisite, with a long
    shop name and the shop's colour, at 375 px and 1280 px, in Russian and in
    English: no horizontal overflow and no word broken across lines
    (tests/browser/layout.mjs), screenshots in tests/artifacts/; the copy
    button copies, "I have paid" confirms the order."""
    node = check_tools()
    creds = create_shop(kassad, name=LONG_SHOP, brand_color="#0a7d32")
    create_requisite(kassad, type="card", requisite="2200700012345678",
                     owner_full_name="Константин Константинопольский",
                     bank_name_ru="Газпромбанк", bank_name_en="Gazprombank")
    create_requisite(kassad, type="accountNumber", requisite="40702810938000012345",
                     owner_full_name="ООО «Ромашка-Экспресс»",
                     bank_name_ru="ПАО Сбербанк", bank_name_en="Sberbank",
                     bic="044525225", corr_account="30101810400000000225")
    p = kassad.panda(creds)
    pages, orders = [], {}
    for name, rtype, amount in [("card", "card", "12345.67"), ("sbp", "SBP", "1500.50"),
                                ("account", "accountNumber", "99999.99")]:
        r = p.create_order(amount=amount, requisite_type=rtype)
        assert r.status == 200, r.body
        view = kassad.request("GET", f"/orders/callback/{r.json['uuid_callback']}").json
        pages.append({"name": name, "url": view["payment_redirect_url"]})
        orders[name] = r.json
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("payer-*.png"):
        old.unlink()
    env = dict(os.environ, PAGES=json.dumps(pages), ARTIFACTS=str(ARTIFACTS),
               KASSA_BASE=kassad.base_url, CONFIRM="sbp", CHROMIUM=CHROMIUM)
    proc = subprocess.run([node, "payer.mjs"], cwd=BROWSER_DIR, env=env, capture_output=True,
                          text=True, timeout=300)
    (ARTIFACTS / "browser-payer-layout.json").write_text(proc.stdout)
    assert proc.returncode == 0, f"payer.mjs failed:\n{proc.stderr}\n{proc.stdout}"
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["steps"] == ["checked at 375", "copied", "checked at 1280", "confirmed"]
    want = {"card": ("12345.67 RUB", "2200700012345678", "page"),
            "sbp": ("1500.50 RUB", "+79001234567", "page"),
            "account": ("99999.99 RUB", "40702810938000012345", "st00012")}
    assert len(seen["pages"]) == 12
    for key, got in seen["pages"].items():
        name, lang, width = key.split("-")
        assert got["problems"] == [], key
        assert (got["amount"], got["requisite"], got["qr_kind"]) == want[name], key
        assert got["lang"] == lang and got["steps"] == 4 and got["qr_loaded"] is True, key
        assert got["brand"] == "#0a7d32" and got["border"] == "rgb(10, 125, 50)", key
        assert got["title"] == ("Order payment" if lang == "en" else "Оплата заказа"), key
        assert (ARTIFACTS / f"payer-{key}.png").read_bytes().startswith(b"\x89PNG")
    assert seen["pages"]["account-ru-375"]["qr_label"] == \
        "Отсканируйте QR-код в приложении банка: реквизиты и сумма заполнятся сами."
    assert seen["pages"]["sbp-en-1280"]["qr_label"].startswith("Open on your phone")
    assert seen["copied"] == "2200700012345678" and seen["copied_label"] == "Скопировано"
    assert seen["confirmed_text"] == "Вы сообщили об оплате. Мы проверяем поступление денег."
    assert seen["paid_button_after"] == 0
    assert seen["external_requests"] == [] and seen["console_errors"] == []
    status, o = kassad.admin("GET", f"/admin/v1/orders/{orders['sbp']['uuid']}")
    assert status == 200 and o["confirmed_by_customer"] is True
