// Local metadata of remote tasks, brought home. With an S3 datastore and local metadata, a run's
// metadata lives in the `.metaflow` directory of the machine that runs it (as in Metaflow), but a
// task on a cluster node writes its own into a scratch directory there. Like Metaflow's
// sync_local_metadata_to/from_datastore, `conflux task-run` leaves those files in the task's
// datastore (one JSON bundle per attempt, next to the exit record), and the launcher copies them
// into the local `.metaflow` when the attempt ends.
#pragma once

#include <filesystem>
#include <string>

#include "conflux/status.hpp"
#include "datastore/task_datastore.hpp"

namespace conflux {

inline constexpr const char* kLocalMetadataFile = "local_metadata";

// Stores every file under `metadata_root` (a `.metaflow` directory) in the attempt's bundle.
Status save_local_metadata(TaskDataStore& ds, int attempt, const std::filesystem::path& metadata_root);

// Writes the attempt's bundle into `metadata_root`: the task's own files replace what is there,
// the run's and step's are written only where missing. No bundle: NotFound. A path outside the
// task's run ("<flow>/<run>/...") is Corruption, and nothing is written.
Status restore_local_metadata(TaskDataStore& ds, int attempt, const std::filesystem::path& metadata_root);

}  // namespace conflux
