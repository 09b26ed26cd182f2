// pay.mjs: a payer in a real browser. playwright-core drives Debian's
// chromium headless through kassa's hosted payment pages:
//   open the signed /pay/ link -> choose SBP -> see the requisite and the QR
//   code -> press the sandbox "Pay" -> land on the merchant's success_url.
//
// Input (environment):
//   PAY_LINK      the signed /pay/?... URL (absolute)
//   SUCCESS_URL   the merchant's success_url (the final page must start with it)
//   SCREENSHOT    where to save the payer page's screenshot (PNG)
//   CHROMIUM      the browser (default /usr/bin/chromium)
//   KASSA_BASE    kassa's origin; any request elsewhere (but SUCCESS_URL's) is
//                 reported as external
// Output: one JSON line on stdout with what the browser saw; exit 1 on any
// failure (the message on stderr).
import { chromium } from "playwright-core";

const env = (name, def) => {
  const v = process.env[name] ?? def;
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};

// MODE=watch: open ORDER_URL (a real order's page), print "ready" once it
// shows the requisite, and wait until the page follows the order's final
// status (paid by the operator meanwhile) to SUCCESS_URL on its own.
if ((process.env.MODE ?? "pay") === "watch") {
  const browser = await chromium.launch({
    executablePath: env("CHROMIUM", "/usr/bin/chromium"),
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu"],
  });
  const seen = { steps: [] };
  try {
    const page = await browser.newPage();
    await page.goto(env("ORDER_URL"));
    seen.requisite = (await page.locator("#requisite-value").textContent()).trim();
    seen.status_before = await page.locator("#status").getAttribute("data-status");
    seen.steps.push("ready");
    console.log("ready");
    const target = env("SUCCESS_URL");
    await page.waitForURL((u) => u.href.startsWith(target), { timeout: 20000 });
    seen.final_url = page.url();
    seen.steps.push("success_url");
    console.log(JSON.stringify(seen));
    await browser.close();
  } catch (e) {
    console.error(`watch failed after steps [${seen.steps.join(", ")}]: ${e.message}`);
    console.log(JSON.stringify(seen));
    await browser.close();
    process.exit(1);
  }
  process.exit(0);
}

const payLink = env("PAY_LINK");
const successUrl = env("SUCCESS_URL");
const screenshot = env("SCREENSHOT");
const kassaBase = env("KASSA_BASE");
const executablePath = env("CHROMIUM", "/usr/bin/chromium");
const STEP_TIMEOUT = 15000;

const result = { steps: [], requests: [], external_requests: [], console_errors: [] };
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu"],
});
try {
  const context = await browser.newContext({ viewport: { width: 480, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  const successOrigin = new URL(successUrl).origin;
  page.on("request", (r) => {
    const u = r.url();
    result.requests.push(u);
    if (!u.startsWith(kassaBase) && !u.startsWith(successOrigin) && !u.startsWith("data:"))
      result.external_requests.push(u);
  });
  page.on("console", (m) => { if (m.type() === "error") result.console_errors.push(m.text()); });
  page.on("pageerror", (e) => result.console_errors.push(String(e)));

  // 1. the signed link: the method chooser
  const resp = await page.goto(payLink);
  result.chooser_status = resp.status();
  await page.locator("#method-28").waitFor();
  result.chooser_title = await page.title();
  result.steps.push("chooser");

  // 2. choose SBP: redirected to the payer page
  await Promise.all([page.waitForURL(/\/pay\/complete\/\d+\/[0-9a-f]{32}\/$/), page.click("#method-28")]);
  result.order_url = page.url();
  result.steps.push("payer page");

  // 3. the requisite, the amount, the status and the QR code (really decoded as an image)
  result.requisite = (await page.locator("#requisite-value").textContent()).trim();
  result.bank = (await page.locator("#bank").textContent()).trim();
  result.holder = (await page.locator("#holder").textContent()).trim();
  result.amount = (await page.locator("#amount").textContent()).trim();
  result.status_before = await page.locator("#status").getAttribute("data-status");
  result.ttl = (await page.locator("#ttl").textContent()).trim();
  await page.waitForFunction(() => {
    const img = document.getElementById("qr");
    return img && img.complete && img.naturalWidth > 0;
  });
  result.qr = await page.evaluate(() => {
    const img = document.getElementById("qr");
    return { width: img.naturalWidth, height: img.naturalHeight, src: img.getAttribute("src") };
  });
  // the countdown runs
  const t1 = result.ttl;
  await page.waitForFunction((t) => document.getElementById("ttl").textContent.trim() !== t, t1,
                             { timeout: 5000 });
  result.ttl_ticks = true;
  await page.screenshot({ path: screenshot, fullPage: true });
  result.steps.push("screenshot");

  // 4. the sandbox's Pay button: straight on to the merchant's success_url
  await Promise.all([page.waitForURL((u) => u.href.startsWith(successUrl)), page.click("#pay")]);
  result.final_url = page.url();
  result.final_title = await page.title();
  result.steps.push("success_url");

  // 5. back on the payer page: paid, no buttons
  await page.goto(result.order_url);
  result.status_after = await page.locator("#status").getAttribute("data-status");
  result.pay_button_after = await page.locator("#pay").count();
  result.steps.push("paid page");
  console.log(JSON.stringify(result));
  await browser.close();
} catch (e) {
  console.error(`browser test failed after steps [${result.steps.join(", ")}]: ${e.message}`);
  console.log(JSON.stringify(result));
  await browser.close();
  process.exit(1);
}
