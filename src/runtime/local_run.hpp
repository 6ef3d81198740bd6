// run_local(): one `run` of a flow with the local runtime. Registers the run, stores the
// `_parameters` task (parameters and the graph), then lets the Scheduler run every task as a
// process of the flow binary's `step` command.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "conflux/flow_base.hpp"
#include "datastore/storage_backend.hpp"
#include "flow/flow_graph.hpp"
#include "metadata/local_metadata_provider.hpp"
#include "runtime/console.hpp"
#include "runtime/scheduler.hpp"

namespace conflux {

struct LocalRunOptions {
  std::vector<std::string> tags;
  std::vector<std::string> extra_system_tags;  // @project's project: and project_branch:
  int64_t max_workers = 16;
  int64_t max_num_splits = 100;
  int64_t max_log_size_bytes = 10 << 20;
  std::string username;
  std::string namespace_name;
  std::string program_name;   // _graph_info "file"
  std::string ds_root;        // the datastore root directory (".../.metaflow")
  // The task command's prefix: the flow binary and the global options every task needs
  // (--quiet, --datastore-root, --with ...). `step ...` is appended per task.
  std::vector<std::string> task_command_prefix;
  std::map<std::string, std::string> task_env;
  std::string origin_run_id;  // resume: the run being resumed
  std::string parameters_task;  // resume with changed parameters: tasks read them from here
  // Remote engines' cluster settings (LauncherContext::settings), e.g. settings["slurm"]["partition"].
  std::map<std::string, std::map<std::string, std::string>> engine_settings;
  // What the nodes provide (a JSON manifest); empty: the default Debian 12 runner.
  std::string runner_manifest;
  // The local `.metaflow` directory that remote tasks' local metadata is copied back into (an S3
  // datastore with local metadata); empty: nothing to copy.
  std::string local_metadata_root;
};

struct LocalRunResult {
  std::string run_id;
  Status status;  // OK if the run succeeded
};

// REQUIRES: `parameters` holds the run's parameter values (parsed or defaulted).
// `metadata` registers everything (local files or the metadata service); `local` keeps the
// datastore's latest_run, which `resume` starts from.
LocalRunResult run_local(const FlowGraph& graph, StorageBackend& storage, MetadataProvider& metadata,
                         LocalMetadataProvider& local, const FlowBase& parameters, const LocalRunOptions& options,
                         Console& console, const std::function<void(const std::string& run_id)>& on_run_id);

// Runs every task of run `run_id` (whose `_parameters` task exists) with the scheduler; with a
// cloner, tasks that succeeded in the run being resumed are cloned instead.
Status run_scheduler(const FlowGraph& graph, StorageBackend& storage, MetadataProvider& metadata,
                     const std::string& run_id, const std::string& parameters_task_id, const RunTags& tags,
                     const LocalRunOptions& options, Console& console, TaskCloner* cloner);

// Stores the `_parameters` task `task_id` of run `run_id`: the parameters' values and the flow's
// graph, the input of `start`.
Status store_parameters(const FlowGraph& graph, StorageBackend& storage, MetadataProvider& metadata,
                        const FlowBase& parameters, const std::string& run_id, const std::string& task_id,
                        const LocalRunOptions& options, const RunTags& tags);

// The id of a run's `_parameters` task: 0 locally (as Metaflow), the service's otherwise.
Result<std::string> parameters_task_id(MetadataProvider& metadata, const std::string& flow,
                                       const std::string& run_id, const RunTags& tags);

// The system tags of a run started by `username`.
std::vector<std::string> run_system_tags(const std::string& username, const std::vector<std::string>& extra = {});

}  // namespace conflux
