// ClientState: what every client object shares: the metadata provider and storage it reads, and
// the namespace it was looked up in. Also the helpers that turn metadata records into client
// objects and phrase the client's errors. Internal to src/client.
//
// Thread safety: a ClientState is immutable once built; the providers it points to are
// thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "conflux/client.hpp"
#include "datastore/storage_backend.hpp"
#include "metadata/metadata_provider.hpp"
#include "metadata/records.hpp"

namespace conflux::client_detail {

// The backends, owned (Client::open, adopt_client) or borrowed (attach_client).
struct Backends {
  std::unique_ptr<StorageBackend> owned_storage;
  // Local metadata of an S3 datastore: the local `.metaflow` it is kept in.
  std::unique_ptr<StorageBackend> owned_metadata_storage;
  std::unique_ptr<MetadataProvider> owned_metadata;
  StorageBackend* storage = nullptr;
  MetadataProvider* metadata = nullptr;
  std::filesystem::path root;
};

struct ClientState {
  std::shared_ptr<const Backends> backends;
  Namespace ns;

  StorageBackend& storage() const { return *backends->storage; }
  MetadataProvider& metadata() const { return *backends->metadata; }
};

using StatePtr = std::shared_ptr<const ClientState>;

// A state in the global namespace (for parent/child tasks, looked up without a namespace check).
StatePtr global_state(const StatePtr& state);

ObjectCore flow_core(const StatePtr& state, const FlowRecord& record);
ObjectCore run_core(const StatePtr& state, const RunRecord& record);
ObjectCore step_core(const StatePtr& state, const StepRecord& record);
ObjectCore task_core(const StatePtr& state, const TaskRecord& record);

ClientTime time_from_ms(int64_t ms);

// How to get out of a namespace mismatch, appended to its message.
inline constexpr const char* kSwitchNamespaceHint =
    "; use the global namespace (Namespace::global(), Metaflow's namespace(None), "
    "`conflux --all-namespaces`) or another one (`conflux --namespace TAG`)";

// FailedPrecondition: "<Kind> '<pathspec>' is not in namespace '<ns>'; ...how to switch".
Status namespace_mismatch(std::string_view kind, const std::string& pathspec, const Namespace& ns);
// OK if `core` is visible in its state's namespace.
Status check_namespace(std::string_view kind, const ObjectCore& core);

// NotFound "<Kind> '<pathspec>' does not exist" for a provider NotFound; other errors pass through
// with the pathspec as context.
Status lookup_error(std::string_view kind, const std::string& pathspec, const Status& status);

// True if `tags` holds every tag of `wanted`.
bool has_all_tags(const std::vector<std::string>& tags, const std::vector<std::string>& wanted);

// Orders numeric ids numerically, then others as text.
bool id_less(const std::string& a, const std::string& b);

// Validates an attempt number given by a caller (0 .. kMaxAttempts-1).
Status check_attempt(int attempt);

}  // namespace conflux::client_detail
