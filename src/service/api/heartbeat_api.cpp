// POST /flows/{flow_id}/runs/{run_number}/heartbeat and POST .../tasks/{task_id}/heartbeat.
// A heartbeat is stored only when the previous one is at least heartbeat_wait_seconds old;
// otherwise (and for an unknown object) the answer is 404. Both answers carry the
// double-encoded body "{\"wait_time_in_seconds\": 10}", exactly as metaflow-service sends it;
// Metaflow's heartbeat sidecar ignores the status.
#include "service/api/common.hpp"
#include "service/ui_api/ui_api.hpp"
#include "service/json_writer.hpp"

namespace conflux::service {

using namespace api;

namespace {
ApiResponse heartbeat_response(ApiContext& ctx, bool updated) {
  std::string inner = "{\"wait_time_in_seconds\": " + std::to_string(ctx.heartbeat_wait_seconds) + "}";
  std::string body;
  py_json_string(body, inner);
  return json_response(updated ? 200 : 404, std::move(body));
}
}  // namespace

ApiResponse run_heartbeat(ApiContext& ctx, const ApiRequest& req) {
  Result<bool> updated = ctx.db.touch_run_heartbeat(req.params[0], ObjectKey::parse(req.params[1]),
                                                    ctx.clock.now_seconds(), ctx.heartbeat_wait_seconds);
  if (!updated.ok()) return db_error(updated.status());
  if (*updated && ctx.events != nullptr && ctx.events->any_subscriber()) {
    // A heartbeat may have made a run the sweep had failed running again: tell the UI.
    Result<std::optional<RunRecord>> run = ctx.db.get_run(req.params[0], ObjectKey::parse(req.params[1]));
    if (run.ok() && *run) publish_run_change(ctx, (*run)->flow_id, (*run)->run_number, "UPDATE");
  }
  return heartbeat_response(ctx, *updated);
}

ApiResponse task_heartbeat(ApiContext& ctx, const ApiRequest& req) {
  int64_t now = ctx.clock.now_seconds();
  ObjectKey run = ObjectKey::parse(req.params[1]);
  // A task's heartbeat keeps its run alive too; that result is not reported.
  Result<bool> run_updated = ctx.db.touch_run_heartbeat(req.params[0], run, now, ctx.heartbeat_wait_seconds);
  if (!run_updated.ok()) return db_error(run_updated.status());
  Result<bool> updated = ctx.db.touch_task_heartbeat(req.params[0], run, req.params[2],
                                                     ObjectKey::parse(req.params[3]), now,
                                                     ctx.heartbeat_wait_seconds);
  if (!updated.ok()) return db_error(updated.status());
  return heartbeat_response(ctx, *updated);
}

}  // namespace conflux::service
