// collect_garbage: `conflux gc` end to end.
//   1. Catalog the runs of the flows in scope and judge them by the policy.
//   2. Unless it is a dry run, delete each condemned run: its metadata (local files, or the
//      service's DELETE), then its files in the datastore (on local storage a run disappears at
//      once: its folder is renamed away).
//   3. Catalog again, now that those runs are gone, and collect every blob the remaining runs
//      reference (a run that started since step 1 is included).
//   4. Sweep each flow's blobs that are unreferenced and untouched since (start of 3 - grace).
// Why a run starting during the sweep keeps its blobs: a blob it writes is newer than the cutoff; a
// blob it reuses is touched by the content-addressed store when reused, and the sweep removes only
// what remove_if_older still finds old. A run's blobs referenced through its committed inputs were
// written or touched by that same run. What is not protected: a single task that reuses a blob and
// keeps running for longer than the grace period before it commits (choose a grace period longer
// than your longest task), and on S3 a reuse that lands between the sweep's HEAD and DELETE of that
// very blob (docs/operations.md).
//
// Thread safety: one call at a time per datastore is the intended use; concurrent runs are fine.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gc/retention_policy.hpp"
#include "gc/run_catalog.hpp"

namespace conflux::gc {

struct GcOptions {
  RetentionPolicy policy;
  bool dry_run = true;
  bool allow_all = false;  // let the policy select every run in scope
  Clock::time_point now = Clock::now();
};

struct RunReport {
  std::string flow;
  std::string run_id;
  Clock::time_point created;
  Clock::time_point last_activity;
  uint64_t bytes = 0;
  size_t files = 0;
  std::string reason;
};

struct GcReport {
  bool dry_run = true;
  std::vector<RunReport> removed_runs;  // deleted (or to delete, in a dry run)
  size_t kept_runs = 0;
  uint64_t run_bytes = 0;  // the removed runs' own files
  size_t blobs = 0;        // blobs removed (or that would be)
  uint64_t blob_bytes = 0;
  size_t kept_blobs = 0;
};

// Progress lines for people ("deleting run TrainFlow/1733..."); may be empty.
using GcProgress = std::function<void(const std::string&)>;

// FailedPrecondition, before anything is deleted, if the policy selects every run in scope and
// allow_all is false. With the metadata service, runs are deleted through its DELETE route
// (NotSupported, before anything is swept, from a service without one).
Result<GcReport> collect_garbage(const GcStores& stores, const GcOptions& options,
                                 const GcProgress& progress = {});

}  // namespace conflux::gc
