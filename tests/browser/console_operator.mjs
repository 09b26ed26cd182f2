// console_operator.mjs: an operator in the console, in Debian's chromium
// (playwright-core): sign in, read the overview, filter the orders, open
// one (its receipt, timeline, callbacks), complete it with another amount,
// resend its callback, pay a withdrawal out, decide a dispute; then a
// viewer tries an action and sees the API's refusal. Every page of the
// operator's views is laid out at 375 and 1280 px: no horizontal overflow,
// no word broken across lines.
//
// Input (environment): KASSA_BASE, CHROMIUM, OP_LOGIN, OP_PASSWORD,
// VIEWER_LOGIN, VIEWER_PASSWORD, SHOP_ID, ORDER_UUID (pending, with a
// receipt), RECEIVED (the amount to complete it with), OTHER_UUID (pending,
// for the viewer), WITHDRAWAL_ID (pending), DISPUTE_UUID (awaiting the
// operator), DISPUTE_RECEIVED, SCREENSHOT_DIR (optional).
// Output: one JSON line on stdout with what the pages showed; exit 1 on a
// failure (its message on stderr, what was seen so far on stdout).
import { chromium } from "playwright-core";
import { checkLayout } from "./layout.mjs";

const env = (name, def) => {
  const v = process.env[name] ?? def;
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};

const base = env("KASSA_BASE");
const T = 15000;
const seen = { steps: [], layout: {}, console_errors: [], external_requests: [], refused: [] };

const browser = await chromium.launch({
  executablePath: env("CHROMIUM", "/usr/bin/chromium"),
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu"],
});

async function newPage() {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-GB" });
  const page = await ctx.newPage();
  // every answer >= 400 is listed (the page's own errors apart): the test
  // knows which it expects
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) seen.console_errors.push(m.text());
  });
  page.on("response", (r) => {
    if (r.status() >= 400) seen.refused.push(`${r.request().method()} ${new URL(r.url()).pathname} ${r.status()}`);
  });
  page.on("pageerror", (e) => seen.console_errors.push(String(e)));
  page.on("request", (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith("blob:") && !r.url().startsWith("data:"))
      seen.external_requests.push(r.url());
  });
  return page;
}

async function signIn(page, login, password) {
  await page.goto(`${base}/console/`);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('form.signin button[type="submit"]').click();
  await page.locator("header.top").waitFor({ timeout: T });
}

