// merchant.mjs: the merchant user's console views in Chromium (driven by
// tests/e2e/test_merchant_api.py): sign in, the shop's balance, a test
// payment walked through the sandbox, a withdrawal requested with its
// confirmation, no horizontal overflow at 375 and 1280 px. Prints one JSON
// line of what it saw; exits non-zero on a failure.
import { chromium } from "playwright-core";

const env = (k, d) => process.env[k] ?? d;
const base = env("KASSA_BASE");
const seen = {};

async function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}

const browser = await chromium.launch({
  executablePath: env("CHROMIUM", "/usr/bin/chromium"),
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--lang=en-GB"],
});
try {
  for (const width of [375, 1280]) {
    const ctx = await browser.newContext({ viewport: { width, height: 860 }, locale: "en-GB" });
    const page = await ctx.newPage();
    await page.goto(`${base}/console/`);
    await page.fill("input[name=login]", env("LOGIN"));
    await page.fill("input[name=password]", env("PASSWORD"));
    await page.click("form.signin button[type=submit]");
    await page.waitForSelector(".merchant-shop");
    seen[`shop_${width}`] = (await page.textContent(".merchant-shop")).replace(/\u00a0/g, " ");
    seen[`overflow_shops_${width}`] = await overflow(page);
    if (width === 1280) {
      // The test payment: confirm, open the payer page, press the sandbox's Pay.
      await page.click(".merchant-shop button.primary");
      await page.fill("dialog.confirm input[name=amount]", "250.00");
      await page.click("dialog.confirm button[value=ok]");
      const link = await page.waitForSelector(".merchant-shop a.button.primary");
      const payUrl = await link.getAttribute("href");
      const payer = await ctx.newPage();
      await payer.goto(payUrl);
      await payer.click("#pay");
      await payer.waitForLoadState();
      seen.pay_url = payUrl;
      // A withdrawal, confirmed.
      await page.goto(`${base}/console/#/withdrawals`);
      await page.waitForSelector("form.merchant-withdraw");
      await page.fill("form.merchant-withdraw input[name=amount]", "100.00");
      await page.fill("form.merchant-withdraw input[name=account]", "4111111111111111");
      await page.click("form.merchant-withdraw button[type=submit]");
      await page.click("dialog.confirm button[value=ok]");
      await page.waitForSelector("table.grid td[data-label=Account]");
      seen.withdrawals = (await page.textContent("table.grid tbody")).replace(/\u00a0/g, " ");
      seen.overflow_withdrawals = await overflow(page);
      await page.goto(`${base}/console/#/orders`);
      await page.waitForSelector("table.grid tbody tr");
      seen.orders = (await page.textContent("table.grid tbody")).replace(/\u00a0/g, " ");
    }
    await ctx.close();
  }
  console.log(JSON.stringify(seen));
} finally {
  await browser.close();
}
