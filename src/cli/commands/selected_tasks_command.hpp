// The flow binary's `dump` and `logs`: parse the options, select the tasks of RUN/STEP[/TASK] and
// print them with the printer both front ends share (cli/inspect).
#pragma once

#include <iostream>

#include "cli/backends.hpp"
#include "cli/flow_cli.hpp"
#include "cli/inspect/task_selection.hpp"

namespace conflux::cli {

template <class Options>
using TaskPrinter = Status (*)(const Client&, const std::vector<Task>&, const Options&, std::ostream&, std::ostream&);

template <class Options>
int selected_tasks_command(FlowCommandContext& ctx, const CommandSpec& spec,
                           Result<Options> (*parse_options)(const ParsedArgs&), TaskPrinter<Options> print,
                           const char* failure_headline) {
  auto args = parse_args(spec, ctx.args);
  if (!args.ok()) return fail("Bad option", args.status());
  if (args->help()) {
    std::cout << render_help(ctx.program, spec);
    return 0;
  }
  Result<Options> options = parse_options(*args);
  if (!options.ok()) return fail("Bad option", options.status());
  Result<Pathspec> path = flow_task_path(ctx.flow->name, args->positionals().front());
  if (!path.ok()) return fail("Bad path", path.status());

  auto backends = open_backends(ctx.global, ctx.username);
  if (!backends.ok()) return fail("Datastore error", backends.status());
  Client client = attach_client(*backends, Namespace::global());
  Result<std::vector<Task>> tasks = select_tasks(client, *path);
  if (!tasks.ok()) return fail("Bad path", tasks.status());
  Status printed = print(client, *tasks, *options, std::cout, std::cerr);
  if (!printed.ok()) return fail(failure_headline, printed);
  return 0;
}

}  // namespace conflux::cli
