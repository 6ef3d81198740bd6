// The UI API client: URL builders for every route the pages read, JSON fetching with the error
// envelope turned into an ApiError, paging through `links.next`, and live updates (Server-Sent
// Events with a polling fallback).

const enc = encodeURIComponent;

// An HTTP or network failure; `detail` is the error envelope's detail (shown to the user).
export class ApiError extends Error {
  constructor(status, detail, title) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.title = title || (status ? `HTTP ${status}` : "Network error");
  }
}

export const isAbort = (err) => err && err.name === "AbortError";

// Builds a query string. Keys keep their ':' (ts_epoch:ge) and list values are joined with ','
// after encoding each item, as the API's filters expect. Null, undefined and "" are skipped.
export function query(params) {
  const parts = [];
  for (const [key, value] of Object.entries(params || {})) {
    if (value === null || value === undefined || value === "") continue;
    const items = Array.isArray(value) ? value : [value];
    if (items.length === 0) continue;
    parts.push(`${enc(key).replace(/%3A/g, ":")}=${items.map((v) => enc(String(v))).join(",")}`);
  }
  return parts.length ? `?${parts.join("&")}` : "";
}

// Resources of the event stream (/api/events?resource=...): raw names, as the server spells
// them; the whole path is encoded once, as a query value.
export const resource = {
  runs: () => "/runs",
  flowRuns: (f) => `/flows/${f}/runs`,
  run: (f, r) => `/flows/${f}/runs/${r}`,
  tasks: (f, r) => `/flows/${f}/runs/${r}/tasks`,
};

// API paths of a run and a task, every name encoded.
const runPath = (f, r) => `/flows/${enc(f)}/runs/${enc(r)}`;
const taskPath = (f, r, s, t) => `${runPath(f, r)}/steps/${enc(s)}/tasks/${enc(t)}`;

// Full URLs of the routes.
export const urls = {
  runs: (q) => `/api/runs${query(q)}`,
  flows: (q) => `/api/flows${query(q)}`,
  flowAutocomplete: (text) => `/api/flows/autocomplete${query({ "flow_id:co": text })}`,
  tagAutocomplete: (text) => `/api/tags/autocomplete${query({ "tag:co": text })}`,
  flowRuns: (f, q) => `/api/flows/${enc(f)}/runs${query(q)}`,
  run: (f, r) => `/api${runPath(f, r)}`,
  parameters: (f, r) => `/api${runPath(f, r)}/parameters`,
  dag: (f, r) => `/api${runPath(f, r)}/dag`,
  steps: (f, r) => `/api${runPath(f, r)}/steps`,
  tasks: (f, r, q) => `/api${runPath(f, r)}/tasks${query(q)}`,
  task: (f, r, s, t) => `/api${taskPath(f, r, s, t)}`,
  attempts: (f, r, s, t) => `/api${taskPath(f, r, s, t)}/attempts`,
  metadata: (f, r, s, t) => `/api${taskPath(f, r, s, t)}/metadata`,
  artifacts: (f, r, s, t, attempt) => `/api${taskPath(f, r, s, t)}/artifacts${query({ attempt_id: attempt })}`,
  logs: (f, r, s, t, stream, q) => `/api${taskPath(f, r, s, t)}/logs/${stream}${query(q)}`,
  logDownload: (f, r, s, t, stream, attempt) =>
    `/api${taskPath(f, r, s, t)}/logs/${stream}/download${query({ attempt_id: attempt })}`,
  cards: (f, r, s, t) => `/api${taskPath(f, r, s, t)}/cards`,
  card: (f, r, s, t, hash) => `/api${taskPath(f, r, s, t)}/cards/${enc(hash)}`,
  events: (res) => `/api/events${query({ resource: res })}`,
};

// GETs `url` and returns the parsed envelope. Throws ApiError (with the envelope's detail) for an
// HTTP error or a network failure, and the AbortError itself when `signal` aborts.
export async function getJson(url, signal) {
  let res;
  try {
    res = await fetch(url, { headers: { Accept: "application/json" }, signal });
  } catch (err) {
    if (isAbort(err)) throw err;
    throw new ApiError(0, `Could not reach the server (${err.message}).`);
  }
  let body = null;
  try {
    body = await res.json();
  } catch (err) {
    if (isAbort(err)) throw err;
  }
  if (!res.ok) {
    const detail = (body && (body.detail || body.title)) || `${res.status} ${res.statusText} for ${url}`;
    throw new ApiError(res.status, String(detail), body && body.title);
  }
  if (!body || typeof body !== "object") throw new ApiError(res.status, `The server sent no JSON for ${url}.`);
  return body;
}

// GETs a single-object route and returns its `data`.
export async function getData(url, signal) {
  return (await getJson(url, signal)).data;
}

// Pages through a list route: calls onPage(rows, envelope) for every page as it arrives,
// following links.next until it is null (or `maxPages` pages). Returns the last envelope.
export async function eachPage(url, signal, onPage, maxPages = Infinity) {
  let next = url;
  let body = null;
  for (let n = 0; next && n < maxPages; n++) {
    body = await getJson(next, signal);
    onPage(Array.isArray(body.data) ? body.data : [], body);
    next = body.links && body.links.next;
  }
  return body;
}

// Live updates of one resource. Opens an EventSource on /api/events?resource=...; every message
// is JSON {type, resource, data} and goes to onEvent. If the stream fails (or EventSource is
// missing) it switches, silently, to calling poll() every `pollMs`. poll() should refetch and
// merge. Returns a function that stops everything.
export function subscribe(res, onEvent, poll, pollMs = 5000) {
  let source = null;
  let timer = null;
  let stopped = false;

  const startPolling = () => {
    if (stopped || timer) return;
    const tick = async () => {
      timer = null;
      if (stopped || document.hidden) return;
      try {
        await poll();
      } catch {
        // A failed poll is retried at the next one; the page keeps what it has.
      }
      if (!stopped && !document.hidden && !timer) timer = setTimeout(tick, pollMs);
    };
    timer = setTimeout(tick, pollMs);
  };

  let failed = typeof EventSource === "undefined";
  const open = () => {
    if (failed) return startPolling();
    source = new EventSource(urls.events(res));
    source.onmessage = (ev) => {
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return; // a keep-alive or something we do not understand
      }
      if (msg && msg.data) onEvent(msg);
    };
    source.onerror = () => {
      // EventSource would retry on its own, but a server without the stream (or a proxy that
      // buffers it) would leave the page stale: close it and poll instead.
      source.close();
      source = null;
      failed = true;
      startPolling();
    };
  };
  const close = () => {
    if (source) source.close();
    source = null;
    clearTimeout(timer);
    timer = null;
  };

  // A hidden tab gives its connection back (browsers allow only six per server over HTTP/1.1,
  // across tabs) and catches up with one poll when shown again.
  const onVisibility = () => {
    if (stopped) return;
    if (document.hidden) return close();
    if (source || timer) return;
    open();
    poll().catch(() => {});
  };
  document.addEventListener("visibilitychange", onVisibility);
  open();

  return () => {
    stopped = true;
    document.removeEventListener("visibilitychange", onVisibility);
    close();
  };
}
