// The run's DAG as SVG, laid out here (no graph library), coloured by the status of each step's
// tasks.
//
// Layout (a small Sugiyama): every step gets a layer = its longest distance from the start step
// over forward edges; edges that go back to an earlier step (or to the step itself), found by
// a depth-first search from the start, are loops (a switch looping) and are drawn as dashed
// curves round the outside of the steps they span. Edges spanning several layers pass through invisible "dummy" points so they route
// around the steps in between. Steps in a layer start in the order of graph_structure (the flow's
// own branch order) and are then reordered by the mean position of their neighbours to cut
// crossings; x coordinates are then pulled towards the neighbours' mean.
//
// data-testid: dag, dag-node (data-step, data-status), dag-edge (data-from, data-to, data-back),
//              dag-legend
import { h, s } from "./dom.js";
import { stepStatus } from "./task_store.js";
import { duration } from "./format.js";

const NODE_W = 196;
const NODE_H = 50;
const LAYER_GAP = 40; // vertical space between layers
const NODE_GAP = 28; // horizontal space between neighbours in a layer
const DUMMY_W = 16;
const MARGIN = 24;
const CHAR_W = 7.4; // rough width of a character of the node font, to shorten long names

// Layout of graph_info ({steps, graph_structure, start_step}); pure, so it can be reasoned about
// (and tested) without a DOM. Returns {nodes: Map name -> {name, step, layer, x, y, w, h},
// edges: [{from, to, label, back, points}], width, height}.
export function layoutDag(info) {
  const steps = info.steps || {};
  const names = Object.keys(steps);
  const start = steps[info.start_step] ? info.start_step : steps.start ? "start" : names[0];

  // Edges, with the switch case(s) leading to each target as its label.
  const out = new Map(names.map((n) => [n, []]));
  const labels = new Map();
  for (const name of names) {
    const step = steps[name];
    const targets = [...(step.next || [])];
    for (const [key, target] of Object.entries(step.switch_cases || {})) {
      if (!targets.includes(target)) targets.push(target);
      const k = `${name}\u0000${target}`;
      labels.set(k, labels.has(k) ? `${labels.get(k)}, ${key}` : key);
    }
    for (const t of targets) if (steps[t] && !out.get(name).includes(t)) out.get(name).push(t);
  }

  // The flow's own order of steps (depth first through branches), to order layers stably.
  const order = new Map();
  const walk = (item) => {
    if (Array.isArray(item)) item.forEach(walk);
    else if (typeof item === "string" && steps[item] && !order.has(item)) order.set(item, order.size);
  };
  walk(info.graph_structure || []);
  for (const n of names) if (!order.has(n)) order.set(n, order.size);

  // Back edges: an edge to a step still on the DFS stack closes a loop.
  const back = new Set();
  const state = new Map(); // 1 = on stack, 2 = done
  const dfs = (root) => {
    const stack = [[root, 0]];
    state.set(root, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [node, i] = top;
      const targets = out.get(node);
      if (i < targets.length) {
        top[1]++;
        const t = targets[i];
        if (state.get(t) === 1) back.add(`${node}\u0000${t}`);
        else if (!state.has(t)) {
          state.set(t, 1);
          stack.push([t, 0]);
        }
      } else {
        state.set(node, 2);
        stack.pop();
      }
    }
  };
  if (start) dfs(start);
  for (const n of [...names].sort((a, b) => order.get(a) - order.get(b))) if (!state.has(n)) dfs(n);
  const isBack = (a, b) => back.has(`${a}\u0000${b}`);

  // Layers: longest path over forward edges (Kahn's topological order).
  const indeg = new Map(names.map((n) => [n, 0]));
  for (const [a, ts] of out) for (const b of ts) if (!isBack(a, b)) indeg.set(b, indeg.get(b) + 1);
  const layerOf = new Map(names.map((n) => [n, 0]));
  const queue = names.filter((n) => indeg.get(n) === 0).sort((a, b) => order.get(a) - order.get(b));
  while (queue.length) {
    const a = queue.shift();
    for (const b of out.get(a)) {
      if (isBack(a, b)) continue;
      layerOf.set(b, Math.max(layerOf.get(b), layerOf.get(a) + 1));
      indeg.set(b, indeg.get(b) - 1);
      if (indeg.get(b) === 0) queue.push(b);
    }
  }

  // Layout graph: steps plus dummy points on long forward edges.
  const nodes = new Map();
  for (const n of names) nodes.set(n, { name: n, step: steps[n], layer: layerOf.get(n), dummy: false, w: NODE_W, h: NODE_H, rank: order.get(n) });
  const chains = []; // each forward edge as the list of layout nodes it passes through
  const backEdges = [];
  let dummies = 0;
  for (const [a, ts] of out) {
    for (const b of ts) {
      const label = labels.get(`${a}\u0000${b}`) || null;
      if (isBack(a, b)) {
        backEdges.push({ from: a, to: b, label });
        continue;
      }
      const chain = [a];
      for (let l = layerOf.get(a) + 1; l < layerOf.get(b); l++) {
        const id = `\u0000d${dummies++}`;
        nodes.set(id, { name: id, layer: l, dummy: true, w: DUMMY_W, h: NODE_H, rank: (order.get(a) + order.get(b)) / 2 });
        chain.push(id);
      }
      chain.push(b);
      chains.push({ from: a, to: b, label, chain });
    }
  }
  const preds = new Map([...nodes.keys()].map((k) => [k, []]));
  const succs = new Map([...nodes.keys()].map((k) => [k, []]));
  for (const { chain } of chains) {
    for (let i = 1; i < chain.length; i++) {
      succs.get(chain[i - 1]).push(chain[i]);
      preds.get(chain[i]).push(chain[i - 1]);
    }
  }

  const layerCount = Math.max(0, ...[...nodes.values()].map((n) => n.layer)) + 1;
  const layers = Array.from({ length: layerCount }, () => []);
  for (const n of nodes.values()) layers[n.layer].push(n.name);
  for (const layer of layers) layer.sort((a, b) => nodes.get(a).rank - nodes.get(b).rank);

  // Crossing reduction: barycenter sweeps down then up.
  const pos = new Map();
  const index = () => layers.forEach((layer) => layer.forEach((n, i) => pos.set(n, i)));
  index();
  const reorder = (layer, neighbours) => {
    const bary = new Map();
    layer.forEach((n, i) => {
      const ns = neighbours.get(n);
      bary.set(n, ns.length ? ns.reduce((acc, m) => acc + pos.get(m), 0) / ns.length : i);
    });
    layer.sort((a, b) => bary.get(a) - bary.get(b) || pos.get(a) - pos.get(b));
    layer.forEach((n, i) => pos.set(n, i));
  };
  for (let iter = 0; iter < 4; iter++) {
    for (let l = 1; l < layerCount; l++) reorder(layers[l], preds);
    for (let l = layerCount - 2; l >= 0; l--) reorder(layers[l], succs);
  }

  // x: pack each layer centred on 0, then pull every node towards its neighbours' mean a few
  // times, keeping the order and the gaps.
  const xs = new Map();
  for (const layer of layers) {
    const width = layer.reduce((acc, n) => acc + nodes.get(n).w, 0) + NODE_GAP * (layer.length - 1);
    let x = -width / 2;
    for (const n of layer) {
      xs.set(n, x + nodes.get(n).w / 2);
      x += nodes.get(n).w + NODE_GAP;
    }
  }
  const settle = (layer, neighbours) => {
    const want = layer.map((n) => {
      // Dummy points follow their edge's source, so long edges drop straight down and bend
      // only at the end.
      const ns = nodes.get(n).dummy ? preds.get(n) : neighbours.get(n);
      return ns.length ? ns.reduce((acc, m) => acc + xs.get(m), 0) / ns.length : xs.get(n);
    });
    // Place left to right at the wanted x or as far left as the gap allows, then shift the
    // whole layer so it sits, on average, where it wanted to be.
    const placed = [];
    layer.forEach((n, i) => {
      const min = i === 0 ? -Infinity : placed[i - 1] + (nodes.get(layer[i - 1]).w + nodes.get(n).w) / 2 + NODE_GAP;
      placed.push(Math.max(want[i], min));
    });
    const shift = want.reduce((acc, w, i) => acc + w - placed[i], 0) / layer.length;
    layer.forEach((n, i) => xs.set(n, placed[i] + shift));
  };
  for (let iter = 0; iter < 6; iter++) {
    for (let l = 1; l < layerCount; l++) settle(layers[l], preds);
    for (let l = layerCount - 2; l >= 0; l--) settle(layers[l], succs);
  }
  for (let l = 1; l < layerCount; l++) settle(layers[l], preds);

  // Top-left corners of the boxes.
  for (const n of nodes.values()) {
    n.x = xs.get(n.name) - n.w / 2;
    n.y = MARGIN + n.layer * (NODE_H + LAYER_GAP);
  }

  const edges = chains.map(({ from, to, label, chain }) => ({
    from,
    to,
    label,
    back: false,
    points: chain.map((id) => nodes.get(id)),
  }));

  // Loops go around the outside of the layers they span, on the side nearer to their source, so
  // they cross no step; each further loop on a side goes a little further out.
  const extent = (lo, hi) => {
    let min = Infinity;
    let max = -Infinity;
    for (const n of nodes.values()) {
      if (n.layer < lo || n.layer > hi) continue;
      min = Math.min(min, n.x);
      max = Math.max(max, n.x + n.w);
    }
    return [min, max];
  };
  const outward = { left: 0, right: 0 };
  for (const e of backEdges) {
    const a = nodes.get(e.from);
    const b = nodes.get(e.to);
    const [min, max] = extent(Math.min(a.layer, b.layer), Math.max(a.layer, b.layer));
    const side = a === b || a.x + a.w / 2 >= (min + max) / 2 ? "right" : "left";
    const gap = 44 + 16 * outward[side]++;
    const out = side === "right" ? (a === b ? a.x + a.w : max) + gap : (a === b ? a.x : min) - gap;
    edges.push({ ...e, back: true, side, out, points: [a, b] });
  }

  // Shift everything so the drawing starts at MARGIN.
  let minX = Infinity;
  let maxX = -Infinity;
  for (const n of nodes.values()) {
    minX = Math.min(minX, n.x);
    maxX = Math.max(maxX, n.x + n.w);
  }
  for (const e of edges) {
    if (!e.back) continue;
    const label = e.label ? e.label.length * 6.4 + 12 : 0;
    minX = Math.min(minX, e.out - 12 - (e.side === "left" ? label : 0));
    maxX = Math.max(maxX, e.out + 12 + (e.side === "right" ? label : 0));
  }
  if (!Number.isFinite(minX)) minX = maxX = 0; // no steps
  const dx = MARGIN - minX;
  for (const n of nodes.values()) n.x += dx;
  for (const e of edges) if (e.back) e.out += dx;

  const real = new Map([...nodes].filter(([, n]) => !n.dummy));
  return {
    nodes: real,
    edges,
    width: maxX - minX + 2 * MARGIN,
    height: MARGIN * 2 + layerCount * NODE_H + (layerCount - 1) * LAYER_GAP,
  };
}

