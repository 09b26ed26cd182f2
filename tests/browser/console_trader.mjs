// console_trader.mjs: a trader's console on a phone (375x812), in Debian's
// chromium through playwright-core, driven step by step by
// tests/e2e/test_console_trader.py: the script prints one JSON line per step
// ({"step": name, ...what the page shows}) and waits for the test's answer
// line (what the test did meanwhile through the admin, panda and device
// APIs, e.g. the uuid of an order it created).
//
// Input (environment):
//   KASSA_BASE            kassa's origin
//   TRADER_LOGIN, TRADER_PASSWORD   sign in through the console's form
//   SCREENSHOT            where to save the phone view (PNG)
//   CHROMIUM              the browser (default /usr/bin/chromium)
// Exit 1 on any failure (the message on stderr, the last step's JSON line
// with "error" on stdout).
import readline from "node:readline";
import { chromium } from "playwright-core";

const env = (name, def) => {
  const v = process.env[name] ?? def;
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};

const base = env("KASSA_BASE");
const inbox = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();

async function ask(step, data = {}) {
  process.stdout.write(`${JSON.stringify({ step, ...data })}\n`);
  const { value, done } = await inbox.next();
  if (done) throw new Error(`no answer to step ${step}`);
  return JSON.parse(value);
}

// ---- the layout check (no horizontal overflow, no word broken across
// lines; text that may wrap anywhere, a long token, is not a word) at 375
// and 1280 px ---------------------------------------------------------------

