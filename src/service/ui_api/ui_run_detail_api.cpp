// GET /api/flows/{f}/runs/{r}/{parameters,dag,steps,tasks}: the run page. Parameters and the DAG
// are artifacts of the run's `_parameters` task, read from the datastore and decoded in C++.
#include <set>

#include "conflux/codec.hpp"
#include "datastore/content_addressed_store.hpp"
#include "service/api/common.hpp"
#include "service/ui_api/ui_api.hpp"

namespace conflux::service {

namespace {

// The newest attempt's artifacts of the run's `_parameters` task.
Result<std::vector<ArtifactRecord>> parameter_artifacts(ApiContext& ctx, const ApiRequest& req) {
  const ObjectKey run = ObjectKey::parse(req.params[1]);
  CONFLUX_ASSIGN_OR_RETURN(std::optional<RunRecord> found, ctx.db.get_run(req.params[0], run));
  if (!found) return Status::not_found("run '" + req.params[0] + "/" + req.params[1] + "' does not exist");
  ArtifactScope scope{req.params[0], run, std::string("_parameters"), std::nullopt};
  CONFLUX_ASSIGN_OR_RETURN(std::vector<ArtifactRecord> rows, ctx.db.list_artifacts(scope));
  std::vector<ArtifactRecord> newest;
  for (ArtifactRecord& a : rows) {
    if (!newest.empty() && a.attempt_id != newest.front().attempt_id) continue;  // rows come attempt_id DESC
    newest.push_back(std::move(a));
  }
  return newest;
}

Result<Value> load_value(StorageBackend& storage, const ArtifactRecord& a) {
  if (!a.sha) return Status::not_found("artifact '" + a.name + "' has no stored content");
  ContentAddressedStore cas(storage, a.flow_id);
  CONFLUX_ASSIGN_OR_RETURN(std::string bytes, cas.load_all(*a.sha));
  return read_pickle_from_string(bytes);
}

}  // namespace

ApiResponse ui_run_parameters(ApiContext& ctx, const ApiRequest& req) {
  if (auto bad = ui_check_query(req, {}, {})) return *bad;
  Result<StorageBackend*> storage = ui_datastore(ctx);
  if (!storage.ok()) return ui_status_error(storage.status());
  Result<std::vector<ArtifactRecord>> rows = parameter_artifacts(ctx, req);
  if (!rows.ok()) return ui_status_error(rows.status());
  // The flow's declared parameters and configs, as _graph_info lists them: the task also stores
  // artifacts that are not parameters (the flow's `name`).
  std::optional<std::set<std::string>> declared;
  for (const ArtifactRecord& a : *rows) {
    if (a.name != "_graph_info") continue;
    Result<Value> info = load_value(**storage, a);
    if (!info.ok()) break;
    nlohmann::json j = info->to_json();
    declared.emplace();
    if (j.contains("parameters") && j["parameters"].is_array()) {
      for (const auto& p : j["parameters"]) {
        if (p.is_object() && p.contains("name") && p["name"].is_string()) declared->insert(p["name"].get<std::string>());
      }
    }
  }
  nlohmann::json data = nlohmann::json::object();
  for (const ArtifactRecord& a : *rows) {
    if (a.name.starts_with("_")) continue;  // _graph_info and the runtime's own
    if (declared ? !declared->contains(a.name) : a.name == "name") continue;
    Result<Value> v = load_value(**storage, a);
    data[a.name] = v.ok() ? nlohmann::json{{"value", v->python_repr()}}
                          : nlohmann::json{{"value", nullptr}, {"error", v.status().message()}};
  }
  return ui_object(req, std::move(data));
}

ApiResponse ui_run_dag(ApiContext& ctx, const ApiRequest& req) {
  if (auto bad = ui_check_query(req, {}, {})) return *bad;
  Result<StorageBackend*> storage = ui_datastore(ctx);
  if (!storage.ok()) return ui_status_error(storage.status());
  Result<std::vector<ArtifactRecord>> rows = parameter_artifacts(ctx, req);
  if (!rows.ok()) return ui_status_error(rows.status());
  for (const ArtifactRecord& a : *rows) {
    if (a.name != "_graph_info") continue;
    Result<Value> v = load_value(**storage, a);
    if (!v.ok()) return ui_error(500, "dag-unreadable", "the run's _graph_info cannot be read: " + v.status().message());
    return ui_object(req, v->to_json());
  }
  return ui_error(404, "not-found", "run '" + req.params[0] + "/" + req.params[1] + "' has no _graph_info artifact");
}

ApiResponse ui_run_steps(ApiContext& ctx, const ApiRequest& req) {
  if (auto bad = ui_check_query(req, {}, {})) return *bad;
  const ObjectKey run = ObjectKey::parse(req.params[1]);
  Result<std::optional<RunRecord>> found = ctx.db.get_run(req.params[0], run);
  if (!found.ok()) return ui_status_error(found.status());
  if (!*found) return ui_error(404, "not-found", "run '" + req.params[0] + "/" + req.params[1] + "' does not exist");
  Result<std::vector<StepRecord>> steps = ctx.db.list_steps(req.params[0], run);
  if (!steps.ok()) return ui_status_error(steps.status());
  nlohmann::json data = nlohmann::json::array();
  for (const StepRecord& s : *steps) {
    if (s.step_name == "_parameters") continue;
    data.push_back({{"flow_id", s.flow_id}, {"run_number", s.run_number}, {"step_name", s.step_name},
                    {"ts_epoch", s.ts_epoch}});
  }
  return ui_list(req, std::move(data));
}

ApiResponse ui_run_tasks(ApiContext& ctx, const ApiRequest& req) {
  if (auto bad = ui_check_query(req, {"step_name", "status"}, {"_limit", "_after", "_order"})) return *bad;
  if (std::optional<std::string> order = req.query_value("_order");
      order && *order != "task_id" && *order != "+task_id") {
    return ui_error(400, "bad-order", "unsupported _order '" + *order + "': a run's tasks are listed by task_id");
  }
  RunTaskQuery query;
  query.flow_id = req.params[0];
  query.run = ObjectKey::parse(req.params[1]);
  for (const auto& [key, value] : req.query) {
    if (key == "step_name") {
      query.step_name = value;
    } else if (key == "status") {
      for (const std::string& s : api::split_commas(value)) {
        if (s != "pending" && s != "running" && s != "completed" && s != "failed") {
          return ui_error(400, "bad-filter", "unknown task status '" + s + "' (pending, running, completed, failed)");
        }
        query.statuses.push_back(s);
      }
    } else if (key.find(':') != std::string::npos) {
      return ui_error(400, "bad-filter", "a run's tasks filter on step_name and status by equality only: '" + key + "'");
    }
  }
  Result<int64_t> limit = ui_limit(req, 1000, 5000);
  if (!limit.ok()) return ui_status_error(limit.status());
  query.limit = *limit;
  if (std::optional<std::string> after = req.query_value("_after"); after && !after->empty()) {
    Result<nlohmann::json> c = ui_decode_cursor(*after, {"task_id"});
    if (!c.ok()) return ui_status_error(c.status());
    query.after_task_id = (*c)["task_id"].get<int64_t>();
  }
  Result<std::optional<RunRecord>> found = ctx.db.get_run(query.flow_id, query.run);
  if (!found.ok()) return ui_status_error(found.status());
  if (!*found) return ui_error(404, "not-found", "run '" + req.params[0] + "/" + req.params[1] + "' does not exist");
  Result<Page<TaskRecord>> page = ctx.db.list_run_tasks(query);
  if (!page.ok()) return ui_status_error(page.status());
  const int64_t now = ctx.clock.now_ms();
  nlohmann::json data = nlohmann::json::array();
  for (const TaskRecord& t : page->items) {
    if (t.step_name == "_parameters") continue;
    data.push_back(ui_task_json(t, now));
  }
  std::optional<std::pair<std::string, std::string>> next;
  if (page->has_more) next.emplace("_after", ui_encode_cursor({{"task_id", page->items.back().task_id}}));
  return ui_list(req, std::move(data), std::move(next));
}

}  // namespace conflux::service