// The SVG path of an edge: vertical S-curves through its points (straight through dummy
// points); loops leave the side of the step, go round the outside and come back into the same side
// of the target.
function edgePath(edge) {
  if (edge.back) {
    const [a, b] = edge.points;
    const right = edge.side === "right";
    const ax = right ? a.x + a.w : a.x;
    const bx = right ? b.x + b.w : b.x;
    const ay = a.y + a.h / 2;
    const by = b.y + b.h / 2;
    const o = edge.out;
    // Labels sit just outside the loop.
    const lx = right ? o + 6 : o - 6;
    const anchor = right ? "start" : "end";
    if (a === b) {
      const d = `M${ax},${ay + 14} C${o + (right ? 12 : -12)},${ay + 40} ${o + (right ? 12 : -12)},${ay - 40} ${ax + (right ? 2 : -2)},${ay - 14}`;
      return { d, lx, ly: ay, anchor };
    }
    // Out sideways, round the outside, back in sideways.
    return { d: `M${ax},${ay} C${o},${ay} ${o},${ay} ${o},${(ay + by) / 2} S${o},${by} ${bx + (right ? 2 : -2)},${by}`, lx, ly: (ay + by) / 2, anchor };
  }
  const pts = [];
  edge.points.forEach((n, i) => {
    const cx = n.x + n.w / 2;
    if (i === 0) pts.push([cx, n.y + n.h]);
    else if (i === edge.points.length - 1) pts.push([cx, n.y - 2]);
    else pts.push([cx, n.y], [cx, n.y + n.h]); // a dummy: enter top, leave bottom
  });
  let d = `M${pts[0][0]},${pts[0][1]}`;
  for (let i = 1; i < pts.length; i++) {
    const [px, py] = pts[i - 1];
    const [qx, qy] = pts[i];
    if (px === qx) d += ` L${qx},${qy}`;
    else {
      const my = (py + qy) / 2;
      d += ` C${px},${my} ${qx},${my} ${qx},${qy}`;
    }
  }
  const [lx, ly] = pts.length > 2 ? pts[1] : [(pts[0][0] + pts[1][0]) / 2, (pts[0][1] + pts[1][1]) / 2];
  return { d, lx, ly };
}

