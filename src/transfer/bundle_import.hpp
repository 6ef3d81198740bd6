// import_bundle: brings the runs of a run bundle (bundle_format.hpp) into a datastore (local or
// S3) and a metadata backend (local or the service).
//
// The whole bundle is checked first (manifest, format version, every entry's path, the end entry):
// a truncated bundle, or one from an unknown format version, is refused before anything is
// written. Then per run: its blobs (stored as they were; blobs already there are only touched),
// its files, and its metadata last. With local metadata the run's record is written after all the
// rest, so a run becomes visible complete or not at all; the service needs the run first, so an
// import interrupted there shows a partial run until the import is run again.
//
// Run ids: with local metadata a run keeps its id, and its records their times, unless the target
// has another run with that id (then it gets a new id, reported); a run already imported (same id,
// creation time and user) is skipped. The metadata service numbers runs itself and stamps its own
// times: there an imported run gets the system tag imported_from:<Flow>/<run>, which is how a
// second import finds it. Either way importing a bundle twice changes nothing.
//
// Thread safety: a function of its arguments.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "datastore/storage_backend.hpp"
#include "metadata/metadata_provider.hpp"

namespace conflux::transfer {

struct ImportTarget {
  StorageBackend* datastore = nullptr;
  std::string ds_type;  // "local" or "s3"
  std::string ds_root;  // recorded in the artifact rows
  // Local metadata's storage (the datastore itself, or the local .metaflow of an S3 datastore);
  // nullptr when the metadata goes to `service`.
  StorageBackend* local_metadata_storage = nullptr;
  MetadataProvider* service = nullptr;
};

struct ImportedRun {
  std::string source;  // "Flow/run" in the bundle
  std::string target;  // "Flow/run" here
  std::string outcome;  // "imported", "already imported", "imported under a new id (... was taken)"
};

Result<std::vector<ImportedRun>> import_bundle(const ImportTarget& target, const std::filesystem::path& bundle,
                                               const std::function<void(const std::string&)>& progress = {});

}  // namespace conflux::transfer
