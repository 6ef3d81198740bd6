// The frame around every page: the header (home link and breadcrumbs), the error banner and the
// element pages render into.
//
// data-testid: header, home-link, breadcrumbs, crumb (each breadcrumb link), error,
//              error-dismiss, page
import { h, replace } from "./dom.js";
import { paths } from "./router.js";
import { isAbort } from "./api.js";

let crumbsEl;
let errorEl;
let errorList;
export let pageEl;

export function createShell(root) {
  crumbsEl = h("nav", { class: "crumbs", "aria-label": "Breadcrumbs", "data-testid": "breadcrumbs" });
  errorList = h("ul", { class: "error-list" });
  errorEl = h(
    "div",
    { class: "error-banner", role: "alert", "data-testid": "error", hidden: true },
    errorList,
    h("button", { type: "button", class: "error-dismiss", "aria-label": "Dismiss", "data-testid": "error-dismiss", onclick: clearErrors }, "×"),
  );
  pageEl = h("main", { class: "page", "data-testid": "page" });
  replace(
    root,
    h(
      "header",
      { class: "topbar", "data-testid": "header" },
      h("a", { class: "brand", href: paths.home(), "data-testid": "home-link" }, h("span", { class: "brand-mark", "aria-hidden": "true" }), "Conflux"),
      crumbsEl,
    ),
    errorEl,
    pageEl,
  );
}

// Sets the breadcrumbs: [{label, href}], the last one is the current page (no link needed).
export function setCrumbs(items) {
  const parts = [];
  items.forEach((item, i) => {
    if (i > 0) parts.push(h("span", { class: "crumb-sep", "aria-hidden": "true" }, "/"));
    const last = i === items.length - 1;
    parts.push(
      last || !item.href
        ? h("span", { class: ["crumb", last && "current"], "aria-current": last ? "page" : null, "data-testid": "crumb" }, item.label)
        : h("a", { class: "crumb", href: item.href, "data-testid": "crumb" }, item.label),
    );
  });
  replace(crumbsEl, parts);
  const title = items.map((i) => i.label).reverse();
  document.title = [...title, "Conflux"].join(" · ");
}

// Shows a failed request (or any error) in the banner; `context` says what was being loaded.
export function showError(err, context) {
  if (isAbort(err)) return;
  const detail = (err && (err.detail || err.message)) || String(err);
  // One failure often fails several requests (a missing run fails its tasks, steps, ...):
  // show each detail once.
  for (const li of errorList.children) if (li.dataset.detail === detail) return;
  errorList.appendChild(h("li", { dataset: { detail } }, context ? `${context}: ${detail}` : detail));
  errorEl.hidden = false;
}

export function clearErrors() {
  errorList.replaceChildren();
  errorEl.hidden = true;
}
