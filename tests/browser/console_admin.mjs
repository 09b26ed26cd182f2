// console_admin.mjs: an operator in the console, in a real browser
// (playwright-core driving Debian's chromium headless), against a real
// kassad:
//   the owner signs in -> creates a shop (its credentials shown once) ->
//   switches its test mode on -> creates a trader -> records a deposit ->
//   adds a requisite with limits on the trader's page -> verifies the
//   ledger -> reads their own actions in the audit log; then a viewer signs
//   in and every write they try shows the API's 403 message. Each page is
//   checked at 375 and 1280 px (no horizontal overflow, no word broken).
//
// Input (environment):
//   KASSA_BASE      kassad's origin
//   OWNER           JSON {id, name, role, login, password}
//   VIEWER          JSON {id, name, role, login, password}
//   SHOP            JSON of the shop to create {name, url, callback_url, fee_percent}
//   TRADER          JSON {name, verified_name, reward_bps, currency, deposit}
//   REQUISITE       JSON {requisite, bank_code, bank_name_ru, bank_name_en,
//                   min_amount, max_amount, daily_amount, daily_count, max_pending}
//   SHOTS           a directory for screenshots (optional)
//   CHROMIUM        the browser (default /usr/bin/chromium)
// Output: one JSON line on stdout with what the browser saw; exit 1 on any
// failure (the message on stderr).
import { chromium } from "playwright-core";

const env = (name, def) => {
  const v = process.env[name] ?? def;
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};
const base = env("KASSA_BASE");
const owner = JSON.parse(env("OWNER"));
const viewer = JSON.parse(env("VIEWER"));
const shopIn = JSON.parse(env("SHOP"));
const traderIn = JSON.parse(env("TRADER"));
const reqIn = JSON.parse(env("REQUISITE"));
const shots = process.env.SHOTS || "";
const result = { steps: [], layout: {}, console_errors: [], external_requests: [] };
const step = (s) => result.steps.push(s);

const browser = await chromium.launch({
  executablePath: env("CHROMIUM", "/usr/bin/chromium"),
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu"],
});

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  page.signedIn = false;
  page.on("console", (m) => {
    // A 403 the test provokes is logged by chromium as a failed resource,
    // and so is the 401 of the session asked for before signing in.
    if (m.type() !== "error" || /status of 40[34]/.test(m.text())) return;
    if (!page.signedIn && /status of 401/.test(m.text())) return;
    result.console_errors.push(m.text());
  });
  page.on("pageerror", (e) => result.console_errors.push(String(e)));
  page.on("request", (r) => {
    if (!r.url().startsWith(base) && !r.url().startsWith("data:")) result.external_requests.push(r.url());
  });
  return page;
}

// Sign in through the console's form (POST /console/api/session): the
// session cookie, then every admin call with it and its CSRF token.
async function signIn(who) {
  const page = await newPage();
  await page.goto(`${base}/console/`);
  await page.locator("form.signin").waitFor();
  await page.fill("form.signin input[name=login]", who.login);
  await page.fill("form.signin input[name=password]", who.password);
  await page.click("form.signin button[type=submit]");
  await page.locator("header.top .who-name").waitFor();
  page.signedIn = true;
  result[`${who.role}_signed_in_as`] = (await page.locator("header.top .who-name").textContent()).trim();
  return page;
}

// Go to #path and wait for the view's heading (the loading line gone).
async function open(page, path, selector = "main#main h1") {
  await page.evaluate((p) => (location.hash = `#${p}`), path);
  await page.waitForFunction(() => !document.querySelector("main#main > p.muted"), null);
  await page.locator(selector).first().waitFor();
}

async function confirm(page) {
  const dlg = page.locator("dialog.confirm[open]");
  await dlg.waitFor();
  const question = (await dlg.locator(".question").textContent()).trim();
  await dlg.locator("button[value=ok]").click();
  await dlg.waitFor({ state: "detached" });
  return question;
}

// The newest toast's text (waits for one containing `want` when given).
async function toast(page, want) {
  const loc = want ? page.locator("#toasts .toast", { hasText: want }) : page.locator("#toasts .toast").last();
  await loc.first().waitFor();
  const text = (await loc.first().textContent()).trim();
  await page.evaluate(() => document.querySelectorAll("#toasts .toast").forEach((t) => t.remove()));
  return text;
}

