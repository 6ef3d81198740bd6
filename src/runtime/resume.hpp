// resume_local(): Metaflow's `resume`. A new run re-executes a flow from its failed step (or a
// given step): every task of the origin run that succeeded before that point is cloned by
// reference (its artifact index is copied; no artifact data is), and the rest runs again with
// the origin run's parameters. Works whatever stopped the origin run, SIGKILL included: only
// committed, successful attempts are cloned.
//
// Changed parameters (`resume --allow-parameter-changes --alpha 0.5`): the new run's parameters
// are the origin's with the changed ones replaced, and every step that could see the change runs
// again: the first step that would rerun (the given step, else the first failed or unfinished one
// in the graph's order) and every step after it in that order. What changed is recorded as the
// `parameter-changes` metadata of the new run's _parameters task. Configs cannot change: the new
// run uses the origin's (load_run_configs).
#pragma once

#include <optional>
#include <set>
#include <string>

#include "runtime/local_run.hpp"

namespace conflux {

struct ResumeOptions {
  std::string origin_run_id;  // the run to resume
  std::string step;           // rerun from this step (and everything after it); empty: from failures
  // Changed parameters: their names, and a flow object holding their new values.
  std::set<std::string> changed_parameters;
  const FlowBase* parameter_values = nullptr;
};

LocalRunResult resume_local(const FlowGraph& graph, StorageBackend& storage, MetadataProvider& metadata,
                            const LocalRunOptions& options, const ResumeOptions& resume, Console& console,
                            const std::function<void(const std::string& run_id)>& on_run_id);

// The values the configs in `configs` had in run `run` (stored in its _parameters task): a
// resumed run keeps them, as in Metaflow. A config the run did not store is an error naming it.
Result<ConfigValues> load_run_configs(StorageBackend& storage, const std::string& flow, const std::string& run,
                                      const std::vector<ConfigDescription>& configs);

// Copies the latest committed attempt of `origin_task` (run/step/task) into task `new_task_id` of
// `new_run` as attempt 0: same artifact index, origin-run-id and origin-task-id metadata. Returns
// the index it committed. `origin_attempt`: that attempt when the caller already knows it.
Result<ArtifactIndex> clone_task(StorageBackend& storage, MetadataProvider& metadata, const std::string& flow,
                                 const std::string& origin_run, const std::string& step,
                                 const std::string& origin_task, const std::string& new_run,
                                 const std::string& new_task_id, const RunTags& tags, const std::string& ds_root,
                                 std::optional<int> origin_attempt = std::nullopt);

}  // namespace conflux
