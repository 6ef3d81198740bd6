// A task attempt's stdout and stderr: two tabs (?log=out|err), every line with its row number as
// an anchor (#L<row>), a search box that filters and highlights lines (text nodes and <mark>, no
// HTML), a timestamps toggle, a download link, and "follow": while the task runs, new lines are
// fetched every second and the view sticks to the bottom.
//
// data-testid: logs, logs-tab-out, logs-tab-err, log-search, log-match-count, log-follow,
//              log-timestamps, log-download, log-lines, log-line (data-row), log-line-number,
//              log-empty, log-status
import { appendHighlighted, debounce, h, replace } from "./dom.js";
import { getJson, isAbort, urls } from "./api.js";
import { clockTime, count, localTime } from "./format.js";

const PAGE = 1000;
const POLL_MS = 1000;
const STREAMS = [
  ["out", "stdout"],
  ["err", "stderr"],
];

// options: flow, run, step, task, attempt; stream ("out"|"err"); isLive() -> whether the
// attempt may still write; onStream(stream) when the user switches tabs; onError(err).
export function createLogs({ flow, run, step, task, attempt, stream = "out", isLive, onStream, onError }) {
  const abort = new AbortController();
  const state = new Map();
  let active = null;
  let needle = "";
  let destroyed = false;

  const search = h("input", { id: "log-search", type: "search", placeholder: "Search the log", autocomplete: "off", "data-testid": "log-search" });
  const matchCount = h("span", { class: "muted", "data-testid": "log-match-count", "aria-live": "polite" });
  const follow = h("input", { type: "checkbox", id: "log-follow", "data-testid": "log-follow" });
  const stamps = h("input", { type: "checkbox", id: "log-timestamps", "data-testid": "log-timestamps" });
  const download = h("a", { class: "btn", "data-testid": "log-download", download: "", href: urls.logDownload(flow, run, step, task, stream, attempt) }, "Download");
  const statusEl = h("span", { class: "muted log-status", "data-testid": "log-status" });
  const tabs = new Map();
  const body = h("div", { class: "log-body" });
  const el = h(
    "div",
    { class: "logs", "data-testid": "logs" },
    h(
      "div",
      { class: "toolbar" },
      h(
        "div",
        { class: "tabs small", role: "tablist" },
        STREAMS.map(([id, label]) => {
          const b = h("button", { type: "button", role: "tab", class: "tab", "data-testid": `logs-tab-${id}`, onclick: () => show(id, true) }, label);
          tabs.set(id, b);
          return b;
        }),
      ),
      h("label", { for: "log-search", class: "sr-only" }, "Search the log"),
      search,
      matchCount,
      h("span", { class: "grow" }),
      statusEl,
      h("label", { class: "check", for: "log-timestamps" }, stamps, "Timestamps"),
      h("label", { class: "check", for: "log-follow" }, follow, "Follow"),
      download,
    ),
    body,
  );
  stamps.addEventListener("change", () => el.classList.toggle("show-ts", stamps.checked));
  follow.addEventListener("change", () => {
    if (follow.checked && active) scrollToEnd(state.get(active));
  });
  search.addEventListener("input", debounce(() => {
    needle = search.value;
    if (active) applySearch(state.get(active));
  }, 120));

  // One stream's lines and loading state.
  const streamState = (id) => {
    let st = state.get(id);
    if (st) return st;
    const box = h("div", { class: "log-lines", "data-testid": "log-lines", role: "log", "aria-label": `${id === "out" ? "stdout" : "stderr"} of the task` });
    box.addEventListener("scroll", () => {
      // Scrolling up stops following; scrolling back to the end resumes it.
      if (st.live) follow.checked = box.scrollHeight - box.scrollTop - box.clientHeight < 24;
    }, { passive: true });
    st = { id, box, lines: [], lastRow: null, loading: false, started: false, live: false, timer: null, shown: 0 };
    state.set(id, st);
    return st;
  };

  const lineEl = (line) => {
    const txt = h("span", { class: "txt" });
    appendHighlighted(txt, line.line ?? "", "");
    const row = h(
      "div",
      { class: "log-line", "data-testid": "log-line", dataset: { row: line.row } },
      h("a", { class: "ln", href: `#L${Number(line.row)}`, "data-testid": "log-line-number", "aria-label": `Line ${line.row}` }, String(line.row)),
      h("span", { class: "ts", title: line.timestamp ? localTime(line.timestamp) : "" }, line.timestamp ? clockTime(line.timestamp) : ""),
      txt,
    );
    return { row: line.row, text: String(line.line ?? ""), el: row, txt, marked: false };
  };

  // Appends a page of lines; keeps the view at the end when following.
  const appendLines = (st, rows) => {
    if (rows.length === 0) return;
    const frag = document.createDocumentFragment();
    for (const r of rows) {
      const line = lineEl(r);
      st.lines.push(line);
      if (needle && filterLine(line)) st.shown++;
      frag.appendChild(line.el);
    }
    st.lastRow = rows[rows.length - 1].row;
    st.box.appendChild(frag);
    updateCounts(st);
    if (follow.checked && st.live) scrollToEnd(st);
    jumpToAnchor(false);
  };

  const fetchPage = async (st) => {
    const q = { attempt_id: attempt, _limit: PAGE, _after_row: st.lastRow };
    const env = await getJson(urls.logs(flow, run, step, task, st.id, q), abort.signal);
    const rows = Array.isArray(env.data) ? env.data : [];
    appendLines(st, rows);
    return { rows, more: Boolean(env.links && env.links.next) && rows.length > 0 };
  };

  // Loads everything written so far, then follows while the attempt is live.
  const start = async (st) => {
    if (st.started) return;
    st.started = true;
    st.loading = true;
    renderStatus();
    try {
      for (;;) {
        const { more } = await fetchPage(st);
        if (!more || destroyed) break;
      }
    } catch (err) {
      if (isAbort(err)) return;
      onError(err, `Log ${st.id === "out" ? "stdout" : "stderr"}`);
    } finally {
      st.loading = false;
    }
    updateCounts(st);
    poke();
  };

  // Starts or stops polling for new lines of the shown stream to match isLive().
  const poke = () => {
    const st = active && state.get(active);
    if (!st || destroyed || st.loading || !st.started) return renderStatus();
    if (isLive() && !st.timer) {
      if (!st.live) follow.checked = true;
      st.live = true;
      const tick = async () => {
        st.timer = null;
        if (destroyed) return;
        let got = 0;
        try {
          for (;;) {
            const { rows, more } = await fetchPage(st);
            got += rows.length;
            if (!more) break;
          }
        } catch (err) {
          if (isAbort(err)) return;
          // A hiccup while following is not worth a banner; try again next tick.
        }
        // Stop once the task has finished and a poll brought nothing new.
        if (!isLive() && got === 0) {
          st.live = false;
          renderStatus();
          return;
        }
        if (active === st.id) st.timer = setTimeout(tick, POLL_MS);
        else st.timer = null;
      };
      st.timer = setTimeout(tick, POLL_MS);
    }
    renderStatus();
  };

  const renderStatus = () => {
    const st = active && state.get(active);
    if (!st) return;
    statusEl.textContent = st.loading ? "loading…" : st.live ? "live" : "";
    statusEl.classList.toggle("live", Boolean(st.live && !st.loading));
    follow.disabled = !st.live;
    updateCounts(st);
  };

  const updateCounts = (st) => {
    if (st.id !== active) return;
    const empty = st.lines.length === 0 && !st.loading;
    let emptyEl = st.box.querySelector(".log-empty");
    if (empty && !emptyEl) st.box.appendChild(h("div", { class: "log-empty", "data-testid": "log-empty" }, st.live ? "No output yet." : "No output."));
    else if (!empty && emptyEl) emptyEl.remove();
    if (needle) matchCount.textContent = `${count(st.shown)} of ${count(st.lines.length)} lines`;
    else matchCount.textContent = st.lines.length ? `${count(st.lines.length)} lines` : "";
  };

  // Shows only lines containing the search text, with each occurrence marked.
  const filterLine = (line) => {
    const hit = !needle || line.text.toLowerCase().includes(needle.toLowerCase());
    line.el.hidden = !hit;
    if (hit && (needle || line.marked)) {
      line.txt.replaceChildren();
      appendHighlighted(line.txt, line.text, needle);
      line.marked = Boolean(needle);
    }
    return hit;
  };
  const applySearch = (st) => {
    let shown = 0;
    for (const line of st.lines) if (filterLine(line)) shown++;
    st.shown = shown;
    updateCounts(st);
  };

  const scrollToEnd = (st) => {
    st.box.scrollTop = st.box.scrollHeight;
  };

  // #L<row>: scroll the shown stream to that line and mark it (once it has loaded).
  let anchorDone = "";
  const jumpToAnchor = (force) => {
    const m = /^#L(\d+)$/.exec(location.hash);
    if (!m || !active) return;
    if (!force && anchorDone === location.hash) return;
    const st = state.get(active);
    const line = st.lines.find((l) => String(l.row) === m[1]);
    if (!line) return;
    anchorDone = location.hash;
    for (const l of st.box.querySelectorAll(".log-line.target")) l.classList.remove("target");
    line.el.classList.add("target");
    if (line.el.hidden) {
      search.value = needle = "";
      applySearch(st);
    }
    follow.checked = false;
    st.box.scrollTop = line.el.offsetTop - st.box.clientHeight / 2;
    line.el.scrollIntoView({ block: "nearest" });
  };
  const onHash = () => jumpToAnchor(true);
  window.addEventListener("hashchange", onHash);

  function show(id, user) {
    active = id;
    for (const [name, b] of tabs) {
      b.classList.toggle("active", name === id);
      b.setAttribute("aria-selected", String(name === id));
    }
    const st = streamState(id);
    download.setAttribute("href", urls.logDownload(flow, run, step, task, id, attempt));
    replace(body, st.box);
    if (needle) applySearch(st);
    renderStatus();
    if (user) onStream(id);
    start(st);
    poke();
  }

  show(stream === "err" ? "err" : "out", false);

  return {
    el,
    // The task's status changed: start or stop following.
    poke,
    destroy() {
      destroyed = true;
      abort.abort();
      window.removeEventListener("hashchange", onHash);
      for (const st of state.values()) clearTimeout(st.timer);
    },
  };
}
