// The web UI in a real browser (Debian's chromium, driven by Playwright) against a real
// `conflux service`: real flows run with the service as their metadata and a local datastore,
// then the tests use the pages as a person would: the runs page and its filters, live rows, a
// run's DAG (a foreach, a switch and its loop), timeline and task table, a failed task's stderr,
// an artifact's value, a card, a live card updating while its task runs, and hostile text shown
// as text. Screenshots go to $CONFLUX_TEST_OUTPUT/ui/.
//   CONFLUX_BUILD_DIR=build node --test build/browser/ui.test.mjs
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startConflux } from "./service.mjs";

const build = process.env.CONFLUX_BUILD_DIR;
assert.ok(build, "set CONFLUX_BUILD_DIR to the build directory");
const output = join(process.env.CONFLUX_TEST_OUTPUT || join(build, "test-output"), "ui");
mkdirSync(output, { recursive: true });
const work = mkdtempSync(join(tmpdir(), "conflux-ui-"));
const datastore = join(work, "ds");
let browser;
let service;
let url;

// The environment of a flow that records its runs in the service.
const flowEnv = () => ({
  ...process.env,
  METAFLOW_DATASTORE_SYSROOT_LOCAL: datastore,
  METAFLOW_DEFAULT_METADATA: "service",
  METAFLOW_SERVICE_URL: url,
  USER: "tester",
});

function runFlow(binary, args, expectStatus = 0) {
  const r = spawnSync(join(build, binary), ["run", ...args], { env: flowEnv(), encoding: "utf8" });
  assert.equal(r.status, expectStatus, `${binary} ${args.join(" ")}: ${r.stdout}\n${r.stderr}`);
  return r;
}

async function api(path) {
  const res = await fetch(url + path);
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return (await res.json()).data;
}

// A page that fails the test on any script error or console error of ours.
async function open(path, viewport = { width: 1280, height: 800 }) {
  const page = await browser.newPage({ viewport });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    // Chromium logs its own line for every 404 (a run's DAG that is missing, say): not ours.
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
  });
  await page.goto(url + path);
  return { page, errors };
}

const rows = (page) => page.locator('[data-testid="run-row"]');

before(async () => {
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--disable-dev-shm-usage", "--disable-gpu"],
  });
  service = await startConflux(build, ["--datastore-root", datastore, "service", "--port", "0", "--db",
    join(work, "service.db")]);
  url = service.url;
  runFlow("examples/foreach", ["--shards", "3"]);
  runFlow("tests/flows/failing_flow", ["--mode", "throw"], 1);
  runFlow("examples/switch_loop", []);
  runFlow("examples/cards", ["--epochs", "3"]);
});

after(async () => {
  await browser?.close();
  service?.stop();
  rmSync(work, { recursive: true, force: true });
});

test("the runs page lists every run and filters by status and flow", async () => {
  const { page, errors } = await open("/ui/");
  await page.waitForSelector('[data-testid="run-row"]');
  assert.equal(await rows(page).count(), 4);
  await page.screenshot({ path: join(output, "runs.png") });
  await page.check('[data-testid="filter-status-failed"]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 1);
  assert.equal(await rows(page).first().getAttribute("data-flow"), "FailingFlow");
  assert.match(page.url(), /status=failed/, "the filter is kept in the URL");
  await page.reload();
  await page.waitForSelector('[data-testid="run-row"]');
  assert.equal(await rows(page).count(), 1, "a reload keeps the filter");
  await page.click('[data-testid="filter-clear"]');
  await page.fill('[data-testid="filter-flow"]', "ShardFlow");
  await page.press('[data-testid="filter-flow"]', "Enter");
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="run-row"]').length === 1);
  assert.equal(await rows(page).first().getAttribute("data-status"), "completed");
  assert.deepEqual(errors, []);
  await page.close();
});

test("a new run appears on the runs page while it is open", async () => {
  const { page, errors } = await open("/ui/");
  await page.waitForSelector('[data-testid="run-row"]');
  const before = await rows(page).count();
  runFlow("examples/hello", []);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="run-row"]').length === n + 1, before,
    { timeout: 15000 });
  assert.equal(await rows(page).first().getAttribute("data-flow"), "HelloFlow");
  await page.waitForSelector('[data-testid="run-row"][data-flow="HelloFlow"][data-status="completed"]', { timeout: 15000 });
  assert.deepEqual(errors, []);
  await page.close();
});

