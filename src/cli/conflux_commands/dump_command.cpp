// `conflux dump FLOW/RUN_ID/STEP[/TASK_ID]`: the artifacts of tasks, in Metaflow's `dump` format,
// or as JSON. The printing is shared with the flow binary's `dump` (cli/inspect/task_dump).
#include "cli/conflux_commands/selected_tasks_command.hpp"
#include "cli/inspect/task_dump.hpp"

namespace conflux::cli::tool {

int dump_command(ToolContext& ctx) {
  CommandSpec spec;
  spec.usage = "dump FLOW/RUN_ID/STEP[/TASK_ID] [OPTIONS]";
  spec.description = "Print the artifacts of a task, or of every task of a step.";
  spec.options = dump_option_specs();
  spec.positionals = {"FLOW/RUN_ID/STEP[/TASK_ID]"};
  spec.min_positionals = spec.max_positionals = 1;
  return selected_tasks_command<DumpOptions>(ctx, spec, dump_options, dump_tasks);
}

}  // namespace conflux::cli::tool
