// A task's cards, each in its own sandboxed iframe (scripts allowed, same origin never: a card
// is untrusted HTML and must not reach the UI or its API session). With several cards a selector
// picks the one shown; iframes are created on first view and kept, so live cards keep updating.
// Live cards: while the task runs, the card's runtime data (`<card>/data`) is polled and its
// changes are posted into the frame ({type: "metaflow_card_update", changes}: the sandboxed frame
// cannot be called into, and the card listens only to its parent).
//
// data-testid: cards, card-select, card-frame (data-hash), card-open, no-cards
import { getJson, isAbort } from "./api.js";
import { h } from "./dom.js";

const LIVE_POLL_MS = 1000;

// Posts the card's runtime data into `frame` every LIVE_POLL_MS while the task runs and the frame
// is shown; stops once the task has finished (the page then reloads its cards, final ones).
function followLiveCard(frame, dataUrl, live) {
  let lastCreated = null;
  const tick = async () => {
    if ((live.signal && live.signal.aborted) || live.finished()) return;
    if (live.isLive() && !frame.hidden && frame.contentWindow) {
      try {
        const body = await getJson(dataUrl, live.signal);
        const payload = body && body.data;
        const created = payload && payload.created_on;
        if (payload && payload.data && created !== lastCreated) {
          lastCreated = created;
          frame.contentWindow.postMessage({ type: "metaflow_card_update", changes: payload.data }, "*");
        }
      } catch (err) {
        if (isAbort(err)) return;  // a card without runtime data yet: try again later
      }
    }
    setTimeout(tick, LIVE_POLL_MS);
  };
  setTimeout(tick, LIVE_POLL_MS);
}

// list: [{id, hash, type}]; src(hash) -> the card's URL; live (optional): {isLive(), finished(),
// signal} to follow live cards while the task runs (isLive() may be false at first: the task's
// row can arrive after the cards).
export function renderCards(list, src, live) {
  if (!list || list.length === 0) return h("div", { class: "empty", "data-testid": "no-cards" }, "No cards for this task.");
  const frames = new Map();
  const stage = h("div", { class: "card-stage" });
  const open = h("a", { class: "btn link", target: "_blank", rel: "noopener noreferrer", "data-testid": "card-open" }, "Open in a new tab");
  const label = (c, i) => `${c.id ? c.id : `Card ${i + 1}`}${c.type ? ` (${c.type})` : ""}`;

  const show = (i) => {
    const c = list[i];
    let frame = frames.get(c.hash);
    if (!frame) {
      frame = h("iframe", { class: "card-frame", sandbox: "allow-scripts", src: src(c.hash), title: label(c, i), loading: "lazy", "data-testid": "card-frame", dataset: { hash: c.hash } });
      frames.set(c.hash, frame);
      stage.appendChild(frame);
      if (live) followLiveCard(frame, `${src(c.hash)}/data`, live);
    }
    for (const f of frames.values()) f.hidden = f !== frame;
    open.setAttribute("href", src(c.hash));
  };

  let select = null;
  if (list.length > 1) {
    select = h(
      "select",
      { id: "card-select", "data-testid": "card-select", onchange: () => show(Number(select.value)) },
      list.map((c, i) => h("option", { value: String(i) }, label(c, i))),
    );
  }
  const el = h(
    "div",
    { class: "cards", "data-testid": "cards" },
    h("div", { class: "toolbar" }, select ? [h("label", { for: "card-select", class: "filter-label inline" }, "Card"), select] : h("span", { class: "muted" }, label(list[0], 0)), h("span", { class: "grow" }), open),
    stage,
  );
  show(0);
  return el;
}
