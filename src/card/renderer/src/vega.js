// The chart library, in its own bundle: a card embeds it only if it has a vegaChart (it is most
// of a card's size otherwise).
import embed from "vega-embed";

window.conflux_vega_embed = (element, spec, options) => embed(element, spec, options);
