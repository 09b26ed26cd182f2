// console_flow.mjs: two cabinets of the console end to end, in Debian's
// chromium through playwright-core, driven step by step by
// tests/e2e/test_console_flow.py: the script prints one JSON line per step
// ({"step": name, ...}) and waits for the test's answer line (what the test
// did meanwhile: the seed's order, the webhook's callback, a dispute).
//
// FLOW=order: an operator signs in at 1280 px; (the test runs the seed's
//   create-order script); the trader signs in on a phone (375x812, touch)
//   and answers "Received", confirmed; (the seed's webhook server gets the
//   callback); the operator opens the order (completed) and verifies the
//   ledger.
// FLOW=dispute: (the trader's order timed out, the merchant opened a
//   dispute); the trader signs in on the phone, sees the dispute with the
//   payer's receipt and rejects it with a reason and a PDF; the operator
//   signs in at 1280 px, sees both sides' evidence side by side and decides
//   "paid" with the amount that arrived; the order is completed late with it;
//   the ledger verifies.
//
// Every page visited passes tests/browser/layout.mjs at its viewport.
//
// Input (environment): KASSA_BASE, CHROMIUM, FLOW, OP_LOGIN, OP_PASSWORD,
// TRADER_LOGIN, TRADER_PASSWORD; for FLOW=dispute also RECEIVED (the
// operator's amount). SCREENSHOT_DIR (optional): a picture of each page.
// Exit 1 on any failure (the message on stderr, {"step": "error", seen} on
// stdout).
import readline from "node:readline";
import { chromium } from "playwright-core";
import { checkLayout } from "./layout.mjs";

const env = (name, def) => {
  const v = process.env[name] ?? def;
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};

const base = env("KASSA_BASE");
const T = 15000;
const inbox = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const seen = { steps: [], layout: {}, console_errors: [], external_requests: [] };

async function ask(step, data = {}) {
  process.stdout.write(`${JSON.stringify({ step, ...data })}\n`);
  const { value, done } = await inbox.next();
  if (done) throw new Error(`no answer to step ${step}`);
  return JSON.parse(value);
}

const text = async (loc) => ((await loc.textContent()) || "").replace(/[\s\u00a0]+/g, " ").trim();

// The layout check at the page's own viewport; name: which page.
async function layout(page, name) {
  const problems = await checkLayout(page);
  // a style rule inside another (an unclosed brace in style.css) is a
  // problem too: the rules after it no longer apply
  problems.push(
    ...(await page.evaluate(() =>
      [...document.styleSheets].flatMap((sheet) =>
        [...sheet.cssRules]
          .filter((r) => r instanceof CSSStyleRule && r.cssRules && r.cssRules.length > 0)
          .map((r) => `style.css: rules nested in "${r.selectorText}"`),
      ),
    )),
  );
  seen.layout[name] = { width: page.viewportSize().width, problems };
  if (process.env.SCREENSHOT_DIR)
    await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/flow-${name}.png`, fullPage: true });
}

// Answer the open confirmation dialog with OK; returns its question (and
// lets fillIn fill the dialog's fields first).
async function confirm(page, fillIn) {
  const dlg = page.locator("dialog.confirm[open]");
  await dlg.waitFor({ timeout: T });
  const question = await text(dlg.locator(".question"));
  const extra = fillIn ? await fillIn(dlg) : undefined;
  await page.evaluate(() => document.querySelectorAll("#toasts .toast").forEach((el) => el.remove()));
  await dlg.locator('button[value="ok"]').click();
  await dlg.waitFor({ state: "detached", timeout: T });
  return { question, extra };
}

async function toastText(page) {
  const t = page.locator("#toasts .toast.ok").last();
  await t.waitFor({ timeout: T });
  return text(t);
}

const browser = await chromium.launch({
  executablePath: env("CHROMIUM", "/usr/bin/chromium"),
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--lang=en-GB"],
});

async function newPage(who, options) {
  const ctx = await browser.newContext({ locale: "en-GB", ...options });
  const page = await ctx.newPage();
  page.setDefaultTimeout(T);
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) seen.console_errors.push(`${who}: ${m.text()}`);
  });
  page.on("pageerror", (e) => seen.console_errors.push(`${who}: ${e}`));
  page.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith(base) && !u.startsWith("blob:") && !u.startsWith("data:")) seen.external_requests.push(u);
  });
  return page;
}

const desktop = { viewport: { width: 1280, height: 900 } };
const phone = { viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true };

// Sign in through the console's form; returns the name the header shows.
async function signIn(page, login, password) {
  await page.goto(`${base}/console/`);
  await page.locator("form.signin").waitFor();
  await page.fill('form.signin input[name="login"]', login);
  await page.fill('form.signin input[name="password"]', password);
  await page.click('form.signin button[type="submit"]');
  await page.locator("header.top").waitFor();
  return text(page.locator(".who-name"));
}

async function goto(page, hash, ready) {
  await page.evaluate((h) => (location.hash = h), hash);
  await page.locator(ready).first().waitFor();
}

// The operator's order page: what it shows of the order.
async function operatorOrder(page, uuid) {
  await goto(page, `#/orders/${uuid}`, "#order-amount");
  await page.locator("h1 .badge").waitFor();
  return {
    title: await text(page.locator("main h1")),
    status: await text(page.locator("h1 .badge")),
    amount: await text(page.locator("#order-amount")),
    received: await text(page.locator("#order-received")),
  };
}

