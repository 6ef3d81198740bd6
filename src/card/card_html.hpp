// A card's HTML file: the shell Metaflow's cards use (ui-cards.md §3.2: the card JSON base64 in
// window.__MF_DATA__, METAFLOW_RELOAD_TOKEN, metaflow_card_update) with Conflux's own renderer
// embedded, so the file renders offline and Metaflow's tools and metaflow-ui can show it.
#pragma once

#include <string>
#include <string_view>

#include "conflux/cards.hpp"

namespace conflux {

// `reload_token`: "runtime-<layout version>" while the task runs, "final" at its end (a final card
// turns live updates off). The chart library is embedded only if the card has a vegaChart.
std::string card_html(const cards::Json& document, std::string_view title, std::string_view reload_token);

// The embedded renderer's parts (for tests and `conflux ui`).
std::string_view card_renderer_js();
std::string_view card_renderer_css();
std::string_view card_vega_js();

}  // namespace conflux
