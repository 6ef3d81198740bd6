// The per-node cache of extracted code packages, used by `conflux task-run`: a package is fetched,
// verified against its sha and extracted once per node, however many tasks start at once (a
// 1000-way foreach downloads it once). Layout: <cache>/<sha>/ (complete, read-only by convention),
// <cache>/<sha>.lock (flock), <cache>/<sha>.tmp-<pid>/ while extracting (renamed into place).
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "conflux/status.hpp"

namespace conflux {

// The cache directory: $CONFLUX_PACKAGE_CACHE, else /var/cache/conflux/packages/<uid> when it can
// be created (a node's local disk), else $TMPDIR/conflux-packages-<uid>. The cache must belong to
// the user and be writable by nobody else: it holds programs that are run.
std::filesystem::path default_package_cache();

struct CachedPackage {
  std::filesystem::path dir;  // <cache>/<sha>
  bool fetched = false;       // this call downloaded it (else another task had)
};

// Returns the extracted package `sha`, calling `fetch` for its bytes only if no other process has
// extracted it yet. Bytes whose SHA-1 is not `sha` are refused (nothing is extracted).
Result<CachedPackage> cached_package(const std::filesystem::path& cache, const std::string& sha,
                                     const std::function<Result<std::string>()>& fetch);

}  // namespace conflux
