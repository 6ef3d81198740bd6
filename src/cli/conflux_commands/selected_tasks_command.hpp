// `conflux dump` and `conflux logs`: parse the options, select the tasks of
// FLOW/RUN_ID/STEP[/TASK_ID] and print them with the printer both front ends share (cli/inspect).
#pragma once

#include <iostream>

#include "cli/conflux_commands/tool.hpp"
#include "cli/inspect/task_selection.hpp"

namespace conflux::cli::tool {

template <class Options>
using TaskPrinter = Status (*)(const Client&, const std::vector<Task>&, const Options&, std::ostream&, std::ostream&);

template <class Options>
int selected_tasks_command(ToolContext& ctx, const CommandSpec& spec,
                           Result<Options> (*parse_options)(const ParsedArgs&), TaskPrinter<Options> print) {
  int code = 0;
  std::optional<ParsedArgs> args = parse_command(ctx, spec, &code);
  if (!args) return code;
  Result<Options> options = parse_options(*args);
  if (!options.ok()) return usage_error(ctx, options.status());
  Result<Pathspec> path = parse_pathspec_arg(args->positionals()[0], 3, 4, "FLOW/RUN_ID/STEP[/TASK_ID]");
  if (!path.ok()) return usage_error(ctx, path.status());

  Result<Client> client = open_client(ctx);
  if (!client.ok()) return fail(ctx, client.status());
  Result<std::vector<Task>> tasks = select_tasks(*client, *path);
  if (!tasks.ok()) return fail(ctx, tasks.status());
  Status printed = print(*client, *tasks, *options, std::cout, std::cerr);
  if (!printed.ok()) return fail(ctx, printed);
  return kExitOk;
}

}  // namespace conflux::cli::tool
