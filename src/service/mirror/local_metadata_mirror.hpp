// LocalMetadataMirror: copies the local metadata of a datastore (Metaflow's _meta layout, read
// through a MetadataProvider) into a service Database, so that `conflux ui` serves a single
// user's local runs with the same UI API and pages as `conflux service`, without a database to
// set up. Each sync() reads what is new since the last one: flows, runs, steps, tasks, and a
// task's new metadata and artifact rows; the database's write path then keeps the stored status
// (db/run_state.hpp) as for runs recorded through the service.
//
// Ids: the database numbers runs and tasks itself (its run_number and task_id are unique across
// flows); the local ids are kept as the run's run_id and the task's task_name, which is what the
// UI API uses to find logs, artifacts and cards in the datastore.
//
// Thread safety: sync() from one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "metadata/metadata_provider.hpp"
#include "service/api/api.hpp"
#include "service/db/database.hpp"

namespace conflux::service {

struct MirrorCounts {
  int64_t runs = 0, tasks = 0, metadata = 0;
};

class LocalMetadataMirror {
 public:
  // `events` (may be null): where the rows a sync adds are announced (the UI's live updates).
  LocalMetadataMirror(MetadataProvider& local, Database& db, ApiContext* events)
      : local_(local), db_(db), events_(events) {}

  // Copies what is new. A run that can no longer change (completed or failed) is not read again.
  Result<MirrorCounts> sync();

 private:
  Status sync_run(const std::string& flow, const conflux::RunRecord& run, MirrorCounts& counts);
  Status sync_task(const std::string& flow, const conflux::RunRecord& run, int64_t run_number,
                   const conflux::TaskRecord& task, MirrorCounts& counts);

  struct KnownTask {
    int64_t id = 0;              // the database's task_id
    size_t metadata_rows = 0;    // rows copied so far (the provider lists them oldest first)
    bool settled = false;        // succeeded: nothing more will be written
  };

  MetadataProvider& local_;
  Database& db_;
  ApiContext* events_;
  std::set<std::string> flows_;
  std::map<std::string, int64_t> runs_;  // "flow/run" -> run_number
  std::set<std::string> settled_runs_;
  std::set<std::string> steps_;            // "flow/run/step"
  std::map<std::string, KnownTask> tasks_;  // "flow/run/step/task"
};

}  // namespace conflux::service
