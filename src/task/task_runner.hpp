// The child side of one task attempt (the flow binary's internal `step` command): open the
// inputs, run the user's step with lazily loaded artifacts, persist what it stored, register
// metadata, and commit the attempt (DONE.lock last). The runtime reads back the committed
// transition, so the same command works on any machine that sees the datastore.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datastore/storage_backend.hpp"
#include "flow/project.hpp"
#include "flow/flow_graph.hpp"
#include "metadata/metadata_provider.hpp"

namespace conflux {

struct TaskRunOptions {
  std::string run_id;
  std::string step;
  std::string task_id;
  std::vector<std::string> input_paths;  // "run/step/task" of each input
  int64_t split_index = -1;              // this task's element of the parent's foreach
  int retry_count = 0;                   // the attempt number
  int max_user_code_retries = 0;         // attempts beyond which @catch takes over
  std::string username;
  std::string namespace_name;
  RunTags tags;
  std::string origin_run_id;
  // Resume with changed parameters: the new run's _parameters task ("run/_parameters/id"), where
  // the step reads parameters instead of from its inputs (cloned inputs carry the old values).
  std::string parameters_task;
  std::optional<ProjectInfo> project;  // @project: for current()
  // @catch's fallback attempt: the previous attempt's process died for this reason; the step is
  // not run again, the failure is recorded as caught.
  std::string fallback_reason;
  // Blobs of this run's committed tasks (the runtime saw them in the last finished task of this
  // step): they exist, so saving the same values sends no request (ContentAddressedStore::
  // assume_exists).
  std::vector<std::string> known_blobs;
  // The committed attempt of each input path, where the runtime knows it (kUnknownAttempt: look it
  // up); empty: all unknown.
  std::vector<int> input_attempts;
  std::string program_name;  // the flow binary's file name (_graph_info "file")
  std::string ds_root;       // the datastore root (".../.metaflow"), recorded in metadata
  // The code package the task runs from (METAFLOW_CODE_*), empty when run from a local build.
  std::string code_url, code_sha, code_ds, code_metadata;
};

// Exit codes of a task process (Metaflow's): 0 ok, 1 failed, 202 failed and must not be retried.
inline constexpr int kTaskExitOk = 0;
inline constexpr int kTaskExitFailed = 1;
inline constexpr int kTaskExitNoRetry = 202;

// Runs one attempt; returns the process exit code. User output goes to stdout/stderr.
int run_task(const FlowGraph& graph, StorageBackend& storage, MetadataProvider& metadata,
             const TaskRunOptions& options);

// The metadata rows every attempt registers (attempt, ds-type, ds-root, ...).
std::vector<MetaDatum> attempt_metadata(const TaskRunOptions& options, std::string_view ds_type);

}  // namespace conflux