test("a run shows its DAG, its timeline and its tasks", async () => {
  const [run] = await api("/api/runs?flow_id=ShardFlow");
  const { page, errors } = await open(`/ui/runs/ShardFlow/${run.run_number}`);
  await page.waitForSelector('[data-testid="dag-node"]');
  const steps = await page.$$eval('[data-testid="dag-node"]', (nodes) => nodes.map((n) => n.dataset.step).sort());
  assert.deepEqual(steps, ["end", "join", "start", "train"]);
  await page.waitForSelector('[data-testid="dag-node"][data-step="train"][data-status="completed"]');
  assert.match(await page.textContent('[data-testid="run-status"]'), /completed/i);
  assert.match(await page.textContent('[data-testid="run-parameters"]'), /shards/);
  await page.screenshot({ path: join(output, "run-dag.png") });
  await page.click('[data-testid="tab-timeline"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="timeline-canvas"]')?.dataset.rows === "6");
  await page.screenshot({ path: join(output, "run-timeline.png") });
  await page.click('[data-testid="tab-tasks"]');
  await page.waitForSelector('[data-testid="task-row"]');
  assert.equal(await page.locator('[data-testid="task-row"]').count(), 6);
  await page.selectOption('[data-testid="task-filter-step"]', "train");
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="task-row"]').length === 3);
  await page.fill('[data-testid="task-filter-foreach"]', "ids=2");
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="task-row"]').length === 1);
  await page.screenshot({ path: join(output, "run-tasks.png") });
  assert.deepEqual(errors, []);
  await page.close();
});

test("a switch's loop is drawn as a back edge", async () => {
  const [run] = await api("/api/runs?_limit=1&flow_id=" + (await api("/api/flows/autocomplete?flow_id:co=Loop"))[0]);
  const { page, errors } = await open(`/ui/runs/${run.flow_id}/${run.run_number}`);
  await page.waitForSelector('[data-testid="dag-node"]');
  assert.ok(await page.locator('[data-testid="dag-edge"][data-back="true"]').count() >= 1, "a back edge");
  await page.screenshot({ path: join(output, "run-switch-loop.png") });
  assert.deepEqual(errors, []);
  await page.close();
});

test("a failed task's stderr says why, and an artifact shows its value", async () => {
  const [run] = await api("/api/runs?flow_id=FailingFlow");
  const [failed] = await api(`/api/flows/FailingFlow/runs/${run.run_number}/tasks?status=failed`);
  const { page, errors } = await open(`/ui/runs/FailingFlow/${run.run_number}?tab=tasks`);
  await page.waitForSelector('[data-testid="task-row"]');
  await page.selectOption('[data-testid="task-filter-status"]', "failed");
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="task-row"]').length === 1);
  await page.click('[data-testid="task-row"] [data-testid="task-link"]');
  await page.waitForSelector('[data-testid="task-page"]');
  assert.ok(page.url().endsWith(`/work/${failed.task_id}`), page.url());
  await page.click('[data-testid="logs-tab-err"]');
  await page.waitForSelector('[data-testid="log-line"]:has-text("deliberate failure in work")');
  await page.fill('[data-testid="log-search"]', "deliberate");
  await page.waitForSelector('[data-testid="log-match-count"]:has-text("1")');
  assert.match(await page.getAttribute('[data-testid="log-download"]', "href"), /logs\/err\/download\?attempt_id=0/);
  await page.screenshot({ path: join(output, "task-failed.png"), fullPage: true });
  await page.close();

  const [shard] = await api("/api/runs?flow_id=ShardFlow");
  const [end] = await api(`/api/flows/ShardFlow/runs/${shard.run_number}/tasks?step_name=end`);
  const second = await open(`/ui/runs/ShardFlow/${shard.run_number}/end/${end.task_id}`);
  const row = second.page.locator('[data-testid="artifact-row"][data-name="best"]');
  await row.waitFor();
  assert.equal((await row.locator('[data-testid="artifact-value"]').textContent()).trim(), "1.0");
  await second.page.waitForSelector('[data-testid="log-line"]:has-text("best 1")');
  await second.page.screenshot({ path: join(output, "task-artifacts.png"), fullPage: true });
  assert.deepEqual([...errors, ...second.errors], []);
  await second.page.close();
});

test("a task's card is shown sandboxed", async () => {
  const [run] = await api("/api/runs?flow_id=CardFlow");
  const [start] = await api(`/api/flows/CardFlow/runs/${run.run_number}/tasks?step_name=start`);
  const { page, errors } = await open(`/ui/runs/CardFlow/${run.run_number}/start/${start.task_id}`);
  const frame = page.locator('[data-testid="card-frame"]');
  await frame.waitFor();
  assert.equal(await frame.getAttribute("sandbox"), "allow-scripts");
  await page.frameLocator('[data-testid="card-frame"]').locator(".cfx-progress-value").waitFor();
  assert.equal(await page.frameLocator('[data-testid="card-frame"]').locator(".cfx-progress-value").textContent(), "3 / 3");
  // Chromium leaves out-of-process frames out of full-page screenshots, and paints one scrolled
  // into view a moment later: show the card in view, then wait for that paint.
  await frame.scrollIntoViewIfNeeded();
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(output, "task-card.png") });
  assert.deepEqual(errors, []);
  await page.close();
});

