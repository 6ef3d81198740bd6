// export_runs: writes runs of a datastore and its metadata into a run bundle (bundle_format.hpp),
// streaming every file and blob from storage to the bundle.
//
// Thread safety: a function of its arguments.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "gc/run_catalog.hpp"

namespace conflux::transfer {

struct ExportSource {
  gc::GcStores stores;
  std::string ds_type;   // "local" or "s3"
  std::string ds_root;   // recorded in the manifest
};

struct ExportReport {
  size_t runs = 0;
  size_t files = 0;
  size_t blobs = 0;
  uint64_t bytes = 0;  // of the bundle's entries
};

// `runs` are "Flow/run" pathspecs. NotFound names a run that does not exist; nothing is written
// then (the bundle appears only once complete).
Result<ExportReport> export_runs(const ExportSource& source, const std::vector<std::string>& runs,
                                 const std::filesystem::path& bundle,
                                 const std::function<void(const std::string&)>& progress = {});

}  // namespace conflux::transfer
