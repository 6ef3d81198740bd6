// The tasks of one run, shared by the run page's DAG, timeline and task table. Rows arrive in
// pages and from the event stream; listeners are told at most every `ms` milliseconds so a
// burst of updates costs a few re-renders, not thousands.
import { throttle } from "./dom.js";

const keyOf = (t) => `${t.step_name}/${t.task_id}`;

export function createTaskStore(ms = 300) {
  const byKey = new Map();
  const listeners = new Set();
  let version = 0;
  let sorted = null; // cache of list(), rebuilt after a change
  let stepCache = null;

  const notify = throttle(() => {
    for (const fn of listeners) fn(version);
  }, ms);

  return {
    // Adds or replaces rows (a newer row for a task replaces the older one whole).
    upsert(rows) {
      if (!rows || rows.length === 0) return;
      for (const row of rows) {
        if (!row || row.step_name === undefined || row.task_id === undefined) continue;
        byKey.set(keyOf(row), row);
      }
      version++;
      sorted = null;
      stepCache = null;
      notify();
    },
    get(step, taskId) {
      return byKey.get(`${step}/${taskId}`);
    },
    get size() {
      return byKey.size;
    },
    get version() {
      return version;
    },
    // Every task, ordered by task id (as the API lists them).
    list() {
      if (!sorted) sorted = [...byKey.values()].sort((a, b) => a.task_id - b.task_id);
      return sorted;
    },
    // step name -> {total, pending, running, completed, failed, started (first start), finished (last end)}.
    stepCounts() {
      if (stepCache) return stepCache;
      stepCache = new Map();
      for (const t of byKey.values()) {
        let c = stepCache.get(t.step_name);
        if (!c) stepCache.set(t.step_name, (c = { total: 0, pending: 0, running: 0, completed: 0, failed: 0, started: null, finished: null }));
        c.total++;
        if (t.started_at && (c.started === null || t.started_at < c.started)) c.started = t.started_at;
        if (t.finished_at && (c.finished === null || t.finished_at > c.finished)) c.finished = t.finished_at;
        if (c[t.status] !== undefined) c[t.status]++;
      }
      return stepCache;
    },
    // Whether any task has not finished (live views keep redrawing "now" while true).
    anyActive() {
      for (const c of this.stepCounts().values()) if (c.running || c.pending) return true;
      return false;
    },
    listen(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    destroy() {
      notify.cancel();
      listeners.clear();
    },
  };
}

// One colour-status for a step from its task counts: any failed -> failed, any running ->
// running, all completed -> completed, tasks but none started -> pending, none -> none.
export function stepStatus(c) {
  if (!c || c.total === 0) return "none";
  if (c.failed) return "failed";
  if (c.running) return "running";
  if (c.completed === c.total) return "completed";
  return "pending";
}
