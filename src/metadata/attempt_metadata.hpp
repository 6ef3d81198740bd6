// Selecting the metadata rows of one task attempt (Metaflow's
// MetadataProvider._reconstruct_metadata_for_attempt), shared by the metadata providers.
// Pure function; thread-safe.
#pragma once

#include <vector>

#include "metadata/records.hpp"

namespace conflux {

// The rows tagged "attempt_id:<attempt>". If some row carries no attempt tag (Metaflow < 2.4),
// falls back to time windows: the rows whose ts_epoch lies between this attempt's "attempt" row and
// the next one's (empty if the attempt never started). Keeps the input order.
std::vector<MetadataRow> metadata_for_attempt(const std::vector<MetadataRow>& rows, int attempt);

}  // namespace conflux
