// Client-side routing with the History API under /ui. The server answers every /ui/* path (but
// /ui/assets/*) with index.html, so each of these URLs can be loaded, reloaded and shared:
//   /ui/                                 runs (home)
//   /ui/flows/{flow}                     flow
//   /ui/runs/{flow}/{run}                run (?tab=dag|timeline|tasks)
//   /ui/runs/{flow}/{run}/{step}/{task}  task (?attempt=N)
// Links are real <a href> elements; a document-level click handler turns plain left clicks on
// them into pushState, so middle-click and "open in new tab" keep working.

const enc = encodeURIComponent;
export const BASE = "/ui";

// Hrefs of the pages, built from route parts (the only hrefs the UI ever sets).
export const paths = {
  home: (q) => `${BASE}/${qs(q)}`,
  flow: (f) => `${BASE}/flows/${enc(f)}`,
  run: (f, r, q) => `${BASE}/runs/${enc(f)}/${enc(r)}${qs(q)}`,
  task: (f, r, s, t, q) => `${BASE}/runs/${enc(f)}/${enc(r)}/${enc(s)}/${enc(t)}${qs(q)}`,
};

// "?a=1&b=2" from an object, skipping empty values; "" if nothing is left.
export function qs(params) {
  if (!params) return "";
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== "") sp.set(k, String(v));
  }
  const s = sp.toString();
  return s ? `?${s}` : "";
}

// Matches a pathname to {name, params}; null for an unknown path.
export function match(pathname) {
  if (!pathname.startsWith(BASE)) return null;
  const rest = pathname.slice(BASE.length).replace(/^\/+|\/+$/g, "");
  const parts = rest === "" ? [] : rest.split("/").map(safeDecode);
  if (parts.length === 0) return { name: "runs", params: {} };
  if (parts[0] === "flows" && parts.length === 2) return { name: "flow", params: { flow: parts[1] } };
  if (parts[0] === "runs" && parts.length === 3) return { name: "run", params: { flow: parts[1], run: parts[2] } };
  if (parts[0] === "runs" && parts.length === 5) {
    return { name: "task", params: { flow: parts[1], run: parts[2], step: parts[3], task: parts[4] } };
  }
  return null;
}

function safeDecode(part) {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

let onChange = () => {};
let current = "";

const here = () => location.pathname + location.search;

// Starts routing: calls handler(route, URLSearchParams) now and on every navigation.
export function start(handler) {
  onChange = handler;
  current = here();
  window.addEventListener("popstate", () => {
    // A click on "#L12" also fires popstate; only a new path or query is a navigation.
    if (here() === current) return;
    current = here();
    notify();
  });
  document.addEventListener("click", onClick);
  notify();
}

function notify() {
  onChange(match(location.pathname), new URLSearchParams(location.search));
}

// Goes to `href` (a /ui path) without reloading the page.
export function navigate(href, { replace = false } = {}) {
  if (replace) history.replaceState(null, "", href);
  else history.pushState(null, "", href);
  current = here();
  notify();
  if (!replace && !location.hash) window.scrollTo(0, 0);
}

// Changes the query string without telling the page (it already shows what the query says):
// filters, tabs and selections are kept in the URL this way so reload and sharing keep them.
export function setQuery(params, { replace = true } = {}) {
  const href = location.pathname + qs(params);
  if (href === here()) return;
  if (replace) history.replaceState(null, "", href);
  else history.pushState(null, "", href);
  current = here();
}

function onClick(ev) {
  if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  const a = ev.target.closest && ev.target.closest("a");
  if (!a || a.hasAttribute("download") || (a.getAttribute("target") || "_self") !== "_self") return;
  // SVG <a> elements have an SVGAnimatedString href, so read the attribute.
  const raw = a.getAttribute("href");
  if (!raw) return;
  const url = new URL(raw, location.href);
  if (url.origin !== location.origin || !url.pathname.startsWith(`${BASE}/`) && url.pathname !== BASE) return;
  if (url.pathname.startsWith(`${BASE}/assets/`)) return;
  // Same page, only the fragment differs: let the browser handle it (line anchors).
  if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
  ev.preventDefault();
  navigate(url.pathname + url.search + url.hash);
}
