// The chart library, in its own bundle: a card embeds it only if it has a vegaChart (it is most
// of a card's size otherwise). Specs are evaluated by vega's interpreter (no eval: cards run
// under a Content-Security-Policy without 'unsafe-eval'), and only the export actions are offered:
// no "view source" page or online editor, whose contents a card's spec could shape.
import embed from "vega-embed";
import { expressionInterpreter } from "vega-interpreter";

window.conflux_vega_embed = (element, spec, showControls) => {
  const safe = { ...spec };
  delete safe.usermeta;  // vega-embed reads options from here too
  const actions = showControls ? { export: true, source: false, compiled: false, editor: false } : false;
  return embed(element, safe, { actions, ast: true, expr: expressionInterpreter });
};
