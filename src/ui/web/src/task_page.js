// Task page (/ui/runs/{flow}/{run}/{step}/{task}): one task's attempts (?attempt=N, the newest
// by default), status and timing, its logs (?log=out|err, see logs.js), artifacts, cards and
// metadata. While the task is pending or running the page refreshes it every 2 s; a new attempt
// (a retry) is shown as it starts unless an attempt was picked.
//
// data-testid: task-page, task-header, task-title, task-status, attempt-select, task-started,
//              task-finished, task-duration, task-attempt, task-created, task-foreach, back-to-run,
//              section-logs, section-artifacts, section-cards, section-metadata,
//              metadata-table, metadata-row (data-field), metadata-empty, task-missing,
//              artifacts-loading, cards-loading, metadata-loading
//              (+ logs.js, artifacts.js and cards.js ids)
import { h, replace } from "./dom.js";
import { getData, isAbort, urls } from "./api.js";
import { paths, setQuery } from "./router.js";
import { setCrumbs, showError } from "./shell.js";
import { localTime } from "./format.js";
import { field, liveDuration, notice, spinner, statusBadge, timeCell } from "./widgets.js";
import { createLogs } from "./logs.js";
import { renderArtifacts } from "./artifacts.js";
import { renderCards } from "./cards.js";

const REFRESH_MS = 2000;
const finished = (status) => status === "completed" || status === "failed";

