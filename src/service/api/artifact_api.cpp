// Artifact rows: GET by task (latest attempt, or one attempt), by step, by run, one by name
// (optionally of an attempt); POST .../tasks/{task_id}/artifact (a list of rows).
#include <charconv>
#include <map>

#include "service/api/common.hpp"

namespace conflux::service {

using namespace api;

namespace {

ArtifactScope scope_of(const ApiRequest& req, size_t depth) {
  ArtifactScope scope{req.params[0], ObjectKey::parse(req.params[1]), std::nullopt, std::nullopt};
  if (depth >= 3) scope.step_name = req.params[2];
  if (depth >= 4) scope.task = ObjectKey::parse(req.params[3]);
  return scope;
}

// Keeps each task's rows of its highest attempt (metaflow-service's
// filter_artifacts_for_latest_attempt), in order.
std::vector<ArtifactRecord> latest_attempt_only(std::vector<ArtifactRecord> rows) {
  std::map<int64_t, int64_t> latest;
  for (const ArtifactRecord& a : rows) latest[a.task_id] = std::max(latest[a.task_id], a.attempt_id);
  std::vector<ArtifactRecord> out;
  for (ArtifactRecord& a : rows) {
    if (a.attempt_id == latest[a.task_id]) out.push_back(std::move(a));
  }
  return out;
}

ApiResponse artifact_list(ApiContext& ctx, const ApiRequest& req, size_t depth) {
  ArtifactScope scope = scope_of(req, depth);
  ApiResponse error;
  bool paginated = false;
  std::optional<PageParams> page = page_params(req, &paginated, &error);
  if (!page) return error;
  std::vector<ArtifactRecord> rows;
  std::optional<Json> next;
  if (!paginated) {
    Result<std::vector<ArtifactRecord>> all = ctx.db.list_artifacts(scope);
    if (!all.ok()) return db_error(all.status());
    rows = latest_attempt_only(std::move(*all));
  } else {
    PageRequest request{page->limit, std::nullopt};
    if (page->cursor) {
      PageCursor c;
      if (!cursor_fields(*page->cursor, "task_id", "name", &c)) return string_error(400, "Invalid cursor");
      request.after = c;
    }
    Result<Page<ArtifactRecord>> result = ctx.db.list_artifacts_page(scope, request);
    if (!result.ok()) return db_error(result.status());
    rows = std::move(result->items);
    if (result->has_more) {
      next = Json{{"ts_epoch", rows.back().ts_epoch}, {"task_id", rows.back().task_id}, {"name", rows.back().name}};
    }
  }
  ApiResponse response = json_response(200, "[]");
  if (!rows.empty()) {
    Result<RunRecord> owner = run_for_tags(ctx, scope.flow_id, scope.run);
    if (!owner.ok()) return problem(500, owner.status().message());
    response.body = write_list(rows, [&](std::string& out, const ArtifactRecord& a) {
      write_artifact(out, a, tags_of(*owner));
    });
  }
  if (paginated) add_page_headers(response, page->limit, next);
  return response;
}

std::optional<int64_t> parse_attempt(const std::string& text) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 0) return std::nullopt;
  return n;
}

ApiResponse one_artifact(ApiContext& ctx, const ArtifactScope& scope, const std::string& name, int64_t attempt) {
  Result<std::optional<ArtifactRecord>> found = ctx.db.get_artifact(scope, name, attempt);
  if (!found.ok()) return db_error(found.status());
  if (!*found) return not_found_empty();
  Result<RunRecord> owner = run_for_tags(ctx, scope.flow_id, scope.run);
  if (!owner.ok()) return problem(500, owner.status().message());
  std::string body;
  write_artifact(body, **found, tags_of(*owner));
  return json_response(200, std::move(body));
}

}  // namespace

ApiResponse get_artifact(ApiContext& ctx, const ApiRequest& req) {
  ArtifactScope scope = scope_of(req, 4);
  // metaflow-service takes "the latest attempt" from the task's artifact literally called
  // "name" (every Metaflow task stores one per attempt), defaulting to attempt 0. Kept as is so
  // the same request answers the same row.
  Result<std::optional<ArtifactRecord>> name_row = ctx.db.get_artifact(scope, "name", std::nullopt);
  if (!name_row.ok()) return db_error(name_row.status());
  int64_t attempt = *name_row ? (*name_row)->attempt_id : 0;
  return one_artifact(ctx, scope, req.params[4], attempt);
}

ApiResponse get_artifact_attempt(ApiContext& ctx, const ApiRequest& req) {
  std::optional<int64_t> attempt = parse_attempt(req.params[5]);
  if (!attempt) return string_error(400, "invalid attempt id: '" + req.params[5] + "'");
  return one_artifact(ctx, scope_of(req, 4), req.params[4], *attempt);
}

