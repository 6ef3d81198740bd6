// GET /flows/{flow_id}/runs (with metaflow-service's filter grammar), GET and DELETE
// /flows/{flow_id}/runs/{run_number}, POST /flows/{flow_id}/run.
#include <set>

#include "service/api/common.hpp"
#include "service/json_writer.hpp"
#include "service/ui_api/ui_api.hpp"

namespace conflux::service {

using namespace api;

namespace {

const std::set<std::string, std::less<>> kRunFilterFields = {
    "flow_id", "run_number", "run_id", "user_name", "ts_epoch", "last_heartbeat_ts",
    "tags",    "system_tags", "user",  "status"};
const std::set<std::string, std::less<>> kOperators = {"eq", "ne", "lt", "le", "gt", "ge",
                                                        "co", "sw", "ew", "li", "is"};

}  // namespace

std::vector<std::string> api::split_commas(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// Shared with task_api.cpp: `field:op=v1,v2` conditions for the allowed fields; unknown fields
// are ignored, a bad operator or a non-integer time is a 400 (metaflow-service's messages).
bool api::parse_field_filters(const ApiRequest& req, const std::set<std::string, std::less<>>& allowed,
                         bool with_status_values, std::vector<FieldFilter>* out, ApiResponse* error) {
  for (const auto& [key, value] : req.query) {
    if (key.starts_with("_")) continue;
    size_t colon = key.find(':');
    std::string field = key.substr(0, colon);
    std::string op = colon == std::string::npos ? "eq" : key.substr(colon + 1);
    if (op.empty()) op = "eq";
    if (!allowed.contains(field)) continue;
    if (!kOperators.contains(op)) {
      *error = string_error(400, "unsupported operator '" + op + "' for field '" + field + "'");
      return false;
    }
    std::vector<std::string> values = split_commas(value);
    for (const std::string& v : values) {
      if (v == "null") continue;
      if (with_status_values && field == "status" && v != "running" && v != "completed" && v != "failed") {
        *error = string_error(400, "unsupported status filter: " + v);
        return false;
      }
      if (field == "ts_epoch" || field == "last_heartbeat_ts") {
        std::string_view t = v;
        while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
        while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
        bool digits = !t.empty();
        size_t i = (t.starts_with("-") || t.starts_with("+")) ? 1 : 0;
        if (i == t.size()) digits = false;
        for (; i < t.size(); ++i) digits = digits && std::isdigit(static_cast<unsigned char>(t[i]));
        if (!digits) {
          *error = string_error(400, "invalid " + field + ": expected integer epoch milliseconds, got '" + v + "'");
          return false;
        }
      }
    }
    if (op == "is") op = "eq";  // "is" only makes sense with null, handled per value
    out->push_back(FieldFilter{field, op, std::move(values)});
  }
  return true;
}

ApiResponse get_all_runs(ApiContext& ctx, const ApiRequest& req) {
  RunQuery query;
  query.flow_id = req.params[0];
  ApiResponse error;
  if (!parse_field_filters(req, kRunFilterFields, true, &query.fields, &error)) return error;
  for (const auto& [key, value] : req.query) {
    if (key != "_tags" && !key.starts_with("_tags:")) continue;
    std::string op = key.size() > 6 ? key.substr(6) : "all";
    if (op != "any" && op != "likeany" && op != "likeall") op = "all";
    query.tags.push_back(TagFilter{op, split_commas(value)});
  }
  bool paginated = false;
  std::optional<PageParams> page = page_params(req, &paginated, &error);
  if (!page) return error;
  if (query.fields.empty() && query.tags.empty() && !paginated) {
    Result<std::vector<RunRecord>> runs = ctx.db.list_runs(query.flow_id);
    if (!runs.ok()) return db_error(runs.status());
    return json_response(200, write_list(*runs, [](std::string& out, RunRecord r) {
      r.status.reset();
      write_run(out, r, true);
    }));
  }
  // metaflow-service shows the derived status only when asked to filter on it.
  bool with_status = false;
  for (const FieldFilter& f : query.fields) with_status = with_status || f.field == "status";
  query.page.limit = page->limit;
  if (page->cursor) {
    PageCursor c;
    if (!cursor_fields(*page->cursor, "run_number", nullptr, &c)) return string_error(400, "Invalid cursor");
    query.page.after = c;
  }
  Result<Page<RunRecord>> result = ctx.db.list_runs_filtered(query);
  if (!result.ok()) return db_error(result.status());
  ApiResponse response = json_response(200, write_list(result->items, [with_status](std::string& out, RunRecord r) {
    if (!with_status) r.status.reset();
    write_run(out, r, true);
  }));
  std::optional<Json> next;
  if (result->has_more) {
    next = Json{{"ts_epoch", result->items.back().ts_epoch}, {"run_number", result->items.back().run_number}};
  }
  add_page_headers(response, page->limit, next);
  return response;
}

ApiResponse get_run(ApiContext& ctx, const ApiRequest& req) {
  Result<std::optional<RunRecord>> run = ctx.db.get_run(req.params[0], ObjectKey::parse(req.params[1]));
  if (!run.ok()) return db_error(run.status());
  if (!*run) return not_found_empty();
  std::string body;
  (*run)->status.reset();  // metaflow-service's run has no status
  write_run(body, **run, true);
  return json_response(200, std::move(body));
}

ApiResponse create_run(ApiContext& ctx, const ApiRequest& req) {
  ApiResponse error;
  std::optional<Json> body = parse_body(req, &error);
  if (!body) return error;
  if (!body->is_object()) return string_error(400, "the request body must be a JSON object");
  RunRecord run;
  run.flow_id = req.params[0];
  if (!optional_string_field(*body, "user_name", &run.user_name, &error) ||
      !tags_field(*body, "tags", &run.tags, &error) ||
      !tags_field(*body, "system_tags", &run.system_tags, &error) ||
      !optional_string_field(*body, "run_number", &run.run_id, &error)) {
    return error;
  }
  if (run.run_id && run.run_id->empty()) run.run_id.reset();
  if (run.run_id && ObjectKey::parse(*run.run_id).number) {
    // metaflow-service answers this with a 500; it is the client's mistake, so 400 here.
    return problem(400, "provided run_id may not be a numeric");
  }
  run.ts_epoch = ctx.clock.now_ms();
  Json system_tags = body->contains("system_tags") ? (*body)["system_tags"] : Json();
  if (heartbeat_capable(system_tags)) run.last_heartbeat_ts = ctx.clock.now_seconds();
  Result<RunRecord> created = ctx.db.create_run(run);
  if (!created.ok()) return db_error(created.status());
  publish_run_change(ctx, created->flow_id, created->run_number, "INSERT");
  std::string out;
  write_run(out, *created, false);
  return json_response(200, std::move(out));
}

ApiResponse delete_run(ApiContext& ctx, const ApiRequest& req) {
  const std::string& flow_id = req.params[0];
  ObjectKey key = ObjectKey::parse(req.params[1]);
  Result<std::optional<RunRecord>> run = ctx.db.get_run(flow_id, key);
  if (!run.ok()) return db_error(run.status());
  if (!*run) return problem(404, "run '" + req.params[1] + "' of flow '" + flow_id + "' does not exist");
  Result<DeletedCounts> deleted = ctx.db.delete_run(flow_id, key);
  if (!deleted.ok()) {
    if (deleted.status().is_not_found()) return problem(404, deleted.status().message());
    return db_error(deleted.status());
  }
  std::string counts;
  JsonWriter w(counts);
  w.begin_object();
  w.key("steps");
  w.number(deleted->steps);
  w.key("tasks");
  w.number(deleted->tasks);
  w.key("metadata");
  w.number(deleted->metadata);
  w.key("artifacts");
  w.number(deleted->artifacts);
  w.end_object();
  if (ctx.log) {
    std::string line;
    JsonWriter a(line);
    a.begin_object();
    a.key("audit");
    a.string("delete_run");
    a.key("ts_epoch");
    a.number(ctx.clock.now_ms());
    a.key("flow_id");
    a.string(flow_id);
    a.key("run_number");
    a.number((*run)->run_number);
    a.key("run_id");
    a.optional_string((*run)->run_id);
    a.key("deleted");
    a.raw(counts);
    a.end_object();
    ctx.log(line);
  }
  std::string body;
  JsonWriter b(body);
  b.begin_object();
  b.key("flow_id");
  b.string(flow_id);
  b.key("run_number");
  if ((*run)->run_id) {
    b.string(*(*run)->run_id);
  } else {
    b.number((*run)->run_number);
  }
  b.key("deleted");
  b.raw(counts);
  b.end_object();
  return json_response(200, std::move(body));
}

}  // namespace conflux::service
