// conflux::Client: read the runs in a datastore from C++, with Metaflow's client model and rules
// (metaflow/client/core.py): flows, runs, steps, tasks and their artifacts, logs and metadata,
// namespaces, and run tag mutation. Runs written by Conflux flows and by Python's Metaflow read
// alike, since both use Metaflow's local datastore and local metadata layout.
//
// A Client is opened on a datastore, local (ClientOptions: an explicit `.metaflow` directory, or
// Metaflow's rule: <sysroot>/.metaflow, else the nearest `.metaflow` above the working directory)
// or on S3 (ClientOptions::s3), with local metadata (files in the local datastore; with S3, in
// the local `.metaflow` found by the same rules, as Metaflow keeps it) or a metadata service
// (ClientOptions::service_url). The library never reads the environment: callers pass
// the settings (the `conflux` command reads Metaflow's from the environment and config file).
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
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conflux/client_objects.hpp"
#include "conflux/s3_options.hpp"
#include "conflux/status.hpp"

namespace conflux {

struct ClientOptions {
  // The `.metaflow` directory itself. When set, `sysroot` and `cwd` are ignored.
  std::filesystem::path datastore_root;
  // METAFLOW_DATASTORE_SYSROOT_LOCAL (or a --datastore-root flag): the datastore is
  // <sysroot>/.metaflow.
  std::optional<std::string> sysroot;
  // Absolute working directory, for Metaflow's rule when no sysroot is given: the first
  // `.metaflow` walking up from here, else <cwd>/.metaflow.
  std::filesystem::path cwd;
  // The datastore: "local" (the fields above) or "s3" (`s3`; the fields above then only locate
  // local metadata).
  std::string datastore = "local";
  S3Options s3;
  // The metadata provider: "local" (Metaflow's files in the local .metaflow: the datastore's, or
  // with datastore "s3" the one the fields above find) or "service".
  std::string metadata = "local";
  // The metadata service (metadata == "service"): its URL, and headers sent with every request
  // (METAFLOW_SERVICE_URL, METAFLOW_SERVICE_HEADERS; e.g. {"Authorization", "Bearer ..."}).
  std::string service_url;
  std::map<std::string, std::string> service_headers;
  // The user name; the default namespace is user:<username>.
  std::string username;
  // The namespace; nullopt means the default, user:<username>.
  std::optional<Namespace> ns;
};

class Client {
 public:
  // Opens the datastore and the metadata provider. A local datastore directory must exist
  // (NotFound otherwise: nothing has been run there); InvalidArgument names a bad setting (an
  // unknown provider or datastore, a malformed URL, a missing S3 root).
  static Result<Client> open(const ClientOptions& options);

  // The same backends in another namespace (Metaflow's namespace(...)).
  Client in_namespace(Namespace ns) const;
  const Namespace& current_namespace() const;
  // The `.metaflow` directory; empty for a datastore that is not local.
  const std::filesystem::path& datastore_root() const;

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
