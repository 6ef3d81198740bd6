// Which tasks a `dump` or `logs` argument names: one task, or every task of a step, looked up
// through the client (so namespaces, the metadata service and S3 work alike). Shared by the flow
// binary's commands and the `conflux` command.
#pragma once

#include <vector>

#include "conflux/client.hpp"

namespace conflux::cli {

// `path` has 3 (FLOW/RUN/STEP: every task of the step, by id) or 4 (FLOW/RUN/STEP/TASK)
// components. NotFound names the missing run, step or task, or says the step has no tasks.
Result<std::vector<Task>> select_tasks(const Client& client, const Pathspec& path);

}  // namespace conflux::cli