test("a live card updates in the task page while its task runs", async () => {
  const child = spawn(join(build, "examples/cards"), ["run", "--epochs", "12", "--epoch_ms", "1000"], {
    env: flowEnv(),
    stdio: "ignore",
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  try {
    // The newest CardFlow run's start task, once it has written its first card.
    let task;
    let run;
    for (let i = 0; i < 100 && !task; i++) {
      await new Promise((r) => setTimeout(r, 200));
      [run] = await api("/api/runs?flow_id=CardFlow&status=running");
      if (!run) continue;
      const [start] = await api(`/api/flows/CardFlow/runs/${run.run_number}/tasks?step_name=start`);
      if (start && start.status === "running") {
        const cards = await api(`/api/flows/CardFlow/runs/${run.run_number}/steps/start/tasks/${start.task_id}/cards`);
        if (cards.length) task = start;
      }
    }
    assert.ok(task, "no running task with a card appeared");
    const { page, errors } = await open(`/ui/runs/CardFlow/${run.run_number}/start/${task.task_id}`);
    const bar = page.frameLocator('[data-testid="card-frame"]').locator(".cfx-progress progress");
    await bar.waitFor();
    const seen = [Number(await bar.getAttribute("value"))];
    for (let i = 0; i < 80 && seen[seen.length - 1] < 12; i++) {
      await new Promise((r) => setTimeout(r, 250));
      const value = Number(await bar.getAttribute("value"));
      if (value !== seen[seen.length - 1]) seen.push(value);
    }
    assert.ok(seen.length >= 3, `the bar should move several times while the page is open, saw ${seen}`);
    await page.locator('[data-testid="card-frame"]').scrollIntoViewIfNeeded();
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(output, "task-live-card.png") });
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    assert.equal(await exited, 0);
  }
});

test("a 10,000-task run's timeline and task table stay smooth", async () => {
  // A database seeded with one run of 10,000 tasks (bench/ui/seed.py), served by its own service.
  const source = process.env.CONFLUX_SOURCE_DIR;
  assert.ok(source, "set CONFLUX_SOURCE_DIR to the source tree");
  const db = join(work, "wide.db");
  let r = spawnSync(join(build, "bin/conflux"), ["service", "migrate", "--db", db], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  r = spawnSync("/usr/bin/python3", [join(source, "bench/ui/seed.py"), "sqlite", db, "1", "10000"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const wide = await startConflux(build, ["service", "--port", "0", "--db", db]);
  const base = wide.url;
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`${base}/ui/runs/BenchFlow1/1?tab=timeline`);
    await page.waitForFunction(() => document.querySelector('[data-testid="timeline-canvas"]')?.dataset.rows === "10000",
      null, { timeout: 30000 });
    // Scroll through the whole timeline in 40 steps, a frame each: every frame draws only what is
    // in view, so the walk takes well under a second of drawing.
    const ms = await page.evaluate(async () => {
      const scroller = document.querySelector('[data-testid="timeline-canvas"]').parentElement;
      const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
      const t0 = performance.now();
      for (let i = 1; i <= 40; i++) {
        scroller.scrollTop = (scroller.scrollHeight * i) / 40;
        window.scrollTo(0, (document.body.scrollHeight * i) / 40);
        await frame();
      }
      return performance.now() - t0;
    });
    assert.ok(ms < 3000, `40 scrolled frames took ${ms} ms`);
    await page.screenshot({ path: join(output, "timeline-10000.png") });
    await page.click('[data-testid="tab-tasks"]');
    await page.waitForSelector('[data-testid="task-row"]');
    assert.match(await page.textContent('[data-testid="task-count"]'), /10,?000/);
    const drawn = await page.locator('[data-testid="task-row"]').count();
    assert.ok(drawn < 200, `only the rows in view are drawn, not ${drawn}`);
    assert.deepEqual(errors, []);
    await page.close();
  } finally {
    wide.stop();
  }
});

test("text from runs is shown as text, never run", async () => {
  const hostile = "<img src=x onerror=window.__pwned=1>";
  runFlow("examples/hello", ["--tag", hostile]);
  const { page, errors } = await open("/ui/");
  await page.waitForSelector('[data-testid="run-tags"]');
  await page.waitForSelector(`[data-testid="run-tags"]:has-text("${hostile}")`);
  assert.equal(await page.locator('[data-testid="run-tags"] img').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(errors, []);
  await page.close();
});
