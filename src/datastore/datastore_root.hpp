// Where the local datastore lives: Metaflow's rule for finding the `.metaflow` directory.
//
// The caller passes the working directory and the value of METAFLOW_DATASTORE_SYSROOT_LOCAL (this
// module never reads the environment). The function only inspects the filesystem (stat calls); it
// creates nothing. Thread-safe.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

namespace conflux {

inline constexpr std::string_view kDatastoreDirName = ".metaflow";

// Returns `<sysroot_local>/.metaflow` if `sysroot_local` is set and non-empty; otherwise the first
// existing `<dir>/.metaflow` directory walking up from `cwd` to the filesystem root; otherwise
// `<cwd>/.metaflow` (which the caller creates when it first writes, as Metaflow does).
// REQUIRES: `cwd` is absolute.
std::filesystem::path find_datastore_root(const std::filesystem::path& cwd,
                                          std::optional<std::string_view> sysroot_local);

}  // namespace conflux
