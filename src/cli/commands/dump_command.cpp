// `dump RUN/STEP[/TASK]`: print the artifacts of tasks, as Metaflow's dump does, or as JSON. The
// printing is shared with `conflux dump` (cli/inspect/task_dump).
#include "cli/commands/selected_tasks_command.hpp"
#include "cli/inspect/task_dump.hpp"

namespace conflux::cli {

int dump_command(FlowCommandContext& ctx) {
  CommandSpec spec;
  spec.usage = "dump RUN/STEP[/TASK] [OPTIONS]";
  spec.description = "Print the artifacts of a task, or of every task of a step.";
  spec.options = dump_option_specs();
  spec.positionals = {"RUN/STEP[/TASK]"};
  spec.min_positionals = spec.max_positionals = 1;
  return selected_tasks_command<DumpOptions>(ctx, spec, dump_options, dump_tasks, "Cannot dump");
}

}  // namespace conflux::cli
