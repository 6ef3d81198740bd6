// Lint: Metaflow's static graph rules (metaflow/lint.py) applied to a C++ flow, plus checks of
// parameters and decorators. `check` prints every problem; every command refuses to run a flow
// that has any.
//
// Pure functions over plain data; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "flow/flow_graph.hpp"

namespace conflux {

struct LintProblem {
  std::string rule;                // the lint rule, e.g. "check_for_orphans"
  std::vector<std::string> steps;  // the step(s) involved
  std::string message;             // what is wrong and how to fix it
  SourceLocation location;         // where the first step was declared, if known
};

// Runs every rule; returns all problems found (empty: the flow is valid).
std::vector<LintProblem> lint_flow(const FlowGraph& graph);

// "file:line: message" (or just the message without a location).
std::string format_problem(const LintProblem& problem);

}  // namespace conflux
