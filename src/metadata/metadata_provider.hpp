// MetadataProvider: where runs, steps, tasks, their metadata rows and artifact records are
// registered and looked up (Metaflow's metadata_provider/metadata.py). LocalMetadataProvider keeps
// them as JSON files inside the local datastore; a client of the metadata service can implement the
// same interface.
//
// The object model is Metaflow's: flow > run > step > task, with metadata rows and per-attempt
// artifact rows attached to tasks. Step, task and artifact objects report their run's current tags
// (tags are "sticky"); only a run's user tags can change after creation (mutate_run_tags), system
// tags never do.
//
// Thread safety: implementations are safe for concurrent use from many threads (and, for the local
// provider, processes sharing a datastore root).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "conflux/status.hpp"
#include "metadata/records.hpp"

namespace conflux {

// One metadata datum to register (Metaflow's MetaDatum).
struct MetaDatum {
  std::string field;
  std::string value;
  std::string type;
  std::vector<std::string> tags;  // conventionally ["attempt_id:<N>"]
  // `value` is JSON text to store as is (Metaflow's foreach-stack is a list), not a string.
  // REQUIRES: then `value` is valid JSON in json.dumps style.
  bool value_is_json = false;
};

// One artifact of a finished attempt to register (Metaflow's DataArtifact).
struct ArtifactRef {
  std::string name;
  std::string sha;
  std::string content_type = "pickle-v4";  // the artifact's encoding
  std::string ds_type = "local";
  std::string ds_root;  // recorded as location ":root:<ds_root>" unless `url` is set
  std::string url;
};

// The tags written on every object of a run.
struct RunTags {
  std::vector<std::string> tags;         // user tags
  std::vector<std::string> system_tags;  // "user:<name>", "runtime:dev", ...
};

class MetadataProvider {
 public:
  virtual ~MetadataProvider() = default;

  // "local" or "service".
  virtual std::string_view type() const = 0;

  // --- Registration ---
  // Creates a new run (and its flow if needed) and returns its id. Unique among concurrent callers.
  virtual Result<std::string> new_run_id(std::string_view flow, const RunTags& tags) = 0;
  // Registers a run whose id was chosen elsewhere (e.g. by a scheduler). A no-op if it exists.
  virtual Status register_run_id(std::string_view flow, std::string_view run_id,
                                 const RunTags& tags) = 0;
  // Registers a step of a run (a no-op if it exists); tasks register their step themselves, this
  // is for copying a run's records with their own times (conflux import).
  virtual Status register_step(std::string_view flow, std::string_view run_id, std::string_view step,
                               const RunTags& tags) = 0;
  // Creates a new task of `step` (and the step if needed) and returns its id.
  virtual Result<std::string> new_task_id(std::string_view flow, std::string_view run_id,
                                          std::string_view step, const RunTags& tags) = 0;
  // Registers a task (and its step) whose id was chosen by the caller. A no-op if it exists.
  virtual Status register_task_id(std::string_view flow, std::string_view run_id,
                                  std::string_view step, std::string_view task_id,
                                  const RunTags& tags) = 0;
  // Records metadata rows of a task (one batch shares one timestamp).
  virtual Status register_metadata(std::string_view flow, std::string_view run_id,
                                   std::string_view step, std::string_view task_id,
                                   std::span<const MetaDatum> data) = 0;
  // Records the artifacts of attempt `attempt` of a task.
  virtual Status register_artifacts(std::string_view flow, std::string_view run_id,
                                    std::string_view step, std::string_view task_id, int attempt,
                                    std::span<const ArtifactRef> artifacts,
                                    const RunTags& tags) = 0;

  // Registers a finished task in one call: the task, the artifacts of `attempt`, then the metadata
  // rows (what resume writes for each task it clones). The local provider writes it all as one
  // directory that appears at once; this default registers the parts one after the other.
  virtual Status register_finished_task(std::string_view flow, std::string_view run_id, std::string_view step,
                                        std::string_view task_id, const RunTags& tags,
                                        std::span<const MetaDatum> data, int attempt,
                                        std::span<const ArtifactRef> artifacts) {
    CONFLUX_RETURN_IF_ERROR(register_task_id(flow, run_id, step, task_id, tags));
    CONFLUX_RETURN_IF_ERROR(register_artifacts(flow, run_id, step, task_id, attempt, artifacts, tags));
    return register_metadata(flow, run_id, step, task_id, data);
  }

