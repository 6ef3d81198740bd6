// Opens the datastore and metadata provider a command works with. Settings come from the command
// line (--datastore, --datastore-root, --metadata), then Metaflow's environment variables
// (METAFLOW_DEFAULT_DATASTORE, METAFLOW_DATASTORE_SYSROOT_LOCAL, METAFLOW_DATASTORE_SYSROOT_S3,
// METAFLOW_DEFAULT_METADATA, METAFLOW_SERVICE_URL, METAFLOW_SERVICE_HEADERS), then
// ~/.metaflowconfig/config.json (same keys), then defaults. With the S3 datastore the local
// metadata provider keeps its files in the same bucket (see docs/s3.md).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "cli/flow_cli.hpp"
#include "cli/settings.hpp"
#include "conflux/client.hpp"
#include "datastore/local_storage.hpp"
#include "metadata/local_metadata_provider.hpp"

namespace conflux::cli {

struct Backends {
  std::filesystem::path root;     // the local datastore root (".../.metaflow"); empty for s3
  std::filesystem::path sysroot;  // the directory that holds it
  std::string datastore = "local";  // "local" or "s3": the ds_type
  std::string ds_root;              // recorded in metadata: root, or s3://bucket/prefix
  std::unique_ptr<StorageBackend> storage;
  // Where local metadata and latest_run live: the local datastore itself, or with an S3
  // datastore the local `.metaflow` directory (as Metaflow keeps it; found like a local
  // datastore's root). metadata_storage points at `storage` or owns a LocalStorage there.
  std::filesystem::path metadata_root;
  std::unique_ptr<StorageBackend> own_metadata_storage;
  // The local metadata provider, and latest_run in any case.
  std::unique_ptr<LocalMetadataProvider> local;
  // The metadata service client, when the metadata provider is "service".
  std::unique_ptr<MetadataProvider> service;

  MetadataProvider& metadata() { return service ? *service : static_cast<MetadataProvider&>(*local); }
};

Result<Backends> open_backends(const GlobalOptions& global, const std::string& username);

// METAFLOW_SERVICE_HEADERS (a JSON object of header names to values); InvalidArgument otherwise.
Result<std::map<std::string, std::string>> service_headers_from_settings();

// A client over the command's backends (they must outlive it), for the commands that inspect runs.
Client attach_client(Backends& backends, Namespace ns);

// The pathspec FLOW/RUN/STEP[/TASK] of a flow binary's RUN/STEP[/TASK] argument.
Result<Pathspec> flow_task_path(const std::string& flow, const std::string& arg);

}  // namespace conflux::cli
