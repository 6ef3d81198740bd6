// GET .../steps/{step_name}/tasks (filters and pagination), GET .../filtered_tasks,
// GET .../tasks/{task_id}, POST .../steps/{step_name}/task.
#include <regex>

#include "service/api/common.hpp"
#include "service/ui_api/ui_api.hpp"
#include "service/json_writer.hpp"

namespace conflux::service {

using namespace api;

namespace {
const std::set<std::string, std::less<>> kTaskFilterFields = {"task_id", "task_name", "user_name",
                                                               "ts_epoch", "last_heartbeat_ts"};
}  // namespace

ApiResponse get_tasks(ApiContext& ctx, const ApiRequest& req) {
  TaskQuery query;
  query.flow_id = req.params[0];
  query.run = ObjectKey::parse(req.params[1]);
  query.step_name = req.params[2];
  ApiResponse error;
  if (!parse_field_filters(req, kTaskFilterFields, false, &query.fields, &error)) return error;
  bool paginated = false;
  std::optional<PageParams> page = page_params(req, &paginated, &error);
  if (!page) return error;
  std::vector<TaskRecord> tasks;
  std::optional<Json> next;
  if (query.fields.empty() && !paginated) {
    Result<std::vector<TaskRecord>> all = ctx.db.list_tasks(query.flow_id, query.run, query.step_name);
    if (!all.ok()) return db_error(all.status());
    tasks = std::move(*all);
  } else {
    query.page.limit = page->limit;
    if (page->cursor) {
      PageCursor c;
      if (!cursor_fields(*page->cursor, "task_id", nullptr, &c)) return string_error(400, "Invalid cursor");
      query.page.after = c;
    }
    Result<Page<TaskRecord>> result = ctx.db.list_tasks_filtered(query);
    if (!result.ok()) return db_error(result.status());
    tasks = std::move(result->items);
    if (result->has_more) next = Json{{"ts_epoch", tasks.back().ts_epoch}, {"task_id", tasks.back().task_id}};
  }
  ApiResponse response = json_response(200, "[]");
  if (!tasks.empty()) {
    Result<RunRecord> owner = run_for_tags(ctx, query.flow_id, query.run);
    if (!owner.ok()) return problem(500, owner.status().message());
    std::string body;
    body.reserve(tasks.size() * 320);
    body += '[';
    for (size_t i = 0; i < tasks.size(); ++i) {
      if (i > 0) body += ", ";
      write_task(body, tasks[i], tags_of(*owner));
    }
    body += ']';
    response.body = std::move(body);
  }
  if (paginated || !query.fields.empty()) add_page_headers(response, page->limit, next);
  return response;
}

ApiResponse get_filtered_tasks(ApiContext& ctx, const ApiRequest& req) {
  std::optional<std::string> field = req.query_value("metadata_field_name");
  std::optional<std::string> pattern = req.query_value("pattern");
  if (field && field->empty()) field.reset();
  if (pattern && pattern->empty()) pattern.reset();
  if (pattern) {
    // Reject a malformed pattern before it reaches the database; std::regex reports by throwing.
    try {
      std::regex check(*pattern);
    } catch (const std::regex_error&) {
      return string_error(400, "invalid regular expression: " + *pattern);
    }
  }
  Result<std::vector<std::string>> paths = ctx.db.filtered_task_pathspecs(
      req.params[0], ObjectKey::parse(req.params[1]), req.params[2], field, pattern);
  if (!paths.ok()) return db_error(paths.status());
  return json_response(200, py_json_dumps(Json(*paths)));
}

ApiResponse get_task(ApiContext& ctx, const ApiRequest& req) {
  ObjectKey run = ObjectKey::parse(req.params[1]);
  Result<std::optional<TaskRecord>> task =
      ctx.db.get_task(req.params[0], run, req.params[2], ObjectKey::parse(req.params[3]));
  if (!task.ok()) return db_error(task.status());
  if (!*task) return not_found_empty();
  Result<RunRecord> owner = run_for_tags(ctx, req.params[0], run);
  if (!owner.ok()) return problem(500, owner.status().message());
  std::string body;
  write_task(body, **task, tags_of(*owner));
  return json_response(200, std::move(body));
}

ApiResponse create_task(ApiContext& ctx, const ApiRequest& req) {
  ApiResponse error;
  std::optional<Json> body = parse_body(req, &error);
  if (!body) return error;
  if (!body->is_object()) return string_error(400, "the request body must be a JSON object");
  TaskRecord task;
  task.flow_id = req.params[0];
  task.step_name = req.params[2];
  if (!optional_string_field(*body, "user_name", &task.user_name, &error) ||
      !tags_field(*body, "tags", &task.tags, &error) ||
      !tags_field(*body, "system_tags", &task.system_tags, &error) ||
      !optional_string_field(*body, "task_id", &task.task_name, &error)) {
    return error;
  }
  if (task.task_name && task.task_name->empty()) task.task_name.reset();
  if (task.task_name && ObjectKey::parse(*task.task_name).number) {
    return json_response(400, "{\"message\": \"provided task_name may not be a numeric\"}");
  }
  Json system_tags = body->contains("system_tags") ? (*body)["system_tags"] : Json();
  const bool heartbeats = heartbeat_capable(system_tags);
  ObjectKey key = ObjectKey::parse(req.params[1]);
  Result<std::optional<RunRecord>> run = ctx.db.get_run(task.flow_id, key);
  if (!run.ok()) return db_error(run.status());
  if (!*run) {
    // metaflow-service crashes here (500, KeyError); an unknown run is a 404.
    return problem(404, "run '" + req.params[1] + "' of flow '" + task.flow_id + "' does not exist");
  }
  task.run_number = (*run)->run_number;
  task.run_id = (*run)->run_id;
  task.ts_epoch = ctx.clock.now_ms();
  if (heartbeats) task.last_heartbeat_ts = ctx.clock.now_seconds();
  Result<TaskRecord> created = ctx.db.create_task(task);
  if (!created.ok()) return db_error(created.status());
  if (heartbeats) {
    // A new task is a sign of life of its run.
    Result<bool> touched = ctx.db.touch_run_heartbeat(task.flow_id, ObjectKey{task.run_number, {}},
                                                      ctx.clock.now_seconds(), ctx.heartbeat_wait_seconds);
    if (!touched.ok()) return db_error(touched.status());
  }
  publish_task_change(ctx, created->flow_id, created->run_number, created->step_name, created->task_id, "INSERT");
  std::string out;
  write_task(out, *created, tags_of(**run));
  return json_response(200, std::move(out));
}

}  // namespace conflux::service
