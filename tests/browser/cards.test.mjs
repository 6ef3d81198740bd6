// Cards in a real browser (Debian's chromium, driven by Playwright): the example flow `cards`
// writes them, the embedded renderer draws every component, a live card takes updates through
// metaflow_card_update (as metaflow-ui sends them), a final card takes none, and content from the
// card is never run as code. Screenshots go to $CONFLUX_TEST_OUTPUT/cards/.
//   CONFLUX_BUILD_DIR=build node --test build/browser/cards.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startConflux } from "./service.mjs";

const build = process.env.CONFLUX_BUILD_DIR;
assert.ok(build, "set CONFLUX_BUILD_DIR to the build directory");
const output = join(process.env.CONFLUX_TEST_OUTPUT || join(build, "test-output"), "cards");
mkdirSync(output, { recursive: true });
const work = mkdtempSync(join(tmpdir(), "conflux-cards-"));
let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--disable-dev-shm-usage", "--disable-gpu"],
  });
});

after(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

// Runs the cards example into its own datastore; returns the datastore root.
function runFlow(name, args) {
  const sysroot = join(work, name);
  const r = spawnSync(join(build, "examples/cards"), ["run", ...args], {
    env: { ...process.env, METAFLOW_DATASTORE_SYSROOT_LOCAL: sysroot },
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return sysroot;
}

// The card files of `step` under a datastore root.
function cardFiles(sysroot, step, kind = "cards") {
  const runs = join(sysroot, ".metaflow/mf.cards/CardFlow/runs");
  const out = [];
  if (!existsSync(runs)) return out;
  for (const run of readdirSync(runs)) {
    const tasks = join(runs, run, "steps", step, "tasks");
    if (!existsSync(tasks)) continue;
    for (const task of readdirSync(tasks)) {
      const dir = join(tasks, task, kind);
      if (existsSync(dir)) for (const f of readdirSync(dir)) out.push(join(dir, f));
    }
  }
  return out;
}

async function open(file) {
  const page = await browser.newPage({ viewport: { width: 1000, height: 1200 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`file://${file}`);
  await page.waitForSelector(".cfx-card");
  return { page, errors };
}

test("a blank card draws every component of the example", async () => {
  const sysroot = runFlow("blank", ["--epochs", "3"]);
  const [html] = cardFiles(sysroot, "start");
  const { page, errors } = await open(html);
  assert.equal(await page.textContent(".cfx-page-title"), "Training");
  assert.match(await page.textContent(".cfx-markdown h1"), /Training/);
  assert.equal(await page.textContent(".cfx-progress-value"), "3 / 3");
  assert.equal(await page.getAttribute(".cfx-progress progress", "value"), "3");
  assert.equal(await page.textContent(".cfx-valuebox-value"), "0.8333333333333334");
  assert.ok(await page.isVisible(".cfx-theme-success"));
  // A Markdown cell inside the table.
  assert.equal(await page.textContent(".cfx-table td .cfx-markdown strong"), "toy");
  // The chart library is embedded in this card (it has a chart) and draws the line.
  await page.waitForSelector(".cfx-vega svg, .cfx-vega canvas", { timeout: 10000 });
  // A final card takes no more updates.
  assert.equal(await page.evaluate(() => typeof window.metaflow_card_update), "undefined");
  assert.equal(await page.evaluate(() => window.METAFLOW_RELOAD_TOKEN), "final");
  await page.screenshot({ path: join(output, "blank-card.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test("a default card shows the task's facts, parameters, artifacts and DAG", async () => {
  const sysroot = runFlow("default", ["--epochs", "2"]);
  const [html] = cardFiles(sysroot, "end");
  const { page, errors } = await open(html);
  const sections = await page.$$eval(".cfx-section-title", (nodes) => nodes.map((n) => n.textContent));
  assert.deepEqual(sections, ["Task Metadata", "Flow Parameters", "Artifacts", "DAG"]);
  const artifacts = await page.$$eval(".cfx-artifacts tr", (rows) => rows.map((r) => r.textContent));
  assert.ok(artifacts.some((r) => r.startsWith("accuracyfloat0.75")), artifacts.join(" | "));
  const steps = await page.$$eval(".cfx-dag-name", (nodes) => nodes.map((n) => n.textContent));
  assert.deepEqual(steps, ["start", "end"]);
  await page.screenshot({ path: join(output, "default-card.png"), fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});

test("a live card takes updates while its task runs", async () => {
  const sysroot = join(work, "live");
  const child = spawn(join(build, "examples/cards"), ["run", "--epochs", "8", "--epoch_ms", "600"], {
    env: { ...process.env, METAFLOW_DATASTORE_SYSROOT_LOCAL: sysroot },
    stdio: "ignore",
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  // The first refresh writes the card with a runtime token.
  let html;
  for (let i = 0; i < 100 && !html; i++) {
    await new Promise((r) => setTimeout(r, 100));
    html = cardFiles(sysroot, "start").find((f) => /METAFLOW_RELOAD_TOKEN = "runtime-/.test(readFileSync(f, "utf8")));
  }
  assert.ok(html, "no live card appeared");
  const { page, errors } = await open(html);
  assert.match(await page.evaluate(() => window.METAFLOW_RELOAD_TOKEN), /^runtime-\d+$/);
  assert.equal(await page.evaluate(() => typeof window.metaflow_card_update), "function");
  // What metaflow-ui does: poll the data file and pass its components to metaflow_card_update.
  const [dataFile] = cardFiles(sysroot, "start", "runtime");
  let value = Number(await page.getAttribute(".cfx-progress progress", "value"));
  const seen = [value];
  for (let i = 0; i < 60 && value < 8; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const data = JSON.parse(readFileSync(dataFile, "utf8"));
    if (!data.data.progress) continue;
    await page.evaluate((changes) => window.metaflow_card_update(changes), data.data);
    value = Number(await page.getAttribute(".cfx-progress progress", "value"));
    if (value !== seen[seen.length - 1]) seen.push(value);
  }
  assert.ok(seen.length >= 3, `the bar should move several times, saw ${seen}`);
  assert.equal(value, 8);
  assert.match(await page.textContent(".cfx-progress-details"), /^loss /);
  await page.screenshot({ path: join(output, "live-card.png"), fullPage: true });
  assert.equal(await exited, 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test("conflux service serves cards sandboxed, and charts still draw", async () => {
  const sysroot = runFlow("served", ["--epochs", "3"]);
  const service = await startConflux(build, ["service", "--port", "0", "--db", join(work, "service.db")], {
    METAFLOW_DATASTORE_SYSROOT_LOCAL: sysroot,
  });
  try {
    const url = service.url;
    const [html] = cardFiles(sysroot, "start");
    const task = html.split("/tasks/")[1].split("/")[0];
    const run = html.split("/runs/")[1].split("/")[0];
    const base = `${url}/api/flows/CardFlow/runs/${run}/steps/start/tasks/${task}/cards`;
    const list = await (await fetch(base)).json();
    assert.equal(list.status, 200);
    assert.equal(list.data.length, 1);
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    const response = await page.goto(`${base}/${list.data[0].hash}`);
    assert.match(response.headers()["content-security-policy"], /^sandbox allow-scripts;/);
    await page.waitForSelector(".cfx-valuebox");
    // Vega runs its interpreter: no eval, which the sandbox's policy forbids.
    await page.waitForSelector(".cfx-vega svg, .cfx-vega canvas", { timeout: 10000 });
    assert.equal(await page.evaluate(() => window.origin), "null", "the card runs in an opaque origin");
    assert.deepEqual(errors, []);
    await page.screenshot({ path: join(output, "served-card.png"), fullPage: true });
    await page.close();
  } finally {
    service.stop();
  }
});

test("content from a card is shown as text, never run", async () => {
  const sysroot = runFlow("hostile", ["--epochs", "1"]);
  const [html] = cardFiles(sysroot, "start");
  // The same shell with hostile component JSON in place of the example's.
  const hostile = {
    metadata: { pathspec: "X/1/s/1" },
    components: [
      {
        type: "page",
        title: "<img src=x onerror=\"window.__pwned = 1\">",
        contents: [
          { type: "markdown", id: "m", source: "<script>window.__pwned = 2</script>\n\n<img src=x onerror=\"window.__pwned = 3\">\n\n[link](javascript:window.__pwned=4)" },
          { type: "table", columns: ["<b>h</b>"], data: [["<img src=x onerror=\"window.__pwned = 5\">"]] },
          { type: "image", src: "javascript:window.__pwned=6" },
          { type: "log", data: "</pre><script>window.__pwned = 7</script>" },
          { type: "valueBox", id: "v", value: "<svg onload=\"window.__pwned = 8\">", theme: "x\" onmouseover=\"window.__pwned=9" },
          { type: "nonsense", id: "n" },
        ],
      },
    ],
  };
  const payload = Buffer.from(JSON.stringify(hostile)).toString("base64");
  const page_html = readFileSync(html, "utf8").replace(/(__MF_DATA__\["[-0-9a-f]+"\] = ")[A-Za-z0-9+/=]*/, `$1${payload}`);
  const file = join(work, "hostile.html");
  writeFileSync(file, page_html);
  const { page, errors } = await open(file);
  await page.hover(".cfx-valuebox");
  for (const link of await page.$$(".cfx-markdown a")) await link.click();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.match(await page.textContent(".cfx-page-title"), /<img src=x/);
  const logs = await page.$$eval(".cfx-log", (nodes) => nodes.map((n) => n.textContent));
  assert.ok(logs.some((t) => t.includes("<script>window.__pwned = 7</script>")), logs.join(" | "));
  assert.equal(await page.$$eval(".cfx-markdown a", (a) => a.length), 0, "a javascript: link is not a link");
  assert.deepEqual(errors, []);
  await page.close();
});
