// conflux::Client: read the runs in a datastore from C++, with Metaflow's client model and rules
// (metaflow/client/core.py): flows, runs, steps, tasks and their artifacts, logs and metadata,
// namespaces, and run tag mutation. Runs written by Conflux flows and by Python's Metaflow read
// alike, since both use Metaflow's local datastore and local metadata layout.
//
// A Client is opened on a local datastore (ClientOptions: an explicit `.metaflow` directory, or
// Metaflow's rule: <sysroot>/.metaflow, else the nearest `.metaflow` above the working directory)
// or attached to any MetadataProvider + StorageBackend pair (a metadata service client, S3). The
// library never reads the environment: callers pass the working directory, sysroot and user name.
//
// Every lookup returns a Result:
//   NotFound            the object does not exist ("Run 'HelloFlow/123' does not exist")
//   FailedPrecondition  it exists but is not in the client's namespace (the message says how to
//                       switch namespaces)
//   InvalidArgument     a malformed pathspec, a bad attempt number, an artifact of another type
//
// Thread safety: a Client and the objects it returns may be used from many threads at once
// (lookups only read; see client_objects.hpp for Run's tag mutators).
//
// Example:
//   conflux::ClientOptions options;
//   options.sysroot = "/data/ml";  // or options.cwd = std::filesystem::current_path();
//   options.username = "alice";    // default namespace: user:alice
//   auto client = conflux::Client::open(options);
//   if (!client.ok()) return fail(client.status());
//   auto run = client->run("TrainFlow/1795933055265084");
//   if (!run.ok()) return fail(run.status());
//   auto best = run->artifact<double>("best");          // Result<double>, from the end task
//   auto tasks = client->step("TrainFlow/1795933055265084/train")->tasks();
//   if (!tasks.ok()) return fail(tasks.status());
//   for (const conflux::Task& t : *tasks) {  // (not `: *step->tasks()`: the Result must outlive the loop)
//     std::cout << t.pathspec() << " " << *t.artifact<double>("score") << "\n";
//   }
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conflux/client_objects.hpp"
#include "conflux/status.hpp"

namespace conflux {

class MetadataProvider;  // src/metadata/metadata_provider.hpp
class StorageBackend;    // src/datastore/storage_backend.hpp

struct ClientOptions {
  // The `.metaflow` directory itself. When set, `sysroot` and `cwd` are ignored.
  std::filesystem::path datastore_root;
  // METAFLOW_DATASTORE_SYSROOT_LOCAL (or a --datastore-root flag): the datastore is
  // <sysroot>/.metaflow.
  std::optional<std::string> sysroot;
  // Absolute working directory, for Metaflow's rule when no sysroot is given: the first
  // `.metaflow` walking up from here, else <cwd>/.metaflow.
  std::filesystem::path cwd;
  // A datastore the caller opened (the S3 datastore): when set, the client reads it (with the local
  // metadata provider's files in it) and datastore_root, sysroot and cwd are ignored.
  std::shared_ptr<StorageBackend> storage;
  // The metadata provider: "local". For the metadata service, build a ServiceMetadataProvider
  // and use Client::adopt (as the `conflux` command does).
  std::string metadata = "local";
  // The user name; the default namespace is user:<username>.
  std::string username;
  // The namespace; nullopt means the default, user:<username>.
  std::optional<Namespace> ns;
};

class Client {
 public:
  // Opens the local datastore and local metadata provider. The datastore directory must exist
  // (NotFound otherwise: nothing has been run there); NotSupported for another metadata provider.
  static Result<Client> open(const ClientOptions& options);
  // A client over backends the caller owns. REQUIRES: both outlive the client and every object
  // obtained from it. `storage` is rooted at the datastore root.
  static Client attach(MetadataProvider& metadata, StorageBackend& storage, Namespace ns);
  // A client that owns its backends (e.g. a metadata service client over an S3 datastore).
  // `metadata` may refer to `storage`: it is destroyed first. `root`: for datastore_root().
  static Client adopt(std::unique_ptr<MetadataProvider> metadata,
                      std::unique_ptr<StorageBackend> storage, Namespace ns,
                      std::filesystem::path root = {});

  // The same backends in another namespace (Metaflow's namespace(...)).
  Client in_namespace(Namespace ns) const;
  const Namespace& current_namespace() const;
  // The `.metaflow` directory; empty for an attached client.
  const std::filesystem::path& datastore_root() const;
  MetadataProvider& metadata_provider() const;
  StorageBackend& storage() const;

  // Flows having at least one run in the namespace, by name (Metaflow().flows).
  Result<std::vector<Flow>> flows() const;

  // Lookups by pathspec. A flow is in a namespace if one of its runs is.
  Result<Flow> flow(std::string_view name) const;
  Result<Run> run(std::string_view pathspec) const;
  Result<Step> step(std::string_view pathspec) const;
  // `attempt`: 0..5, or nullopt for the latest.
  Result<Task> task(std::string_view pathspec, std::optional<int> attempt = std::nullopt) const;
  Result<DataArtifact> artifact(std::string_view pathspec,
                                std::optional<int> attempt = std::nullopt) const;

  // For the client's own use.
  explicit Client(std::shared_ptr<const client_detail::ClientState> state)
      : state_(std::move(state)) {}
  const std::shared_ptr<const client_detail::ClientState>& state() const { return state_; }

 private:
  std::shared_ptr<const client_detail::ClientState> state_;
};

// Metaflow's default namespace: "production:<token>" when a production token is given, else
// "user:<username>".
Namespace default_namespace(std::string_view username,
                            std::optional<std::string_view> production_token = std::nullopt);

}  // namespace conflux
