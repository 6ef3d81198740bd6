// What the write path tells the web UI (EventBus): after a run or task is created, after metadata
// moves their stored state, and after the heartbeat sweep, the changed rows as the UI API shows
// them. Rows are read back only when someone listens.
#include <set>
#include <tuple>

#include "service/ui_api/ui_api.hpp"

namespace conflux::service {

namespace {

std::vector<std::string> run_keys(const RunRecord& run) {
  std::vector<std::string> keys{std::to_string(run.run_number)};
  if (run.run_id) keys.push_back(*run.run_id);
  return keys;
}

}  // namespace

void publish_run_change(ApiContext& ctx, const std::string& flow_id, int64_t run_number, std::string_view type) {
  if (ctx.events == nullptr || !ctx.events->any_subscriber()) return;
  Result<std::optional<RunRecord>> run = ctx.db.get_run(flow_id, ObjectKey{run_number, {}});
  if (!run.ok() || !*run) return;
  const std::string row = ui_run_json(**run, ctx.clock.now_ms()).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  ctx.events->publish("/runs", type, row);
  ctx.events->publish("/flows/" + flow_id + "/runs", type, row);
  for (const std::string& key : run_keys(**run)) ctx.events->publish("/flows/" + flow_id + "/runs/" + key, type, row);
}

void publish_task_change(ApiContext& ctx, const std::string& flow_id, int64_t run_number, const std::string& step,
                         int64_t task_id, std::string_view type) {
  if (ctx.events == nullptr || !ctx.events->any_subscriber() || step == "_parameters") return;
  Result<std::optional<RunRecord>> run = ctx.db.get_run(flow_id, ObjectKey{run_number, {}});
  if (!run.ok() || !*run) return;
  bool wanted = false;
  for (const std::string& key : run_keys(**run)) wanted = wanted || ctx.events->wanted("/flows/" + flow_id + "/runs/" + key + "/tasks");
  if (!wanted) return;
  Result<std::optional<TaskRecord>> task = ctx.db.get_task(flow_id, ObjectKey{run_number, {}}, step, ObjectKey{task_id, {}});
  if (!task.ok() || !*task) return;
  const std::string row = ui_task_json(**task, ctx.clock.now_ms()).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  for (const std::string& key : run_keys(**run)) ctx.events->publish("/flows/" + flow_id + "/runs/" + key + "/tasks", type, row);
}

void publish_metadata_effects(ApiContext& ctx, const std::vector<MetadataRecord>& rows) {
  if (ctx.events == nullptr || !ctx.events->any_subscriber()) return;
  std::set<std::tuple<std::string, int64_t, std::string, int64_t>> tasks;
  std::set<std::pair<std::string, int64_t>> runs;
  for (const MetadataRecord& m : rows) {
    if (m.field_name == "run_outcome" || m.field_name == "end_step") {
      runs.emplace(m.flow_id, m.run_number);
    } else if (m.field_name == "attempt" || m.field_name == "attempt_ok" || m.field_name == "foreach-execution-path" ||
               m.field_name == "foreach-stack") {
      tasks.emplace(m.flow_id, m.run_number, m.step_name, m.task_id);
      runs.emplace(m.flow_id, m.run_number);
    }
  }
  for (const auto& [flow, run, step, task] : tasks) publish_task_change(ctx, flow, run, step, task, "UPDATE");
  for (const auto& [flow, run] : runs) publish_run_change(ctx, flow, run, "UPDATE");
}

void publish_expired(ApiContext& ctx, const ExpiredRows& rows) {
  for (const TaskRecord& t : rows.tasks) publish_task_change(ctx, t.flow_id, t.run_number, t.step_name, t.task_id, "UPDATE");
  for (const auto& [flow, run] : rows.runs) publish_run_change(ctx, flow, run, "UPDATE");
}

}  // namespace conflux::service
