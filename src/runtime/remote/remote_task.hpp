// RemoteTask: what `conflux task-run` needs to run one task attempt on a node that shares nothing
// with the submitting machine but the datastore (and the metadata service): the code package, the
// datastore, the task's `step` command and environment. Engines pass it as one JSON line (a Slurm
// script holds one per array element), so no value is ever re-quoted by a shell.
//
// TaskExitRecord is what task-run leaves in the datastore when the step command ends:
// <Flow>/<run>/<step>/<task>/<attempt>.task_exit. Launchers read it as the truth about how the
// attempt ended; the engine's own state only explains attempts that left no record.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "conflux/status.hpp"
#include "datastore/storage_backend.hpp"
#include "runtime/remote/deployed_task.hpp"

namespace conflux {

struct RemoteTask {
  std::string flow, run_id, step, task_id;
  int attempt = 0;
  std::vector<std::string> argv;  // the `step` command; argv[0] is replaced by the packaged binary
  std::map<std::string, std::string> env;
  std::string code_url, code_sha, code_ds;  // the code package
  std::string ds_type, ds_root;             // the datastore ("local" + directory, or "s3" + URL)
  int64_t timeout_seconds = 0;              // 0: none
  // The run keeps local metadata with an S3 datastore: the task writes its local metadata on the
  // node and leaves it in the datastore for the runtime (local_metadata_sync.hpp).
  bool sync_local_metadata = false;
  // Set when a workflow engine (Argo Workflows) runs the task: task-run mints its id and input
  // paths on the node (deployed_task.hpp). `task_id` is then empty and `argv` lacks them.
  std::optional<DeployedTask> deployed;

  std::string to_json_line() const;
  // Errors name the missing or malformed field.
  static Result<RemoteTask> from_json(std::string_view text);
};

struct TaskExitRecord {
  int exit_code = 0;
  int signal = 0;
  bool timed_out = false;
  std::string host;
  std::string engine_id;  // "slurm 77_3", when known
  std::string message;    // why task-run itself failed ("cannot fetch the code package: ..."), or ""

  std::string to_json() const;
  static Result<TaskExitRecord> from_json(std::string_view text);
};

inline constexpr const char* kTaskExitFile = "task_exit";

// The settings a remote task and `conflux task-run` need to reach the run's datastore and metadata
// service. The runtime forwards them in RemoteTask::env; task-run applies them to itself. Never
// credentials: nodes bring their own.
inline constexpr const char* kForwardedSettings[] = {
    "METAFLOW_SERVICE_URL", "METAFLOW_SERVICE_HEADERS", "METAFLOW_DEFAULT_METADATA", "METAFLOW_S3_ENDPOINT_URL",
    "METAFLOW_S3_ADDRESSING_STYLE", "METAFLOW_DATASTORE_SYSROOT_S3", "METAFLOW_S3_SERVER_SIDE_ENCRYPTION",
    "CONFLUX_S3_SSE_KMS_KEY_ID", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "SSL_CERT_FILE"};

}  // namespace conflux