async function layoutOnce(page) {
  return page.evaluate(() => {
    const doc = document.documentElement;
    const broken = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest("script, style, select, option, textarea, [hidden]")) continue;
      if (getComputedStyle(el).overflowWrap === "anywhere") continue; // long tokens, as layout.mjs
      const re = /\S+/g;
      let m;
      while ((m = re.exec(n.textContent))) {
        const range = document.createRange();
        range.setStart(n, m.index);
        range.setEnd(n, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(`${m[0]} in ${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(" ").join(".")}` : ""}`);
      }
    }
    const wide = [];
    for (const el of document.querySelectorAll("body *")) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > doc.clientWidth + 1 && getComputedStyle(el).position !== "fixed") wide.push(el.tagName.toLowerCase() + (el.className ? `.${String(el.className).split(" ").join(".")}` : ""));
    }
    return { overflow: doc.scrollWidth - doc.clientWidth, broken, wide: wide.slice(0, 5) };
  });
}

// The shared checker (tests/browser/layout.mjs, from the payer page's work)
// runs too when it is there: "shared" holds its problems, null without it.
const shared = await import("./layout.mjs").catch(() => null);

async function layout(page, seen, name) {
  const out = {};
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: width === 375 ? 812 : 900 });
    await page.waitForTimeout(200);
    out[width] = await layoutOnce(page);
    out[width].shared = shared ? await shared.checkLayout(page) : null;
  }
  seen.layout[name] = out;
}

// ---- helpers ----------------------------------------------------------------

async function confirm(page) {
  const dlg = page.locator("dialog.confirm[open]");
  await dlg.waitFor();
  const question = (await dlg.locator(".question").textContent()).trim();
  return { dlg, question };
}

async function clickOk(dlg) {
  await dlg.locator("button[value=ok]").click();
  await dlg.waitFor({ state: "detached" });
}

const text = async (loc) => (await loc.textContent()).replace(/\u00a0/g, " ").trim();
// The texts of an element's children, joined by a space.
const parts = async (loc) => (await loc.locator(":scope > *").allTextContents()).map((x) => x.replace(/\u00a0/g, " ").trim()).join(" ");

async function goto(page, hash, ready) {
  await page.evaluate((h) => (location.hash = h), hash);
  await page.locator(ready).first().waitFor();
}

// ---- the run ----------------------------------------------------------------

const seen = { steps: [], layout: {}, console_errors: [], navigations: 0 };
const browser = await chromium.launch({
  executablePath: env("CHROMIUM", "/usr/bin/chromium"),
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--lang=en-GB"],
});
try {
  const context = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, locale: "en-GB" });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) seen.console_errors.push(m.text());
  });
  page.on("pageerror", (e) => seen.console_errors.push(String(e)));
  page.on("framenavigated", (f) => {
    if (f === page.mainFrame()) seen.navigations++;
  });

  await page.goto(`${base}/console/`);
  await page.fill("input[name=login]", env("TRADER_LOGIN"));
  await page.fill("input[name=password]", env("TRADER_PASSWORD"));
  await page.click("form.signin button[type=submit]");
  await page.locator("header.top").waitFor();
  await page.locator(".tr-online").waitFor();
  seen.signed_in_as = await text(page.locator(".who-name"));
  seen.online_before = await page.locator(".tr-online").getAttribute("data-online");
  seen.empty_text = await text(page.locator(".tr-empty"));
  seen.nav = await page.locator(".nav-link").allTextContents();
  seen.steps.push("signed in");
  await layout(page, seen, "orders-empty");

  // online
  await page.locator(".tr-online-toggle").click();
  {
    const { dlg, question } = await confirm(page);
    seen.online_question = question;
    await clickOk(dlg);
  }
  await page.locator(".tr-online[data-online=true]").waitFor();
  seen.steps.push("online");
  const navBefore = seen.navigations;
  const first = await ask("online");

  // a new order appears without a reload, with its amount and a countdown
  const card = page.locator(`article.tr-order[data-uuid="${first.uuid}"]`);
  await card.waitFor({ timeout: 10000 });
  seen.first = {
    amount: await text(card.locator(".tr-amount")),
    requisite: await parts(card.locator(".tr-req")),
    countdown: [await text(card.locator(".tr-countdown"))],
    listed: await page.locator("article.tr-order").evaluateAll((els) => els.map((e) => e.dataset.uuid)),
  };
  await page.waitForTimeout(2100);
  seen.first.countdown.push(await text(card.locator(".tr-countdown")));
  seen.first.reloaded = seen.navigations !== navBefore;
  await page.screenshot({ path: env("SCREENSHOT") });
  await layout(page, seen, "orders");
  seen.steps.push("order shown");

  // Received, confirmed: the dialog repeats the amount
  await card.locator(".tr-received").click();
  {
    const { dlg, question } = await confirm(page);
    seen.first.question = question.replace(/\u00a0/g, " ");
    seen.first.dialog_amount = await text(dlg.locator(".tr-confirm-amount"));
    await clickOk(dlg);
  }
  await card.waitFor({ state: "detached" });
  seen.steps.push("received");
  const second = await ask("received", { uuid: first.uuid });

  // Received another amount
  const card2 = page.locator(`article.tr-order[data-uuid="${second.uuid}"]`);
  await card2.waitFor({ timeout: 10000 });
  seen.second = { amount: await text(card2.locator(".tr-amount")) };
  await card2.locator(".tr-received").click();
  {
    const { dlg } = await confirm(page);
    await dlg.locator("input[name=amount_received]").fill("650.00");
    await clickOk(dlg);
  }
  await card2.waitFor({ state: "detached" });
  seen.steps.push("received another amount");
  const third = await ask("received_other", { uuid: second.uuid });

  // Not received
  const card3 = page.locator(`article.tr-order[data-uuid="${third.uuid}"]`);
  await card3.waitFor({ timeout: 10000 });
  seen.third = { amount: await text(card3.locator(".tr-amount")) };
  await card3.locator(".tr-not-received").click();
  {
    const { dlg, question } = await confirm(page);
    seen.third.question = question.replace(/\u00a0/g, " ");
    await clickOk(dlg);
  }
  await card3.waitFor({ state: "detached" });
  seen.third.empty_after = await text(page.locator(".tr-empty"));
  seen.steps.push("not received");
  const fourth = await ask("not_received", { uuid: third.uuid });

  // the operator fails the order while the trader's dialog is open: the
  // API's refusal is shown, and the order leaves the list
  const card4 = page.locator(`article.tr-order[data-uuid="${fourth.uuid}"]`);
  await card4.waitFor({ timeout: 10000 });
  await card4.locator(".tr-received").click();
  {
    const { dlg } = await confirm(page);
    await ask("dialog_open", { uuid: fourth.uuid });
    await clickOk(dlg);
  }
  await page.locator(".toast.error").waitFor();
  seen.race_error = await text(page.locator(".toast.error"));
  await card4.waitFor({ state: "detached", timeout: 10000 });
  seen.steps.push("refusal shown");
  const other = await ask("refused");

  // the orders by state; one order's page; another trader's order is not found
  await goto(page, "#/?status=completed", `.tr-orders[data-status=completed] article.tr-order`);
  seen.completed_listed = await page.locator("article.tr-order").evaluateAll((els) => els.map((e) => e.dataset.uuid));
  await goto(page, `#/orders/${first.uuid}`, ".tr-uuid");
  seen.order_page = { uuid: await text(page.locator(".tr-uuid")), status: await text(page.locator("dl.facts .badge")), amount: await text(page.locator(".tr-amount")) };
  await layout(page, seen, "order");
  await goto(page, `#/orders/${other.uuid}`, "h1.tr-notfound");
  seen.other_order = { title: await text(page.locator("h1.tr-notfound")), text: await text(page.locator("main p").first()) };
  await layout(page, seen, "order-notfound");
  seen.steps.push("order pages");

  // the deposit
  await goto(page, "#/money", ".tr-stat.available .value");
  await page.locator(".tr-ledger table, .tr-ledger .empty").first().waitFor();
  seen.money = {
    available: await text(page.locator(".tr-stat.available .value")),
    reserved: await text(page.locator(".tr-stat.reserved .value")),
    earned: await text(page.locator(".tr-stat.earned .value")),
    earned_hint: await text(page.locator(".tr-stat.earned .hint")),
    ledger_rows: await page.locator(".tr-ledger tbody tr").count(),
    ledger_first: (await page.locator(".tr-ledger tbody tr").first().locator("td").allTextContents()).slice(1).map((x) => x.replace(/\u00a0/g, " ")),
  };
  await layout(page, seen, "money");
  await ask("money");
  seen.steps.push("money");

  // requisites: pause, resume
  await goto(page, "#/requisites", "article.tr-requisite");
  const req = page.locator("article.tr-requisite").first();
  seen.requisite = { head: await parts(req.locator(".tr-requisite-head")), facts: await req.locator("dl.facts dd").allTextContents() };
  await layout(page, seen, "requisites");
  await req.locator(".tr-req-toggle").click();
  await clickOk((await confirm(page)).dlg);
  await page.locator("article.tr-requisite[data-paused=true]").waitFor();
  await ask("paused");
  await page.locator("article.tr-requisite .tr-req-toggle").click();
  await clickOk((await confirm(page)).dlg);
  await page.locator("article.tr-requisite[data-paused=false]").waitFor();
  await ask("resumed");
  seen.steps.push("requisites");

  // a dispute: the payer's evidence seen, rejected with a reason and a file
  const disp = await ask("dispute");
  await goto(page, "#/", ".tr-disputes-banner");
  seen.dispute_banner = await text(page.locator(".tr-disputes-banner"));
  await page.locator(".tr-disputes-banner").click();
  await page.locator(`a.tr-dispute[data-uuid="${disp.uuid}"]`).waitFor();
  const dcard = page.locator(`a.tr-dispute[data-uuid="${disp.uuid}"]`);
  seen.dispute = { amount: await text(dcard.locator(".tr-amount")), badge: await text(dcard.locator(".badge")), countdown: await text(dcard.locator(".tr-countdown")) };
  await layout(page, seen, "disputes");
  await dcard.click();
  await page.locator(".tr-dispute-facts").waitFor();
  await page.locator(".tr-evidence img").first().waitFor();
  seen.dispute.title = await text(page.locator("main h1"));
  seen.dispute.evidence_images = await page.locator(".tr-evidence img").count();
  seen.dispute.image_loaded = await page.locator(".tr-evidence img").first().evaluate((img) => img.complete && img.naturalWidth > 0);
  await layout(page, seen, "dispute");
  await page.selectOption(".tr-reject select[name=reason]", "fake_proof");
  await page.fill(".tr-reject textarea[name=comment]", "no such transfer on the statement");
  await page.setInputFiles(".tr-reject input[type=file]", { name: "statement.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n" + "0".repeat(40)) });
  await page.locator(".tr-reject button[type=submit]").click();
  {
    const { dlg, question } = await confirm(page);
    seen.dispute.question = question;
    await clickOk(dlg);
  }
  await page.locator(".tr-dispute-facts[data-awaiting=operator]").waitFor();
  seen.dispute.after = await text(page.locator(".tr-dispute-facts .badge"));
  seen.dispute.forms_after = await page.locator(".tr-answer").count();
  seen.steps.push("dispute rejected");
  const disp2 = await ask("rejected", { uuid: disp.uuid });

  // another dispute accepted with the amount that arrived
  await goto(page, `#/disputes/${disp2.uuid}`, ".tr-accept");
  await page.fill(".tr-accept input[name=amount_received]", "290.00");
  await page.locator(".tr-accept button[type=submit]").click();
  {
    const { dlg, question } = await confirm(page);
    seen.dispute2 = { question: question.replace(/\u00a0/g, " ") };
    await clickOk(dlg);
  }
  await page.locator(".tr-dispute-facts[data-status=resolved_success]").waitFor();
  seen.steps.push("dispute accepted");
  await ask("accepted", { uuid: disp2.uuid });

  // a phone paired: the code shown large
  await goto(page, "#/devices", ".tr-devices .empty");
  await page.locator(".tr-pair button").click();
  await clickOk((await confirm(page)).dlg);
  const code = page.locator(".tr-pair-code");
  await code.waitFor();
  seen.pair = { code: await code.getAttribute("data-code"), shown: await text(code), font_px: await code.evaluate((el) => parseFloat(getComputedStyle(el).fontSize)) };
  await layout(page, seen, "devices-code");
  const msg = await ask("pair", { code: seen.pair.code });
  await page.locator(".tr-code button").click();
  await page.locator("article.tr-device").waitFor();
  seen.device = await parts(page.locator("article.tr-device .tr-requisite-head"));
  await layout(page, seen, "devices");
  seen.steps.push("device paired");

  // an unmatched bank message attached to the waiting order
  await goto(page, "#/messages", `article.tr-message[data-id="${msg.message_id}"]`);
  const mcard = page.locator(`article.tr-message[data-id="${msg.message_id}"]`);
  seen.message = { amount: await text(mcard.locator(".tr-amount")), text: await text(mcard.locator(".tr-message-text")) };
  await layout(page, seen, "messages");
  await mcard.locator(".tr-attach-btn").click();
  {
    const { dlg, question } = await confirm(page);
    seen.message.question = question.replace(/\u00a0/g, " ");
    seen.message.options = await dlg.locator("select[name=order] option").evaluateAll((els) => els.map((e) => e.value));
    await dlg.locator("select[name=order]").selectOption(msg.order_uuid);
    await clickOk(dlg);
  }
  await mcard.waitFor({ state: "detached" });
  seen.message.empty_after = await text(page.locator(".tr-messages .empty"));
  seen.steps.push("message attached");
  await ask("attached", { order_uuid: msg.order_uuid });

  await goto(page, "#/settings", "section.card");
  await layout(page, seen, "settings");

  // the same views in Russian (longer words), with what they hold now
  await page.locator("header .lang").click();
  await page.locator("html[lang=ru] header.top").waitFor();
  seen.ru_nav = await page.locator(".nav-link").allTextContents();
  const views = [
    ["#/", ".tr-online"],
    ["#/?status=completed", "article.tr-order"],
    [`#/orders/${first.uuid}`, ".tr-uuid"],
    ["#/disputes", "a.tr-dispute"],
    [`#/disputes/${disp.uuid}`, ".tr-dispute-facts"],
    ["#/messages", ".tr-messages .empty"],
    ["#/requisites", "article.tr-requisite"],
    ["#/money", ".tr-stat.available .value"],
    ["#/devices", "article.tr-device"],
    ["#/settings", "section.card"],
  ];
  for (const [hash, ready] of views) {
    await goto(page, hash, ready);
    if (process.env.VIEW_SHOTS) await page.screenshot({ path: `${process.env.VIEW_SHOTS}/ru${hash.replace(/[^a-z0-9]+/gi, "-")}.png`, fullPage: true });
    await layout(page, seen, `ru ${hash}`);
  }

  process.stdout.write(`${JSON.stringify({ step: "done", seen })}\n`);
  await browser.close();
} catch (e) {
  console.error(`console_trader failed after steps [${seen.steps.join(", ")}]: ${e.stack || e.message}`);
  process.stdout.write(`${JSON.stringify({ step: "error", error: String(e.message), seen })}\n`);
  await browser.close();
  process.exit(1);
}
