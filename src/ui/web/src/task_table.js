// The run's tasks as a table, filterable by status, step and foreach index/value. Virtualised:
// rows have a fixed height and only those in view (plus a few) are in the DOM, between two spacer
// rows that keep the scroll height, so 100,000 tasks scroll like 50.
//
// data-testid: task-table-panel, task-filter-status, task-filter-step, task-filter-foreach,
//              task-count, task-table, task-row (data-step, data-task, data-status), task-link,
//              task-status, task-sort-<key>, tasks-empty
import { h, rafBatch, replace } from "./dom.js";
import { paths } from "./router.js";
import { localTime } from "./format.js";
import { liveDuration, statusBadge } from "./widgets.js";

const ROW_H = 32;
const OVERSCAN = 10;
const STATUSES = ["pending", "running", "completed", "failed"];

const SORTS = {
  task_id: (a, b) => a.task_id - b.task_id,
  started: (a, b) => (a.started_at ?? Infinity) - (b.started_at ?? Infinity) || a.task_id - b.task_id,
  duration: (a, b) => taskDuration(b) - taskDuration(a) || a.task_id - b.task_id,
};

function taskDuration(t) {
  if (t.duration !== null && t.duration !== undefined) return t.duration;
  if (t.started_at) return (t.finished_at ?? Date.now()) - t.started_at;
  return -1;
}

