// GET /api/runs and /api/flows/{f}/runs (the runs page and the flow page), a run, the flows, and
// the filter boxes' autocomplete. Filters use UIB's grammar (`field=a,b`, `field:op=v`, `_tags`);
// pages are keyset pages over (ts_epoch, run_number), newest first.
#include "service/api/common.hpp"
#include "service/ui_api/ui_api.hpp"

namespace conflux::service {

namespace {

const std::set<std::string, std::less<>> kRunFields = {
    "flow_id", "run_number", "run_id", "user_name", "user", "status", "ts_epoch", "finished_at",
    "last_heartbeat_ts", "current_step", "end_step"};
const std::set<std::string, std::less<>> kRunControls = {"_limit", "_after", "_page", "_order", "_tags",
                                                         "_tags:any", "_tags:all", "_tags:likeany",
                                                         "_tags:likeall", "_group_limit"};

ApiResponse list_runs(ApiContext& ctx, const ApiRequest& req, std::string flow_id) {
  if (auto bad = ui_check_query(req, kRunFields, kRunControls)) return *bad;
  // Only UIB's paging and ordering that keyset paging can serve: newest first, page 1.
  if (std::optional<std::string> order = req.query_value("_order");
      order && *order != "-ts_epoch" && *order != "ts_epoch") {
    return ui_error(400, "bad-order", "unsupported _order '" + *order + "': runs are listed newest first (-ts_epoch)");
  }
  if (std::optional<std::string> page = req.query_value("_page"); page && *page != "1") {
    return ui_error(400, "bad-page", "_page " + *page + " is not supported: follow links.next (keyset paging)");
  }
  RunQuery query;
  query.flow_id = std::move(flow_id);
  ApiResponse error;
  if (!api::parse_field_filters(req, kRunFields, true, &query.fields, &error)) {
    nlohmann::json detail = nlohmann::json::parse(error.body, nullptr, false);
    return ui_error(400, "bad-filter", detail.is_string() ? detail.get<std::string>() : error.body);
  }
  for (const auto& [key, value] : req.query) {
    if (!key.starts_with("_tags")) continue;
    std::string op = key.size() > 6 ? key.substr(6) : "all";
    query.tags.push_back(TagFilter{op, api::split_commas(value)});
  }
  Result<int64_t> limit = ui_limit(req, 30, 1000);
  if (!limit.ok()) return ui_status_error(limit.status());
  query.page.limit = *limit;
  if (std::optional<std::string> after = req.query_value("_after"); after && !after->empty()) {
    Result<nlohmann::json> c = ui_decode_cursor(*after, {"ts_epoch", "run_number"});
    if (!c.ok()) return ui_status_error(c.status());
    query.page.after = PageCursor{(*c)["ts_epoch"].get<int64_t>(), (*c)["run_number"].get<int64_t>(), ""};
  }
  Result<Page<RunRecord>> page = ctx.db.list_runs_filtered(query);
  if (!page.ok()) return ui_status_error(page.status());
  const int64_t now = ctx.clock.now_ms();
  nlohmann::json data = nlohmann::json::array();
  for (const RunRecord& r : page->items) data.push_back(ui_run_json(r, now));
  std::optional<std::pair<std::string, std::string>> next;
  if (page->has_more) {
    const RunRecord& last = page->items.back();
    next.emplace("_after", ui_encode_cursor({{"ts_epoch", last.ts_epoch}, {"run_number", last.run_number}}));
  }
  return ui_list(req, std::move(data), std::move(next));
}

ApiResponse autocomplete(const ApiRequest& req, const char* field,
                         const std::function<Result<std::vector<std::string>>(const std::string&, int64_t)>& find) {
  if (auto bad = ui_check_query(req, {field}, {"_limit"})) return *bad;
  std::string text;
  for (const auto& [key, value] : req.query) {
    if (key == std::string(field) + ":co" || key == field) text = value;
  }
  Result<int64_t> limit = ui_limit(req, 20, 200);
  if (!limit.ok()) return ui_status_error(limit.status());
  Result<std::vector<std::string>> found = find(text, *limit);
  if (!found.ok()) return ui_status_error(found.status());
  return ui_list(req, nlohmann::json(*found));
}

}  // namespace

ApiResponse ui_runs(ApiContext& ctx, const ApiRequest& req) { return list_runs(ctx, req, ""); }

ApiResponse ui_flow_runs(ApiContext& ctx, const ApiRequest& req) {
  Result<std::optional<FlowRecord>> flow = ctx.db.get_flow(req.params[0]);
  if (!flow.ok()) return ui_status_error(flow.status());
  if (!*flow) return ui_error(404, "not-found", "flow '" + req.params[0] + "' does not exist");
  return list_runs(ctx, req, req.params[0]);
}

ApiResponse ui_run(ApiContext& ctx, const ApiRequest& req) {
  if (auto bad = ui_check_query(req, {}, {})) return *bad;
  Result<std::optional<RunRecord>> run = ctx.db.get_run(req.params[0], ObjectKey::parse(req.params[1]));
  if (!run.ok()) return ui_status_error(run.status());
  if (!*run) return ui_error(404, "not-found", "run '" + req.params[0] + "/" + req.params[1] + "' does not exist");
  return ui_object(req, ui_run_json(**run, ctx.clock.now_ms()));
}

ApiResponse ui_flows(ApiContext& ctx, const ApiRequest& req) {
  if (auto bad = ui_check_query(req, {}, {"_limit", "_after"})) return *bad;
  Result<int64_t> limit = ui_limit(req, 100, 1000);
  if (!limit.ok()) return ui_status_error(limit.status());
  PageRequest page;
  page.limit = *limit;
  if (std::optional<std::string> after = req.query_value("_after"); after && !after->empty()) {
    Result<nlohmann::json> c = ui_decode_cursor(*after, {"ts_epoch"});
    if (!c.ok() || !(*c).contains("flow_id") || !(*c)["flow_id"].is_string()) {
      return ui_error(400, "bad-request", "malformed cursor: use the links.next of a previous page");
    }
    page.after = PageCursor{(*c)["ts_epoch"].get<int64_t>(), 0, (*c)["flow_id"].get<std::string>()};
  }
  Result<Page<FlowRecord>> flows = ctx.db.list_flows_page(page);
  if (!flows.ok()) return ui_status_error(flows.status());
  nlohmann::json data = nlohmann::json::array();
  for (const FlowRecord& f : flows->items) {
    data.push_back({{"flow_id", f.flow_id}, {"user_name", f.user_name ? nlohmann::json(*f.user_name) : nlohmann::json()},
                    {"ts_epoch", f.ts_epoch}});
  }
  std::optional<std::pair<std::string, std::string>> next;
  if (flows->has_more) {
    next.emplace("_after", ui_encode_cursor({{"ts_epoch", flows->items.back().ts_epoch},
                                             {"flow_id", flows->items.back().flow_id}}));
  }
  return ui_list(req, std::move(data), std::move(next));
}

ApiResponse ui_flow(ApiContext& ctx, const ApiRequest& req) {
  if (auto bad = ui_check_query(req, {}, {})) return *bad;
  Result<std::optional<FlowRecord>> flow = ctx.db.get_flow(req.params[0]);
  if (!flow.ok()) return ui_status_error(flow.status());
  if (!*flow) return ui_error(404, "not-found", "flow '" + req.params[0] + "' does not exist");
  const FlowRecord& f = **flow;
  return ui_object(req, {{"flow_id", f.flow_id},
                         {"user_name", f.user_name ? nlohmann::json(*f.user_name) : nlohmann::json()},
                         {"ts_epoch", f.ts_epoch}});
}

ApiResponse ui_flows_autocomplete(ApiContext& ctx, const ApiRequest& req) {
  return autocomplete(req, "flow_id", [&](const std::string& text, int64_t limit) {
    return ctx.db.autocomplete_flows(text, limit);
  });
}

ApiResponse ui_tags_autocomplete(ApiContext& ctx, const ApiRequest& req) {
  return autocomplete(req, "tag", [&](const std::string& text, int64_t limit) {
    return ctx.db.autocomplete_tags(text, limit);
  });
}

ApiResponse ui_version(ApiContext&, const ApiRequest& req) {
  return ui_object(req, {{"service", "conflux"}, {"metadata_service_version", std::string(kServiceVersion)}});
}

ApiResponse ui_features(ApiContext& ctx, const ApiRequest& req) {
  return ui_object(req, {{"DATASTORE", ctx.datastore != nullptr}, {"EVENTS", true}, {"KEYSET_PAGING", true}});
}

}  // namespace conflux::service