const clip = (text, width, charW = CHAR_W) => {
  const max = Math.max(1, Math.floor(width / charW));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};

// What the second line of a step's box says about its type.
function typeLine(step) {
  switch (step.type) {
    case "split-foreach":
      return step.foreach_artifact ? `foreach ${step.foreach_artifact}` : "foreach";
    case "split-switch":
      return step.condition ? `switch on ${step.condition}` : "switch";
    case "split-static":
      return "split";
    case "split-parallel":
      return "parallel";
    case "linear":
    case "start":
    case "end":
      return "";
    default:
      return step.type || "";
  }
}

// Draws the DAG into a new element. onSelect(step) is called when a step is clicked.
// Returns {el, update(store), select(step)}.
export function createDag(info, { onSelect }) {
  const layout = layoutDag(info);
  const svg = s("svg", {
    class: "dag",
    width: layout.width,
    height: layout.height,
    viewBox: `0 0 ${layout.width} ${layout.height}`,
    role: "img",
    "aria-label": "Steps of the run",
  });
  svg.appendChild(
    s(
      "defs",
      null,
      ["dag-arrow", "dag-arrow-back"].map((id) =>
        s("marker", { id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, s("path", { d: "M0,0 L10,5 L0,10 z", class: id })),
      ),
    ),
  );

  for (const edge of layout.edges) {
    const { d, lx, ly, anchor = "middle" } = edgePath(edge);
    const g = s("g", { class: ["dag-edge", edge.back && "back"], "data-testid": "dag-edge", dataset: { from: edge.from, to: edge.to, back: edge.back ? "true" : "false" } });
    g.appendChild(s("path", { d, "marker-end": edge.back ? "url(#dag-arrow-back)" : "url(#dag-arrow)" }));
    if (edge.label) {
      const w = edge.label.length * 6.4 + 10;
      const left = anchor === "start" ? lx - 5 : anchor === "end" ? lx - w + 5 : lx - w / 2;
      g.appendChild(s("rect", { class: "edge-label-bg", x: left, y: ly - 9, width: w, height: 16, rx: 4 }));
      g.appendChild(s("text", { class: "edge-label", x: lx, y: ly + 3, "text-anchor": anchor }, edge.label));
    }
    svg.appendChild(g);
  }

  const refs = new Map();
  for (const node of layout.nodes.values()) {
    const step = node.step;
    const counts = s("text", { class: "node-count", x: node.w - 10, y: 37, "text-anchor": "end" });
    const type = s("text", { class: "node-type", x: 14, y: 37 });
    const title = s("title");
    const g = s(
      "g",
      {
        class: "dag-node",
        transform: `translate(${node.x},${node.y})`,
        role: "button",
        tabindex: 0,
        "aria-label": `Step ${node.name}`,
        "data-testid": "dag-node",
        dataset: { step: node.name, type: step.type || "" },
      },
      title,
      // A second box behind the first marks steps that run as many tasks (foreach bodies).
      s("rect", { class: "node-stack", x: 4, y: 4, width: node.w, height: node.h, rx: 7 }),
      s("rect", { class: "node-box", width: node.w, height: node.h, rx: 7 }),
      s("rect", { class: "node-bar", width: 5, height: node.h, rx: 2 }),
      s("text", { class: "node-name", x: 14, y: 20 }, clip(node.name, node.w - 24)),
      type,
      counts,
    );
    const choose = () => onSelect(node.name);
    g.addEventListener("click", choose);
    g.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        choose();
      }
    });
    refs.set(node.name, { g, counts, type, title, step, w: node.w });
    svg.appendChild(g);
  }

  const legend = h(
    "div",
    { class: "legend", "data-testid": "dag-legend" },
    [["completed", "completed"], ["running", "running"], ["failed", "failed"], ["pending", "waiting"], ["none", "not started"]].map(([st, label]) =>
      h("span", { class: "legend-item" }, h("span", { class: ["dot", `st-${st}`] }), label),
    ),
    h("span", { class: "legend-hint" }, "Click a step to list its tasks."),
  );
  const el = h("div", { class: "dag-wrap", "data-testid": "dag" }, h("div", { class: "dag-scroll" }, svg), legend);

  return {
    el,
    // Recolours the steps and refreshes their counts from the task store.
    update(store) {
      const all = store.stepCounts();
      for (const [name, ref] of refs) {
        const c = all.get(name);
        const status = stepStatus(c);
        ref.g.setAttribute("class", `dag-node st-${status}${ref.g.classList.contains("selected") ? " selected" : ""}${c && c.total > 1 ? " multi" : ""}`);
        ref.g.dataset.status = status;
        // Many tasks: how many completed; one task: its duration once done.
        let text = "";
        if (c && c.total > 1) text = `${c.completed}/${c.total}${c.failed ? ` · ${c.failed} failed` : ""}`;
        else if (c) text = status === "completed" && c.finished ? duration(c.finished - c.started) : status === "pending" ? "waiting" : status;
        ref.counts.textContent = text;
        ref.type.textContent = clip(typeLine(ref.step), ref.w - 24 - (text ? text.length * 6.4 + 10 : 0), 6.2);
        const doc = ref.step.doc ? `\n${ref.step.doc}` : "";
        const decos = (ref.step.decorators || []).map((d) => `@${d.name}`).join(" ");
        const summary = c ? `${c.total} task${c.total === 1 ? "" : "s"}: ${c.completed} completed, ${c.running} running, ${c.failed} failed, ${c.pending} waiting` : "no tasks yet";
        ref.title.textContent = `${ref.step.name} (${ref.step.type})${decos ? ` ${decos}` : ""}\n${summary}${doc}`;
      }
    },
    // Marks the step the task table is filtered by.
    select(step) {
      for (const [name, ref] of refs) ref.g.classList.toggle("selected", name === step);
    },
    layout,
  };
}
