#include "cli/inspect/task_selection.hpp"

namespace conflux::cli {

Result<std::vector<Task>> select_tasks(const Client& client, const Pathspec& path) {
  if (path.depth == 4) {
    CONFLUX_ASSIGN_OR_RETURN(Task task, client.task(path.to_string()));
    return std::vector<Task>{std::move(task)};
  }
  if (path.depth != 3) {
    return Status::invalid_argument("'" + path.to_string() + "' names no step or task");
  }
  CONFLUX_ASSIGN_OR_RETURN(Step step, client.step(path.to_string()));
  CONFLUX_ASSIGN_OR_RETURN(std::vector<Task> tasks, step.tasks());
  if (tasks.empty()) return Status::not_found("Step '" + step.pathspec() + "' has no tasks");
  return tasks;
}

}  // namespace conflux::cli
