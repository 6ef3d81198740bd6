// `logs RUN/STEP[/TASK]`: print the captured stdout/stderr of tasks (Metaflow's `logs`). The
// printing is shared with `conflux logs` (cli/inspect/task_logs).
#include "cli/commands/selected_tasks_command.hpp"
#include "cli/inspect/task_logs.hpp"

namespace conflux::cli {

int logs_command(FlowCommandContext& ctx) {
  CommandSpec spec;
  spec.usage = "logs RUN/STEP[/TASK] [OPTIONS]";
  spec.description = "Print the output a task wrote (stdout, then stderr).";
  spec.options = logs_option_specs();
  spec.positionals = {"RUN/STEP[/TASK]"};
  spec.min_positionals = spec.max_positionals = 1;
  return selected_tasks_command<LogsOptions>(ctx, spec, logs_options, print_task_logs, "Cannot show logs");
}

}  // namespace conflux::cli
