// Step decorators: the known kinds, their attributes and defaults (Metaflow's), parsing of
// command-line decospecs (`--with retry:times=2`), and validation with Metaflow's limits.
//
// Pure functions over plain data; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "conflux/flow_spec_types.hpp"
#include "conflux/status.hpp"

namespace conflux {

// Metaflow's limits: MAX_ATTEMPTS counts the first attempt, user retries and @catch's fallback.
inline constexpr int kMaxAttempts = 6;
inline constexpr int kMaxRetryTimes = kMaxAttempts - 2;

// Parses "name:attr1=val1,attr2=val2" (or just "name"). Values are read as JSON when they parse
// as JSON (numbers, true/false, {"A": "b"}), else as strings. Unknown decorators and attributes
// are errors that name them.
Result<DecoratorSpec> parse_decospec(std::string_view spec);

// Returns `spec` with every attribute the user left out set to its default, in Metaflow's order.
Result<DecoratorSpec> with_defaults(const DecoratorSpec& spec);

// Checks one decorator on one step; the error names the step, the decorator and the limit.
Status validate_decorator(const StepDescription& step, const DecoratorSpec& spec, bool is_split);

// Attaches command-line decorators to every step that does not already have one of that kind
// (Metaflow's --with semantics).
Status attach_decospecs(FlowDescription& flow, const std::vector<std::string>& decospecs);

// The attribute of a decorator, or nullptr.
const DecoratorSpec* find_decorator(const StepDescription& step, std::string_view name);

// Total @timeout of a step in seconds, 0 if none.
int64_t timeout_seconds(const StepDescription& step);

}  // namespace conflux
