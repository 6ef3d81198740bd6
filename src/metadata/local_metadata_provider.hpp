// LocalMetadataProvider: metadata kept as JSON files inside the local datastore, in the exact
// layout of Metaflow's local provider, so Metaflow's client reads our runs and we read Metaflow's:
//   <Flow>/_meta/_self.json                               flow
//   <Flow>/<run>/_meta/_self.json                      run (its tags are the run's tags)
//   <Flow>/<run>/<step>/_meta/_self.json               step
//   <Flow>/<run>/<step>/<task>/_meta/_self.json        task
//   <task>/_meta/sysmeta_<field>_<ts_ms>.json          one metadata row
//   <task>/_meta/<attempt>_artifact_<name>.json        one artifact row
//   <Flow>/latest_run                                  last run id started by `run`, no newline
// Files are published atomically through the StorageBackend and, except the run's _self.json
// (rewritten by tag mutation) and latest_run, never overwritten.
//
// Ids: run ids are int(time * 1e6) like Metaflow's; uniqueness among concurrent callers (threads or
// processes) comes from publishing the run's _self.json with no-overwrite and moving to the next
// microsecond on collision. Task ids from new_task_id count up per run from 0 (the `_parameters`
// task), per provider as in Metaflow; a taken id (same step, another process) is skipped, so ids
// are unique within a step. A metadata row whose file name is taken (same field, same millisecond)
// moves to the next millisecond instead of being dropped as in Metaflow.
//
// Deliberate difference from Metaflow: tag mutation keeps the run's original user_name and ts_epoch
// (Metaflow rewrites them with the mutating user and the current time).
//
// Thread safety: safe for concurrent use from many threads and processes sharing the root.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "datastore/storage_backend.hpp"
#include "metadata/metadata_provider.hpp"

namespace conflux {

struct LocalMetadataOptions {
  std::string user_name;  // recorded as user_name on every object and row
  // Source of timestamps and run ids; the system clock when empty (tests pass a fake one).
  std::function<std::chrono::system_clock::time_point()> clock;
};

class LocalMetadataProvider final : public MetadataProvider {
 public:
  // `storage` is rooted at the datastore root (the `.metaflow` directory) and must outlive this.
  LocalMetadataProvider(StorageBackend& storage, LocalMetadataOptions options);

  std::string_view type() const override { return "local"; }

  Result<std::string> new_run_id(std::string_view flow, const RunTags& tags) override;
  Status register_run_id(std::string_view flow, std::string_view run_id,
                         const RunTags& tags) override;
  Result<std::string> new_task_id(std::string_view flow, std::string_view run_id,
                                  std::string_view step, const RunTags& tags) override;
  Status register_step(std::string_view flow, std::string_view run_id, std::string_view step,
                       const RunTags& tags) override;
  Status register_task_id(std::string_view flow, std::string_view run_id, std::string_view step,
                          std::string_view task_id, const RunTags& tags) override;
  Status register_metadata(std::string_view flow, std::string_view run_id, std::string_view step,
                           std::string_view task_id, std::span<const MetaDatum> data) override;
  Status register_artifacts(std::string_view flow, std::string_view run_id, std::string_view step,
                            std::string_view task_id, int attempt,
                            std::span<const ArtifactRef> artifacts, const RunTags& tags) override;
  // Writes the task's _meta directory in one piece (see StorageBackend::save_new_directory).
  Status register_finished_task(std::string_view flow, std::string_view run_id, std::string_view step,
                                std::string_view task_id, const RunTags& tags, std::span<const MetaDatum> data,
                                int attempt, std::span<const ArtifactRef> artifacts) override;

  Status mark_run_in_use(std::string_view flow, std::string_view run_id) override;
  // Removes <Flow>/<run> from the storage: with a local datastore that is the run's data too.
  Status delete_run(std::string_view flow, std::string_view run_id) override;

  Result<std::vector<FlowRecord>> list_flows() override;
  Result<FlowRecord> get_flow(std::string_view flow) override;
  Result<std::vector<RunRecord>> list_runs(std::string_view flow) override;
  Result<RunRecord> get_run(std::string_view flow, std::string_view run_id) override;
  Result<std::vector<StepRecord>> list_steps(std::string_view flow,
                                             std::string_view run_id) override;
  Result<StepRecord> get_step(std::string_view flow, std::string_view run_id,
                              std::string_view step) override;
  Result<std::vector<TaskRecord>> list_tasks(std::string_view flow, std::string_view run_id,
                                             std::string_view step) override;
  Result<TaskRecord> get_task(std::string_view flow, std::string_view run_id, std::string_view step,
                              std::string_view task_id) override;
  Result<std::vector<MetadataRow>> list_metadata(std::string_view flow, std::string_view run_id,
                                                 std::string_view step, std::string_view task_id,
                                                 std::optional<int> attempt) override;
  Result<std::vector<ArtifactRow>> list_artifacts(std::string_view flow, std::string_view run_id,
                                                  std::string_view step, std::string_view task_id,
                                                  std::optional<int> attempt) override;

  Result<RunRecord> mutate_run_tags(std::string_view flow, std::string_view run_id,
                                    const std::vector<std::string>& to_add,
                                    const std::vector<std::string>& to_remove) override;

  // <Flow>/latest_run: the run `resume` starts from by default.
  Status write_latest_run(std::string_view flow, std::string_view run_id);
  // nullopt if the flow has no latest_run.
  Result<std::optional<std::string>> read_latest_run(std::string_view flow);

 private:
  std::chrono::system_clock::time_point now() const;
  int64_t now_ms() const;
  // Publishes `json` at `key` unless something is there already.
  Status ensure(const std::string& key, const std::function<std::string()>& json);
  Status ensure_flow(std::string_view flow);
  Status ensure_step(std::string_view flow, std::string_view run_id, std::string_view step,
                     const RunTags& tags);
  // The rows of one register_metadata() call, each with its millisecond.
  std::vector<MetadataRow> metadata_rows(std::string_view flow, std::string_view run_id, std::string_view step,
                                         std::string_view task_id, std::span<const MetaDatum> data);
  // The artifact records of an attempt: (file name in _meta, JSON).
  Result<std::vector<std::pair<std::string, std::string>>> artifact_files(
      std::string_view flow, std::string_view run_id, std::string_view step, std::string_view task_id, int attempt,
      std::span<const ArtifactRef> artifacts, const RunTags& tags);
  Result<std::vector<std::string>> list_dirs(const std::string& prefix);
  // The task's _meta file names (sorted).
  Result<std::vector<std::string>> task_meta_files(std::string_view flow, std::string_view run_id,
                                                   std::string_view step, std::string_view task_id);

  StorageBackend& storage_;
  const LocalMetadataOptions options_;
  std::atomic<int64_t> last_run_id_{0};  // this provider's latest numeric run id
  std::mutex mu_;
  std::map<std::string, int64_t, std::less<>> next_task_id_;  // GUARDED_BY(mu_), by "<flow>/<run>"
};

}  // namespace conflux