// No horizontal overflow of the document, no word broken across lines
// (tokens in code/.mono may wrap anywhere by design), at 375 and 1280 px.
async function layout(page, name) {
  const out = [];
  for (const width of [375, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.waitForTimeout(150);
    const r = await page.evaluate(() => {
      const doc = document.documentElement;
      const broken = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      const range = document.createRange();
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        if (!el || el.closest("code, .mono, script, style, option, #toasts")) continue;
        if (el.getClientRects().length === 0) continue;
        const re = /\S+/g;
        let m;
        while ((m = re.exec(n.textContent))) {
          range.setStart(n, m.index);
          range.setEnd(n, m.index + m[0].length);
          const tops = new Set([...range.getClientRects()].filter((x) => x.width > 0).map((x) => Math.round(x.top)));
          if (tops.size > 1) broken.push(m[0]);
        }
      }
      return { overflow: doc.scrollWidth - doc.clientWidth, broken: broken.slice(0, 20) };
    });
    out.push({ width, ...r });
    if (shots) {
      await page.screenshot({ path: `${shots}/console-${name}-${width}.png`, fullPage: true });
      await page.screenshot({ path: `${shots}/console-${name}-${width}-top.png` });
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  result.layout[name] = out;
}

try {
  // ---- the owner ----------------------------------------------------------------
  const page = await signIn(owner);
  step("signed in");

  // A new shop: its credentials shown once.
  await open(page, "/shops");
  await layout(page, "shops-empty");
  await page.click("button:has-text('New shop')");
  const f = page.locator("form.shop-create");
  await f.locator("input[name=name]").fill(shopIn.name);
  await f.locator("input[name=url]").fill(shopIn.url);
  await f.locator("input[name=callback_url]").fill(shopIn.callback_url);
  await f.locator("input[name=fee_percent]").fill(shopIn.fee_percent);
  await f.locator("button.add").click();
  await f.locator(".fee-row select").selectOption(shopIn.fee_fixed_currency);
  await f.locator(".fee-row input").fill(shopIn.fee_fixed_amount);
  await f.locator("button[type=submit]").click();
  result.shop_create_question = await confirm(page);
  result.shop_create_toast = await toast(page);
  const once = page.locator("section.once");
  await once.waitFor();
  result.shop_creds = {};
  for (const key of ["shop_id", "panda.api_key", "panda.secret", "tegro.api_key", "tegro.secret"])
    result.shop_creds[key] = (await once.locator(`[data-key="${key}"]`).textContent()).trim();
  result.shop_once_warning = (await once.locator(".alert.info").textContent()).trim();
  result.shop_list_names = await page.locator(".shop-list table.grid tbody tr td:nth-child(2)").allTextContents();
  await layout(page, "shops");
  step("shop created");

  // The shop's page: the secret is not there any more; test mode on.
  await page.click("section.once a.button");
  await page.locator("form.shop-settings").waitFor();
  result.shop_url = page.url();
  const html = await page.content();
  result.secret_on_shop_page = html.includes(result.shop_creds["panda.secret"]) || html.includes(result.shop_creds["tegro.secret"]);
  result.shop_title = (await page.locator("main h1").textContent()).trim();
  await page.check("form.shop-settings input[name=test_mode]");
  await page.click("form.shop-settings button[type=submit]");
  result.test_mode_question = await confirm(page);
  result.test_mode_toast = await toast(page);
  await page.locator(".title-row .badge", { hasText: "test mode" }).waitFor();
  result.test_mode_checked_after = await page.isChecked("form.shop-settings input[name=test_mode]");
  // A user of the shop's merchant.
  const uf = page.locator("form.user-add");
  await uf.locator("input[name=name]").fill(shopIn.user.name);
  await uf.locator("input[name=login]").fill(shopIn.user.login);
  await uf.locator("input[name=password]").fill(shopIn.user.password);
  await uf.locator("button[type=submit]").click();
  result.user_question = await confirm(page);
  result.user_toast = await toast(page);
  await page.locator(".merchant-users table.grid tbody tr").first().waitFor();
  result.users_rows = await page.locator(".merchant-users table.grid tbody tr td:nth-child(3)").allTextContents();

  // The tariff: a new percent.
  await page.fill("form.shop-tariff input[name=fee_percent]", shopIn.new_fee_percent);
  await page.click("form.shop-tariff button[type=submit]");
  result.tariff_question = await confirm(page);
  result.tariff_toast = await toast(page);
  await page.locator("form.shop-settings").waitFor();
  await layout(page, "shop");
  step("test mode on");

  // A trader, a deposit.
  await open(page, "/traders");
  await page.click("button:has-text('New trader')");
  const tf = page.locator("form.trader-create");
  await tf.locator("input[name=name]").fill(traderIn.name);
  await tf.locator("input[name=verified_name]").fill(traderIn.verified_name);
  await tf.locator("input[name=reward_bps]").fill(String(traderIn.reward_bps));
  await tf.locator("select[name=currency]").selectOption(traderIn.currency);
  if (traderIn.login) {
    await tf.locator("input[name=login]").fill(traderIn.login);
    await tf.locator("input[name=password]").fill(traderIn.password);
  }
  await tf.locator("button[type=submit]").click();
  result.trader_create_question = await confirm(page);
  result.trader_create_toast = await toast(page);
  result.trader_creds = {
    api_key: (await page.locator("section.once [data-key=api_key]").textContent()).trim(),
    secret: (await page.locator("section.once [data-key=secret]").textContent()).trim(),
  };
  await layout(page, "traders");
  await page.click("section.once a.button");
  await page.locator("form.trader-deposit").waitFor();
  result.trader_url = page.url();
  result.available_before = (await page.locator("[data-balance=available] .value").textContent()).trim();
  await page.fill("form.trader-deposit input[name=amount]", traderIn.deposit);
  await page.click("form.trader-deposit button[type=submit]");
  result.deposit_question = await confirm(page);
  result.deposit_toast = await toast(page);
  await page.waitForFunction(
    (before) => document.querySelector("[data-balance=available] .value")?.textContent.trim() !== before,
    result.available_before,
  );
  result.available_after = (await page.locator("[data-balance=available] .value").textContent()).trim();
  result.reserved_after = (await page.locator("[data-balance=reserved] .value").textContent()).trim();
  step("deposit recorded");

  // A requisite of the trader, with limits.
  const rf = page.locator("form.req-create");
  result.requisite_owner_prefilled = await rf.locator("input[name=owner_full_name]").inputValue();
  await rf.locator("select[name=type]").selectOption("SBP");
  await rf.locator("input[name=requisite]").fill(reqIn.requisite);
  await rf.locator("input[name=bank_code]").fill(reqIn.bank_code);
  await rf.locator("input[name=bank_name_ru]").fill(reqIn.bank_name_ru);
  await rf.locator("input[name=bank_name_en]").fill(reqIn.bank_name_en);
  await rf.locator("select[name=currency]").selectOption("RUB");
  await rf.locator("input[name=country_code]").fill("RUS");
  for (const k of ["min_amount", "max_amount", "daily_amount", "daily_count", "max_pending"])
    await rf.locator(`input[name=${k}]`).fill(String(reqIn[k]));
  await rf.locator("button[type=submit]").click();
  result.requisite_question = await confirm(page);
  result.requisite_toast = await toast(page);
  await page.locator(".trader-reqs table.grid tbody tr").first().waitFor();
  const row = page.locator(".trader-reqs table.grid tbody tr").first();
  result.requisite_row = {
    requisite: (await row.locator("td:nth-child(3)").textContent()).trim(),
    limits: await row.locator("ul.limits li").allTextContents(),
    state: (await row.locator("td:nth-child(8)").textContent()).trim(),
  };
  // Pause it from the row, then resume.
  await row.locator("button.req-pause").click();
  result.pause_question = await confirm(page);
  result.pause_toast = await toast(page);
  await page.locator(".trader-reqs tbody tr .badge", { hasText: "paused" }).waitFor();
  await layout(page, "trader");
  await open(page, "/requisites", "form.req-create");
  result.requisites_rows = await page.locator(".req-list table.grid tbody tr td:nth-child(3)").allTextContents();
  await layout(page, "requisites");
  step("requisite added");

  // The ledger: verify.
  await open(page, "/ledger");
  await page.click("button.verify");
  await page.locator(".verify-result").waitFor();
  result.verify = {
    ok: await page.locator(".verify-result").getAttribute("data-ok"),
    text: (await page.locator(".verify-result strong").textContent()).trim(),
  };
  result.ledger_accounts = await page.locator("main table.grid tbody tr").count();
  await layout(page, "ledger");
  // The postings of the trader's available account.
  const acct = page.locator("main table.grid tbody tr", { hasText: "trader_available" }).first();
  await acct.click();
  await page.locator("section.postings table.grid tbody tr").first().waitFor();
  result.postings_first = (await page.locator("section.postings table.grid tbody tr").first().textContent()).trim();
  await layout(page, "ledger-postings");
  step("ledger verified");

  // The audit log: their own actions.
  await open(page, "/audit", ".audit-entry");
  result.audit = await page.$$eval(".audit-entry", (els) =>
    els.map((e) => ({
      id: Number(e.dataset.id),
      action: e.dataset.action,
      actor: e.querySelector(".audit-actor").textContent.trim(),
      changed: [...e.querySelectorAll(".audit-changes > table.audit-diff tr.changed")].map((r) => [
        r.dataset.field,
        r.querySelector("td.before").textContent,
        r.querySelector("td.after").textContent,
      ]),
    })),
  );
  await layout(page, "audit");
  await page.selectOption("form.audit-filter select[name=actor]", String(owner.id));
  await page.fill("form.audit-filter input[name=action]", "shop.");
  await page.click("form.audit-filter button[type=submit]");
  await page.waitForFunction(() => location.hash.includes("action=shop."));
  await page.locator(".audit-entry").first().waitFor();
  result.audit_filtered = await page.$$eval(".audit-entry", (els) => els.map((e) => e.dataset.action));
  step("audit read");

  // Operators: the list, the viewer's page with a token made and revoked.
  await open(page, "/operators", "table.grid");
  result.operators = await page.locator("main table.grid tbody tr td:nth-child(2)").allTextContents();
  await layout(page, "operators");
  await open(page, `/operators/${viewer.id}`, "form.token-create");
  await page.fill("form.token-create input[name=name]", "browser token");
  await page.click("form.token-create button[type=submit]");
  await confirm(page);
  result.token_shown = (await page.locator("section.once [data-key=token]").textContent()).trim();
  await page.locator(".tokens table.grid tbody tr", { hasText: "browser token" }).locator("button.token-revoke").click();
  await confirm(page);
  result.revoke_toast = await toast(page);
  await layout(page, "operator");
  step("operators");

  // The same pages in Russian (longer words): still no overflow, no word broken.
  await page.evaluate(() => localStorage.setItem("kassa.lang", "ru"));
  await page.reload();
  await page.locator("header.top .who-name").waitFor();
  for (const [name, path, sel] of [
    ["ru-shop", new URL(result.shop_url).hash.slice(1), "form.shop-settings"],
    ["ru-trader", new URL(result.trader_url).hash.slice(1), "form.trader-deposit"],
    ["ru-requisites", "/requisites", "form.req-create"],
    ["ru-ledger", "/ledger", "button.verify"],
    ["ru-audit", "/audit", ".audit-entry"],
    ["ru-operators", "/operators", "form.operator-create"],
  ]) {
    await open(page, path, sel);
    await layout(page, name);
  }
  result.ru_title = (await page.locator("main h1").textContent()).trim();
  step("russian");

  // ---- the viewer: every write refused with the API's message ------------------
  const vpage = await signIn(viewer);
  const shopPath = new URL(result.shop_url).hash.slice(1);
  await open(vpage, shopPath, "form.shop-settings");
  await vpage.click("button.shop-toggle");
  await confirm(vpage);
  result.viewer_disable_toast = await toast(vpage);
  await vpage.click("button.rotate");
  await confirm(vpage);
  result.viewer_rotate_toast = await toast(vpage);
  const traderPath = new URL(result.trader_url).hash.slice(1);
  await open(vpage, traderPath, "form.trader-deposit");
  await vpage.fill("form.trader-deposit input[name=amount]", "1");
  await vpage.click("form.trader-deposit button[type=submit]");
  await confirm(vpage);
  result.viewer_deposit_toast = await toast(vpage);
  result.viewer_available = (await vpage.locator("[data-balance=available] .value").textContent()).trim();
  await vpage.locator(".trader-reqs button.req-onoff").first().click();
  await confirm(vpage);
  result.viewer_requisite_toast = await toast(vpage);
  await open(vpage, "/operators", "main .alert.error");
  result.viewer_operators_error = (await vpage.locator("main .alert.error").textContent()).trim();
  await layout(vpage, "operators-403");
  step("viewer refused");

  console.log(JSON.stringify(result));
  await browser.close();
} catch (e) {
  console.error(`console test failed after steps [${result.steps.join(", ")}]: ${e.stack || e.message}`);
  console.log(JSON.stringify(result));
  await browser.close();
  process.exit(1);
}
