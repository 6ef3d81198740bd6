// The home page in a real browser (Debian's chromium via Playwright) against a seeded service:
// time from navigation to the first run row drawn, and to the page's load event, over REPEAT
// cold page loads (a new browser context each: no cache). Prints p50 and max in ms.
//   node bench/ui/home_page.mjs URL [REPEAT]     (playwright-core from tests/browser/install.sh)
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

const require = createRequire(resolve(process.env.PLAYWRIGHT_DIR || "build/browser", "package.json"));
const { chromium } = require("playwright-core");
const [url, repeatText] = process.argv.slice(2);
if (!url) {
  console.error("usage: node bench/ui/home_page.mjs URL [REPEAT]");
  process.exit(2);
}
const repeat = Number(repeatText || 10);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--disable-dev-shm-usage", "--disable-gpu"],
});
const firstRow = [];
const loaded = [];
for (let i = 0; i < repeat; i++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const t0 = Date.now();
  await page.goto(`${url}/ui/`, { waitUntil: "commit" });
  await page.waitForSelector('[data-testid="run-row"]', { timeout: 30000 });
  firstRow.push(Date.now() - t0);
  await page.waitForLoadState("load");
  loaded.push(Date.now() - t0);
  await context.close();
}
await browser.close();
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${s[Math.floor(s.length / 2)]} ms, max ${s[s.length - 1]} ms`;
};
console.log(`home page, first run row drawn: ${stats(firstRow)} (target: under 1000 ms)`);
console.log(`home page, load event:          ${stats(loaded)}`);
