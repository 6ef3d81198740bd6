// The committed attempt of each of a task's inputs, as the runtime knows it (it ran them), passed to
// the task as one command-line word (`step --input-attempts`) so that the task reads each input's
// artifact index directly instead of first finding the input's latest attempt: on an object store
// that is a listing request per input, 100,000 of them for a join over a 100,000-way foreach.
//   "all:0"   every input's attempt is 0 (the usual case, whatever the number of inputs)
//   "0,1,,0"  one entry per input path, in order; an empty entry: unknown (the task looks it up)
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "conflux/status.hpp"

namespace conflux {

inline constexpr int kUnknownAttempt = -1;

// The word for `attempts` (kUnknownAttempt where unknown); empty when none is known or the list
// would be longer than `max_size` (the task then looks every input up).
std::string format_input_attempts(const std::vector<int>& attempts, size_t max_size);

// The attempts of `input_count` inputs. InvalidArgument names what is malformed (an entry that
// is not a non-negative number, a count that does not match the input paths).
Result<std::vector<int>> parse_input_attempts(std::string_view text, size_t input_count);

}  // namespace conflux
