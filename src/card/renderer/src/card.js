// Conflux's card renderer: draws a card's JSON (Metaflow's card component schema, see
// docs/cards.md) into the page. Bundled by esbuild at build time and embedded into every card
// HTML file, so a card renders offline with nothing else.
//
// Safety: every text from the card goes into the page as text (textContent), never as HTML; the
// one exception is Markdown, rendered by `marked` with raw HTML escaped and only http(s), mailto
// and in-page links kept. Images must be data:image URLs.
import { Marked } from "marked";

const marked = new Marked({
  gfm: true,
  renderer: {
    html({ text }) {
      return escapeHtml(text);
    },
    link({ href, title, tokens }) {
      const label = this.parser.parseInline(tokens);
      if (!safeHref(href)) return label;
      const t = title ? ` title="${escapeHtml(title)}"` : "";
      return `<a href="${escapeHtml(href)}"${t} target="_blank" rel="noopener noreferrer">${label}</a>`;
    },
    image({ href, text }) {
      if (!/^data:image\/(png|jpeg|gif|webp);base64,/i.test(href || "")) return escapeHtml(text || "");
      return `<img src="${escapeHtml(href)}" alt="${escapeHtml(text || "")}">`;
    },
  },
});

function escapeHtml(s) {
  return String(s)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function safeHref(href) {
  return typeof href === "string" && /^(https?:|mailto:|#)/i.test(href.trim());
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

// One function per component type; each returns a DOM node (or null to skip).
const renderers = {
  page(c) {
    const node = el("div", "cfx-page");
    if (c.title) node.appendChild(el("h1", "cfx-page-title", c.title));
    appendAll(node, c.contents);
    return node;
  },
  section(c) {
    const node = el("section", "cfx-section");
    if (c.title) node.appendChild(el("h2", "cfx-section-title", c.title));
    if (c.subtitle) node.appendChild(el("p", "cfx-subtitle", c.subtitle));
    const body = el("div", "cfx-section-body");
    if (c.columns) body.style.gridTemplateColumns = `repeat(${Number(c.columns) || 1}, minmax(0, 1fr))`;
    appendAll(body, c.contents);
    node.appendChild(body);
    return node;
  },
  title: (c) => el("h1", "cfx-title", c.text),
  subtitle: (c) => el("h3", "cfx-subtitle", c.text),
  text: (c) => el("p", "cfx-text", c.text),
  heading(c) {
    const node = el("div", "cfx-heading");
    if (c.title) node.appendChild(el("h1", "", c.title));
    if (c.subtitle) node.appendChild(el("p", "cfx-subtitle", c.subtitle));
    return node;
  },
  markdown(c) {
    const node = el("div", "cfx-markdown");
    node.innerHTML = marked.parse(String(c.source || ""));
    return node;
  },
  table(c) {
    const table = el("table", "cfx-table");
    const columns = Array.isArray(c.columns) ? c.columns : [];
    const rows = Array.isArray(c.data) ? c.data : [];
    if (c.vertical) {
      rows.forEach((row, i) => {
        const tr = el("tr");
        if (columns[i] !== undefined) tr.appendChild(el("th", "", columns[i]));
        (Array.isArray(row) ? row : [row]).forEach((cell, j) => {
          const cellNode = el(j === 0 && columns[i] === undefined ? "th" : "td");
          cellNode.appendChild(renderCell(cell));
          tr.appendChild(cellNode);
        });
        table.appendChild(tr);
      });
    } else {
      if (columns.length) {
        const head = el("thead");
        const tr = el("tr");
        columns.forEach((h) => tr.appendChild(el("th", "", h)));
        head.appendChild(tr);
        table.appendChild(head);
      }
      const body = el("tbody");
      rows.forEach((row) => {
        const tr = el("tr");
        (Array.isArray(row) ? row : [row]).forEach((cell) => {
          const td = el("td");
          td.appendChild(renderCell(cell));
          tr.appendChild(td);
        });
        body.appendChild(tr);
      });
      table.appendChild(body);
    }
    const wrap = el("div", "cfx-table-wrap");
    wrap.appendChild(table);
    return wrap;
  },
  image(c) {
    const figure = el("figure", "cfx-image");
    if (c.title) figure.appendChild(el("h3", "", c.title));
    if (typeof c.src === "string" && /^data:image\/(png|jpeg|gif|webp);base64,/i.test(c.src)) {
      const img = el("img");
      img.src = c.src;
      img.alt = c.label || "";
      figure.appendChild(img);
    } else {
      figure.appendChild(el("pre", "cfx-log", "[image: not a data:image URL]"));
    }
    if (c.label) figure.appendChild(el("figcaption", "", c.label));
    if (c.subtitle) figure.appendChild(el("p", "cfx-subtitle", c.subtitle));
    return figure;
  },
  artifacts(c) {
    const table = el("table", "cfx-table cfx-artifacts");
    const head = el("tr");
    ["Name", "Type", "Value"].forEach((h) => head.appendChild(el("th", "", h)));
    table.appendChild(head);
    (Array.isArray(c.data) ? c.data : []).forEach((a) => {
      const tr = el("tr");
      tr.appendChild(el("td", "cfx-name", a.name === null || a.name === undefined ? "" : a.name));
      tr.appendChild(el("td", "cfx-type", a.type || ""));
      const td = el("td");
      td.appendChild(el("pre", "cfx-repr", a.data === undefined ? "" : a.data));
      tr.appendChild(td);
      table.appendChild(tr);
    });
    const wrap = el("div", "cfx-table-wrap");
    wrap.appendChild(table);
    return wrap;
  },
  log: (c) => el("pre", "cfx-log", c.data),
  pythonCode: (c) => el("pre", "cfx-code", c.data),
  jsonViewer: (c) => viewer(c, c.json_string),
  yamlViewer: (c) => viewer(c, c.yaml_string),
  progressBar(c) {
    const node = el("div", "cfx-progress");
    const max = Number(c.max) || 0;
    const value = Number(c.value) || 0;
    const top = el("div", "cfx-progress-top");
    top.appendChild(el("span", "cfx-progress-label", c.label || ""));
    top.appendChild(el("span", "cfx-progress-value", `${value}${c.unit ? " " + c.unit : ""} / ${max}`));
    node.appendChild(top);
    const bar = el("progress");
    bar.max = max > 0 ? max : 1;
    bar.value = Math.max(0, Math.min(value, bar.max));
    node.appendChild(bar);
    if (c.details) node.appendChild(el("div", "cfx-progress-details", c.details));
    return node;
  },
  valueBox(c) {
    const node = el("div", `cfx-valuebox cfx-theme-${String(c.theme || "default").replace(/[^a-z-]/g, "")}`);
    if (c.title) node.appendChild(el("div", "cfx-valuebox-title", c.title));
    node.appendChild(el("div", "cfx-valuebox-value", c.value));
    if (c.subtitle) node.appendChild(el("div", "cfx-valuebox-subtitle", c.subtitle));
    if (c.change_indicator) node.appendChild(el("div", "cfx-valuebox-change", c.change_indicator));
    return node;
  },
  vegaChart(c) {
    const node = el("div", "cfx-vega");
    if (typeof window.conflux_vega_embed === "function") {
      const spec = Object.assign({}, c.spec || {});
      if (c.data) spec.data = c.data;
      const showControls = !(c.options && c.options.actions === false);
      window.conflux_vega_embed(node, spec, showControls).catch((e) => {
        node.textContent = `[chart failed: ${e && e.message ? e.message : e}]`;
      });
    } else {
      node.appendChild(el("pre", "cfx-log", "[this card was written without its chart library]"));
    }
    return node;
  },
  dag: (c) => renderDag(c.data || {}),
  eventsTimeline(c) {
    const node = el("div", "cfx-events");
    if (c.title) node.appendChild(el("h3", "", c.title));
    (Array.isArray(c.events) ? c.events : []).forEach((e) => {
      const item = el("div", "cfx-event");
      item.appendChild(el("pre", "cfx-log", JSON.stringify(e.metadata || e, null, 2)));
      node.appendChild(item);
    });
    return node;
  },
};

function viewer(c, text) {
  const node = el("div", "cfx-viewer");
  if (c.title) node.appendChild(el("h3", "", c.title));
  const pre = el("pre", "cfx-log", text);
  if (c.max_height) pre.style.maxHeight = `${Number(c.max_height) || 400}px`;
  node.appendChild(pre);
  return node;
}

function renderCell(cell) {
  if (cell !== null && typeof cell === "object" && typeof cell.type === "string") return renderComponent(cell);
  if (cell === null || cell === undefined) return document.createTextNode("");
  if (typeof cell === "object") return document.createTextNode("<object>");
  return document.createTextNode(String(cell));
}

function renderComponent(c) {
  if (typeof c === "string") return el("p", "cfx-text", c);
  if (!c || typeof c !== "object") return null;
  const render = renderers[c.type];
  if (!render) {
    console.warn(`conflux card: unknown component type ${c.type}`);
    return null;
  }
  try {
    const node = render(c);
    if (node && c.id) node.dataset.componentId = c.id;
    return node;
  } catch (e) {
    return el("pre", "cfx-log", `[RENDER FAIL]: ${c.type}: ${e && e.message ? e.message : e}`);
  }
}

function appendAll(parent, contents) {
  (Array.isArray(contents) ? contents : []).forEach((c) => {
    const node = renderComponent(c);
    if (node) parent.appendChild(node);
  });
}

// The DAG: steps in rows by depth from the start step, each row's boxes side by side, arrows as
// a list of next steps (readable without a layout engine).
function renderDag(data) {
  const steps = data.steps || {};
  const start = data.start_step || "start";
  const depth = {};
  const queue = [start];
  depth[start] = 0;
  while (queue.length) {
    const name = queue.shift();
    const next = (steps[name] && steps[name].next) || [];
    next.forEach((n) => {
      if (depth[n] === undefined && steps[n]) {
        depth[n] = depth[name] + 1;
        queue.push(n);
      }
    });
  }
  const rows = [];
  Object.keys(steps).forEach((name) => {
    const d = depth[name] === undefined ? Object.keys(depth).length : depth[name];
    (rows[d] = rows[d] || []).push(name);
  });
  const node = el("div", "cfx-dag");
  rows.forEach((names) => {
    if (!names) return;
    const row = el("div", "cfx-dag-row");
    names.forEach((name) => {
      const s = steps[name];
      const box = el("div", `cfx-dag-step cfx-dag-${String(s.type || "linear").replace(/[^a-z-]/g, "")}`);
      box.appendChild(el("div", "cfx-dag-name", name));
      if (s.next && s.next.length) box.appendChild(el("div", "cfx-dag-next", "→ " + s.next.join(", ")));
      if (s.doc) box.title = s.doc;
      row.appendChild(box);
    });
    node.appendChild(row);
  });
  return node;
}

function decodePayload(base64) {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return JSON.parse(new TextDecoder("utf-8").decode(bytes));
}

function mount() {
  const id = window.mfCardDataId;
  const payload = window.__MF_DATA__ && window.__MF_DATA__[id];
  const root = document.querySelector(".card_app");
  if (!root || !payload) return;
  let card;
  try {
    card = decodePayload(payload);
  } catch (e) {
    root.textContent = `This card's data cannot be read: ${e.message}`;
    return;
  }
  const embed = new URLSearchParams(window.location.search).get("embed") === "true";
  const draw = () => {
    root.textContent = "";
    const components = Array.isArray(card.components) ? card.components : [];
    const pages = components.filter((c) => c && c.type === "page");
    if (pages.length > 1 && !embed) {
      const nav = el("nav", "cfx-nav");
      pages.forEach((p, i) => {
        const a = el("a", "", p.title || `Page ${i + 1}`);
        a.href = `#cfx-page-${i}`;
        nav.appendChild(a);
      });
      root.appendChild(nav);
    }
    const main = el("main", "cfx-card");
    let pageIndex = 0;
    components.forEach((c) => {
      const node = renderComponent(c);
      if (!node) return;
      if (c.type === "page") node.id = `cfx-page-${pageIndex++}`;
      main.appendChild(node);
    });
    root.appendChild(main);
  };
  draw();
  // Live cards: the viewer sends {id: component} for the components that changed (Metaflow's
  // metaflow_card_update contract). A final card turns this off by setting it to undefined.
  window.metaflow_card_update = (changes) => {
    if (!changes || typeof changes !== "object") return false;
    // A map without a prototype: an id such as "__proto__" is just a key.
    const byId = Object.create(null);
    const index = (list) =>
      (Array.isArray(list) ? list : []).forEach((c) => {
        if (!c || typeof c !== "object") return;
        if (typeof c.id === "string") byId[c.id] = c;
        if (c.type === "page" || c.type === "section") index(c.contents);
      });
    index(card.components);
    let changed = false;
    Object.keys(changes).forEach((key) => {
      const update = changes[key];
      const target = Object.hasOwn(byId, key) ? byId[key] : undefined;
      if (!target || !update || typeof update !== "object") return;
      for (const field of Object.keys(update)) {
        if (field !== "__proto__" && field !== "constructor" && field !== "prototype") target[field] = update[field];
      }
      changed = true;
    });
    if (changed) {
      const y = window.scrollY;
      draw();
      window.scrollTo(0, y);
    }
    return changed;
  };
  // A viewer that cannot call into this frame (Conflux's UI shows cards in a sandboxed frame of
  // another origin) posts the same changes: {type: "metaflow_card_update", changes}. Only the
  // embedding page is heard, and only while the card is live.
  window.addEventListener("message", (event) => {
    if (event.source !== window.parent || window.parent === window) return;
    const msg = event.data;
    if (!msg || typeof msg !== "object" || msg.type !== "metaflow_card_update") return;
    if (typeof window.metaflow_card_update === "function") window.metaflow_card_update(msg.changes);
  });
}

mount();