// options: store, flow, run, stepOrder() -> step names, filters {status, step, q},
//          onFilter(filters) whenever the user changes them (the run page keeps them in the URL).
export function createTaskTable({ store, flow, run, stepOrder, filters, onFilter }) {
  let f = { status: filters.status || "", step: filters.step || "", q: filters.q || "" };
  let sort = "task_id";
  let filtered = [];
  let builtKey = "";
  let visible = false;

  const statusSel = h(
    "select",
    { id: "task-filter-status", "data-testid": "task-filter-status" },
    h("option", { value: "" }, "Any status"),
    STATUSES.map((s) => h("option", { value: s }, s)),
  );
  const stepSel = h("select", { id: "task-filter-step", "data-testid": "task-filter-step" });
  const foreachInput = h("input", { id: "task-filter-foreach", type: "search", placeholder: "Foreach index or value (inner:1, x=3)", autocomplete: "off", "data-testid": "task-filter-foreach" });
  const countEl = h("span", { class: "muted", "data-testid": "task-count", "aria-live": "polite" });

  const changed = () => {
    f = { status: statusSel.value, step: stepSel.value, q: foreachInput.value.trim() };
    onFilter(f);
    refresh();
  };
  statusSel.addEventListener("change", changed);
  stepSel.addEventListener("change", changed);
  foreachInput.addEventListener("input", changed);

  const sortHead = (key, label, cls) => {
    const btn = h("button", { type: "button", class: "th-sort", "data-testid": `task-sort-${key}`, onclick: () => { sort = key; builtKey = ""; refresh(); } }, label);
    return h("th", { class: cls, dataset: { sort: key } }, btn);
  };
  const thead = h(
    "thead",
    null,
    h(
      "tr",
      null,
      h("th", { class: "c-status" }, "Status"),
      h("th", { class: "c-step" }, "Step"),
      sortHead("task_id", "Task", "c-task"),
      h("th", null, "Foreach"),
      h("th", { class: "c-attempt num" }, "Attempt"),
      sortHead("started", "Started", "c-time"),
      sortHead("duration", "Duration", "c-dur num"),
    ),
  );
  const colgroup = h("colgroup", null, ["c-status", "c-step", "c-task", "c-foreach", "c-attempt", "c-time", "c-dur"].map((c) => h("col", { class: c })));
  const topPad = h("tr", { class: "pad", "aria-hidden": "true" });
  const bottomPad = h("tr", { class: "pad", "aria-hidden": "true" });
  const tbody = h("tbody");
  const table = h("table", { class: "grid tasks", "data-testid": "task-table" }, colgroup, thead, tbody);
  const empty = h("div", { class: "empty", "data-testid": "tasks-empty", hidden: true }, "No tasks match these filters.");
  const scroller = h("div", { class: "tt-scroll" }, table, empty);
  const el = h(
    "div",
    { class: "task-table-panel", "data-testid": "task-table-panel" },
    h(
      "div",
      { class: "toolbar" },
      h("label", { for: "task-filter-status", class: "sr-only" }, "Status"),
      statusSel,
      h("label", { for: "task-filter-step", class: "sr-only" }, "Step"),
      stepSel,
      h("label", { for: "task-filter-foreach", class: "sr-only" }, "Foreach index or value"),
      foreachInput,
      h("span", { class: "grow" }),
      countEl,
    ),
    scroller,
  );

  const fillSteps = () => {
    const names = stepOrder().slice();
    for (const s of store.stepCounts().keys()) if (!names.includes(s)) names.push(s);
    if (f.step && !names.includes(f.step)) names.push(f.step);
    const have = [...stepSel.options].map((o) => o.value).join("\u0000");
    const want = ["", ...names].join("\u0000");
    if (have !== want) replace(stepSel, h("option", { value: "" }, "Any step"), names.map((n) => h("option", { value: n }, n)));
    stepSel.value = f.step;
  };

  const matches = () => {
    const q = f.q.toLowerCase();
    return (t) =>
      (!f.status || t.status === f.status) &&
      (!f.step || t.step_name === f.step) &&
      (!q || (t.foreach_path || "").toLowerCase().includes(q) || (t.foreach_values || []).some((v) => String(v).toLowerCase().includes(q)));
  };

  const build = () => {
    const key = `${store.version}\u0000${f.status}\u0000${f.step}\u0000${f.q}\u0000${sort}`;
    if (key === builtKey) return;
    builtKey = key;
    const m = matches();
    filtered = store.list().filter(m);
    if (sort !== "task_id") filtered.sort(SORTS[sort]);
    const total = store.size;
    countEl.textContent = filtered.length === total ? `${total.toLocaleString("en-US")} tasks` : `${filtered.length.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} tasks`;
    empty.hidden = filtered.length > 0 || total === 0;
    for (const th of thead.querySelectorAll("th[data-sort]")) th.classList.toggle("sorted", th.dataset.sort === sort);
  };

  const rowEl = (t) => {
    const running = t.status === "running";
    return h(
      "tr",
      { "data-testid": "task-row", dataset: { step: t.step_name, task: t.task_id, status: t.status } },
      h("td", null, statusBadge(t.status, "task-status")),
      h("td", { class: "mono", title: t.step_name }, t.step_name),
      h("td", null, h("a", { class: "mono", href: paths.task(flow, run, t.step_name, t.task_id), "data-testid": "task-link" }, String(t.task_id))),
      h("td", { class: "mono", title: [t.foreach_path, ...(t.foreach_values || [])].filter(Boolean).join("\n") }, (t.foreach_values || []).join(", ") || t.foreach_path || ""),
      h("td", { class: "num" }, t.attempt_id === null || t.attempt_id === undefined ? "—" : String(t.attempt_id)),
      h("td", { class: "mono" }, localTime(t.started_at) || "—"),
      h("td", { class: "num" }, running && t.started_at ? liveDuration(Date.now() - t.started_at, true) : liveDuration(taskDuration(t) < 0 ? null : taskDuration(t), false)),
    );
  };

  // Renders the rows in view.
  // Rows on screen, by task, for the data they were drawn from: scrolling reuses them and only
  // builds the rows that come into view.
  let drawn = new Map();
  let drawnKey = "";
  let drawnRange = "";
  const paint = () => {
    if (!visible) return;
    const headH = thead.offsetHeight || ROW_H;
    // As tall as the rows need, up to the window.
    const want = Math.min(room, headH + Math.max(filtered.length, 3) * ROW_H + 2);
    if (scroller.style.height !== `${want}px`) scroller.style.height = `${want}px`;
    const top = Math.max(0, scroller.scrollTop - headH);
    const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
    const count = Math.ceil(scroller.clientHeight / ROW_H) + 2 * OVERSCAN;
    const last = Math.min(filtered.length, first + count);
    if (drawnKey !== builtKey) {
      // The data changed: redraw every row.
      for (const tr of drawn.values()) tr.remove();
      drawn = new Map();
    } else if (drawnRange === `${first}:${last}`) return;
    drawnKey = builtKey;
    drawnRange = `${first}:${last}`;
    topPad.style.height = `${first * ROW_H}px`;
    bottomPad.style.height = `${(filtered.length - last) * ROW_H}px`;
    const next = new Map();
    for (let i = first; i < last; i++) {
      const t = filtered[i];
      const key = `${t.step_name}/${t.task_id}`;
      next.set(key, drawn.get(key) || rowEl(t));
    }
    // Touch only what changed: drop the rows that left the view, insert the new ones in place
    // (moving every row would make the browser restyle and lay out all of them).
    if (tbody.firstChild !== topPad) tbody.replaceChildren(topPad, bottomPad);
    for (const [key, tr] of drawn) if (next.get(key) !== tr) tr.remove();
    let cursor = topPad.nextSibling;
    for (const tr of next.values()) {
      if (tr === cursor) cursor = cursor.nextSibling;
      else tbody.insertBefore(tr, cursor);
    }
    drawn = next;
  };
  const schedule = rafBatch(paint);
  scroller.addEventListener("scroll", schedule, { passive: true });

  let room = 600;
  const size = () => {
    const top = scroller.getBoundingClientRect().top;
    room = Math.max(320, window.innerHeight - Math.max(0, top) - 24);
  };
  const onResize = () => {
    if (visible) {
      size();
      schedule();
    }
  };
  window.addEventListener("resize", onResize);

  function refresh() {
    fillSteps();
    build();
    schedule();
  }

  const fill = () => {
    statusSel.value = f.status;
    foreachInput.value = f.q;
    fillSteps();
  };
  fill();

  return {
    el,
    update() {
      if (visible) refresh();
    },
    // Filters set from outside (a click on a DAG step, back/forward).
    setFilters(next) {
      f = { status: next.status || "", step: next.step || "", q: next.q || "" };
      fill();
      scroller.scrollTop = 0;
      refresh();
    },
    get filters() {
      return f;
    },
    setVisible(v) {
      visible = v;
      if (v) {
        size();
        refresh();
      }
    },
    destroy() {
      window.removeEventListener("resize", onResize);
    },
  };
}
