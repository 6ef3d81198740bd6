// For Conflux's own commands and tests: a Client over backends built elsewhere, and the backends
// behind a Client (the public API does not expose these internal types). Internal to Conflux.
#pragma once

#include <filesystem>
#include <memory>

#include "conflux/client.hpp"
#include "datastore/storage_backend.hpp"
#include "metadata/metadata_provider.hpp"

namespace conflux::client_detail {

// A client over backends the caller owns. REQUIRES: both outlive the client and every object
// obtained from it. `storage` is rooted at the datastore root.
Client attach_client(MetadataProvider& metadata, StorageBackend& storage, Namespace ns);
// A client that owns its backends. `metadata` may refer to `storage`: it is destroyed first.
// `root`: for datastore_root(). `metadata_storage`: where `metadata` keeps its files, when that is
// not `storage` (local metadata of an S3 datastore).
Client adopt_client(std::unique_ptr<MetadataProvider> metadata, std::unique_ptr<StorageBackend> storage,
                    Namespace ns, std::filesystem::path root = {},
                    std::unique_ptr<StorageBackend> metadata_storage = nullptr);

StorageBackend& client_storage(const Client& client);
MetadataProvider& client_metadata(const Client& client);

}  // namespace conflux::client_detail
