// `dump RUN/STEP[/TASK]`: print the artifacts of tasks, as Metaflow's dump does, or as JSON. The
// printing is shared with `conflux dump` (cli/inspect/task_dump).
#include <iostream>

#include "cli/backends.hpp"
#include "cli/flow_cli.hpp"
#include "cli/inspect/task_dump.hpp"
#include "cli/inspect/task_selection.hpp"

namespace conflux::cli {

int dump_command(FlowCommandContext& ctx) {
  CommandSpec spec;
  spec.usage = "dump RUN/STEP[/TASK] [OPTIONS]";
  spec.description = "Print the artifacts of a task, or of every task of a step.";
  spec.options = dump_option_specs();
  spec.positionals = {"RUN/STEP[/TASK]"};
  spec.min_positionals = spec.max_positionals = 1;
  auto args = parse_args(spec, ctx.args);
  if (!args.ok()) return fail("Bad option", args.status());
  if (args->help()) {
    std::cout << render_help(ctx.program, spec);
    return 0;
  }
  Result<DumpOptions> options = dump_options(*args);
  if (!options.ok()) return fail("Bad option", options.status());
  Result<Pathspec> path = flow_task_path(ctx.flow->name, args->positionals().front());
  if (!path.ok()) return fail("Bad path", path.status());

  auto backends = open_backends(ctx.global, ctx.username);
  if (!backends.ok()) return fail("Datastore error", backends.status());
  Client client = attach_client(*backends, Namespace::global());
  Result<std::vector<Task>> tasks = select_tasks(client, *path);
  if (!tasks.ok()) return fail("Bad path", tasks.status());
  Status dumped = dump_tasks(client, *tasks, *options, std::cout, std::cerr);
  if (!dumped.ok()) return fail("Cannot dump", dumped);
  return 0;
}

}  // namespace conflux::cli
