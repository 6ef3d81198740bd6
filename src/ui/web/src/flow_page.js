// Flow page (/ui/flows/{flow}): the flow's recent runs with their success rate, a duration trend
// (inline SVG, no chart library) and a link to the latest successful run. Statistics cover the
// runs loaded in the table (the newest 100, more with "Load more").
//
// data-testid: flow-page, flow-name, flow-stats, flow-success-rate, flow-median-duration,
//              flow-latest-success, flow-no-success, flow-duration-trend, trend-point
//              (+ the runs table's ids, runs_table.js)
import { h, replace, s } from "./dom.js";
import { resource, urls } from "./api.js";
import { paths } from "./router.js";
import { setCrumbs } from "./shell.js";
import { duration, localTime } from "./format.js";
import { createRunsTable } from "./runs_table.js";

export function mount(root, { params }) {
  const flow = params.flow;
  setCrumbs([{ label: "Runs", href: paths.home() }, { label: flow }]);

  const stats = h("div", { class: "stats", "data-testid": "flow-stats" });
  const trend = h("div", { class: "trend-wrap" });
  const table = createRunsTable({
    url: urls.flowRuns(flow, { _limit: 100 }),
    matches: (run) => run.flow_id === flow,
    live: resource.flowRuns(flow),
    showFlow: false,
    onChange: (rows) => {
      renderStats(stats, rows);
      replace(trend, trendChart(rows));
    },
  });

  replace(
    root,
    h(
      "div",
      { class: "flow-page", "data-testid": "flow-page" },
      h("div", { class: "page-head" }, h("h1", { "data-testid": "flow-name" }, flow), h("a", { class: "btn link", href: paths.home({ flow_id: flow }) }, "Filter all runs by this flow")),
      h("div", { class: "flow-summary" }, stats, trend),
      h("h2", { class: "section-title" }, "Recent runs"),
      table.el,
    ),
  );
  return { destroy: () => table.destroy() };
}

function renderStats(el, rows) {
  const finished = rows.filter((r) => r.status === "completed" || r.status === "failed");
  const completed = finished.filter((r) => r.status === "completed");
  const rate = finished.length ? Math.round((100 * completed.length) / finished.length) : null;
  const durations = completed.map((r) => r.duration).filter((d) => d !== null && d !== undefined).sort((a, b) => a - b);
  const median = durations.length ? durations[Math.floor(durations.length / 2)] : null;
  const latest = completed[0]; // rows are newest first
  const stat = (label, value, testid, sub) =>
    h("div", { class: "stat" }, h("div", { class: "stat-label" }, label), h("div", { class: "stat-value", "data-testid": testid }, value), sub && h("div", { class: "stat-sub" }, sub));
  replace(
    el,
    stat("Success rate", rate === null ? "—" : `${rate}%`, "flow-success-rate", `${completed.length} of ${finished.length} finished runs`),
    stat("Median duration", median === null ? "—" : duration(median), "flow-median-duration", "of successful runs"),
    latest
      ? stat("Latest successful run", h("a", { href: paths.run(latest.flow_id, latest.run_number), "data-testid": "flow-latest-success" }, `Run ${latest.run_number}`), null, localTime(latest.finished_at ?? latest.ts_epoch))
      : stat("Latest successful run", h("span", { class: "muted", "data-testid": "flow-no-success" }, "none yet"), null),
  );
}

// Duration of each run, oldest on the left: a line through successful runs, a dot per run
// coloured by status. Each dot links to its run and has a native tooltip.
function trendChart(rows) {
  const W = 720;
  const H = 170;
  const pad = { l: 56, r: 12, t: 12, b: 24 };
  const runs = rows.filter((r) => r.duration !== null && r.duration !== undefined).slice(0, 100).reverse();
  const svg = s("svg", { class: "trend", viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "Run durations, oldest to newest", "data-testid": "flow-duration-trend" });
  if (runs.length === 0) {
    svg.appendChild(s("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "axis-label" }, "No run durations yet"));
    return svg;
  }
  const max = niceMax(Math.max(...runs.map((r) => r.duration)));
  const iw = W - pad.l - pad.r;
  const ih = H - pad.t - pad.b;
  const x = (i) => pad.l + (runs.length === 1 ? iw / 2 : (i * iw) / (runs.length - 1));
  const y = (d) => pad.t + ih - (d / max) * ih;

  for (const frac of [0, 0.5, 1]) {
    const yy = y(max * frac);
    svg.appendChild(s("line", { x1: pad.l, x2: W - pad.r, y1: yy, y2: yy, class: "gridline" }));
    svg.appendChild(s("text", { x: pad.l - 6, y: yy + 4, "text-anchor": "end", class: "axis-label" }, frac === 0 ? "0" : duration(max * frac)));
  }
  svg.appendChild(s("text", { x: pad.l, y: H - 6, class: "axis-label" }, localTime(runs[0].ts_epoch).slice(0, 10)));
  svg.appendChild(s("text", { x: W - pad.r, y: H - 6, "text-anchor": "end", class: "axis-label" }, localTime(runs[runs.length - 1].ts_epoch).slice(0, 10)));

  const ok = runs.map((r, i) => [r, i]).filter(([r]) => r.status === "completed");
  if (ok.length > 1) {
    svg.appendChild(s("polyline", { class: "trend-line", points: ok.map(([r, i]) => `${x(i).toFixed(1)},${y(r.duration).toFixed(1)}`).join(" ") }));
  }
  runs.forEach((r, i) => {
    const label = `Run ${r.run_number} · ${r.status} · ${duration(r.duration)} · ${localTime(r.ts_epoch)}`;
    svg.appendChild(
      s(
        "a",
        { href: paths.run(r.flow_id, r.run_number), "data-testid": "trend-point" },
        s("title", null, label),
        s("circle", { cx: x(i).toFixed(1), cy: y(r.duration).toFixed(1), r: 4, class: ["trend-dot", `st-${r.status}`] }),
      ),
    );
  });
  return svg;
}

// Rounds up to a value that makes readable axis labels (1, 2 or 5 times a power of ten, in
// seconds, minutes or hours).
function niceMax(ms) {
  const units = [1000, 60e3, 3600e3];
  const unit = ms >= 2 * 3600e3 ? units[2] : ms >= 2 * 60e3 ? units[1] : units[0];
  const v = Math.max(ms / unit, 1e-9);
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  const m = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((k) => k * p >= v);
  return m * p * unit;
}
