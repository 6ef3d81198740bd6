// `conflux dump FLOW/RUN_ID/STEP[/TASK_ID]`: the artifacts of tasks, in Metaflow's `dump` format,
// or as JSON. The printing is shared with the flow binary's `dump` (cli/inspect/task_dump).
#include <iostream>

#include "cli/conflux_commands/tool.hpp"
#include "cli/inspect/task_dump.hpp"
#include "cli/inspect/task_selection.hpp"

namespace conflux::cli::tool {

int dump_command(ToolContext& ctx) {
  CommandSpec spec;
  spec.usage = "dump FLOW/RUN_ID/STEP[/TASK_ID] [OPTIONS]";
  spec.description = "Print the artifacts of a task, or of every task of a step.";
  spec.options = dump_option_specs();
  spec.positionals = {"FLOW/RUN_ID/STEP[/TASK_ID]"};
  spec.min_positionals = spec.max_positionals = 1;
  int code = 0;
  std::optional<ParsedArgs> args = parse_command(ctx, spec, &code);
  if (!args) return code;
  Result<DumpOptions> options = dump_options(*args);
  if (!options.ok()) return usage_error(ctx, options.status());
  Result<Pathspec> path = parse_pathspec_arg(args->positionals()[0], 3, 4, "FLOW/RUN_ID/STEP[/TASK_ID]");
  if (!path.ok()) return usage_error(ctx, path.status());

  Result<Client> client = open_client(ctx);
  if (!client.ok()) return fail(ctx, client.status());
  Result<std::vector<Task>> tasks = select_tasks(*client, *path);
  if (!tasks.ok()) return fail(ctx, tasks.status());
  Status dumped = dump_tasks(*client, *tasks, *options, std::cout, std::cerr);
  if (!dumped.ok()) return fail(ctx, dumped);
  return kExitOk;
}

}  // namespace conflux::cli::tool
