// payer.mjs: the payer page in a real browser (playwright-core driving
// Debian's chromium headless), at a phone's 375 px and a desktop's 1280 px,
// in Russian and in English: the layout check (layout.mjs) on each, a
// screenshot of each, the shop's colour applied by pay.js, the copy button
// copying, and "I have paid" confirming the order.
//
// Input (environment):
//   PAGES       JSON: [{"name": "card", "url": "<absolute payer page URL>"}, ...]
//   ARTIFACTS   the directory the screenshots go to (payer-<name>-<lang>-<width>.png)
//   KASSA_BASE  kassa's origin: any request elsewhere is reported as external
//   CONFIRM     the name of the page whose "I have paid" button is pressed last
//   CHROMIUM    the browser (default /usr/bin/chromium)
// Output: one JSON line on stdout; exit 1 on a failure (the message on stderr).
import { chromium } from "playwright-core";
import { checkLayout } from "./layout.mjs";

const env = (name, def) => {
  const v = process.env[name] ?? def;
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};
const pages = JSON.parse(env("PAGES"));
const artifacts = env("ARTIFACTS");
const base = env("KASSA_BASE");
const confirmName = env("CONFIRM", "");

const result = { steps: [], pages: {}, external_requests: [], console_errors: [] };
const browser = await chromium.launch({
  executablePath: env("CHROMIUM", "/usr/bin/chromium"),
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu"],
});
try {
  for (const width of [375, 1280]) {
    const context = await browser.newContext({
      viewport: { width, height: width < 600 ? 812 : 900 },
      deviceScaleFactor: 1,
    });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    page.on("request", (r) => {
      const u = r.url();
      if (!u.startsWith(base) && !u.startsWith("data:")) result.external_requests.push(u);
    });
    page.on("console", (m) => { if (m.type() === "error") result.console_errors.push(m.text()); });
    page.on("pageerror", (e) => result.console_errors.push(String(e)));
    for (const p of pages) {
      for (const lang of ["ru", "en"]) {
        const key = `${p.name}-${lang}-${width}`;
        await page.goto(`${p.url}?lang=${lang}`);
        // pay.js has run: it shows the copy buttons
        await page.locator("#copy-requisite").waitFor({ state: "visible" });
        const seen = await page.evaluate(() => ({
          title: document.title,
          lang: document.documentElement.lang,
          amount: document.getElementById("amount").textContent.trim(),
          requisite: document.getElementById("requisite-value").textContent.trim(),
          qr_kind: document.getElementById("qr").getAttribute("data-kind"),
          qr_label: document.getElementById("qr-label").textContent.trim(),
          steps: document.querySelectorAll("#steps li").length,
          brand: getComputedStyle(document.documentElement).getPropertyValue("--brand").trim(),
          border: getComputedStyle(document.querySelector(".card")).borderTopColor,
          qr_loaded: (() => {
            const img = document.getElementById("qr");
            return img.complete && img.naturalWidth > 0;
          })(),
        }));
        seen.problems = await checkLayout(page);
        await page.screenshot({ path: `${artifacts}/payer-${key}.png`, fullPage: true });
        result.pages[key] = seen;
      }
    }
    result.steps.push(`checked at ${width}`);
    if (width === 375) {
      // the copy button puts the requisite on the clipboard
      await page.goto(pages[0].url);
      await page.locator("#copy-requisite").click();
      await page.waitForFunction(() =>
        document.getElementById("copy-requisite").classList.contains("done"));
      result.copied = await page.evaluate(() => navigator.clipboard.readText());
      result.copied_label = (await page.locator("#copy-requisite").textContent()).trim();
      result.steps.push("copied");
    }
    if (width === 1280 && confirmName) {
      const p = pages.find((x) => x.name === confirmName);
      await page.goto(p.url);
      await Promise.all([page.waitForURL(p.url), page.click("#paid")]);
      await page.locator("#confirmed").waitFor();
      result.confirmed_text = (await page.locator("#confirmed").textContent()).trim();
      result.paid_button_after = await page.locator("#paid").count();
      result.steps.push("confirmed");
    }
    await context.close();
  }
  console.log(JSON.stringify(result));
  await browser.close();
} catch (e) {
  console.error(`payer.mjs failed after steps [${result.steps.join(", ")}]: ${e.message}`);
  console.log(JSON.stringify(result));
  await browser.close();
  process.exit(1);
}
