// DOM helpers. All data from the API is untrusted, so everything here builds nodes with
// createElement and puts text in with textContent; nothing parses HTML.

// Attributes h() refuses: event handlers (on*) and anything that could carry script. Links take
// their href from `path` helpers (router.js), which build it from route parts.
const FORBIDDEN_ATTR = /^(on|srcdoc$|formaction$|style$)/i;

// h("div", {class: "x", dataset: {step: "a"}, onclick: fn}, "text", child, [more, children]).
// - `class`, `text`, `dataset`, `style` (an object) and `on<event>` functions are handled
//   specially; `on<event>` becomes addEventListener, never an attribute.
// - Other keys become attributes; null/undefined/false skip the attribute, true sets it empty.
// - Children: strings/numbers become text nodes, arrays are flattened, null/false are skipped.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = "http://www.w3.org/2000/svg";

// Like h() for SVG elements.
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

function applyAttrs(el, attrs) {
  if (!attrs) return;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") {
      el.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    } else if (key === "text") {
      el.textContent = String(value);
    } else if (key === "dataset") {
      for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) el.dataset[k] = String(v);
    } else if (key === "style") {
      for (const [k, v] of Object.entries(value)) el.style.setProperty(k, String(v));
    } else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "value" && "value" in el && el.tagName !== "OPTION") {
      el.value = String(value);
    } else if (key === "checked" || key === "selected") {
      el[key] = Boolean(value);
    } else {
      if (FORBIDDEN_ATTR.test(key)) throw new Error(`h(): attribute ${key} is not allowed`);
      // Every URL we set is a same-origin path we built ourselves; refuse anything else.
      if ((key === "href" || key === "src") && !/^(\/(?!\/)|#|\?)/.test(String(value))) {
        throw new Error(`h(): ${key} must be a same-origin path`);
      }
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
}

export function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else parent.appendChild(document.createTextNode(String(child)));
  }
  return parent;
}

// Replaces every child of `el` with `children`.
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// Appends `text` to `parent`, with every case-insensitive occurrence of `needle` wrapped in
// <mark>. Built from text nodes, so the text is never interpreted as HTML.
export function appendHighlighted(parent, text, needle) {
  if (!needle) {
    parent.appendChild(document.createTextNode(text));
    return 0;
  }
  const hay = text.toLowerCase();
  const n = needle.toLowerCase();
  let from = 0;
  let count = 0;
  for (let at = hay.indexOf(n); at !== -1; at = hay.indexOf(n, from)) {
    if (at > from) parent.appendChild(document.createTextNode(text.slice(from, at)));
    parent.appendChild(h("mark", null, text.slice(at, at + n.length)));
    from = at + n.length;
    count++;
  }
  if (from < text.length) parent.appendChild(document.createTextNode(text.slice(from)));
  return count;
}

// Calls fn at most once per animation frame however often schedule() is called; used to batch
// re-renders driven by network data.
export function rafBatch(fn) {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      fn();
    });
  };
}

// Calls fn at most once per `ms` (trailing call guaranteed), for live updates that may arrive
// hundreds of times a second.
export function throttle(fn, ms) {
  let timer = null;
  let last = 0;
  const run = () => {
    timer = null;
    last = performance.now();
    fn();
  };
  const call = () => {
    if (timer) return;
    const wait = Math.max(0, last + ms - performance.now());
    timer = setTimeout(run, wait);
  };
  call.cancel = () => {
    clearTimeout(timer);
    timer = null;
  };
  return call;
}

export function debounce(fn, ms) {
  let timer = null;
  const call = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  call.cancel = () => clearTimeout(timer);
  return call;
}