// The ledger view's Verify button; what it answers.
async function verifyLedger(page) {
  await goto(page, "#/ledger", "button.verify");
  await page.locator("button.verify").click();
  const box = page.locator(".verify-result");
  await box.waitFor();
  return { ok: await box.getAttribute("data-ok"), text: await text(box.locator("strong")) };
}

async function orderFlow() {
  // the operator signs in at 1280 px
  const op = await newPage("operator", desktop);
  seen.operator = await signIn(op, env("OP_LOGIN"), env("OP_PASSWORD"));
  await layout(op, "operator-overview");
  seen.steps.push("operator signed in");
  const { uuid } = await ask("operator_in");

  // the trader, on a phone: the seed's order is on the orders screen
  const tr = await newPage("trader", phone);
  seen.trader = await signIn(tr, env("TRADER_LOGIN"), env("TRADER_PASSWORD"));
  const card = tr.locator(`article.tr-order[data-uuid="${uuid}"]`);
  await card.waitFor();
  seen.card = {
    amount: await text(card.locator(".tr-amount")),
    requisite: await text(card.locator(".tr-req-value")),
    listed: await tr.locator("article.tr-order").evaluateAll((els) => els.map((e) => e.dataset.uuid)),
  };
  await layout(tr, "trader-orders");
  seen.steps.push("trader signed in");

  // "Received", confirmed: the dialog repeats the amount
  await card.locator(".tr-received").click();
  const { question, extra } = await confirm(tr, (dlg) => text(dlg.locator(".tr-confirm-amount")));
  seen.card.question = question;
  seen.card.dialog_amount = extra;
  seen.card.toast = await toastText(tr);
  await card.waitFor({ state: "detached" });
  seen.card.empty_after = await text(tr.locator(".tr-empty"));
  await layout(tr, "trader-orders-after");
  await goto(tr, `#/orders/${uuid}`, ".tr-uuid");
  seen.trader_order = { status: await text(tr.locator("dl.facts .badge")), amount: await text(tr.locator(".tr-amount")) };
  await layout(tr, "trader-order");
  seen.steps.push("trader confirmed");
  await ask("confirmed", { uuid });

  // the operator: the order completed, the ledger verifying
  seen.order = await operatorOrder(op, uuid);
  await layout(op, "operator-order");
  seen.verify = await verifyLedger(op);
  await layout(op, "operator-ledger");
  seen.steps.push("operator saw it");
}

