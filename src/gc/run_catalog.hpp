// RunCatalog: every run of a datastore and of its metadata, with what gc needs to judge a run,
// delete it and find the blobs it references. Runs are found in both places: a run whose files are
// in the datastore but which the metadata does not know (another machine's local metadata sharing
// an S3 bucket, a crashed registration) is listed too, so its blobs are never swept.
//
// Thread safety: functions of their arguments; the stores must be safe for concurrent use.
#pragma once

#include <string>
#include <vector>

#include "datastore/storage_backend.hpp"
#include "gc/retention_policy.hpp"
#include "metadata/metadata_provider.hpp"

namespace conflux::gc {

// Where a datastore's runs live.
struct GcStores {
  StorageBackend* datastore = nullptr;         // <Flow>/<run>/..., <Flow>/data/<sha[:2]>/<sha>
  // Local metadata's files, when they are not in the datastore (an S3 datastore); else equal to
  // datastore (also with the metadata service, which keeps no files).
  StorageBackend* metadata_storage = nullptr;
  MetadataProvider* metadata = nullptr;  // local metadata over metadata_storage, or the service
};

struct CatalogedRun {
  RunFacts facts;
  uint64_t bytes = 0;  // its own files in the datastore and the metadata, not shared blobs
  size_t files = 0;
  size_t data_files_found = 0;  // of those, in the datastore
  // Keys of its <attempt>.data.json and <attempt>.task_begin files: the blob references.
  std::vector<std::string> reference_keys;
  // Every file of the run in the datastore, when asked for (catalog_run's keep_files).
  std::vector<ObjectInfo> data_files;
};

// The names of the flows in the datastore and the metadata, sorted.
Result<std::vector<std::string>> list_flow_names(const GcStores& stores);

// One run's files: its activity, size and references (`facts` holds flow and run id only, plus
// the time of its newest file).
Result<CatalogedRun> catalog_run(const GcStores& stores, const std::string& flow, const std::string& run_id,
                                 bool keep_files);

// Every run of `flow`, sorted by id.
Result<std::vector<CatalogedRun>> catalog_flow(const GcStores& stores, const std::string& flow);

}  // namespace conflux::gc