  // --- Lookup (NotFound for a missing object; lists of a missing parent are empty) ---
  virtual Result<std::vector<FlowRecord>> list_flows() = 0;
  virtual Result<FlowRecord> get_flow(std::string_view flow) = 0;
  virtual Result<std::vector<RunRecord>> list_runs(std::string_view flow) = 0;
  virtual Result<RunRecord> get_run(std::string_view flow, std::string_view run_id) = 0;
  virtual Result<std::vector<StepRecord>> list_steps(std::string_view flow,
                                                     std::string_view run_id) = 0;
  virtual Result<StepRecord> get_step(std::string_view flow, std::string_view run_id,
                                      std::string_view step) = 0;
  virtual Result<std::vector<TaskRecord>> list_tasks(std::string_view flow, std::string_view run_id,
                                                     std::string_view step) = 0;
  virtual Result<TaskRecord> get_task(std::string_view flow, std::string_view run_id,
                                      std::string_view step, std::string_view task_id) = 0;
  // All metadata rows of a task, or only those of `attempt` (Metaflow's
  // _reconstruct_metadata_for_attempt), oldest first.
  virtual Result<std::vector<MetadataRow>> list_metadata(std::string_view flow,
                                                         std::string_view run_id,
                                                         std::string_view step,
                                                         std::string_view task_id,
                                                         std::optional<int> attempt) = 0;
  // The artifact rows of `attempt`, or of the latest attempt that registered "attempt-done" when
  // nullopt (empty if none did).
  virtual Result<std::vector<ArtifactRow>> list_artifacts(std::string_view flow,
                                                          std::string_view run_id,
                                                          std::string_view step,
                                                          std::string_view task_id,
                                                          std::optional<int> attempt) = 0;

  // --- Run tags ---
  // Removes `to_remove`, then adds `to_add`, to the run's user tags; returns the updated run.
  // InvalidArgument if a system tag would be removed or a tag is invalid (empty, > 500 characters,
  // not UTF-8, more than 50 user tags); system tags in `to_add` are ignored.
  // --- Liveness (the metadata service marks runs and tasks without heartbeats as failed) ---
  // Local metadata keeps no heartbeats: these are no-ops there.
  virtual Status heartbeat_run(std::string_view flow, std::string_view run_id) {
    (void)flow;
    (void)run_id;
    return Status();
  }
  virtual Status heartbeat_task(std::string_view flow, std::string_view run_id, std::string_view step,
                                std::string_view task_id) {
    (void)flow;
    (void)run_id;
    (void)step;
    (void)task_id;
    return Status();
  }

  // Records that a run is being read to build another (resume clones its tasks), so that
  // `conflux gc` counts it as active for its grace period. Local metadata refreshes the time of
  // the run's _self.json; NotFound if the run does not exist. The service keeps no such time.
  virtual Status mark_run_in_use(std::string_view flow, std::string_view run_id) {
    (void)flow;
    (void)run_id;
    return Status();
  }

  // Deletes a run's metadata: the run, its steps, tasks, metadata and artifact rows (not the
  // datastore's files; `conflux gc` removes those). NotFound if the run does not exist;
  // NotSupported where the backend cannot (metaflow-service has no DELETE).
  virtual Status delete_run(std::string_view flow, std::string_view run_id) = 0;

  virtual Result<RunRecord> mutate_run_tags(std::string_view flow, std::string_view run_id,
                                            const std::vector<std::string>& to_add,
                                            const std::vector<std::string>& to_remove) = 0;

  Result<RunRecord> add_run_tags(std::string_view flow, std::string_view run_id,
                                 const std::vector<std::string>& tags) {
    return mutate_run_tags(flow, run_id, tags, {});
  }
  Result<RunRecord> remove_run_tags(std::string_view flow, std::string_view run_id,
                                    const std::vector<std::string>& tags) {
    return mutate_run_tags(flow, run_id, {}, tags);
  }
  // Metaflow's replace_tags: remove `old_tags`, then add `new_tags`.
  Result<RunRecord> replace_run_tags(std::string_view flow, std::string_view run_id,
                                     const std::vector<std::string>& old_tags,
                                     const std::vector<std::string>& new_tags) {
    return mutate_run_tags(flow, run_id, new_tags, old_tags);
  }
};

}  // namespace conflux
