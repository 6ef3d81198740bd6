// `init` (internal): registers a run that a workflow engine started (Argo Workflows) and stores its
// `_parameters` task, as `run` does before its first task. A deployed run's start task runs it
// first; a retried start finds the parameters stored and changes nothing.
#include <iostream>

#include "cli/backends.hpp"
#include "cli/flow_cli.hpp"
#include "cli/run_options.hpp"
#include "datastore/task_datastore.hpp"
#include "runtime/local_run.hpp"

namespace conflux::cli {

int init_command(FlowCommandContext& ctx) {
  CommandSpec spec;
  spec.usage = "init --run-id R --task-id T [--tag TAG ...] [PARAMETERS]";
  spec.description = "Internal: register a run started by a workflow engine and store its parameters.";
  spec.options = {
      {"run-id", "R", "The run.", false, ""},
      {"task-id", "T", "The _parameters task.", false, ""},
      {"tag", "TAG", "A user tag of the run.", true, ""},
  };
  for (OptionSpec& o : parameter_option_specs(*ctx.flow)) spec.options.push_back(std::move(o));
  auto args = parse_args(spec, ctx.args);
  if (!args.ok()) return fail("Bad option", args.status());
  if (args->help()) {
    std::cout << render_help(ctx.program, spec);
    return 0;
  }
  std::string run_id = args->get("run-id");
  std::string task_id = args->get("task-id");
  if (run_id.empty() || task_id.empty()) return fail("Bad option", Status::invalid_argument("init needs --run-id and --task-id"));
  auto options = parse_run_options(ctx, *args);
  if (!options.ok()) return fail("Bad parameter", options.status());

  auto backends = open_backends(ctx.global, ctx.username);
  if (!backends.ok()) return fail("Datastore error", backends.status());
  TaskDataStore ds(*backends->storage, ctx.flow->name, run_id, "_parameters", task_id);
  auto done = ds.is_done(0);
  if (!done.ok()) return fail("Datastore error", done.status());
  if (*done) return 0;

  RunTags tags{options->tags, run_system_tags(ctx.username, ctx.project ? ctx.project->system_tags() : std::vector<std::string>{})};
  Status registered = backends->metadata().register_run_id(ctx.flow->name, run_id, tags);
  if (!registered.ok()) return fail("Metadata error", registered.with_context("cannot register run " + run_id));
  LocalRunOptions run;
  run.username = ctx.username;
  run.program_name = ctx.program_name;
  run.ds_root = backends->ds_root;
  Status stored = store_parameters(*ctx.graph, *backends->storage, backends->metadata(), *options->parameters, run_id,
                                   task_id, run, tags);
  if (!stored.ok()) return fail("Cannot store the run's parameters", stored);
  return 0;
}

}  // namespace conflux::cli
