// TaskLauncher: where a task attempt runs. The scheduler decides what runs and when; a launcher
// only starts attempts (a local process, a Slurm job, ...), reports how each ended, and stops
// them. It never decides success: the scheduler reads the attempt's commit (DONE.lock and
// _task_ok) from the datastore, and an engine's state only explains a failure and tells whether
// a retry can help.
//
// Launchers are polled, not waited on: the scheduler's single thread asks each launcher in use
// for the descriptors and the longest sleep it needs (wait_set), sleeps in one poll(2), then calls
// update() once per launcher, which brings all of its tasks up to date in one batch (one squeue
// for every Slurm job, say). Adding an engine: a folder under src/runtime/ with a TaskLauncher and
// one line in launcher_registry.cpp.
#pragma once

#include <poll.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "conflux/status.hpp"
#include "runtime/child_process.hpp"
#include "runtime/log_capture.hpp"

namespace conflux {

// @resources of a step, in the units engines take.
struct ResourceRequest {
  double cpu = 1;
  int64_t memory_mb = 4096;
  int64_t gpu = 0;
  int64_t disk_mb = 0;  // 0: not requested
};

// One attempt of one task, as the scheduler hands it over: everything the remote side needs.
struct TaskLaunch {
  std::string flow, run_id, step, task_id;
  int attempt = 0;
  int64_t split_index = -1;
  std::vector<std::string> argv;           // the flow binary's `step` command; argv[0] is the binary
  std::map<std::string, std::string> env;  // added to the task's environment
  int64_t timeout_seconds = 0;             // @timeout; 0: none
  ResourceRequest resources;
  nlohmann::json resource_decorator;       // the step's @resources attributes; null if it has none
  nlohmann::json engine_options = nlohmann::json::object();  // the launcher's decorator (@slurm)
};

// Where a task's output goes: `out`/`err` record it in the runtime's log of the attempt and echo
// it on the console; `echo` only shows a line (for output the task stores itself, remotely).
struct TaskOutput {
  LogCapture* out = nullptr;
  LogCapture* err = nullptr;
  std::function<void(std::string_view)> echo;
};

// How an attempt ended, as far as the engine can tell.
struct TaskEnd {
  ChildExit exit;           // the task process's exit code or signal
  bool timed_out = false;   // stopped for exceeding @timeout (by the runtime or the engine)
  bool lost = false;        // the engine lost it: no exit status was ever recorded
  bool retryable = true;    // false when a person cancelled it: retrying would undo their choice
  std::string reason;       // the engine's explanation, "" when the exit says it all
};

class LaunchedTask {
 public:
  virtual ~LaunchedTask() = default;
  // For the console: "pid 1234", "slurm job 77_3".
  virtual std::string where() const = 0;
  // Set once the attempt has ended and its output has been delivered.
  virtual std::optional<TaskEnd> end() const = 0;
  // Stops the attempt: politely (SIGTERM, scancel) or, with `force`, at once. Idempotent.
  virtual void stop(bool force) = 0;
};

class TaskLauncher {
 public:
  virtual ~TaskLauncher() = default;
  virtual std::string_view name() const = 0;
  // True if the engine runs tasks on other machines: the runtime's --max-workers then limits the
  // engine's concurrency (a Slurm array's %N) rather than local processes.
  virtual bool remote() const = 0;
  // Starts attempts; a launcher may submit them together (one Slurm job array for a foreach).
  // One result per launch, in order; `outputs[i]` receives launch i's output.
  virtual std::vector<Result<std::unique_ptr<LaunchedTask>>> submit(const std::vector<TaskLaunch>& launches,
                                                                     const std::vector<TaskOutput>& outputs) = 0;
  // Adds the descriptors to wait on and lowers `max_wait` to when update() next has work.
  virtual void wait_set(std::vector<pollfd>& fds, std::chrono::milliseconds& max_wait) = 0;
  // Brings every launched task up to date: output, exits, engine states.
  virtual void update() = 0;
};

}  // namespace conflux
