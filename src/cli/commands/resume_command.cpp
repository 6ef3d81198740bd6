// `resume [STEP]`: a new run that clones what succeeded in an earlier run and reruns the rest.
#include <iostream>

#include "cli/flow_cli.hpp"
#include "cli/run_options.hpp"

namespace conflux::cli {

int resume_command(FlowCommandContext& ctx) {
  CommandSpec spec;
  spec.usage = "resume [STEP] [OPTIONS]";
  spec.description =
      "Resume a run: a new run clones the tasks that succeeded before STEP (default: the failed "
      "steps) and runs the rest, with the same parameters.";
  spec.options = {
      {"origin-run-id", "R", "The run to resume (default: the latest run).", false, ""},
      {"tag", "TAG", "Add a user tag to the new run.", true, ""},
      {"max-workers", "N", "Run at most N tasks at once.", false, "16"},
      {"max-num-splits", "N", "Fail a foreach that yields more than N tasks.", false, "100"},
      {"max-log-size", "MB", "Truncate each task's captured output after MB megabytes.", false, "10"},
      {"run-id-file", "FILE", "Write the new run's id to FILE.", false, ""},
      {"namespace", "NS", "The namespace of the run (default: user:<username>).", false, ""},
  };
  spec.positionals = {"STEP"};
  spec.max_positionals = 1;
  auto args = parse_args(spec, ctx.args);
  if (!args.ok()) return fail("Bad option", args.status());
  if (args->help()) {
    std::cout << render_help(ctx.program, spec);
    return 0;
  }
  RunOptions options;
  options.tags = args->all("tag");
  auto workers = args->get_int("max-workers", 16);
  auto splits = args->get_int("max-num-splits", 100);
  auto log_size = args->get_int("max-log-size", 10);
  for (const auto* r : {&workers, &splits, &log_size}) {
    if (!r->ok()) return fail("Bad option", r->status());
  }
  options.max_workers = *workers;
  options.max_num_splits = *splits;
  options.max_log_size_mb = *log_size;
  if (options.max_workers < 1 || options.max_num_splits < 1 || options.max_log_size_mb < 1) {
    return fail("Bad option", Status::invalid_argument("--max-workers, --max-num-splits and --max-log-size must be at least 1"));
  }
  options.run_id_file = args->get("run-id-file");
  options.username = ctx.username;
  options.namespace_name = args->get("namespace", "user:" + ctx.username);
  std::string step = args->positionals().empty() ? "" : args->positionals().front();
  return execute_resume(ctx, std::move(options), args->get("origin-run-id"), step);
}

}  // namespace conflux::cli
