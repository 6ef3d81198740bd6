// The table of runs shown on the home page and the flow page: loads the first page, then more
// through links.next (button or infinite scroll), and keeps itself live from the /runs event
// stream (updating rows in place, inserting new runs that pass the page's filters at the top).
//
// data-testid: runs-table, run-row (data-flow, data-run), run-status, run-flow-link, run-link,
//              run-user, run-started, run-duration, run-current-step, run-tags, load-more,
//              runs-empty, runs-loading
import { h, replace } from "./dom.js";
import { eachPage, getJson, isAbort, resource, subscribe } from "./api.js";
import { paths } from "./router.js";
import { liveDuration, spinner, statusBadge, timeCell } from "./widgets.js";
import { showError } from "./shell.js";

const keyOf = (run) => `${run.flow_id}/${run.run_number}`;

// options:
//   url        first page of the list route (filters included)
//   matches    run => bool: the page's filters, applied to runs that arrive live
//   showFlow   whether to show the flow column
//   onChange   rows => void, called whenever the set of rows changes (flow page statistics)
//   live       the event stream resource with the rows' updates (/runs or /flows/F/runs)
export function createRunsTable({ url, matches = () => true, showFlow = true, onChange = () => {}, live = resource.runs() }) {
  const abort = new AbortController();
  const rows = []; // newest first, as the API orders them
  const trByKey = new Map();
  let next = null;
  let loading = false;
  let loaded = false;

  const tbody = h("tbody");
  const head = h(
    "tr",
    null,
    h("th", { class: "c-status" }, "Status"),
    showFlow && h("th", null, "Flow"),
    h("th", { class: "c-run" }, "Run"),
    h("th", null, "User"),
    h("th", { class: "c-time" }, "Started"),
    h("th", { class: "c-dur" }, "Duration"),
    h("th", null, "Step"),
    h("th", null, "Tags"),
  );
  const table = h("table", { class: "grid runs", "data-testid": "runs-table" }, h("thead", null, head), tbody);
  const footer = h("div", { class: "table-footer" });
  const el = h("div", { class: "runs-table-wrap" }, table, footer);

  const rowEl = (run) => {
    const running = run.status === "running";
    const tr = h(
      "tr",
      { "data-testid": "run-row", dataset: { flow: run.flow_id, run: run.run_number, status: run.status } },
      h("td", null, statusBadge(run.status, "run-status")),
      showFlow && h("td", null, h("a", { href: paths.flow(run.flow_id), "data-testid": "run-flow-link" }, run.flow_id)),
      h(
        "td",
        null,
        h("a", { href: paths.run(run.flow_id, run.run_number), class: "mono", "data-testid": "run-link" }, String(run.run_number)),
        run.run_id && String(run.run_id) !== String(run.run_number) ? h("div", { class: "sub mono" }, run.run_id) : null,
      ),
      h("td", { "data-testid": "run-user" }, run.user_name || run.user || "—"),
      h("td", null, timeCell(run.ts_epoch, "run-started")),
      h("td", null, liveDuration(run.duration, running, "run-duration")),
      h("td", { class: "mono", "data-testid": "run-current-step" }, run.current_step || "—"),
      h("td", null, tagCell(run.tags)),
    );
    return tr;
  };

  const renderFooter = () => {
    const parts = [];
    if (loaded && rows.length === 0) parts.push(h("div", { class: "empty", "data-testid": "runs-empty" }, "No runs match these filters."));
    if (loading) parts.push(spinner("Loading runs…", "runs-loading"));
    else if (next) parts.push(h("button", { type: "button", class: "btn", "data-testid": "load-more", onclick: loadMore }, "Load more"));
    replace(footer, parts);
    // Re-observing makes the observer report the footer's current state, so a page that still
    // leaves the footer in view loads the next one.
    observer.unobserve(footer);
    if (next && !loading) observer.observe(footer);
  };

  const addRows = (list) => {
    const frag = document.createDocumentFragment();
    for (const run of list) {
      const key = keyOf(run);
      if (trByKey.has(key)) continue; // a live insert got there first
      rows.push(run);
      const tr = rowEl(run);
      trByKey.set(key, tr);
      frag.appendChild(tr);
    }
    tbody.appendChild(frag);
  };

  const load = async (pageUrl) => {
    loading = true;
    renderFooter();
    try {
      await eachPage(pageUrl, abort.signal, (list, body) => {
        addRows(list);
        next = body.links && body.links.next;
      }, 1);
    } catch (err) {
      if (isAbort(err)) return;
      showError(err, "Loading runs");
    } finally {
      loading = false;
    }
    loaded = true;
    renderFooter();
    onChange(rows);
  };

  function loadMore() {
    if (next && !loading) load(next);
  }

  // Infinite scroll: the footer coming into view loads the next page.
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) loadMore();
  }, { rootMargin: "200px" });

  // A run from the event stream or a poll: update it in place, or insert it if it is new and
  // belongs on this page.
  const upsert = (run) => {
    if (!run || run.run_number === undefined) return false;
    const key = keyOf(run);
    const old = trByKey.get(key);
    if (old) {
      const i = rows.findIndex((r) => keyOf(r) === key);
      if (i >= 0) rows[i] = { ...rows[i], ...run };
      const tr = rowEl(rows[i] || run);
      old.replaceWith(tr);
      trByKey.set(key, tr);
      return true;
    }
    if (!matches(run)) return false;
    // Only runs newer than the oldest one shown belong here; older ones come with "Load more".
    const oldest = rows[rows.length - 1];
    if (next && oldest && run.ts_epoch < oldest.ts_epoch) return false;
    let i = rows.findIndex((r) => r.ts_epoch < run.ts_epoch || (r.ts_epoch === run.ts_epoch && r.run_number < run.run_number));
    if (i < 0) i = rows.length;
    const tr = rowEl(run);
    tr.classList.add("flash");
    tbody.insertBefore(tr, rows[i] ? trByKey.get(keyOf(rows[i])) : null);
    rows.splice(i, 0, run);
    trByKey.set(key, tr);
    return true;
  };

  const poll = async () => {
    const body = await getJson(url, abort.signal);
    let changed = false;
    for (const run of body.data || []) changed = upsert(run) || changed;
    if (changed) {
      renderFooter();
      onChange(rows);
    }
  };

  const unsubscribe = subscribe(live, (msg) => {
    if (upsert(msg.data)) {
      renderFooter();
      onChange(rows);
    }
  }, poll);

  load(url);

  return {
    el,
    rows,
    destroy() {
      abort.abort();
      unsubscribe();
      observer.disconnect();
    },
  };
}

// User tags as chips that link to the home page filtered by that tag.
function tagCell(tags) {
  return h(
    "span",
    { class: "tags", "data-testid": "run-tags" },
    (tags || []).map((t) => h("a", { class: "tag", href: paths.home({ _tags: t }), title: `Runs tagged ${t}` }, t)),
  );
}
