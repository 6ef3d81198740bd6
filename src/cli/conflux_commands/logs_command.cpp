// `conflux logs FLOW/RUN_ID/STEP[/TASK_ID]`: what tasks wrote. The printing is shared with the
// flow binary's `logs` (cli/inspect/task_logs).
#include <iostream>

#include "cli/conflux_commands/tool.hpp"
#include "cli/inspect/task_logs.hpp"
#include "cli/inspect/task_selection.hpp"

namespace conflux::cli::tool {

int logs_command(ToolContext& ctx) {
  CommandSpec spec;
  spec.usage = "logs FLOW/RUN_ID/STEP[/TASK_ID] [OPTIONS]";
  spec.description = "Print the output a task wrote (stdout, then stderr), or every task of a step.";
  spec.options = logs_option_specs();
  spec.positionals = {"FLOW/RUN_ID/STEP[/TASK_ID]"};
  spec.min_positionals = spec.max_positionals = 1;
  int code = 0;
  std::optional<ParsedArgs> args = parse_command(ctx, spec, &code);
  if (!args) return code;
  Result<LogsOptions> options = logs_options(*args);
  if (!options.ok()) return usage_error(ctx, options.status());
  Result<Pathspec> path = parse_pathspec_arg(args->positionals()[0], 3, 4, "FLOW/RUN_ID/STEP[/TASK_ID]");
  if (!path.ok()) return usage_error(ctx, path.status());

  Result<Client> client = open_client(ctx);
  if (!client.ok()) return fail(ctx, client.status());
  Result<std::vector<Task>> tasks = select_tasks(*client, *path);
  if (!tasks.ok()) return fail(ctx, tasks.status());
  Status printed = print_task_logs(*client, *tasks, *options, std::cout, std::cerr);
  if (!printed.ok()) return fail(ctx, printed);
  return kExitOk;
}

}  // namespace conflux::cli::tool
