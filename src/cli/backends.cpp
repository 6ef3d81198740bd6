#include "cli/backends.hpp"

#include <cstdlib>
#include <optional>

#include "datastore/datastore_root.hpp"

namespace conflux::cli {

Result<Backends> open_backends(const GlobalOptions& global, const std::string& username) {
  std::error_code ec;
  std::filesystem::path cwd = std::filesystem::current_path(ec);
  if (ec) return Status::io_error("cannot read the working directory: " + ec.message());
  std::optional<std::string_view> sysroot;
  if (!global.datastore_root.empty()) {
    sysroot = global.datastore_root;
  } else if (const char* env = std::getenv("METAFLOW_DATASTORE_SYSROOT_LOCAL"); env && *env) {
    sysroot = env;
  }
  Backends b;
  b.root = std::filesystem::absolute(find_datastore_root(cwd, sysroot), ec);
  b.sysroot = b.root.parent_path();
  std::filesystem::create_directories(b.root, ec);
  if (ec) return Status::io_error("cannot create the datastore at " + b.root.string() + ": " + ec.message());
  b.storage = std::make_unique<LocalStorage>(b.root);
  LocalMetadataOptions options;
  options.user_name = username;
  b.metadata = std::make_unique<LocalMetadataProvider>(*b.storage, options);
  return b;
}

}  // namespace conflux::cli