ApiResponse get_task_artifacts(ApiContext& ctx, const ApiRequest& req) { return artifact_list(ctx, req, 4); }
ApiResponse get_step_artifacts(ApiContext& ctx, const ApiRequest& req) { return artifact_list(ctx, req, 3); }
ApiResponse get_run_artifacts(ApiContext& ctx, const ApiRequest& req) { return artifact_list(ctx, req, 2); }

ApiResponse get_task_attempt_artifacts(ApiContext& ctx, const ApiRequest& req) {
  std::optional<int64_t> attempt = parse_attempt(req.params[4]);
  if (!attempt) return string_error(400, "invalid attempt id: '" + req.params[4] + "'");
  ArtifactScope scope = scope_of(req, 4);
  Result<std::vector<ArtifactRecord>> rows = ctx.db.list_artifacts(scope);
  if (!rows.ok()) return db_error(rows.status());
  std::vector<ArtifactRecord> selected;
  for (ArtifactRecord& a : *rows) {
    if (a.attempt_id == *attempt) selected.push_back(std::move(a));
  }
  ApiResponse response = json_response(200, "[]");
  response.version_header = false;  // metaflow-service answers this route without it
  if (!rows->empty()) {
    Result<RunRecord> owner = run_for_tags(ctx, scope.flow_id, scope.run);
    if (!owner.ok()) return problem(500, owner.status().message());
    response.body = write_list(selected, [&](std::string& out, const ArtifactRecord& a) {
      write_artifact(out, a, tags_of(*owner));
    });
  }
  return response;
}

ApiResponse create_artifacts(ApiContext& ctx, const ApiRequest& req) {
  ApiResponse error;
  std::optional<Json> body = parse_body(req, &error);
  if (!body) return error;
  if (!body->is_array()) return string_error(400, "the request body must be a list of artifacts");
  const std::string& flow_id = req.params[0];
  std::optional<TaskRecord> task = registered_task(ctx, req, &error);
  if (!task) return error;
  // Validate every row before storing any, so a bad row never leaves a partial write.
  std::vector<ArtifactRecord> rows;
  int64_t now = ctx.clock.now_ms();
  for (const Json& item : *body) {
    if (!item.is_object()) return string_error(400, "each artifact must be a JSON object");
    ArtifactRecord a;
    a.flow_id = flow_id;
    a.run_number = task->run_number;
    a.run_id = task->run_id;
    a.step_name = req.params[2];
    a.task_id = task->task_id;
    a.task_name = task->task_name;
    std::optional<std::string> name, location, ds_type;
    if (!optional_string_field(item, "name", &name, &error) ||
        !optional_string_field(item, "location", &location, &error) ||
        !optional_string_field(item, "ds_type", &ds_type, &error) ||
        !optional_string_field(item, "sha", &a.sha, &error) ||
        !optional_string_field(item, "type", &a.type, &error) ||
        !optional_string_field(item, "content_type", &a.content_type, &error) ||
        !optional_string_field(item, "user_name", &a.user_name, &error) ||
        !tags_field(item, "tags", &a.tags, &error) || !tags_field(item, "system_tags", &a.system_tags, &error)) {
      return error;
    }
    // Absent fields default to " " as in metaflow-service; an explicit null for a required
    // column makes that row fail to store (not counted).
    bool storable = true;
    auto required = [&](const char* key, std::optional<std::string>& v, std::string& dest) {
      if (!item.contains(key)) {
        dest = " ";
      } else if (!v) {
        storable = false;
      } else {
        dest = *v;
      }
    };
    required("name", name, a.name);
    required("location", location, a.location);
    required("ds_type", ds_type, a.ds_type);
    for (const char* key : {"sha", "type", "content_type", "user_name"}) {
      if (!item.contains(key)) {
        std::optional<std::string>& f = std::string_view(key) == "sha"    ? a.sha
                                        : std::string_view(key) == "type" ? a.type
                                        : std::string_view(key) == "content_type" ? a.content_type
                                                                                  : a.user_name;
        f = " ";
      }
    }
    auto attempt = item.find("attempt_id");
    if (attempt == item.end()) {
      a.attempt_id = 0;
    } else if (attempt->is_number_integer()) {
      a.attempt_id = attempt->get<int64_t>();
    } else if (attempt->is_string() && parse_attempt(attempt->get<std::string>())) {
      a.attempt_id = *parse_attempt(attempt->get<std::string>());
    } else {
      return string_error(400, "attempt_id must be an integer");
    }
    a.ts_epoch = now;
    if (storable) rows.push_back(std::move(a));
  }
  Result<int64_t> stored = ctx.db.add_artifacts(rows);
  if (!stored.ok()) return db_error(stored.status());
  ApiResponse response = json_response(200, "{\"artifacts_created\": " + std::to_string(*stored) + "}");
  response.version_header = false;
  return response;
}

}  // namespace conflux::service
