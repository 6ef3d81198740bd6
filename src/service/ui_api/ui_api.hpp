// The UI API of `conflux service`, under /api: the routes the web UI reads, in the envelope of
// Metaflow's UI backend (ui-cards.md §1.2), beside the metadata API at / (unchanged). Cards
// (ui_card_api.cpp) come from the datastore the service was started with (ApiContext::datastore).
//
// Thread safety: as the metadata API's handlers.
#pragma once

#include <nlohmann/json.hpp>

#include "service/api/api.hpp"

namespace conflux::service {

// {"data": [...], "status": 200, "links": {...}, "pages": {...}, "query": {...}} for a list that
// fits one page.
ApiResponse ui_list(const ApiRequest& req, nlohmann::json data);
// {"id", "traceback": null, "detail", "status", "title", "type": "about:blank"}.
ApiResponse ui_error(int status, const std::string& title, const std::string& detail);

// ui_card_api.cpp
// GET /api/flows/{f}/runs/{r}/steps/{s}/tasks/{t}/cards: [{"id", "hash", "type"}].
ApiResponse ui_task_cards(ApiContext& ctx, const ApiRequest& req);
// GET .../cards/{hash}: the card's HTML, sandboxed (Content-Security-Policy: sandbox).
ApiResponse ui_card_html(ApiContext& ctx, const ApiRequest& req);
// GET .../cards/{hash}/data: {"data": <its runtime data file>, "id", "type"} (what metaflow-ui
// polls while a card is live).
ApiResponse ui_card_data(ApiContext& ctx, const ApiRequest& req);

}  // namespace conflux::service