async function disputeFlow() {
  const { uuid, order_uuid } = await ask("start");

  // the trader, on a phone: the banner, the dispute, the payer's receipt
  const tr = await newPage("trader", phone);
  seen.trader = await signIn(tr, env("TRADER_LOGIN"), env("TRADER_PASSWORD"));
  await tr.locator(".tr-disputes-banner").waitFor();
  seen.banner = await text(tr.locator(".tr-disputes-banner"));
  await layout(tr, "trader-orders");
  await tr.locator(".tr-disputes-banner").click();
  const dcard = tr.locator(`a.tr-dispute[data-uuid="${uuid}"]`);
  await dcard.waitFor();
  seen.trader_list = { amount: await text(dcard.locator(".tr-amount")), badge: await text(dcard.locator(".badge")) };
  await layout(tr, "trader-disputes");
  await dcard.click();
  await tr.locator(".tr-dispute-facts").waitFor();
  await tr.waitForFunction(() => {
    const imgs = [...document.querySelectorAll(".tr-evidence img")];
    return imgs.length > 0 && imgs.every((i) => i.complete && i.naturalWidth > 0);
  });
  seen.trader_dispute = {
    title: await text(tr.locator("main h1")),
    images: await tr.locator(".tr-evidence img").count(),
  };
  await layout(tr, "trader-dispute");

  // rejected with a reason code, a comment and a statement (PDF)
  await tr.selectOption(".tr-reject select[name=reason]", "payment_not_found");
  await tr.fill(".tr-reject textarea[name=comment]", "not on the statement");
  await tr.setInputFiles(".tr-reject input[type=file]", {
    name: "statement.pdf",
    mimeType: "application/pdf",
    buffer: Buffer.from("%PDF-1.4\n" + "0".repeat(40)),
  });
  await tr.locator(".tr-reject button[type=submit]").click();
  seen.trader_dispute.question = (await confirm(tr)).question;
  await tr.locator(".tr-dispute-facts[data-awaiting=operator]").waitFor();
  seen.trader_dispute.after = await text(tr.locator(".tr-dispute-facts .badge"));
  seen.trader_dispute.answer_forms = await tr.locator(".tr-answer").count();
  await layout(tr, "trader-dispute-rejected");
  seen.steps.push("trader rejected");
  await ask("rejected", { uuid });

  // the operator at 1280 px: the queue, both sides' evidence, the decision
  const op = await newPage("operator", desktop);
  seen.operator = await signIn(op, env("OP_LOGIN"), env("OP_PASSWORD"));
  await goto(op, "#/disputes", `.disputes-list a[href="#/disputes/${uuid}"]`);
  seen.queue_first = await op.locator(".disputes-list tbody tr a").first().getAttribute("href");
  await layout(op, "operator-disputes");
  await op.locator(`.disputes-list a[href="#/disputes/${uuid}"]`).click();
  await op.locator("#act-success").waitFor();
  await op.waitForFunction(() => [...document.querySelectorAll("li.evidence img")].every((i) => i.complete && i.naturalWidth > 0));
  seen.evidence = await op.evaluate(() => {
    const side = (cls) => [...document.querySelectorAll(`.evidence-side.${cls} li.evidence`)].map((li) => `${li.classList[1]}:${li.dataset.uploader}`);
    const a = document.querySelector(".evidence-side.claim").getBoundingClientRect();
    const b = document.querySelector(".evidence-side.trader").getBoundingClientRect();
    return { claim: side("claim"), trader: side("trader"), side_by_side: a.top === b.top && a.right <= b.left };
  });
  seen.operator_dispute = {
    title: await text(op.locator("main h1")),
    amount: await text(op.locator("#dispute-amount")),
    reason: await text(op.locator("#dispute-reject-reason")),
  };
  await layout(op, "operator-dispute");
  await op.locator("#act-success").click();
  const { question, extra } = await confirm(op, async (dlg) => {
    const prefill = await dlg.locator('input[name="amount_received"]').inputValue();
    await dlg.locator('input[name="amount_received"]').fill(env("RECEIVED"));
    await dlg.locator('textarea[name="comment"]').fill("1450.00 on the bank statement");
    return prefill;
  });
  seen.decide = { question, prefill: extra, toast: await toastText(op) };
  await op.locator("h1 .badge.resolved-success").waitFor();
  seen.decide.status = await text(op.locator("h1 .badge"));
  seen.decide.received = await text(op.locator("#dispute-received"));
  await layout(op, "operator-dispute-decided");
  seen.steps.push("operator decided");
  await ask("decided", { uuid });

  // the order, completed late with that amount; the ledger verifying
  seen.order = await operatorOrder(op, order_uuid);
  await layout(op, "operator-order");
  seen.verify = await verifyLedger(op);
  await layout(op, "operator-ledger");
  seen.steps.push("operator saw it");
}

try {
  const flow = env("FLOW");
  if (flow === "order") await orderFlow();
  else if (flow === "dispute") await disputeFlow();
  else throw new Error(`FLOW=${flow}: order or dispute`);
  process.stdout.write(`${JSON.stringify({ step: "done", seen })}\n`);
  await browser.close();
} catch (e) {
  console.error(`console_flow failed after [${seen.steps.join(", ")}]: ${e.stack || e.message}`);
  process.stdout.write(`${JSON.stringify({ step: "error", error: String(e.message), seen })}\n`);
  await browser.close();
  process.exit(1);
}
