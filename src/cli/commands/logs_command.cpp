// `logs RUN/STEP[/TASK]`: print the captured stdout/stderr of tasks (Metaflow's `logs`). The
// printing is shared with `conflux logs` (cli/inspect/task_logs).
#include <iostream>

#include "cli/backends.hpp"
#include "cli/flow_cli.hpp"
#include "cli/inspect/task_logs.hpp"
#include "cli/inspect/task_selection.hpp"

namespace conflux::cli {

int logs_command(FlowCommandContext& ctx) {
  CommandSpec spec;
  spec.usage = "logs RUN/STEP[/TASK] [OPTIONS]";
  spec.description = "Print the output a task wrote (stdout, then stderr).";
  spec.options = logs_option_specs();
  spec.positionals = {"RUN/STEP[/TASK]"};
  spec.min_positionals = spec.max_positionals = 1;
  auto args = parse_args(spec, ctx.args);
  if (!args.ok()) return fail("Bad option", args.status());
  if (args->help()) {
    std::cout << render_help(ctx.program, spec);
    return 0;
  }
  Result<LogsOptions> options = logs_options(*args);
  if (!options.ok()) return fail("Bad option", options.status());
  Result<Pathspec> path = flow_task_path(ctx.flow->name, args->positionals().front());
  if (!path.ok()) return fail("Bad path", path.status());

  auto backends = open_backends(ctx.global, ctx.username);
  if (!backends.ok()) return fail("Datastore error", backends.status());
  Client client = attach_client(*backends, Namespace::global());
  Result<std::vector<Task>> tasks = select_tasks(client, *path);
  if (!tasks.ok()) return fail("Bad path", tasks.status());
  Status printed = print_task_logs(client, *tasks, *options, std::cout, std::cerr);
  if (!printed.ok()) return fail("Cannot show logs", printed);
  return 0;
}

}  // namespace conflux::cli
