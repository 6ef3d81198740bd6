// A task's input paths ("run/step/task" of each parent) as one command-line word, in Metaflow's
// compressed form (util.compress_list), so a join over tens of thousands of foreach tasks fits in
// one argument (Linux caps one at 128 KiB):
//   "r/s/1,r/s/2"            fewer than two paths, or no common prefix: a plain list
//   "r/s/:1,2,3"             the longest common prefix once, then the suffixes
//   "!<base64>"              500 characters or more: base64 of zlib(zlib(the above))
// Pathspecs never contain ',', ':' or '!', so the forms cannot be confused.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "conflux/status.hpp"

namespace conflux {

// Longer than this, the compressed paths do not go on the command line but into the task's
// <attempt>.input_paths file in the datastore (`step --input-paths-stored`). Compressed, 10,000
// sequential task ids take about 9 KiB and a million about 55 KiB, so only very wide joins (or
// ids without a pattern) take the file; the limit keeps command lines, job scripts and process
// listings short.
inline constexpr size_t kMaxInputPathsArgument = 8 * 1024;
inline constexpr const char* kInputPathsFile = "input_paths";

std::string compress_input_paths(const std::vector<std::string>& paths);

// Reads any of the three forms. InvalidArgument names what is malformed.
Result<std::vector<std::string>> decompress_input_paths(std::string_view text);

}  // namespace conflux
