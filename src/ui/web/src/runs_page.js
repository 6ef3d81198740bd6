// Home page (/ui/): every run, newest first, with a filter sidebar. The filters live in the URL
// query (flow_id, user, _tags, status: comma-separated lists; since: 24h|7d|30d) so a filtered
// view can be shared and survives reloads; they map one to one onto GET /api/runs filters.
//
// data-testid: runs-page, filters, filter-flow, filter-user, filter-tag,
//              filter-status-running, filter-status-completed, filter-status-failed,
//              filter-since, filter-clear, flow-options, tag-options
//              (+ the runs table's ids, runs_table.js)
import { debounce, h, replace } from "./dom.js";
import { getData, isAbort, urls } from "./api.js";
import { setQuery } from "./router.js";
import { setCrumbs } from "./shell.js";
import { createRunsTable } from "./runs_table.js";

const STATUSES = ["running", "completed", "failed"];
const SINCE = [
  ["", "All time"],
  ["24h", "Last 24 hours"],
  ["7d", "Last 7 days"],
  ["30d", "Last 30 days"],
];
const SINCE_MS = { "24h": 86400e3, "7d": 7 * 86400e3, "30d": 30 * 86400e3 };

const list = (text) => (text || "").split(",").map((s) => s.trim()).filter(Boolean);

// The filters in the URL, normalised.
function readFilters(query) {
  const status = list(query.get("status")).filter((s) => STATUSES.includes(s));
  const since = query.get("since") || "";
  return {
    flow_id: list(query.get("flow_id")),
    user: list(query.get("user")),
    _tags: list(query.get("_tags")),
    // All three ticked filters nothing, like none.
    status: status.length === STATUSES.length ? [] : status,
    since: SINCE_MS[since] ? since : "",
  };
}

function toQuery(f) {
  return { flow_id: f.flow_id.join(","), user: f.user.join(","), _tags: f._tags.join(","), status: f.status.join(","), since: f.since };
}

function apiQuery(f, now) {
  return {
    flow_id: f.flow_id,
    user: f.user,
    _tags: f._tags,
    status: f.status,
    "ts_epoch:ge": f.since ? now - SINCE_MS[f.since] : null,
    _limit: 30,
  };
}

// The same filters applied to a run that arrives over the event stream.
function matcher(f, now) {
  const since = f.since ? now - SINCE_MS[f.since] : null;
  return (run) => {
    if (f.flow_id.length && !f.flow_id.includes(run.flow_id)) return false;
    if (f.user.length && !f.user.includes(run.user_name) && !f.user.includes(run.user)) return false;
    if (f.status.length && !f.status.includes(run.status)) return false;
    if (since !== null && run.ts_epoch < since) return false;
    const all = new Set([...(run.tags || []), ...(run.system_tags || [])]);
    return f._tags.every((t) => all.has(t));
  };
}

