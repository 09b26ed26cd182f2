// screenshots.mjs: the console screenshots README.md shows (make
// screenshots runs scripts/screenshots.py, which fills a kassad with a demo
// day and runs this). Signs in through the console's own form.
//
// Input (environment): KASSA_BASE, OPERATOR_LOGIN, OPERATOR_PASSWORD,
// TRADER_LOGIN, TRADER_PASSWORD, OUT_DIR, CHROMIUM (default
// /usr/bin/chromium).
import { chromium } from "playwright-core";

const env = (name, def) => {
  const v = process.env[name] ?? def;
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};

const base = env("KASSA_BASE");
const out = env("OUT_DIR");

async function signIn(page, login, password) {
  await page.goto(`${base}/console/`);
  await page.fill("input[name=login]", login);
  await page.fill("input[name=password]", password);
  await page.click("form.signin button[type=submit]");
  await page.waitForSelector("header.top");
}

const browser = await chromium.launch({
  executablePath: env("CHROMIUM", "/usr/bin/chromium"),
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--lang=en-GB"],
});
try {
  const desk = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "en-GB" });
  const op = await desk.newPage();
  await signIn(op, env("OPERATOR_LOGIN"), env("OPERATOR_PASSWORD"));
  await op.waitForSelector("canvas", { timeout: 15000 });
  await op.waitForTimeout(1200); // the chart's animation
  await op.screenshot({ path: `${out}/console-overview.png` });

  const phone = await browser.newContext({
    viewport: { width: 375, height: 812 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: "ru-RU",
  });
  const tr = await phone.newPage();
  await signIn(tr, env("TRADER_LOGIN"), env("TRADER_PASSWORD"));
  await tr.waitForTimeout(1500);
  await tr.screenshot({ path: `${out}/console-trader.png` });
} finally {
  await browser.close();
}
