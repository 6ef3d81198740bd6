// Run page (/ui/runs/{flow}/{run}): the run's header (status, user, times, step, tags,
// parameters) and three tabs over its tasks: DAG, Timeline and Tasks (?tab=dag|timeline|tasks;
// the task table's filters are kept as ?step=&status=&q=).
//
// Tasks load page by page (1,000 a page) into one store the three views share; each view
// re-renders at most a few times a second while pages and live updates arrive.
//
// data-testid: run-page, run-header, run-title, run-status, run-user, run-started,
//              run-finished, run-duration, run-step, run-tags, run-parameters, parameter-row,
//              no-parameters, run-task-summary, tasks-loading, tabs, tab-dag, tab-timeline,
//              tab-tasks, panel-dag, panel-timeline, panel-tasks, dag-notice, dag-loading,
//              parameters-loading, run-missing (+ dag.js, timeline.js and task_table.js ids)
import { h, replace } from "./dom.js";
import { eachPage, getData, isAbort, resource, subscribe, urls } from "./api.js";
import { navigate, paths, setQuery } from "./router.js";
import { setCrumbs, showError } from "./shell.js";
import { count } from "./format.js";
import { field, liveDuration, notice, spinner, statusBadge, tagList, timeCell } from "./widgets.js";
import { createTaskStore } from "./task_store.js";
import { createDag } from "./dag.js";
import { createTimeline } from "./timeline.js";
import { createTaskTable } from "./task_table.js";

const TABS = [
  ["dag", "DAG"],
  ["timeline", "Timeline"],
  ["tasks", "Tasks"],
];
const taskKey = (t) => `${t.step_name}/${t.task_id}`;

