// Client: opening the backends and looking objects up by pathspec.
#include "conflux/client.hpp"

#include <algorithm>
#include <system_error>

#include "client/client_backends.hpp"
#include "client/client_state.hpp"
#include "datastore/s3/s3_storage.hpp"
#include "datastore/datastore_root.hpp"
#include "datastore/local_storage.hpp"
#include "metadata/local_metadata_provider.hpp"
#include "metadata/service_metadata_provider.hpp"

namespace conflux {

using client_detail::Backends;
using client_detail::ClientState;
using client_detail::lookup_error;

namespace {

Result<std::filesystem::path> resolve_root(const ClientOptions& options) {
  if (!options.datastore_root.empty()) return options.datastore_root;
  if (options.sysroot && !options.sysroot->empty()) {
    return find_datastore_root(options.cwd.empty() ? std::filesystem::path("/") : options.cwd,
                               std::string_view(*options.sysroot));
  }
  if (options.cwd.empty() || !options.cwd.is_absolute()) {
    return Status::invalid_argument(
        "ClientOptions: give datastore_root, sysroot, or an absolute cwd to search from");
  }
  return find_datastore_root(options.cwd, std::nullopt);
}

// Flows of a run lookup that failed: say which part is missing.
Status missing_run(MetadataProvider& metadata, const Pathspec& path, const Status& status) {
  if (status.is_not_found() && !metadata.get_flow(path.flow).ok()) {
    return Status::not_found("Flow '" + path.flow + "' does not exist");
  }
  return lookup_error("run", path.to_string(), status);
}

}  // namespace

Result<Client> Client::open(const ClientOptions& options) {
  if (options.metadata != "local" && options.metadata != "service") {
    return Status::invalid_argument("unknown metadata provider '" + options.metadata + "' (use local or service)");
  }
  if (options.datastore != "local" && options.datastore != "s3") {
    return Status::invalid_argument("unknown datastore '" + options.datastore + "' (use local or s3)");
  }
  std::unique_ptr<StorageBackend> storage;
  std::filesystem::path root;
  if (options.datastore == "s3") {
    CONFLUX_ASSIGN_OR_RETURN(storage, S3Storage::open(options.s3));
  } else {
    CONFLUX_ASSIGN_OR_RETURN(root, resolve_root(options));
    std::error_code ec;
    if (!std::filesystem::is_directory(root, ec)) {
      return Status::not_found("no datastore at " + root.string() +
                               " (nothing has been run there; set METAFLOW_DATASTORE_SYSROOT_LOCAL "
                               "or --datastore-root to the directory holding .metaflow)");
    }
    storage = std::make_unique<LocalStorage>(root);
  }
  std::unique_ptr<MetadataProvider> metadata;
  std::unique_ptr<StorageBackend> metadata_storage;
  if (options.metadata == "service") {
    if (options.service_url.empty()) {
      return Status::invalid_argument("the metadata provider is 'service' but METAFLOW_SERVICE_URL is not set "
                                      "(ClientOptions::service_url)");
    }
    ServiceOptions service;
    service.url = options.service_url;
    service.headers = options.service_headers;
    service.user_name = options.username;
    CONFLUX_ASSIGN_OR_RETURN(metadata, ServiceMetadataProvider::create(std::move(service)));
  } else {
    LocalMetadataOptions metadata_options;
    metadata_options.user_name = options.username;
    StorageBackend* files = storage.get();
    if (options.datastore == "s3") {
      // As in Metaflow, local metadata of S3 runs is in the local .metaflow of the machine that
      // ran them (the same rules find it as a local datastore).
      CONFLUX_ASSIGN_OR_RETURN(std::filesystem::path metadata_root, resolve_root(options));
      std::error_code ec;
      if (!std::filesystem::is_directory(metadata_root, ec)) {
        return Status::not_found("no local metadata at " + metadata_root.string() +
                                 " (runs on S3 with local metadata are recorded in the .metaflow directory of the "
                                 "machine that ran them; set METAFLOW_DATASTORE_SYSROOT_LOCAL to the directory "
                                 "holding it, or use the metadata service)");
      }
      metadata_storage = std::make_unique<LocalStorage>(metadata_root);
      files = metadata_storage.get();
    }
    metadata = std::make_unique<LocalMetadataProvider>(*files, metadata_options);
  }
  Namespace ns = options.ns ? *options.ns : Namespace::user(options.username);
  return client_detail::adopt_client(std::move(metadata), std::move(storage), std::move(ns), std::move(root),
                                     std::move(metadata_storage));
}

namespace client_detail {

Client attach_client(MetadataProvider& metadata, StorageBackend& storage, Namespace ns) {
  auto backends = std::make_shared<Backends>();
  backends->storage = &storage;
  backends->metadata = &metadata;
  auto state = std::make_shared<ClientState>();
  state->backends = std::move(backends);
  state->ns = std::move(ns);
  return Client(std::move(state));
}

Client adopt_client(std::unique_ptr<MetadataProvider> metadata, std::unique_ptr<StorageBackend> storage,
                    Namespace ns, std::filesystem::path root, std::unique_ptr<StorageBackend> metadata_storage) {
  auto backends = std::make_shared<Backends>();
  backends->storage = storage.get();
  backends->metadata = metadata.get();
  backends->owned_storage = std::move(storage);
  backends->owned_metadata_storage = std::move(metadata_storage);
  backends->owned_metadata = std::move(metadata);
  backends->root = std::move(root);
  auto state = std::make_shared<ClientState>();
  state->backends = std::move(backends);
  state->ns = std::move(ns);
  return Client(std::move(state));
}

StorageBackend& client_storage(const Client& client) { return client.state()->storage(); }
MetadataProvider& client_metadata(const Client& client) { return client.state()->metadata(); }

}  // namespace client_detail

Client Client::in_namespace(Namespace ns) const {
  auto state = std::make_shared<ClientState>(*state_);
  state->ns = std::move(ns);
  return Client(std::move(state));
}

const Namespace& Client::current_namespace() const { return state_->ns; }
const std::filesystem::path& Client::datastore_root() const { return state_->backends->root; }

Result<std::vector<Flow>> Client::flows() const {
  CONFLUX_ASSIGN_OR_RETURN(std::vector<FlowRecord> records, state_->metadata().list_flows());
  std::vector<Flow> out;
  for (const FlowRecord& record : records) {
    Flow flow(client_detail::flow_core(state_, record));
    if (!state_->ns.is_global()) {
      CONFLUX_ASSIGN_OR_RETURN(std::vector<Run> runs, flow.runs());
      if (runs.empty()) continue;
    }
    out.push_back(std::move(flow));
  }
  std::sort(out.begin(), out.end(), [](const Flow& a, const Flow& b) { return a.id() < b.id(); });
  return out;
}

Result<Flow> Client::flow(std::string_view name) const {
  CONFLUX_ASSIGN_OR_RETURN(Pathspec path, Pathspec::parse(name, 1));
  Result<FlowRecord> record = state_->metadata().get_flow(path.flow);
  if (!record.ok()) return lookup_error("flow", path.flow, record.status());
  Flow flow(client_detail::flow_core(state_, *record));
  if (!state_->ns.is_global()) {
    CONFLUX_ASSIGN_OR_RETURN(std::vector<Run> runs, flow.runs());
    if (runs.empty()) {
      return Status::failed_precondition(
          "Flow '" + path.flow + "' has no runs in namespace '" + state_->ns.to_string() + "'" +
          client_detail::kSwitchNamespaceHint);
    }
  }
  return flow;
}

Result<Run> Client::run(std::string_view pathspec) const {
  CONFLUX_ASSIGN_OR_RETURN(Pathspec path, Pathspec::parse(pathspec, 2));
  Result<RunRecord> record = state_->metadata().get_run(path.flow, path.run_id);
  if (!record.ok()) return missing_run(state_->metadata(), path, record.status());
  Run run(client_detail::run_core(state_, *record));
  CONFLUX_RETURN_IF_ERROR(client_detail::check_namespace("run", run.core()));
  return run;
}

Result<Step> Client::step(std::string_view pathspec) const {
  CONFLUX_ASSIGN_OR_RETURN(Pathspec path, Pathspec::parse(pathspec, 3));
  CONFLUX_ASSIGN_OR_RETURN(Run run, this->run(path.parent()));
  return run.step(path.step);
}

Result<Task> Client::task(std::string_view pathspec, std::optional<int> attempt) const {
  CONFLUX_ASSIGN_OR_RETURN(Pathspec path, Pathspec::parse(pathspec, 4));
  if (attempt) CONFLUX_RETURN_IF_ERROR(client_detail::check_attempt(*attempt));
  CONFLUX_ASSIGN_OR_RETURN(Step step, this->step(path.parent()));
  return step.task(path.task_id, attempt);
}

Result<DataArtifact> Client::artifact(std::string_view pathspec,
                                      std::optional<int> attempt) const {
  CONFLUX_ASSIGN_OR_RETURN(Pathspec path, Pathspec::parse(pathspec, 5));
  CONFLUX_ASSIGN_OR_RETURN(Task task, this->task(path.parent(), attempt));
  return task.data_artifact(path.artifact);
}

}  // namespace conflux
