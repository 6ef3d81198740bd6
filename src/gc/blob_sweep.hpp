// The sweep: removes the blobs of a flow's content-addressed store (<Flow>/data/<sha[:2]>/<sha>)
// that no run references and nobody wrote or reused since `cutoff`, then the `_meta` flags left
// without a blob. Each removal is StorageBackend::remove_if_older, so a writer that reuses a blob
// while the sweep runs (and touches it) keeps it. Keys that are not blobs are left alone.
//
// Thread safety: a function of its arguments.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_set>

#include "datastore/storage_backend.hpp"

namespace conflux::gc {

struct SweepCounts {
  size_t blobs = 0;    // blobs removed (or that would be, in a dry run)
  uint64_t bytes = 0;  // their stored size
  size_t kept = 0;     // blobs still there
};

Result<SweepCounts> sweep_blobs(StorageBackend& datastore, const std::string& flow,
                                const std::unordered_set<std::string>& referenced,
                                std::chrono::system_clock::time_point cutoff, bool dry_run);

}  // namespace conflux::gc
