// `conflux logs FLOW/RUN_ID/STEP[/TASK_ID]`: what tasks wrote. The printing is shared with the
// flow binary's `logs` (cli/inspect/task_logs).
#include "cli/conflux_commands/selected_tasks_command.hpp"
#include "cli/inspect/task_logs.hpp"

namespace conflux::cli::tool {

int logs_command(ToolContext& ctx) {
  CommandSpec spec;
  spec.usage = "logs FLOW/RUN_ID/STEP[/TASK_ID] [OPTIONS]";
  spec.description = "Print the output a task wrote (stdout, then stderr), or every task of a step.";
  spec.options = logs_option_specs();
  spec.positionals = {"FLOW/RUN_ID/STEP[/TASK_ID]"};
  spec.min_positionals = spec.max_positionals = 1;
  return selected_tasks_command<LogsOptions>(ctx, spec, logs_options, print_task_logs);
}

}  // namespace conflux::cli::tool
