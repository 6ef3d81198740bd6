// Scheduler: the runtime's parent process. It walks the flow's DAG, hands each task attempt (the
// flow binary's own `step` command) to a launcher (a local process, a Slurm job, ...), shows
// their output, retries failed attempts, waits for joins, and stops every task when the run fails
// or is interrupted.
//
// One scheduling thread; no locks. Tasks never share memory with it: everything a task needs
// travels in its command line, its environment and the datastore, so the same command runs
// locally or on a cluster.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "conflux/status.hpp"
#include "datastore/artifact_index.hpp"
#include "flow/flow_graph.hpp"
#include "runtime/console.hpp"
#include "runtime/launcher/launcher_registry.hpp"

namespace conflux {

// What a finished task decided, read back from its committed artifacts.
struct TaskOutcome {
  std::vector<std::string> next_steps;  // the transition actually taken (_transition)
  int64_t foreach_num_splits = 0;       // for a foreach split (_foreach_num_splits)
};

// How the scheduler reaches the datastore; implemented over the real datastore in run.cpp.
class TaskStore {
 public:
  virtual ~TaskStore() = default;
  // `exited_cleanly`: the task's process exited 0, which it does only after committing (so the
  // commit marker need not be looked up); otherwise (an engine that lost the task) the commit
  // marker decides.
  virtual Result<TaskOutcome> read_outcome(const std::string& step, const std::string& task_id,
                                           int attempt, bool exited_cleanly) = 0;
  // The same from a committed attempt's artifact index already in hand (a clone's).
  virtual Result<TaskOutcome> outcome_of(const ArtifactIndex& index) = 0;
  // Saves what the runtime captured for one attempt: logs (mflog) and the exit record.
  virtual Status save_attempt_record(const std::string& step, const std::string& task_id,
                                     int attempt, const std::string& stdout_log,
                                     const std::string& stderr_log, int return_code, bool killed,
                                     bool success) = 0;
  // Saves the logs captured so far from an attempt that is still running (so a viewer can follow
  // it); save_attempt_record() writes the whole logs at the end. Default: nothing.
  virtual Status save_running_logs(const std::string& /*step*/, const std::string& /*task_id*/, int /*attempt*/,
                                   const std::string& /*stdout_log*/, const std::string& /*stderr_log*/) {
    return Status();
  }
};

// Resume: decides whether a task can be cloned from the run being resumed instead of running,
// and clones it. The scheduler asks origin_of() for each task it is about to start, then clones
// the tasks it found in batches, several at once (a resumed 100,000-way foreach clones its
// elements in parallel instead of one after another).
class TaskCloner {
 public:
  struct Origin {
    std::string task_id;   // in the origin run
    std::string pathspec;  // "run/step/task", for the console
  };
  virtual ~TaskCloner() = default;
  // If step `step` at this foreach position (the indices of the enclosing foreaches, outermost
  // first; `occurrence` counts earlier tasks with the same position, for loops) succeeded in the
  // origin run and need not rerun, the origin task; nullopt means the task must run. No I/O.
  virtual std::optional<Origin> origin_of(const std::string& step,
                                          const std::vector<int64_t>& foreach_indices,
                                          int occurrence) = 0;
  // Clones origin task `origin_task_id` of `step` as task `new_task_id` of the new run and
  // returns the artifact index it committed. Called from several threads at once, for different
  // tasks.
  virtual Result<ArtifactIndex> clone(const std::string& step, const std::string& origin_task_id,
                                      const std::string& new_task_id) = 0;
};

struct SchedulerOptions {
  int64_t max_workers = 16;
  int64_t max_num_splits = 100;
  int64_t max_log_size_bytes = 10 << 20;
  // Builds the command line of one task attempt (the flow binary's `step` command).
  std::function<std::vector<std::string>(const std::string& step, const std::string& task_id,
                                         const std::vector<std::string>& input_paths,
                                         const std::vector<int>& input_attempts,  // kUnknownAttempt: unknown
                                         int64_t split_index, int attempt, int max_user_retries,
                                         const std::string& fallback_reason)>
      task_command;
  // Allocates the id of a new task of `step`; unset: 1, 2, 3, ... (local metadata).
  std::function<Result<std::string>(const std::string& step)> allocate_task_id;
  // Set for `resume`: tasks that succeeded in the origin run are cloned, not run.
  TaskCloner* cloner = nullptr;
  std::map<std::string, std::string> task_env;  // added to every task's environment
  // Where tasks run. REQUIRED; outlives the scheduler.
  Launchers* launchers = nullptr;
};

// One task that should start at the beginning of the run (normally: start, fed by _parameters).
struct InitialTask {
  std::string step;
  std::vector<std::string> input_paths;
};

class Scheduler {
 public:
  Scheduler(const FlowGraph& graph, std::string run_id, TaskStore& store, Console& console,
            SchedulerOptions options);

  // Runs until the end step finishes or the run fails. Returns OK on success; the error says
  // which step failed. Task ids are allocated from `first_task_id` on.
  Status run(const std::vector<InitialTask>& initial, int64_t first_task_id);

  // Asks a running scheduler to stop (safe from a signal handler).
  static void request_interrupt();

 private:
  struct Impl;
  const FlowGraph& graph_;
  std::string run_id_;
  TaskStore& store_;
  Console& console_;
  SchedulerOptions options_;
};

}  // namespace conflux
