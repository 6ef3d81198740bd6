// task_run(): the node side of a remote task (`conflux task-run`). It fetches and verifies the
// code package into the node's cache (once per node), runs the task's `step` command from it,
// writes the task's output as mflog `task_stdout.log`/`task_stderr.log` in the datastore while the
// task runs (so the runtime and `logs` can show it) and at exit, enforces @timeout, records how the
// attempt ended (<attempt>.task_exit) and returns the task's exit code. SIGTERM (scancel, a
// Kubernetes eviction) is passed on to the task, which then gets a grace period.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "conflux/status.hpp"
#include "datastore/storage_backend.hpp"
#include "runtime/remote/remote_task.hpp"

namespace conflux {

struct TaskRunEnvironment {
  std::filesystem::path package_cache;
  // The code package's bytes, from task.code_url.
  std::function<Result<std::string>()> fetch_package;
  StorageBackend* storage = nullptr;  // the task's datastore
  std::string engine_id;              // "slurm 77_3"; recorded in task_exit
  int64_t max_log_size_bytes = 10 << 20;
};

// Returns the process exit code for task-run: the task's own (128 + signal if it was killed),
// 1 if task-run could not start it.
int task_run(const RemoteTask& task, const TaskRunEnvironment& env);

}  // namespace conflux
