// Helpers for foreach and switch values: the elements of a foreach artifact (a list, tuple,
// numpy array or string), their short text (Metaflow keeps at most 30 characters of each in
// ForeachFrame.value and _foreach_values), and decoding of a stored _foreach_stack.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "conflux/flow_base.hpp"
#include "conflux/value.hpp"

namespace conflux {

// Metaflow's MAXIMUM_FOREACH_VALUE_CHARS.
inline constexpr size_t kMaxForeachValueChars = 30;

Result<int64_t> foreach_length(const Value& sequence);
Result<Value> foreach_element(const Value& sequence, int64_t index);
// Python's str() of the value, cut to kMaxForeachValueChars (also used to match switch cases).
std::string foreach_value_text(const Value& value);
// Decodes a stored _foreach_stack (a list of ForeachFrame namedtuples).
Result<std::vector<ForeachFrame>> frames_from_value(const Value& frames);

}  // namespace conflux