export function mount(root, { params, query }) {
  const { flow, run } = params;
  setCrumbs([{ label: "Runs", href: paths.home() }, { label: flow, href: paths.flow(flow) }, { label: `Run ${run}` }]);
  const abort = new AbortController();
  const signal = abort.signal;
  const cleanups = [];
  const store = createTaskStore(300);
  let runRow = null;
  let dag = null;
  let stepsOrder = []; // from the DAG when there is one, else from /steps
  let tasksLoaded = false;
  let tab = readTab(query);

  // ---- layout
  const header = h("div", null, spinner("Loading run…"));
  const paramsEl = h("div", { class: "params", "data-testid": "run-parameters" }, spinner("Loading parameters…", "parameters-loading"));
  const summary = h("div", { class: "task-summary", "data-testid": "run-task-summary" });
  const loadingEl = h("span", { class: "tasks-loading" });
  const tabButtons = new Map();
  const tabBar = h(
    "div",
    { class: "tabs", role: "tablist", "data-testid": "tabs" },
    TABS.map(([id, label]) => {
      const b = h("button", { type: "button", role: "tab", class: "tab", id: `tab-${id}`, "aria-controls": `panel-${id}`, "data-testid": `tab-${id}`, onclick: () => selectTab(id, true) }, label);
      tabButtons.set(id, b);
      return b;
    }),
    h("span", { class: "grow" }),
    loadingEl,
  );
  const panels = new Map(TABS.map(([id]) => [id, h("div", { class: "tab-panel", id: `panel-${id}`, role: "tabpanel", "aria-labelledby": `tab-${id}`, "data-testid": `panel-${id}`, hidden: true })]));
  const runBody = h("section", { class: "run-body" }, tabBar, summary, [...panels.values()]);
  replace(
    root,
    h(
      "div",
      { class: "run-page", "data-testid": "run-page" },
      h("section", { class: "run-header card", "data-testid": "run-header" }, header, h("div", { class: "params-row" }, h("div", { class: "field-label" }, "Parameters"), paramsEl)),
      runBody,
    ),
  );

  // ---- views over the task store
  const stepOrder = () => stepsOrder;
  const timeline = createTimeline({ store, stepOrder, onOpen: (t) => navigate(paths.task(flow, run, t.step_name, t.task_id)) });
  const table = createTaskTable({
    store,
    flow,
    run,
    stepOrder,
    filters: readFilters(query),
    onFilter: (f) => {
      dag && dag.select(f.step);
      setQuery(queryOf());
    },
  });
  panels.get("timeline").appendChild(timeline.el);
  panels.get("tasks").appendChild(table.el);
  panels.get("dag").appendChild(spinner("Loading the DAG…", "dag-loading"));
  cleanups.push(() => timeline.destroy(), () => table.destroy(), () => store.destroy());

  const queryOf = () => {
    const f = table.filters;
    return { tab: tab === "dag" ? "" : tab, step: f.step, status: f.status, q: f.q };
  };

  function selectTab(id, push) {
    tab = id;
    for (const [name, b] of tabButtons) {
      b.setAttribute("aria-selected", String(name === id));
      b.classList.toggle("active", name === id);
    }
    for (const [name, p] of panels) p.hidden = name !== id;
    timeline.setVisible(id === "timeline");
    table.setVisible(id === "tasks");
    if (push) setQuery(queryOf(), { replace: false });
  }

  store.listen(() => {
    if (dag) dag.update(store);
    timeline.update();
    table.update();
    renderSummary();
  });

  const renderSummary = () => {
    let total = 0;
    const by = { completed: 0, running: 0, failed: 0, pending: 0 };
    for (const c of store.stepCounts().values()) {
      total += c.total;
      for (const k of Object.keys(by)) by[k] += c[k];
    }
    const parts = [`${count(total)} task${total === 1 ? "" : "s"}`];
    for (const k of ["completed", "running", "failed", "pending"]) if (by[k]) parts.push(`${count(by[k])} ${k === "pending" ? "waiting" : k}`);
    summary.textContent = parts.join(" · ");
  };

  // ---- the run itself
  const renderHeader = (r) => {
    runRow = r;
    const running = r.status === "running";
    const stepLabel = running ? "Current step" : "Last step";
    // current_step is the step of the newest attempt: where a failed run stopped. (end_step is
    // the flow's end step, the same for every run.)
    const step = r.current_step || (running ? null : r.end_step);
    replace(
      header,
      h(
        "div",
        { class: "run-title-line" },
        statusBadge(r.status, "run-status"),
        h("h1", { "data-testid": "run-title" }, h("a", { href: paths.flow(r.flow_id) }, r.flow_id), h("span", { class: "sep" }, "/"), `Run ${r.run_number}`),
        r.run_id && String(r.run_id) !== String(r.run_number) ? h("span", { class: "muted mono" }, r.run_id) : null,
      ),
      h(
        "div",
        { class: "fields" },
        field("User", r.user_name || r.user || "—", "run-user"),
        field("Started", timeCell(r.ts_epoch), "run-started"),
        field("Finished", running ? h("span", { class: "muted" }, "running…") : timeCell(r.finished_at), "run-finished"),
        field("Duration", liveDuration(r.duration, running), "run-duration"),
        field(stepLabel, step ? h("span", { class: "mono" }, step) : "—", "run-step"),
        field("Tags", (r.tags || []).length || (r.system_tags || []).length ? tagList(r.tags, r.system_tags, "tags") : h("span", { class: "muted" }, "none"), "run-tags"),
      ),
    );
  };

  getData(urls.run(flow, run), signal)
    .then(renderHeader)
    .catch((err) => {
      if (isAbort(err)) return;
      showError(err, `Run ${flow}/${run}`);
      if (err.status === 404) runBody.hidden = true;
      replace(header, notice(err.status === 404 ? "This run does not exist (or is not visible to you)." : "The run could not be loaded.", "run-missing", "warn"));
    });

  getData(urls.parameters(flow, run), signal)
    .then((data) => {
      const entries = Object.entries(data || {});
      if (entries.length === 0) return replace(paramsEl, h("span", { class: "muted", "data-testid": "no-parameters" }, "No parameters"));
      replace(
        paramsEl,
        h(
          "table",
          { class: "kv" },
          h("tbody", null, entries.map(([name, v]) => h("tr", { "data-testid": "parameter-row", dataset: { name } }, h("th", { class: "mono" }, name), h("td", null, h("pre", { class: "value" }, v && typeof v === "object" && "value" in v ? String(v.value) : JSON.stringify(v)))))),
        ),
      );
    })
    .catch((err) => {
      if (isAbort(err)) return;
      showError(err, "Parameters");
      replace(paramsEl, h("span", { class: "muted" }, "Parameters unavailable."));
    });

  // ---- DAG (also gives the step order the other views use)
  getData(urls.dag(flow, run), signal)
    .then((info) => {
      if (!info || !info.steps || Object.keys(info.steps).length === 0) throw new Error("the run's graph has no steps.");
      dag = createDag(info, {
        onSelect: (step) => {
          const f = table.filters;
          const next = f.step === step ? "" : step;
          table.setFilters({ ...f, step: next });
          dag.select(next);
          selectTab("tasks", false);
          setQuery(queryOf(), { replace: false });
        },
      });
      stepsOrder = [...dag.layout.nodes.values()].sort((a, b) => a.layer - b.layer || a.x - b.x).map((n) => n.name);
      dag.update(store);
      dag.select(table.filters.step);
      replace(panels.get("dag"), dag.el);
      timeline.update();
      table.update();
    })
    .catch((err) => {
      if (isAbort(err)) return;
      const detail = err.detail || err.message;
      replace(panels.get("dag"), notice(`The DAG is not available for this run${detail ? `: ${detail}` : "."}`, "dag-notice", "warn"));
    });

  getData(urls.steps(flow, run), signal)
    .then((steps) => {
      if (dag || !Array.isArray(steps)) return;
      stepsOrder = steps.slice().sort((a, b) => (a.ts_epoch ?? 0) - (b.ts_epoch ?? 0)).map((s) => s.step_name);
      timeline.update();
      table.update();
    })
    .catch((err) => {
      if (!isAbort(err)) showError(err, "Steps");
    });

  // ---- tasks: every page, shown as it arrives
  const fromEvents = new Set(); // tasks updated live while the list was loading: keep those
  const loadTasks = async () => {
    loadingEl.replaceChildren(spinner("Loading tasks…", "tasks-loading"));
    try {
      await eachPage(urls.tasks(flow, run, { _limit: 1000 }), signal, (rows) => {
        store.upsert(fromEvents.size ? rows.filter((t) => !fromEvents.has(taskKey(t))) : rows);
        loadingEl.replaceChildren(spinner(`Loading tasks… ${count(store.size)}`, "tasks-loading"));
      });
    } catch (err) {
      if (!isAbort(err)) showError(err, "Tasks");
    }
    tasksLoaded = true;
    fromEvents.clear();
    loadingEl.replaceChildren();
    renderSummary();
  };
  loadTasks();

  // ---- live updates
  cleanups.push(
    subscribe(resource.run(flow, run), (msg) => msg.data && renderHeader({ ...(runRow || {}), ...msg.data }), async () => {
      if (runRow && runRow.status !== "running") return;
      renderHeader(await getData(urls.run(flow, run), signal));
    }),
  );
  let polling = false;
  let pollCount = 0;
  cleanups.push(
    subscribe(resource.tasks(flow, run), (msg) => {
      if (!tasksLoaded && msg.data) fromEvents.add(taskKey(msg.data));
      store.upsert([msg.data]);
    }, async () => {
      // Fallback: refetch the task list while the run is still going (less often for big runs).
      if (polling || !tasksLoaded || (runRow && runRow.status !== "running" && !store.anyActive())) return;
      if (store.size > 10000 && pollCount++ % 6 !== 0) return; // every 30 s

      polling = true;
      try {
        await eachPage(urls.tasks(flow, run, { _limit: 1000 }), signal, (rows) => store.upsert(rows));
      } finally {
        polling = false;
      }
    }),
  );

  selectTab(tab, false);

  return {
    // Back/forward within this run: another tab or other filters.
    update(q) {
      table.setFilters(readFilters(q));
      if (dag) dag.select(table.filters.step);
      selectTab(readTab(q), false);
    },
    destroy() {
      abort.abort();
      for (const fn of cleanups) fn();
    },
  };
}

function readTab(query) {
  const t = query.get("tab");
  return TABS.some(([id]) => id === t) ? t : "dag";
}

function readFilters(query) {
  return { step: query.get("step") || "", status: query.get("status") || "", q: query.get("q") || "" };
}
