// Opens the datastore and metadata provider a command works with. Settings come from the command
// line (--datastore-root, --metadata), then Metaflow's environment variables
// (METAFLOW_DATASTORE_SYSROOT_LOCAL, METAFLOW_DEFAULT_METADATA, METAFLOW_SERVICE_URL,
// METAFLOW_SERVICE_HEADERS), then ~/.metaflowconfig/config.json (same keys), then defaults.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "cli/flow_cli.hpp"
#include "datastore/local_storage.hpp"
#include "metadata/local_metadata_provider.hpp"

namespace conflux::cli {

struct Backends {
  std::filesystem::path root;     // the datastore root (".../.metaflow")
  std::filesystem::path sysroot;  // the directory that holds it
  std::unique_ptr<LocalStorage> storage;
  // The datastore's own metadata files: the local provider, and latest_run in any case.
  std::unique_ptr<LocalMetadataProvider> local;
  // The metadata service client, when the metadata provider is "service".
  std::unique_ptr<MetadataProvider> service;

  MetadataProvider& metadata() { return service ? *service : static_cast<MetadataProvider&>(*local); }
};

Result<Backends> open_backends(const GlobalOptions& global, const std::string& username);

// A Metaflow setting: the environment variable `key`, else ~/.metaflowconfig/config.json's `key`
// (METAFLOW_HOME and METAFLOW_PROFILE respected), else nullopt.
std::optional<std::string> metaflow_setting(const std::string& key);

}  // namespace conflux::cli
