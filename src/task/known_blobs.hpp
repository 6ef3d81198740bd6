// The --known-blobs hint the runtime gives a task: the shas of blobs this run's committed tasks
// reference, written as one comma-separated argument and read back here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "conflux/status.hpp"

namespace conflux {

// At most this many shas travel in one hint (40 hex digits and a comma each: about 2.6 KiB).
inline constexpr size_t kMaxKnownBlobs = 64;

// "sha,sha,...": the first kMaxKnownBlobs of `shas`.
std::string format_known_blobs(const std::vector<std::string>& shas);

// The shas of a hint; empty text is none. InvalidArgument naming the first entry that is not 40
// lowercase hex digits.
Result<std::vector<std::string>> parse_known_blobs(std::string_view text);

}  // namespace conflux