export function mount(root, { params, query }) {
  const { flow, run, step, task } = params;
  setCrumbs([
    { label: "Runs", href: paths.home() },
    { label: flow, href: paths.flow(flow) },
    { label: `Run ${run}`, href: paths.run(flow, run) },
    { label: step, href: paths.run(flow, run, { tab: "tasks", step }) },
    { label: `Task ${task}` },
  ]);
  const abort = new AbortController();
  const signal = abort.signal;
  let taskRow = null;
  let attempts = [];
  let attempt = null; // the attempt shown
  let pinned = query.get("attempt") !== null; // the user chose the attempt: do not move off it
  let stream = query.get("log") === "err" ? "err" : "out";
  let logs = null;
  let timer = null;
  let destroyed = false;

  const header = h("section", { class: "card task-header", "data-testid": "task-header" }, spinner("Loading task…"));
  const section = (id, title, ...content) => h("section", { class: "card", "data-testid": `section-${id}` }, h("h2", { class: "section-title" }, title), ...content);
  const logsSlot = h("div");
  const artifactsSlot = h("div", null, spinner("Loading artifacts…", "artifacts-loading"));
  const cardsSlot = h("div", null, spinner("Loading cards…", "cards-loading"));
  const metaSlot = h("div", null, spinner("Loading metadata…", "metadata-loading"));
  replace(
    root,
    h(
      "div",
      { class: "task-page", "data-testid": "task-page" },
      header,
      section("logs", "Logs", logsSlot),
      section("artifacts", "Artifacts", artifactsSlot),
      section("cards", "Cards", cardsSlot),
      section("metadata", "Metadata", metaSlot),
    ),
  );

  const newest = () => (attempts.length ? Math.max(...attempts.map((a) => a.attempt_id)) : taskRow && taskRow.attempt_id !== null && taskRow.attempt_id !== undefined ? taskRow.attempt_id : 0);
  const shownAttempt = () => attempts.find((a) => a.attempt_id === attempt);
  // Logs of the newest attempt of a running task may still grow.
  const isLive = () => Boolean(taskRow && taskRow.status === "running" && attempt === newest());

  const renderHeader = () => {
    const t = taskRow;
    const a = shownAttempt();
    const status = (a && a.status) || t.status;
    const started = a ? a.started_at : t.started_at;
    const ended = a ? a.finished_at : t.finished_at;
    const running = status === "running";
    const dur = a && a.duration !== null && a.duration !== undefined ? a.duration : started ? (ended ?? Date.now()) - started : null;
    const select = h(
      "select",
      { id: "attempt-select", "data-testid": "attempt-select", disabled: attempts.length < 2 ? true : null },
      (attempts.length ? attempts : [{ attempt_id: attempt, status: t.status }])
        .slice()
        .sort((x, y) => y.attempt_id - x.attempt_id)
        .map((x) => h("option", { value: String(x.attempt_id), selected: x.attempt_id === attempt }, `Attempt ${x.attempt_id}${x.status ? ` · ${x.status}` : ""}`)),
    );
    select.addEventListener("change", () => {
      pinned = true;
      showAttempt(Number(select.value));
      setQuery(queryOf(), { replace: false });
    });
    replace(
      header,
      h(
        "div",
        { class: "run-title-line" },
        statusBadge(status, "task-status"),
        h("h1", { "data-testid": "task-title" }, t.step_name || step, h("span", { class: "sep" }, "/"), String(t.task_id ?? task)),
        h("span", { class: "grow" }),
        h("label", { for: "attempt-select", class: "filter-label inline" }, "Attempt"),
        select,
        h("a", { class: "btn", href: paths.run(flow, run, { tab: "tasks", step }), "data-testid": "back-to-run" }, `← Run ${run}`),
      ),
      h(
        "div",
        { class: "fields" },
        field("Started", timeCell(started), "task-started"),
        field("Finished", running ? h("span", { class: "muted" }, "running…") : timeCell(ended), "task-finished"),
        field("Duration", running && started ? liveDuration(Date.now() - started, true) : liveDuration(dur, false), "task-duration"),
        field("Attempt", `${attempt}${attempts.length > 1 ? ` (${attempts.length} attempts)` : ""}`, "task-attempt"),
        field("Created", localTime(t.ts_epoch) || "—", "task-created"),
        t.foreach_path || (t.foreach_values && t.foreach_values.length)
          ? field("Foreach", h("span", { class: "mono", title: t.foreach_path || "" }, (t.foreach_values || []).join(", ") || t.foreach_path), "task-foreach")
          : null,
      ),
    );
  };

  const queryOf = () => ({ attempt: pinned ? attempt : "", log: stream === "err" ? "err" : "" });

  const loadArtifacts = (n) => {
    getData(urls.artifacts(flow, run, step, task, n), signal)
      .then((list) => {
        if (n === attempt) replace(artifactsSlot, renderArtifacts(list));
      })
      .catch((err) => {
        if (isAbort(err)) return;
        showError(err, "Artifacts");
        replace(artifactsSlot, h("div", { class: "empty" }, "Artifacts unavailable."));
      });
  };

  // Shows attempt n: header, logs and artifacts follow it.
  function showAttempt(n) {
    attempt = n;
    renderHeader();
    if (logs) logs.destroy();
    logs = createLogs({
      flow,
      run,
      step,
      task,
      attempt: n,
      stream,
      isLive,
      onStream: (id) => {
        stream = id;
        setQuery(queryOf());
      },
      onError: (err, what) => showError(err, what),
    });
    replace(logsSlot, logs.el);
    loadArtifacts(n);
  }

  const loadMetadata = () =>
    getData(urls.metadata(flow, run, step, task), signal)
      .then((list) => replace(metaSlot, metadataTable(list)))
      .catch((err) => {
        if (isAbort(err)) return;
        showError(err, "Metadata");
        replace(metaSlot, h("div", { class: "empty" }, "Metadata unavailable."));
      });
  const loadCards = () =>
    getData(urls.cards(flow, run, step, task), signal)
      .then((list) =>
        replace(cardsSlot, renderCards(list, (hash) => urls.card(flow, run, step, task, hash), {
          isLive: () => Boolean(taskRow && taskRow.status === "running"),
          finished: () => Boolean(taskRow && finished(taskRow.status)),
          signal,
        })),
      )
      .catch((err) => {
        if (isAbort(err)) return;
        showError(err, "Cards");
        replace(cardsSlot, h("div", { class: "empty" }, "Cards unavailable."));
      });

  const fetchAttempts = () =>
    getData(urls.attempts(flow, run, step, task), signal).catch((err) => {
      if (isAbort(err)) throw err;
      showError(err, "Attempts");
      return null;
    });

  // While the task may change, refresh it (and its attempts) every 2 s.
  const refresh = async () => {
    timer = null;
    if (destroyed) return;
    const before = taskRow.status;
    try {
      const [t, list] = await Promise.all([getData(urls.task(flow, run, step, task), signal), fetchAttempts()]);
      taskRow = t;
      if (Array.isArray(list)) attempts = list;
    } catch (err) {
      if (isAbort(err)) return;
    }
    if (!pinned && newest() !== attempt) showAttempt(newest());
    else renderHeader();
    if (logs) logs.poke();
    if (finished(taskRow.status) && !finished(before)) {
      // The task ended: artifacts, cards and metadata are now complete.
      loadArtifacts(attempt);
      loadCards();
      loadMetadata();
    }
    schedule();
  };
  const schedule = () => {
    if (!destroyed && !finished(taskRow.status) && !timer) timer = setTimeout(refresh, REFRESH_MS);
  };

  Promise.all([getData(urls.task(flow, run, step, task), signal), fetchAttempts()])
    .then(([t, list]) => {
      taskRow = t;
      attempts = Array.isArray(list) ? list : [];
      const wanted = Number(query.get("attempt"));
      attempt = pinned && attempts.some((a) => a.attempt_id === wanted) ? wanted : newest();
      if (pinned && !attempts.length && Number.isInteger(wanted)) attempt = wanted;
      showAttempt(attempt);
      schedule();
    })
    .catch((err) => {
      if (isAbort(err)) return;
      showError(err, `Task ${step}/${task}`);
      replace(header, notice(err.status === 404 ? "This task does not exist." : "The task could not be loaded.", "task-missing", "warn"), h("a", { class: "btn", href: paths.run(flow, run), "data-testid": "back-to-run" }, `← Run ${run}`));
      replace(logsSlot);
      replace(artifactsSlot);
    });
  loadCards();
  loadMetadata();

  return {
    update(q) {
      const wanted = q.get("attempt");
      const before = stream;
      stream = q.get("log") === "err" ? "err" : "out";
      pinned = wanted !== null;
      if (!taskRow) return;
      const n = pinned ? Number(wanted) : newest();
      if (n !== attempt || stream !== before) showAttempt(n);
    },
    destroy() {
      destroyed = true;
      abort.abort();
      clearTimeout(timer);
      if (logs) logs.destroy();
    },
  };
}

function metadataTable(list) {
  const rows = (list || []).slice().sort((a, b) => (a.ts_epoch ?? 0) - (b.ts_epoch ?? 0));
  if (rows.length === 0) return h("div", { class: "empty", "data-testid": "metadata-empty" }, "No metadata.");
  return h(
    "table",
    { class: "grid metadata", "data-testid": "metadata-table" },
    h("thead", null, h("tr", null, h("th", { class: "c-name" }, "Field"), h("th", null, "Value"), h("th", { class: "c-type" }, "Type"), h("th", { class: "c-time" }, "Time"), h("th", null, "Tags"))),
    h(
      "tbody",
      null,
      rows.map((m) =>
        h(
          "tr",
          { "data-testid": "metadata-row", dataset: { field: m.field_name } },
          h("td", { class: "mono" }, m.field_name),
          h("td", null, h("div", { class: "value-cell mono" }, typeof m.value === "string" ? m.value : JSON.stringify(m.value))),
          h("td", { class: "mono" }, m.type || ""),
          h("td", { class: "mono" }, localTime(m.ts_epoch)),
          h("td", null, h("span", { class: "tags" }, (m.tags || []).map((t) => h("span", { class: "tag sys" }, t)))),
        ),
      ),
    ),
  );
}
