// Entry point: builds the frame, starts the router and mounts the page for each URL.
// A page is a module with mount(root, {params, query}) returning {destroy(), update?(query)};
// update() handles a change of query string alone (back/forward between tabs or filters)
// without reloading the page's data.
import { h, replace } from "./dom.js";
import { start, paths } from "./router.js";
import { clearErrors, createShell, pageEl, setCrumbs, showError } from "./shell.js";
import { startTicker } from "./widgets.js";
import * as runsPage from "./runs_page.js";
import * as flowPage from "./flow_page.js";
import * as runPage from "./run_page.js";
import * as taskPage from "./task_page.js";

const PAGES = { runs: runsPage, flow: flowPage, run: runPage, task: taskPage };

let current = null; // {key, page}

function render(route, query) {
  const key = route ? `${route.name}\u0000${JSON.stringify(route.params)}` : "";
  if (current && current.key === key && current.page.update) {
    current.page.update(query);
    return;
  }
  if (current) current.page.destroy();
  current = null;
  clearErrors();
  const root = h("div", { class: "page-root" });
  replace(pageEl, root);
  if (!route) {
    setCrumbs([{ label: "Not found" }]);
    replace(root, h("div", { class: "notice warn", "data-testid": "not-found" }, "There is no page here. ", h("a", { href: paths.home() }, "See all runs")));
    current = { key, page: { destroy() {} } };
    return;
  }
  const page = PAGES[route.name].mount(root, { params: route.params, query });
  current = { key, page };
}

createShell(document.getElementById("app"));
// Anything unexpected is shown rather than leaving a half-drawn page.
window.addEventListener("error", (ev) => showError(ev.error || ev.message, "Unexpected error"));
window.addEventListener("unhandledrejection", (ev) => showError(ev.reason, "Unexpected error"));
startTicker();
start(render);
