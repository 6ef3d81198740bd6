// GET /flows/{flow_id}/runs/{run_number}/steps, GET .../steps/{step_name},
// POST .../steps/{step_name}/step.
#include "service/api/common.hpp"

namespace conflux::service {

using namespace api;

ApiResponse get_steps(ApiContext& ctx, const ApiRequest& req) {
  ObjectKey run = ObjectKey::parse(req.params[1]);
  Result<std::vector<StepRecord>> steps = ctx.db.list_steps(req.params[0], run);
  if (!steps.ok()) return db_error(steps.status());
  if (steps->empty()) return json_response(200, "[]");
  Result<RunRecord> owner = run_for_tags(ctx, req.params[0], run);
  if (!owner.ok()) return problem(500, owner.status().message());
  return json_response(200, write_list(*steps, [&](std::string& out, const StepRecord& s) {
                         write_step(out, s, tags_of(*owner));
                       }));
}

ApiResponse get_step(ApiContext& ctx, const ApiRequest& req) {
  ObjectKey run = ObjectKey::parse(req.params[1]);
  Result<std::optional<StepRecord>> step = ctx.db.get_step(req.params[0], run, req.params[2]);
  if (!step.ok()) return db_error(step.status());
  if (!*step) return not_found_empty();
  Result<RunRecord> owner = run_for_tags(ctx, req.params[0], run);
  if (!owner.ok()) return problem(500, owner.status().message());
  std::string body;
  write_step(body, **step, tags_of(*owner));
  return json_response(200, std::move(body));
}

ApiResponse create_step(ApiContext& ctx, const ApiRequest& req) {
  ApiResponse error;
  std::optional<Json> body = parse_body(req, &error);
  if (!body) return error;
  if (!body->is_object()) return string_error(400, "the request body must be a JSON object");
  StepRecord step;
  step.flow_id = req.params[0];
  step.step_name = req.params[2];
  if (!optional_string_field(*body, "user_name", &step.user_name, &error) ||
      !tags_field(*body, "tags", &step.tags, &error) ||
      !tags_field(*body, "system_tags", &step.system_tags, &error)) {
    return error;
  }
  if (!body->contains("user_name")) step.user_name = "";
  ObjectKey key = ObjectKey::parse(req.params[1]);
  Result<std::optional<RunRecord>> run = ctx.db.get_run(step.flow_id, key);
  if (!run.ok()) return db_error(run.status());
  if (!*run) {
    // metaflow-service crashes here (500, KeyError); an unknown run is a 404.
    return problem(404, "run '" + req.params[1] + "' of flow '" + step.flow_id + "' does not exist");
  }
  step.run_number = (*run)->run_number;
  step.run_id = (*run)->run_id ? *(*run)->run_id : std::to_string((*run)->run_number);
  step.ts_epoch = ctx.clock.now_ms();
  Result<StepRecord> created = ctx.db.create_step(step);
  if (!created.ok()) return db_error(created.status());
  std::string out;
  write_step(out, *created, tags_of(**run));
  return json_response(200, std::move(out));
}

}  // namespace conflux::service
