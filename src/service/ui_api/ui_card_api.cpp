// The UI API's card routes (ui-cards.md §3.6): a task's cards, a card's HTML and its live data,
// read from the datastore through src/card.
#include "card/card_files.hpp"
#include "service/ui_api/ui_task.hpp"

namespace conflux::service {

namespace {

// The task of a .../tasks/{task_id}/cards... route, with the ids the datastore's paths use (a
// run's or task's name when it has one, as the runtime named its files). A task the database
// does not know is looked for in the datastore under the ids of the route.
Result<CardTask> task_of(ApiContext& ctx, const ApiRequest& req) {
  Result<UiTask> known = ui_find_task(ctx, req);
  if (known.ok()) return CardTask{known->run.flow_id, known->run_key(), known->task.step_name, known->task_key()};
  if (!known.status().is_not_found()) return known.status();
  return CardTask{req.params[0], req.params[1], req.params[2], req.params[3]};
}

// The task's cards.
Result<std::vector<CardFile>> cards_of(ApiContext& ctx, const CardTask& task) {
  CONFLUX_ASSIGN_OR_RETURN(StorageBackend * storage, ui_datastore(ctx));
  return list_task_cards(*storage, task);
}

ApiResponse failure(const Status& s) {
  switch (s.code()) {
    case StatusCode::kUnavailable: return ui_error(404, "datastore-not-configured", s.message());
    case StatusCode::kNotFound: return ui_error(404, "not-found", s.message());
    case StatusCode::kFailedPrecondition: return ui_error(400, "ambiguous-hash", s.message());
    case StatusCode::kInvalidArgument: return ui_error(400, "bad-request", s.message());  // e.g. a bad name
    default: return ui_error(500, "datastore-error", s.to_string());
  }
}

// The card {hash} of the task (a prefix of at least 5 characters matches, as Metaflow's --hash).
Result<CardFile> find_card(ApiContext& ctx, const ApiRequest& req) {
  CONFLUX_ASSIGN_OR_RETURN(const CardTask task, task_of(ctx, req));
  const std::string& hash = req.params[4];
  CONFLUX_ASSIGN_OR_RETURN(std::vector<CardFile> cards, cards_of(ctx, task));
  const CardFile* found = nullptr;
  for (const CardFile& c : cards) {
    if (c.hash == hash || (hash.size() >= 5 && c.hash.starts_with(hash))) {
      if (found) return Status(StatusCode::kFailedPrecondition, "card hash '" + hash + "' matches several cards of " + task.pathspec());
      found = &c;
    }
  }
  if (!found) return Status::not_found("task " + task.pathspec() + " has no card '" + hash + "'");
  return *found;
}

}  // namespace

ApiResponse ui_task_cards(ApiContext& ctx, const ApiRequest& req) {
  Result<CardTask> task = task_of(ctx, req);
  if (!task.ok()) return failure(task.status());
  Result<std::vector<CardFile>> cards = cards_of(ctx, *task);
  if (!cards.ok()) return failure(cards.status());
  nlohmann::json data = nlohmann::json::array();
  for (const CardFile& c : *cards) {
    data.push_back({{"id", c.id.empty() ? nlohmann::json() : nlohmann::json(c.id)}, {"hash", c.hash}, {"type", c.type}});
  }
  return ui_list(req, std::move(data));
}

ApiResponse ui_card_html(ApiContext& ctx, const ApiRequest& req) {
  Result<CardFile> card = find_card(ctx, req);
  if (!card.ok()) return failure(card.status());
  Result<std::string> html = ctx.datastore->load(card->html_key);
  if (!html.ok()) return failure(html.status());
  ApiResponse res;
  res.body = std::move(*html);
  res.content_type = "text/html; charset=utf-8";
  res.version_header = false;
  // The card runs in a sandbox of its own origin, whatever frame or tab shows it, and fetches
  // nothing (it is self-contained).
  res.headers.push_back({"Content-Security-Policy",
                         "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; "
                         "style-src 'unsafe-inline'; img-src data:"});
  res.headers.push_back({"X-Content-Type-Options", "nosniff"});
  return res;
}

ApiResponse ui_card_data(ApiContext& ctx, const ApiRequest& req) {
  Result<CardFile> card = find_card(ctx, req);
  if (!card.ok()) return failure(card.status());
  Result<std::string> text = ctx.datastore->load(card->data_key);
  if (!text.ok()) return failure(text.status().code() == StatusCode::kNotFound
                                     ? Status::not_found("card " + card->hash + " has no runtime data (it never refreshed)")
                                     : text.status());
  nlohmann::json data = nlohmann::json::parse(*text, nullptr, false);
  if (data.is_discarded()) return ui_error(500, "bad-card-data", "the data file of card " + card->hash + " is not JSON");
  nlohmann::json body = {{"data", std::move(data)}, {"id", card->id.empty() ? nlohmann::json() : nlohmann::json(card->id)},
                         {"type", card->type}};
  ApiResponse res;
  res.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  res.content_type = std::string(kApplicationJson);
  res.version_header = false;
  return res;
}

}  // namespace conflux::service
