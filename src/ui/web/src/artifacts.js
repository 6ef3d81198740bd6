// A task attempt's artifacts: name, Python type, size and the decoded value (a Python repr the
// server cut to a size cap), shown as text in a <pre>. When the server could not decode a value,
// its postprocess_error is shown instead.
//
// data-testid: artifacts, artifacts-table, artifact-row (data-name), artifact-name,
//              artifact-type, artifact-size, artifact-value, artifact-truncated, artifact-error,
//              artifacts-empty, artifact-filter
import { h, replace } from "./dom.js";
import { bytes } from "./format.js";

export function renderArtifacts(list) {
  const rows = (list || []).slice().sort((a, b) => String(a.name).localeCompare(String(b.name)));
  if (rows.length === 0) return h("div", { class: "empty", "data-testid": "artifacts-empty" }, "No artifacts for this attempt.");
  const tbody = h("tbody");
  const filter = h("input", { id: "artifact-filter", type: "search", placeholder: "Filter by name", autocomplete: "off", "data-testid": "artifact-filter" });
  const trs = rows.map((a) => {
    let value;
    if (a.postprocess_error) value = h("div", { class: "artifact-error", "data-testid": "artifact-error" }, a.postprocess_error);
    else if (a.content === null || a.content === undefined) value = h("span", { class: "muted", "data-testid": "artifact-value" }, "not shown");
    else {
      value = [
        h("pre", { class: "value", "data-testid": "artifact-value" }, a.content),
        a.truncated ? h("div", { class: "muted small", "data-testid": "artifact-truncated" }, "truncated") : null,
      ];
    }
    return h(
      "tr",
      { "data-testid": "artifact-row", dataset: { name: a.name } },
      h("td", { class: "mono", "data-testid": "artifact-name" }, a.name),
      h("td", { class: "mono", "data-testid": "artifact-type" }, a.type || "—"),
      h("td", { class: "num", "data-testid": "artifact-size" }, a.size === null || a.size === undefined ? "—" : bytes(a.size)),
      h("td", { class: "c-value" }, value),
    );
  });
  replace(tbody, trs);
  filter.addEventListener("input", () => {
    const q = filter.value.trim().toLowerCase();
    trs.forEach((tr, i) => (tr.hidden = q !== "" && !String(rows[i].name).toLowerCase().includes(q)));
  });
  return h(
    "div",
    { "data-testid": "artifacts" },
    rows.length > 8 ? h("div", { class: "toolbar" }, h("label", { for: "artifact-filter", class: "sr-only" }, "Filter artifacts"), filter) : null,
    h(
      "table",
      { class: "grid artifacts", "data-testid": "artifacts-table" },
      h("thead", null, h("tr", null, h("th", { class: "c-name" }, "Name"), h("th", { class: "c-type" }, "Type"), h("th", { class: "c-size" }, "Size"), h("th", null, "Value"))),
      tbody,
    ),
  );
}