// Check the current page at 375 and 1280 px; name: which view.
async function layout(page, name) {
  const out = {};
  for (const width of [375, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(250);
    out[width] = await checkLayout(page);
    if (process.env.SCREENSHOT_DIR)
      await page.screenshot({ path: `${process.env.SCREENSHOT_DIR}/console-${name}-${width}.png`, fullPage: true });
  }
  seen.layout[name] = out;
}

const text = async (loc) => ((await loc.textContent()) || "").replace(/\s+/g, " ").trim();

// Confirm the open dialog (its OK button); returns the dialog's question.
async function confirm(page, fillIn) {
  const dlg = page.locator("dialog.confirm[open]");
  await dlg.waitFor({ timeout: T });
  const q = await text(dlg.locator(".question"));
  if (fillIn) await fillIn(dlg);
  // the notices of earlier actions go: the next one is this action's
  await page.evaluate(() => document.querySelectorAll("#toasts .toast").forEach((el) => el.remove()));
  await dlg.locator('button[value="ok"]').click();
  await dlg.waitFor({ state: "detached", timeout: T });
  return q;
}

async function toastText(page, kind = "ok") {
  const t = page.locator(`#toasts .toast.${kind}`).last();
  await t.waitFor({ timeout: T });
  return text(t);
}


try {
  // ---- the operator ----
  const page = await newPage();
  await signIn(page, env("OP_LOGIN"), env("OP_PASSWORD"));
  seen.steps.push("signed in");
  seen.who = await text(page.locator(".who-name"));

  // the overview: the figures, the chart, a refresh in place
  await page.goto(`${base}/console/#/`);
  await page.locator("#ov-figures[data-loaded]").waitFor({ timeout: T });
  seen.overview = await page.evaluate(() => {
    const fig = {};
    for (const el of document.querySelectorAll("[data-figure]")) fig[el.dataset.figure] = el.textContent.trim();
    const shops = [...document.querySelectorAll("#ov-shops tbody tr")].map((tr) =>
      [...tr.querySelectorAll("td")].map((td) => td.textContent.replace(/\s+/g, " ").trim()),
    );
    return { fig, shops, chart: typeof window.Chart === "function", canvas: !!document.querySelector("#ov-chart canvas") };
  });
  seen.overview.chart_points = await page.evaluate(() => {
    const c = window.Chart && Object.values(window.Chart.instances)[0];
    return c ? c.data.datasets.map((d) => d.data.length) : null;
  });
  const refreshes = Number(await page.locator("#ov-figures").getAttribute("data-refreshes"));
  await page.waitForFunction((n) => Number(document.querySelector("#ov-figures").dataset.refreshes) > n, refreshes, { timeout: 12000 });
  seen.overview.refreshed_in_place = await page.evaluate(() => !!document.querySelector("#ov-chart canvas") && Object.keys(window.Chart.instances).length === 1);
  await layout(page, "overview");
  seen.steps.push("overview");

  // the orders, filtered through the form; the filter is in the address
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${base}/console/#/orders`);
  await page.locator(".orders-list table.grid, .orders-list .empty").first().waitFor({ timeout: T });
  await page.locator('form.filters select[name="status"]').selectOption("pending");
  await page.locator("details.more-filters summary").click();
  await page.locator('form.filters input[name="shop_id"]').fill(env("SHOP_ID"));
  await page.locator('form.filters button[type="submit"]').click();
  await page.waitForFunction(() => location.hash.includes("shop_id="), null, { timeout: T });
  await page.locator(".orders-list table.grid").waitFor({ timeout: T });
  seen.orders_hash = await page.evaluate(() => location.hash);
  // the link alone shows the same list
  await page.reload();
  await page.locator(".orders-list table.grid").waitFor({ timeout: T });
  seen.orders_rows = await page.evaluate(() =>
    [...document.querySelectorAll(".orders-list tbody tr")].map((tr) =>
      [...tr.querySelectorAll("td")].map((td) => td.textContent.replace(/\s+/g, " ").trim()),
    ),
  );
  seen.orders_filters_kept = {
    status: await page.locator('form.filters select[name="status"]').inputValue(),
    shop_id: await page.locator('form.filters input[name="shop_id"]').inputValue(),
  };
  await layout(page, "orders");
  seen.steps.push("orders");

  // an order: its page, the receipt, then complete with another amount
  const orderUuid = env("ORDER_UUID");
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.locator(`.orders-list a[href="#/orders/${orderUuid}"]`).click();
  await page.locator("#act-complete-other").waitFor({ timeout: T });
  await page.locator("#receipt-image").waitFor({ timeout: T });
  seen.receipt = await page.evaluate(() => {
    const img = document.querySelector("#receipt-image");
    return { complete: img.complete, width: img.naturalWidth, height: img.naturalHeight };
  });
  seen.order_before = {
    amount: await text(page.locator("#order-amount")),
    received: await text(page.locator("#order-received")),
    timeline: await page.locator("ol.timeline li").count(),
  };
  await layout(page, "order");
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.locator("#act-complete-other").click();
  seen.complete_question = await confirm(page, async (dlg) => {
    seen.complete_prefill = await dlg.locator('input[name="amount_received"]').inputValue();
    await dlg.locator('input[name="amount_received"]').fill(env("RECEIVED"));
  });
  seen.complete_toast = await toastText(page);
  await page.locator("#act-reverse").waitFor({ timeout: T });
  seen.order_after = {
    received: await text(page.locator("#order-received")),
    status: await text(page.locator("h1 .badge")),
    timeline: await page.locator("ol.timeline li").count(),
  };
  seen.steps.push("completed");

  // its callback: wait for the dispatcher's attempt, then resend
  for (let i = 0; i < 60; i++) {
    if ((await page.locator(".callback .callback-head .badge.delivered").count()) > 0) break;
    await page.waitForTimeout(250);
    await page.reload();
    await page.locator("#act-reverse").waitFor({ timeout: T });
  }
  const cb = page.locator(".callback").first();
  seen.callback_before = {
    id: await cb.getAttribute("data-callback"),
    head: await text(cb.locator(".callback-head")),
    attempts: await cb.locator("tbody tr").count(),
    answer: await text(cb.locator("tbody tr").first().locator("td").nth(1)),
  };
  await cb.locator("button.resend").click();
  seen.resend_question = await confirm(page);
  seen.resend_toast = await toastText(page);
  seen.steps.push("resent");
  await layout(page, "order_completed");

  // a withdrawal: pay it out
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${base}/console/#/withdrawals`);
  const wid = env("WITHDRAWAL_ID");
  await page.locator(`[data-withdrawal="${wid}"] button.approve`).waitFor({ timeout: T });
  await layout(page, "withdrawals");
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.locator(`[data-withdrawal="${wid}"] button.approve`).click();
  seen.withdrawal_question = await confirm(page);
  seen.withdrawal_toast = await toastText(page);
  await page.locator(`[data-withdrawal="${wid}"]`).waitFor({ state: "detached", timeout: T });
  await page.goto(`${base}/console/#/withdrawals?status=completed`);
  await page.locator(".withdrawals-list table.grid").waitFor({ timeout: T });
  seen.withdrawals_completed = await page.evaluate(() =>
    [...document.querySelectorAll(".withdrawals-list tbody tr")].map((tr) => tr.querySelector("td").textContent.trim()),
  );
  seen.steps.push("withdrawal");

  // a dispute: the queue, its page, decide with an amount
  const duuid = env("DISPUTE_UUID");
  await page.goto(`${base}/console/#/disputes`);
  await page.locator(".disputes-list table.grid").waitFor({ timeout: T });
  seen.disputes_first = await page.locator(".disputes-list tbody tr a").first().getAttribute("href");
  await layout(page, "disputes");
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${base}/console/#/disputes/${duuid}`);
  await page.locator("#act-success").waitFor({ timeout: T });
  await page.waitForFunction(() => [...document.querySelectorAll("li.evidence img")].every((i) => i.complete && i.naturalWidth > 0), null, { timeout: T });
  seen.evidence = await page.evaluate(() => ({
    claim: [...document.querySelectorAll(".evidence-side.claim li.evidence")].map((li) => li.className + ":" + li.dataset.uploader),
    trader: [...document.querySelectorAll(".evidence-side.trader li.evidence")].map((li) => li.className + ":" + li.dataset.uploader),
    pdf_links: [...document.querySelectorAll("li.evidence.pdf a")].map((a) => a.getAttribute("href")),
    side_by_side:
      document.querySelector(".evidence-side.claim").getBoundingClientRect().top ===
      document.querySelector(".evidence-side.trader").getBoundingClientRect().top,
  }));
  await layout(page, "dispute");
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.locator("#act-success").click();
  seen.dispute_question = await confirm(page, async (dlg) => {
    await dlg.locator('input[name="amount_received"]').fill(env("DISPUTE_RECEIVED"));
    await dlg.locator('textarea[name="comment"]').fill("seen on the statement");
  });
  seen.dispute_toast = await toastText(page);
  await page.locator("h1 .badge.resolved-success").waitFor({ timeout: T });
  seen.dispute_status = await text(page.locator("h1 .badge"));
  seen.steps.push("dispute");

  // in Russian: the same pages keep the layout rules
  await page.locator("header.top button.lang").click();
  await page.waitForFunction(() => document.documentElement.lang === "ru", null, { timeout: T });
  await page.locator("h1 .badge.resolved-success").waitFor({ timeout: T });
  seen.ru_title = await text(page.locator("h1"));
  await layout(page, "dispute_ru");
  for (const [name, hash, ready] of [
    ["overview_ru", "#/", "#ov-figures[data-loaded]"],
    ["orders_ru", "#/orders?status=completed", ".orders-list table.grid"],
    ["order_ru", `#/orders/${orderUuid}`, "#act-reverse"],
    ["withdrawals_ru", "#/withdrawals?status=all", ".withdrawals-list table.grid"],
  ]) {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${base}/console/${hash}`);
    await page.locator(ready).waitFor({ timeout: T });
    await layout(page, name);
  }
  await page.locator("header.top button.lang").click();
  await page.waitForFunction(() => document.documentElement.lang === "en", null, { timeout: T });
  seen.steps.push("russian");

  await page.locator("button.signout").click();
  await page.locator("form.signin").waitFor({ timeout: T });
  seen.steps.push("signed out");

  // ---- a viewer: the action is refused with the API's message ----
  const vpage = await newPage();
  await signIn(vpage, env("VIEWER_LOGIN"), env("VIEWER_PASSWORD"));
  await vpage.goto(`${base}/console/#/orders/${env("OTHER_UUID")}`);
  await vpage.locator("#act-complete").click();
  await confirm(vpage);
  seen.viewer_error = await toastText(vpage, "error");
  seen.viewer_status_after = await text(vpage.locator("h1 .badge"));
  seen.steps.push("viewer refused");

  console.log(JSON.stringify(seen));
  await browser.close();
} catch (e) {
  console.error(`console_operator failed after [${seen.steps.join(", ")}]: ${e.stack || e.message}`);
  console.log(JSON.stringify(seen));
  await browser.close();
  process.exit(1);
}
