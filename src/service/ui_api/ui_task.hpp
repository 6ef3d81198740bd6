// The task a .../steps/{s}/tasks/{t}/... route names, looked up once for the task routes and
// the log routes: its database row, the run's, and where its files are in the datastore.
#pragma once

#include <optional>
#include <string>

#include "service/ui_api/ui_api.hpp"

namespace conflux::service {

struct UiTask {
  RunRecord run;
  TaskRecord task;
  // The ids the datastore's paths use: the run's and task's names if they have them.
  std::string run_key() const { return run.run_id ? *run.run_id : std::to_string(run.run_number); }
  std::string task_key() const { return task.task_name ? *task.task_name : std::to_string(task.task_id); }
  // The database's keys of the run and the task.
  ObjectKey run_ref() const { return ObjectKey{run.run_number, {}}; }
  ObjectKey task_ref() const { return ObjectKey{task.task_id, {}}; }
  std::string pathspec() const { return run.flow_id + "/" + run_key() + "/" + task.step_name + "/" + task_key(); }
};

// params: flow, run, step, task. NotFound names what is missing.
Result<UiTask> ui_find_task(ApiContext& ctx, const ApiRequest& req);

// `attempt_id` from the query (400 when not a non-negative integer), else the task's newest
// attempt (0 before it started).
Result<int> ui_attempt(const ApiRequest& req, const UiTask& task);

}  // namespace conflux::service
