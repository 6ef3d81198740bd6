#include "datastore/datastore_root.hpp"

#include <system_error>

namespace conflux {

std::filesystem::path find_datastore_root(const std::filesystem::path& cwd,
                                          std::optional<std::string_view> sysroot_local) {
  if (sysroot_local.has_value() && !sysroot_local->empty()) {
    return std::filesystem::path(*sysroot_local) / kDatastoreDirName;
  }
  std::filesystem::path start = cwd.lexically_normal();
  if (!start.has_filename() && start.has_relative_path()) start = start.parent_path();  // "/a/b/"
  std::filesystem::path dir = start;
  while (true) {
    std::filesystem::path candidate = dir / kDatastoreDirName;
    std::error_code ec;  // an unreadable directory counts as "not found", like os.path.isdir
    if (std::filesystem::is_directory(candidate, ec)) return candidate;
    std::filesystem::path parent = dir.parent_path();
    if (parent.empty() || parent == dir) break;
    dir = std::move(parent);
  }
  return start / kDatastoreDirName;
}

}  // namespace conflux
