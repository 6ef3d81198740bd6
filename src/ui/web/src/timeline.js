// The run's timeline: a Gantt chart of every task on a <canvas>, one row per task, grouped under
// a header row per step (steps in DAG order), bars from started_at to finished_at (or now while
// running) coloured by status.
//
// Virtualised: the canvas is only as tall as the visible area and sticks to the top of a scroll
// box whose height comes from a spacer, so the page scrolls natively and each frame draws only the
// rows in view (tens, whatever the task count). Draws are batched per animation frame.
//
// data-testid: timeline, timeline-canvas (data-rows = number of task rows), timeline-tooltip,
//              timeline-empty
import { h, rafBatch } from "./dom.js";
import { duration, localTime } from "./format.js";

const ROW_H = 20;
const AXIS_H = 26;
const LABEL_W = 250;
const RIGHT_PAD = 16;
const TICK_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((s) => s * 1000);

// options: store (task_store.js), stepOrder() -> step names in display order,
//          onOpen(task) when a task's row is clicked.
export function createTimeline({ store, stepOrder, onOpen }) {
  const canvas = h("canvas", { class: "tl-canvas", "data-testid": "timeline-canvas", "aria-label": "Timeline of the run's tasks", role: "img", dataset: { rows: 0 } });
  const spacer = h("div", { class: "tl-spacer" });
  const scroller = h("div", { class: "tl-scroll" }, canvas, spacer);
  const tooltip = h("div", { class: "tl-tooltip", "data-testid": "timeline-tooltip", hidden: true });
  const empty = h("div", { class: "empty", "data-testid": "timeline-empty", hidden: true }, "No task has started yet.");
  const el = h("div", { class: "timeline", "data-testid": "timeline" }, empty, scroller, tooltip);

  let rows = []; // {step, count} header rows and {task} rows
  let taskRows = 0;
  let t0 = 0;
  let t1 = 0;
  let anyRunning = false;
  let hover = -1;
  let builtVersion = -1;
  let visible = false;
  let cssW = 0;
  let cssH = 0;
  const ctx = canvas.getContext("2d");

  // Rebuilds the row list from the store (only when it changed).
  const build = () => {
    if (builtVersion === store.version) return;
    builtVersion = store.version;
    const byStep = new Map();
    for (const t of store.list()) {
      let list = byStep.get(t.step_name);
      if (!list) byStep.set(t.step_name, (list = []));
      list.push(t);
    }
    const order = stepOrder().filter((s) => byStep.has(s));
    for (const s of byStep.keys()) if (!order.includes(s)) order.push(s);
    rows = [];
    taskRows = 0;
    t0 = Infinity;
    t1 = -Infinity;
    anyRunning = false;
    for (const step of order) {
      const tasks = byStep.get(step);
      rows.push({ step, count: tasks.length });
      for (const t of tasks) {
        rows.push({ task: t });
        taskRows++;
        if (t.started_at) {
          t0 = Math.min(t0, t.started_at);
          t1 = Math.max(t1, t.finished_at || t.started_at);
        }
        if (t.status === "running") anyRunning = true;
      }
    }
    canvas.dataset.rows = String(taskRows);
    empty.hidden = t0 !== Infinity || taskRows === 0;
  };

  // Sizes the scroll box to the content (up to the window) and the canvas to the scroll box.
  const resize = () => {
    const content = AXIS_H + rows.length * ROW_H + 8;
    const top = scroller.getBoundingClientRect().top + window.scrollY;
    const room = Math.max(320, window.innerHeight - Math.max(0, top - window.scrollY) - 24);
    const height = Math.min(content, Math.max(room, 320));
    scroller.style.height = `${height}px`;
    cssW = scroller.clientWidth;
    cssH = Math.min(scroller.clientHeight, content);
    const dpr = window.devicePixelRatio || 1;
    // Resizing a canvas reallocates it: only when the size really changed.
    if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
      canvas.style.width = `${cssW}px`;
      canvas.style.height = `${cssH}px`;
      canvas.width = Math.round(cssW * dpr);
      canvas.height = Math.round(cssH * dpr);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    }
    spacer.style.height = `${Math.max(0, content - cssH)}px`;
  };

  const draw = () => {
    if (!visible || cssW === 0) return;
    const now = Date.now();
    const css = getComputedStyle(el);
    const color = (name) => css.getPropertyValue(name).trim() || "#888";
    const C = {
      bg: color("--bg"),
      text: color("--text"),
      muted: color("--muted"),
      grid: color("--border"),
      head: color("--bg-subtle"),
      hover: color("--hover"),
      completed: color("--st-completed"),
      failed: color("--st-failed"),
      running: color("--st-running"),
      pending: color("--st-pending"),
    };
    const end = anyRunning ? Math.max(t1, now) : t1;
    const start = t0 === Infinity ? now : t0;
    const span = Math.max(1000, (end === -Infinity ? now : end) - start);
    const x0 = LABEL_W;
    const plotW = Math.max(10, cssW - LABEL_W - RIGHT_PAD);
    const xOf = (t) => x0 + ((t - start) / span) * plotW;
    const scrollTop = scroller.scrollTop;

    ctx.clearRect(0, 0, cssW, cssH);
    ctx.fillStyle = C.bg;
    ctx.fillRect(0, 0, cssW, cssH);
    ctx.font = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
    ctx.textBaseline = "middle";

    // Tick interval: about one label per 110px.
    const interval = TICK_STEPS.find((s) => (s / span) * plotW >= 110) || TICK_STEPS[TICK_STEPS.length - 1];

    // Rows in view.
    const first = Math.max(0, Math.floor(scrollTop / ROW_H));
    const last = Math.min(rows.length, Math.ceil((scrollTop + cssH - AXIS_H) / ROW_H) + 1);
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, AXIS_H, cssW, cssH - AXIS_H);
    ctx.clip();
    // Vertical grid lines.
    ctx.strokeStyle = C.grid;
    ctx.lineWidth = 1;
    for (let t = 0; t <= span; t += interval) {
      const x = Math.round(xOf(start + t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, AXIS_H);
      ctx.lineTo(x, cssH);
      ctx.stroke();
    }
    for (let i = first; i < last; i++) {
      const row = rows[i];
      const y = AXIS_H + i * ROW_H - scrollTop;
      if (row.step !== undefined) {
        ctx.fillStyle = C.head;
        ctx.fillRect(0, y, cssW, ROW_H);
        ctx.fillStyle = C.text;
        ctx.font = "600 12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
        ctx.fillText(fit(ctx, `${row.step}  (${row.count})`, LABEL_W - 16), 8, y + ROW_H / 2);
        ctx.font = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
        continue;
      }
      const t = row.task;
      if (i === hover) {
        ctx.fillStyle = C.hover;
        ctx.fillRect(0, y, cssW, ROW_H);
      }
      ctx.fillStyle = t.started_at ? C.text : C.muted;
      const fe = t.foreach_values && t.foreach_values.length ? `  ${t.foreach_values.join(" ")}` : "";
      ctx.fillText(fit(ctx, `${t.task_id}${fe}`, LABEL_W - 28), 20, y + ROW_H / 2);
      if (!t.started_at) continue;
      const finish = t.finished_at || (t.status === "running" ? now : t.started_at);
      const xa = xOf(t.started_at);
      const w = Math.max(2, xOf(finish) - xa);
      ctx.fillStyle = C[t.status] || C.pending;
      ctx.fillRect(xa, y + 4, w, ROW_H - 8);
    }
    ctx.restore();

    // Axis on top, drawn last so rows scroll under it.
    ctx.fillStyle = C.bg;
    ctx.fillRect(0, 0, cssW, AXIS_H);
    ctx.strokeStyle = C.grid;
    ctx.beginPath();
    ctx.moveTo(0, AXIS_H - 0.5);
    ctx.lineTo(cssW, AXIS_H - 0.5);
    ctx.stroke();
    ctx.fillStyle = C.muted;
    ctx.fillText(t0 === Infinity ? "" : `started ${localTime(start)}`, 8, AXIS_H / 2);
    ctx.textAlign = "center";
    for (let t = 0; t <= span; t += interval) {
      const x = xOf(start + t);
      if (x < x0 + 20 && t > 0) continue;
      ctx.fillText(t === 0 ? "0" : `+${duration(t)}`, Math.min(Math.max(x, x0 + 12), cssW - 30), AXIS_H / 2);
    }
    ctx.textAlign = "left";
  };
  const schedule = rafBatch(draw);

  const rowAt = (ev) => {
    const rect = canvas.getBoundingClientRect();
    const y = ev.clientY - rect.top;
    if (y < AXIS_H) return -1;
    const i = Math.floor((y - AXIS_H + scroller.scrollTop) / ROW_H);
    return i >= 0 && i < rows.length && rows[i].task ? i : -1;
  };

  canvas.addEventListener("mousemove", (ev) => {
    const i = rowAt(ev);
    canvas.style.cursor = i >= 0 ? "pointer" : "default";
    if (i !== hover) {
      hover = i;
      schedule();
    }
    if (i < 0) {
      tooltip.hidden = true;
      return;
    }
    showTooltip(rows[i].task, ev);
  });
  canvas.addEventListener("mouseleave", () => {
    hover = -1;
    tooltip.hidden = true;
    schedule();
  });
  canvas.addEventListener("click", (ev) => {
    const i = rowAt(ev);
    if (i >= 0) onOpen(rows[i].task);
  });

  const showTooltip = (t, ev) => {
    const lines = [
      h("div", { class: "tt-title" }, `${t.step_name} / ${t.task_id}`),
      h("div", null, `Status: ${t.status}${t.attempt_id ? ` (attempt ${t.attempt_id})` : ""}`),
      t.started_at ? h("div", null, `Started: ${localTime(t.started_at)}`) : h("div", null, "Not started"),
      t.started_at ? h("div", null, `Duration: ${duration((t.finished_at || Date.now()) - t.started_at)}`) : null,
      t.foreach_values && t.foreach_values.length ? h("div", { class: "mono" }, t.foreach_values.join(", ")) : null,
    ];
    tooltip.replaceChildren(...lines.filter(Boolean));
    tooltip.hidden = false;
    const box = el.getBoundingClientRect();
    let x = ev.clientX - box.left + 14;
    const y = ev.clientY - box.top + 14;
    if (x + 280 > box.width) x = Math.max(0, ev.clientX - box.left - 290);
    tooltip.style.left = `${x}px`;
    tooltip.style.top = `${y}px`;
  };

  scroller.addEventListener("scroll", () => {
    tooltip.hidden = true;
    schedule();
  }, { passive: true });
  const ro = new ResizeObserver(() => {
    if (!visible) return;
    const w = scroller.clientWidth;
    if (w !== cssW) {
      resize();
      schedule();
    }
  });
  ro.observe(scroller);
  const onWindowResize = () => {
    if (visible) {
      resize();
      schedule();
    }
  };
  window.addEventListener("resize", onWindowResize);
  // Running bars grow with time.
  const clock = setInterval(() => {
    if (visible && anyRunning && !document.hidden) schedule();
  }, 1000);

  return {
    el,
    // The store changed.
    update() {
      build();
      if (visible) {
        resize();
        schedule();
      }
    },
    setVisible(v) {
      visible = v;
      if (v) {
        build();
        resize();
        schedule();
      }
    },
    destroy() {
      ro.disconnect();
      clearInterval(clock);
      window.removeEventListener("resize", onWindowResize);
    },
  };
}

// `text` cut with "…" to fit `width` pixels in the canvas's current font.
function fit(ctx, text, width) {
  if (ctx.measureText(text).width <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}
