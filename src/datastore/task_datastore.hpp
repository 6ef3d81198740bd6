// TaskDataStore: the per-attempt files of one task, <Flow>/<run>/<step>/<task>/<attempt>.<name>, in
// Metaflow's layout (task_datastore.py):
//   <a>.attempt.json   {"time": <secs>}                 written when the attempt starts
//   <a>.task_begin     code package info + retry_count  written by the task before the step runs
//   <a>.task_end       {}                               written by the task after persisting
//   <a>.runtime        {"return_code", "killed", "success"}  written by the runtime
//   <a>.<source>_<stream>.log   mflog logs (source "runtime" or "task"; stream stdout/stderr)
//   <a>.data.json      the artifact index               } written by done(), in this order:
//   <a>.DONE.lock      ""  (the commit marker)          } DONE.lock last
// Every file is published atomically. Readers follow Metaflow: the latest attempt is the highest
// 0..kMaxAttempts-1 with an attempt.json (scanning stops at the first gap after one is found), and
// its data is readable only if that attempt has its DONE.lock; an older finished attempt is never
// served while a newer one is in flight.
//
// Thread safety: the object is immutable after construction; all methods may be called concurrently
// (concurrent writers of the same file: last rename wins).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "conflux/byte_stream.hpp"
#include "conflux/status.hpp"
#include "datastore/artifact_index.hpp"
#include "datastore/storage_backend.hpp"

namespace conflux {

enum class LogStream { kStdout, kStderr };

// "stdout" / "stderr".
std::string_view log_stream_name(LogStream stream);

// <a>.task_begin
struct TaskBeginInfo {
  std::string code_package_metadata;            // "" when there is no code package
  std::optional<std::string> code_package_sha;  // null when absent
  std::optional<std::string> code_package_ds;
  std::optional<std::string> code_package_url;
  int retry_count = 0;
};

// <a>.runtime
struct RuntimeOutcome {
  int return_code = 0;
  bool killed = false;
  bool success = true;
};

class TaskDataStore {
 public:
  static constexpr int kMaxAttempts = 6;  // Metaflow's MAX_ATTEMPTS

  // REQUIRES: `storage` outlives this object. Invalid names make every call fail.
  TaskDataStore(StorageBackend& storage, std::string_view flow, std::string_view run_id,
                std::string_view step, std::string_view task_id);

  // "<Flow>/<run>/<step>/<task>".
  const std::string& prefix() const { return prefix_; }
  // "<prefix>/<attempt>.<name>".
  std::string attempt_key(int attempt, std::string_view name) const;

  // --- Writing (each call publishes one file atomically, overwriting) ---
  Status save_attempt_start(int attempt, std::chrono::system_clock::time_point start);
  Status save_task_begin(int attempt, const TaskBeginInfo& info);
  Status save_task_end(int attempt);
  Status save_runtime(int attempt, const RuntimeOutcome& outcome);
  // <a>.<source>_<stream>.log; `bytes` are already mflog-formatted.
  Status save_log(int attempt, std::string_view source, LogStream stream, std::string_view bytes);
  // Streaming variant; publish with commit().
  Result<std::unique_ptr<StorageWriter>> begin_log(int attempt, std::string_view source,
                                                   LogStream stream);
  // Any other <a>.<name> file (JSON text as Metaflow's save_metadata would write it).
  Status save_attempt_file(int attempt, std::string_view name, std::string_view bytes);
  // Writes <a>.data.json (index.attempt is set to `attempt`), then the <a>.DONE.lock commit marker.
  Status done(int attempt, const ArtifactIndex& index);

  // --- Reading ---
  // The latest started attempt (see above); nullopt if none started.
  Result<std::optional<int>> latest_attempt();
  Result<bool> is_done(int attempt);
  // The latest attempt if it is done; NotFound ("no completed attempt") otherwise.
  Result<int> latest_done_attempt();
  // <a>.data.json; NotFound if absent. Does not check DONE.lock.
  Result<ArtifactIndex> load_index(int attempt);
  // Start time recorded in <a>.attempt.json, in seconds since the epoch.
  Result<double> load_attempt_time(int attempt);
  Result<RuntimeOutcome> load_runtime(int attempt);
  // The log file's bytes; "" if it does not exist (as Metaflow's load_logs).
  Result<std::string> load_log(int attempt, std::string_view source, LogStream stream);
  Result<std::unique_ptr<ByteSource>> open_log(int attempt, std::string_view source,
                                               LogStream stream);
  Result<std::string> load_attempt_file(int attempt, std::string_view name);

 private:
  std::string log_name(std::string_view source, LogStream stream) const;
  Status check_attempt(int attempt) const;

  StorageBackend& storage_;
  std::string prefix_;
  Status name_status_;
};

}  // namespace conflux
