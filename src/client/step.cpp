// Step: its tasks, by task id.
#include <algorithm>

#include "client/client_state.hpp"

namespace conflux {

Result<std::vector<Task>> Step::tasks(const std::vector<std::string>& tags) const {
  const client_detail::StatePtr& state = core_.state;
  Result<std::vector<TaskRecord>> records =
      state->metadata().list_tasks(path().flow, path().run_id, id());
  if (!records.ok()) return client_detail::lookup_error("step", pathspec(), records.status());
  std::vector<Task> out;
  for (const TaskRecord& record : *records) {
    Task task(client_detail::task_core(state, record), std::nullopt);
    if (!state->ns.contains(task.tags()) || !client_detail::has_all_tags(task.tags(), tags)) {
      continue;
    }
    out.push_back(std::move(task));
  }
  std::sort(out.begin(), out.end(),
            [](const Task& a, const Task& b) { return client_detail::id_less(a.id(), b.id()); });
  return out;
}

Result<Task> Step::task() const {
  CONFLUX_ASSIGN_OR_RETURN(std::vector<Task> all, tasks());
  if (all.empty()) return Status::not_found("Step '" + pathspec() + "' has no tasks");
  return all.front();
}

Result<Task> Step::task(std::string_view task_id, std::optional<int> attempt) const {
  std::string pathspec = this->pathspec() + "/" + std::string(task_id);
  CONFLUX_RETURN_IF_ERROR(Pathspec::parse(pathspec, 4).status());
  if (attempt) CONFLUX_RETURN_IF_ERROR(client_detail::check_attempt(*attempt));
  Result<TaskRecord> record =
      core_.state->metadata().get_task(path().flow, path().run_id, id(), task_id);
  if (!record.ok()) return client_detail::lookup_error("task", pathspec, record.status());
  Task task(client_detail::task_core(core_.state, *record), attempt);
  CONFLUX_RETURN_IF_ERROR(client_detail::check_namespace("task", task.core()));
  return task;
}

}  // namespace conflux
