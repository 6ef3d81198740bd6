#include "cli/backends.hpp"

#include <optional>

#include <nlohmann/json.hpp>

#include "cli/s3_backend.hpp"
#include "client/client_backends.hpp"
#include "datastore/datastore_root.hpp"
#include "metadata/service_metadata_provider.hpp"

namespace conflux::cli {

namespace {
Result<std::filesystem::path> local_datastore_root(const std::string& sysroot_override, bool create);
Status open_local_storage(const GlobalOptions& global, Backends* out);
Result<Backends> open_metadata(const GlobalOptions& global, const std::string& username, Backends b);
}  // namespace

Result<Backends> open_backends(const GlobalOptions& global, const std::string& username) {
  Backends b;
  CONFLUX_ASSIGN_OR_RETURN(b.datastore, datastore_kind(global.datastore));
  if (b.datastore == "s3") {
    CONFLUX_ASSIGN_OR_RETURN(std::unique_ptr<S3Storage> s3, open_s3_storage(global.datastore_root));
    b.ds_root = s3->root_url();
    b.storage = std::move(s3);
  } else {
    CONFLUX_RETURN_IF_ERROR(open_local_storage(global, &b));
  }
  return open_metadata(global, username, std::move(b));
}

Result<std::map<std::string, std::string>> service_headers_from_settings() {
  std::map<std::string, std::string> out;
  if (auto headers = metaflow_setting("METAFLOW_SERVICE_HEADERS")) {
    nlohmann::json parsed = nlohmann::json::parse(*headers, nullptr, false);
    if (!parsed.is_object()) {
      return Status::invalid_argument("METAFLOW_SERVICE_HEADERS must be a JSON object of header names to values");
    }
    for (const auto& [name, value] : parsed.items()) out[name] = value.is_string() ? value.get<std::string>() : value.dump();
  }
  return out;
}

Client attach_client(Backends& backends, Namespace ns) {
  return client_detail::attach_client(backends.metadata(), *backends.storage, std::move(ns));
}

Result<Pathspec> flow_task_path(const std::string& flow, const std::string& arg) {
  Result<Pathspec> path = Pathspec::parse(flow + "/" + arg);
  if (!path.ok() || path->depth < 3 || path->depth > 4) {
    return Status::invalid_argument("'" + arg + "' should be RUN/STEP or RUN/STEP/TASK");
  }
  return path;
}

namespace {

// The local `.metaflow` directory: in `sysroot_override`, else METAFLOW_DATASTORE_SYSROOT_LOCAL,
// else the nearest one above the working directory; created now if `create`, else by the first
// write (a remote task that never writes local metadata leaves no directory behind).
Result<std::filesystem::path> local_datastore_root(const std::string& sysroot_override, bool create) {
  std::error_code ec;
  std::filesystem::path cwd = std::filesystem::current_path(ec);
  if (ec) return Status::io_error("cannot read the working directory: " + ec.message());
  std::optional<std::string> sysroot;
  if (!sysroot_override.empty()) {
    sysroot = sysroot_override;
  } else {
    sysroot = metaflow_setting("METAFLOW_DATASTORE_SYSROOT_LOCAL");
  }
  std::optional<std::string_view> sysroot_view;
  if (sysroot) sysroot_view = *sysroot;
  std::filesystem::path root = std::filesystem::absolute(find_datastore_root(cwd, sysroot_view), ec);
  if (create) std::filesystem::create_directories(root, ec);
  if (ec) return Status::io_error("cannot create the datastore at " + root.string() + ": " + ec.message());
  return root;
}

Status open_local_storage(const GlobalOptions& global, Backends* out) {
  Backends& b = *out;
  CONFLUX_ASSIGN_OR_RETURN(b.root, local_datastore_root(global.datastore_root, true));
  b.sysroot = b.root.parent_path();
  b.storage = std::make_unique<LocalStorage>(b.root);
  b.ds_root = b.root.string();
  return Status();
}

Result<Backends> open_metadata(const GlobalOptions& global, const std::string& username, Backends b) {
  LocalMetadataOptions options;
  options.user_name = username;
  // Local metadata stays on this machine even when artifacts go to S3, as in Metaflow, so that
  // its client (and ours) finds the runs in the local .metaflow directory.
  StorageBackend* metadata_storage = b.storage.get();
  b.metadata_root = b.root;
  if (b.datastore != "local") {
    CONFLUX_ASSIGN_OR_RETURN(b.metadata_root, local_datastore_root("", false));
    b.own_metadata_storage = std::make_unique<LocalStorage>(b.metadata_root);
    metadata_storage = b.own_metadata_storage.get();
  }
  b.local = std::make_unique<LocalMetadataProvider>(*metadata_storage, options);

  std::string kind = !global.metadata.empty() ? global.metadata
                                              : metaflow_setting("METAFLOW_DEFAULT_METADATA").value_or("local");
  if (kind == "service") {
    auto url = metaflow_setting("METAFLOW_SERVICE_URL");
    if (!url) {
      return Status::invalid_argument("the metadata provider is 'service' but METAFLOW_SERVICE_URL is not set");
    }
    ServiceOptions service;
    service.url = *url;
    service.user_name = username;
    CONFLUX_ASSIGN_OR_RETURN(service.headers, service_headers_from_settings());
    CONFLUX_ASSIGN_OR_RETURN(b.service, ServiceMetadataProvider::create(std::move(service)));
  } else if (kind != "local") {
    return Status::invalid_argument("unknown metadata provider '" + kind + "' (use local or service)");
  }
  return b;
}

}  // namespace

}  // namespace conflux::cli
