// Small pieces shared by the pages: status badges, times, live durations, tags, notices.
// Each takes the data-testid its page gives it (defaults: status, tags, loading).
//
// Live values: elements made by liveDuration() and timeCell() carry data-tick; one timer (startTicker)
// refreshes all of them in the document each second, so pages need no timers of their own.
import { h } from "./dom.js";
import { duration, localTime, relativeTime } from "./format.js";

export function statusBadge(status, testid = "status") {
  const s = status || "unknown";
  return h("span", { class: ["badge", `st-${s.replace(/[^a-z]/g, "")}`], "data-testid": testid, dataset: { status: s } }, s);
}

// "2024-05-01 14:03:22 · 3 min ago" (relative part keeps itself current).
export function timeCell(ms, testid) {
  if (ms === null || ms === undefined) return h("span", { class: "muted", "data-testid": testid }, "—");
  return h(
    "span",
    { class: "time", title: new Date(ms).toString(), "data-testid": testid },
    h("span", { class: "abs" }, localTime(ms)),
    h("span", { class: "rel", dataset: { tick: "rel", ts: ms } }, relativeTime(ms)),
  );
}

// A duration; when `running`, it keeps counting from `ms` (measured by the server at the time
// of the response), so clock skew between server and browser does not show.
export function liveDuration(ms, running, testid) {
  if (!running) return h("span", { class: "dur", "data-testid": testid }, ms === null || ms === undefined ? "—" : duration(ms));
  const base = ms ?? 0;
  return h("span", { class: "dur live", "data-testid": testid, dataset: { tick: "dur", base, at: Date.now() } }, duration(base));
}

// The duration to show for a row that may still be running, from its own timestamps.
export function rowDuration(row) {
  if (row.duration !== null && row.duration !== undefined) return row.duration;
  if (row.started_at) return (row.finished_at ?? Date.now()) - row.started_at;
  return null;
}

export function tagList(tags, systemTags, testid = "tags") {
  const user = (tags || []).map((t) => h("span", { class: "tag" }, t));
  const sys = (systemTags || []).map((t) => h("span", { class: "tag sys", title: "system tag" }, t));
  return h("span", { class: "tags", "data-testid": testid }, user, sys);
}

export function notice(text, testid, kind = "info") {
  return h("div", { class: ["notice", kind], "data-testid": testid }, text);
}

export function spinner(text = "Loading…", testid = "loading") {
  return h("div", { class: "loading", "data-testid": testid }, h("span", { class: "spin", "aria-hidden": "true" }), text);
}

// One label: value pair of a summary header.
export function field(label, value, testid) {
  return h("div", { class: "field" }, h("div", { class: "field-label" }, label), h("div", { class: "field-value", "data-testid": testid }, value));
}

let ticker = null;
export function startTicker() {
  if (ticker) return;
  ticker = setInterval(() => {
    if (document.hidden) return;
    const now = Date.now();
    for (const el of document.querySelectorAll("[data-tick]")) {
      if (el.dataset.tick === "dur") el.textContent = duration(Number(el.dataset.base) + now - Number(el.dataset.at));
      else if (el.dataset.tick === "rel") el.textContent = relativeTime(Number(el.dataset.ts), now);
    }
  }, 1000);
}