export function mount(root, { query }) {
  setCrumbs([{ label: "Runs" }]);
  const abort = new AbortController();
  let filters = readFilters(query);
  let table = null;

  const flowOptions = h("datalist", { id: "flow-options", "data-testid": "flow-options" });
  const tagOptions = h("datalist", { id: "tag-options", "data-testid": "tag-options" });
  const flowInput = h("input", { id: "filter-flow", type: "search", list: "flow-options", placeholder: "Any flow", autocomplete: "off", "data-testid": "filter-flow" });
  const userInput = h("input", { id: "filter-user", type: "search", placeholder: "Any user", autocomplete: "off", "data-testid": "filter-user" });
  const tagInput = h("input", { id: "filter-tag", type: "search", list: "tag-options", placeholder: "Any tag", autocomplete: "off", "data-testid": "filter-tag" });
  const statusBoxes = STATUSES.map((s) =>
    h("input", { type: "checkbox", id: `filter-status-${s}`, value: s, "data-testid": `filter-status-${s}` }),
  );
  const sinceSelect = h(
    "select",
    { id: "filter-since", "data-testid": "filter-since" },
    SINCE.map(([value, label]) => h("option", { value }, label)),
  );

  // Autocomplete: suggestions for the word being typed, fetched as the user types.
  const suggest = (input, datalist, url) =>
    debounce(async () => {
      const text = list(input.value).pop() || "";
      try {
        const items = await getData(url(text), abort.signal);
        const prefix = input.value.includes(",") ? input.value.slice(0, input.value.lastIndexOf(",") + 1) : "";
        replace(datalist, (items || []).slice(0, 50).map((v) => h("option", { value: prefix + String(v) })));
      } catch (err) {
        if (!isAbort(err)) replace(datalist); // suggestions are optional; the filter still works
      }
    }, 150);
  flowInput.addEventListener("input", suggest(flowInput, flowOptions, urls.flowAutocomplete));
  tagInput.addEventListener("input", suggest(tagInput, tagOptions, urls.tagAutocomplete));

  const fromForm = () => ({
    flow_id: list(flowInput.value),
    user: list(userInput.value),
    _tags: list(tagInput.value),
    status: statusBoxes.filter((b) => b.checked).map((b) => b.value),
    since: sinceSelect.value,
  });

  const apply = () => {
    const next = readFilters(new URLSearchParams(toQuery(fromForm())));
    if (JSON.stringify(next) === JSON.stringify(filters)) return; // e.g. "change" on blur after Enter
    filters = next;
    setQuery(toQuery(filters), { replace: false });
    showTable();
  };
  // Text inputs apply on Enter, on leaving the field or on picking a suggestion ("change").
  for (const input of [flowInput, userInput, tagInput]) input.addEventListener("change", apply);
  for (const box of statusBoxes) box.addEventListener("change", apply);
  sinceSelect.addEventListener("change", apply);

  const fillForm = () => {
    flowInput.value = filters.flow_id.join(",");
    userInput.value = filters.user.join(",");
    tagInput.value = filters._tags.join(",");
    for (const b of statusBoxes) b.checked = filters.status.includes(b.value);
    sinceSelect.value = filters.since;
  };

  const clear = h("button", {
    type: "button",
    class: "btn link",
    "data-testid": "filter-clear",
    onclick: () => {
      for (const input of [flowInput, userInput, tagInput]) input.value = "";
      for (const b of statusBoxes) b.checked = false;
      sinceSelect.value = "";
      apply();
    },
  }, "Clear filters");

  const label = (forId, text) => h("label", { for: forId, class: "filter-label" }, text);
  const sidebar = h(
    "form",
    { class: "filters", "data-testid": "filters", role: "search", onsubmit: (e) => { e.preventDefault(); apply(); } },
    h("h2", { class: "side-title" }, "Filters"),
    label("filter-flow", "Flow"), flowInput, flowOptions,
    label("filter-user", "User"), userInput,
    label("filter-tag", "Tags (all of)"), tagInput, tagOptions,
    h("fieldset", { class: "statuses" }, h("legend", { class: "filter-label" }, "Status"),
      statusBoxes.map((b) => h("label", { class: "check", for: b.id }, b, h("span", { class: ["dot", `st-${b.value}`] }), b.value))),
    label("filter-since", "Started"), sinceSelect,
    clear,
  );
  const tableSlot = h("section", { class: "runs-main" });
  replace(root, h("div", { class: "with-sidebar", "data-testid": "runs-page" }, sidebar, tableSlot));

  function showTable() {
    if (table) table.destroy();
    const now = Date.now();
    table = createRunsTable({ url: urls.runs(apiQuery(filters, now)), matches: matcher(filters, now) });
    replace(tableSlot, table.el);
  }

  fillForm();
  showTable();

  return {
    // Back/forward between two filtered views of this page.
    update(q) {
      filters = readFilters(q);
      fillForm();
      showTable();
    },
    destroy() {
      abort.abort();
      if (table) table.destroy();
    },
  };
}
