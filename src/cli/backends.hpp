// Opens the datastore and metadata provider a command works with, from the command line
// (--datastore-root) and Metaflow's environment (METAFLOW_DATASTORE_SYSROOT_LOCAL), in that order.
#pragma once

#include <filesystem>
#include <memory>

#include "cli/flow_cli.hpp"
#include "datastore/local_storage.hpp"
#include "metadata/local_metadata_provider.hpp"

namespace conflux::cli {

struct Backends {
  std::filesystem::path root;         // the datastore root (".../.metaflow")
  std::filesystem::path sysroot;      // the directory that holds it
  std::unique_ptr<LocalStorage> storage;
  std::unique_ptr<LocalMetadataProvider> metadata;
};

Result<Backends> open_backends(const GlobalOptions& global, const std::string& username);

}  // namespace conflux::cli
