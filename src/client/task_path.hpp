// Resolving a user's path argument ("RUN/STEP" or "RUN/STEP/TASK" of a flow) to the tasks it
// names, in the datastore. Used by `dump` and `logs`; errors say what was expected.
#pragma once

#include <string>
#include <vector>

#include "conflux/status.hpp"
#include "datastore/storage_backend.hpp"

namespace conflux {

struct TaskRef {
  std::string flow;
  std::string run_id;
  std::string step;
  std::string task_id;
  std::string pathspec() const { return flow + "/" + run_id + "/" + step + "/" + task_id; }
};

// Tasks named by `path` (RUN/STEP or RUN/STEP/TASK) of `flow`, sorted by task id. NotFound names
// the missing run, step or task.
Result<std::vector<TaskRef>> resolve_task_path(StorageBackend& storage, const std::string& flow,
                                               const std::string& path);

}  // namespace conflux
