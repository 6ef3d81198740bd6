// Metadata rows: GET .../tasks/{task_id}/metadata (newest first), GET .../runs/{run}/metadata,
// POST .../tasks/{task_id}/metadata (a list of rows).
#include "service/api/common.hpp"
#include "service/ui_api/ui_api.hpp"

namespace conflux::service {

using namespace api;

namespace {

// metaflow-service hands `value` to psycopg2, which stores a non-string as PostgreSQL prints it
// in a TEXT column: a list becomes an array literal ({items=apple}), a number its digits, a
// boolean true/false. Metaflow sends foreach-stack as a list. nullopt: not storable (object).
std::optional<std::string> postgres_text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return std::string(v.get<bool>() ? "true" : "false");
  if (v.is_number()) return v.dump();
  if (!v.is_array()) return std::nullopt;
  std::string out = "{";
  bool first = true;
  for (const Json& e : v) {
    if (!first) out += ",";
    first = false;
    if (e.is_null()) {
      out += "NULL";
      continue;
    }
    std::optional<std::string> text = postgres_text(e);
    if (!text) return std::nullopt;
    if (e.is_array()) {
      out += *text;
      continue;
    }
    bool quote = text->empty() || *text == "NULL";
    for (char c : *text) quote = quote || c == ',' || c == '{' || c == '}' || c == '"' || c == '\\' || std::isspace(static_cast<unsigned char>(c));
    if (!quote) {
      out += *text;
      continue;
    }
    out += '"';
    for (char c : *text) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

template <class ListAll, class ListPage>
ApiResponse metadata_list(const ApiRequest& req, ListAll list_all, ListPage list_page) {
  ApiResponse error;
  bool paginated = false;
  std::optional<PageParams> page = page_params(req, &paginated, &error);
  if (!page) return error;
  if (!paginated) {
    Result<std::vector<MetadataRecord>> rows = list_all();
    if (!rows.ok()) return db_error(rows.status());
    return json_response(200, write_list(*rows, write_metadata));
  }
  PageRequest request{page->limit, std::nullopt};
  if (page->cursor) {
    PageCursor c;
    if (!cursor_fields(*page->cursor, "id", nullptr, &c)) return string_error(400, "Invalid cursor");
    request.after = c;
  }
  Result<Page<MetadataRecord>> result = list_page(request);
  if (!result.ok()) return db_error(result.status());
  ApiResponse response = json_response(200, write_list(result->items, write_metadata));
  std::optional<Json> next;
  if (result->has_more) next = Json{{"ts_epoch", result->items.back().ts_epoch}, {"id", result->items.back().id}};
  add_page_headers(response, page->limit, next);
  return response;
}

}  // namespace

ApiResponse get_task_metadata(ApiContext& ctx, const ApiRequest& req) {
  ObjectKey run = ObjectKey::parse(req.params[1]);
  ObjectKey task = ObjectKey::parse(req.params[3]);
  return metadata_list(
      req, [&] { return ctx.db.list_task_metadata(req.params[0], run, req.params[2], task); },
      [&](const PageRequest& p) { return ctx.db.list_task_metadata_page(req.params[0], run, req.params[2], task, p); });
}

ApiResponse get_run_metadata(ApiContext& ctx, const ApiRequest& req) {
  ObjectKey run = ObjectKey::parse(req.params[1]);
  return metadata_list(
      req, [&] { return ctx.db.list_run_metadata(req.params[0], run); },
      [&](const PageRequest& p) { return ctx.db.list_run_metadata_page(req.params[0], run, p); });
}

ApiResponse create_metadata(ApiContext& ctx, const ApiRequest& req) {
  ApiResponse error;
  std::optional<Json> body = parse_body(req, &error);
  if (!body) return error;
  if (!body->is_array()) return string_error(400, "the request body must be a list of metadata rows");
  const std::string& flow_id = req.params[0];
  std::optional<TaskRecord> task = registered_task(ctx, req, &error);
  if (!task) return error;
  std::vector<MetadataRecord> rows;
  int64_t now = ctx.clock.now_ms();
  for (const Json& item : *body) {
    if (!item.is_object()) return string_error(400, "each metadata row must be a JSON object");
    MetadataRecord m;
    m.flow_id = flow_id;
    m.run_number = task->run_number;
    m.run_id = task->run_id;
    m.step_name = req.params[2];
    m.task_id = task->task_id;
    m.task_name = task->task_name;
    std::optional<std::string> field_name, value, type;
    if (!optional_string_field(item, "field_name", &field_name, &error) ||
        !optional_string_field(item, "type", &type, &error) ||
        !optional_string_field(item, "user_name", &m.user_name, &error) ||
        !tags_field(item, "tags", &m.tags, &error) || !tags_field(item, "system_tags", &m.system_tags, &error)) {
      return error;
    }
    if (auto v = item.find("value"); v != item.end() && !v->is_null()) {
      value = postgres_text(*v);
      if (!value) continue;  // an object: metaflow-service fails to store it and does not count it
    }
    // Absent fields default to " " (metaflow-service); an explicit null cannot be stored.
    if ((item.contains("field_name") && !field_name) || (item.contains("value") && !value) ||
        (item.contains("type") && !type)) {
      continue;
    }
    m.field_name = field_name.value_or(" ");
    m.value = value.value_or(" ");
    m.type = type.value_or(" ");
    m.ts_epoch = now;
    rows.push_back(std::move(m));
  }
  Result<int64_t> stored = ctx.db.add_metadata(rows);
  if (!stored.ok()) return db_error(stored.status());
  publish_metadata_effects(ctx, rows);
  ApiResponse response = json_response(200, "{\"metadata_created\": " + std::to_string(*stored) + "}");
  response.version_header = false;
  return response;
}

}  // namespace conflux::service
