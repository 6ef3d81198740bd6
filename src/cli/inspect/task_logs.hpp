// `logs`: what tasks wrote, as Metaflow's `logs` prints it (a header per task and stream on
// stderr, the lines on stdout). Shared by the flow binary and the `conflux` command. Like
// Metaflow's, it reads the attempt's mflog files from the datastore: the runtime's capture and
// the task's own (a remote task's), merged by time.
#pragma once

#include <iosfwd>
#include <optional>
#include <vector>

#include "cli/args.hpp"
#include "conflux/client.hpp"

namespace conflux::cli {

struct LogsOptions {
  bool show_stdout = true;
  bool show_stderr = true;
  std::optional<int> attempt;  // nullopt: each task's latest attempt
  bool timestamps = false;     // prefix each line with its time (UTC)
};

// The options, as both front ends spell them: --stdout, --stderr, --attempt N, --timestamps.
std::vector<OptionSpec> logs_option_specs();
Result<LogsOptions> logs_options(const ParsedArgs& args);

// Prints the logs of `tasks`. A task that never started has no logs and is skipped.
Status print_task_logs(const Client& client, const std::vector<Task>& tasks, const LogsOptions& options,
                       std::ostream& out, std::ostream& err);

}  // namespace conflux::cli
