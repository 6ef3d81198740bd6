// The artifacts of one task attempt, as the client lists them: the metadata provider's artifact
// rows (Metaflow's source of truth: name, sha, attempt, time) joined with the attempt's
// <attempt>.data.json in the datastore (size, Python type, encoding). When the provider has no
// rows for the task (metadata written without them), the data.json of the latest finished attempt
// is used alone. Internal to src/client; thread-safe (reads only).
#pragma once

#include <optional>
#include <vector>

#include "conflux/client_objects.hpp"

namespace conflux::client_detail {

// Every artifact (private ones included) of attempt `attempt` of the task `task`, or of its
// latest finished attempt when nullopt; sorted by name. Empty if no attempt has finished.
Result<std::vector<DataArtifact>> list_task_artifacts(const ObjectCore& task,
                                                      std::optional<int> attempt);

}  // namespace conflux::client_detail
