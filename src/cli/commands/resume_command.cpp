// `resume [STEP]`: a new run that clones what succeeded in an earlier run and reruns the rest.
#include <iostream>

#include "cli/backends.hpp"
#include "cli/flow_cli.hpp"
#include "cli/run_options.hpp"
#include "conflux/parameter.hpp"
#include "runtime/resume.hpp"

namespace conflux::cli {

namespace {

CommandSpec resume_spec(const FlowDescription& flow) {
  CommandSpec spec;
  spec.usage = "resume [STEP] [OPTIONS]";
  spec.description =
      "Resume a run: a new run clones the tasks that succeeded before STEP (default: the failed "
      "steps) and runs the rest, with the same parameters and configs. With --allow-parameter-changes, "
      "parameters given here replace the origin's, and the steps from the first one that reruns "
      "onwards run again.";
  spec.options = {
      {"origin-run-id", "R", "The run to resume (default: the latest run).", false, ""},
      {"tag", "TAG", "Add a user tag to the new run.", true, ""},
      {"max-workers", "N", "Run at most N tasks at once.", false, "16"},
      {"max-num-splits", "N", "Fail a foreach that yields more than N tasks.", false, "100"},
      {"max-log-size", "MB", "Truncate each task's captured output after MB megabytes.", false, "10"},
      {"run-id-file", "FILE", "Write the new run's id to FILE.", false, ""},
      {"namespace", "NS", "The namespace of the run (default: user:<username>).", false, ""},
      {"allow-parameter-changes", "", "Accept new parameter values (they are frozen otherwise).", false, ""},
  };
  for (OptionSpec& o : parameter_option_specs(flow)) spec.options.push_back(std::move(o));
  spec.positionals = {"STEP"};
  spec.max_positionals = 1;
  return spec;
}

}  // namespace

Result<ConfigValues> resumed_run_configs(FlowCommandContext& ctx) {
  CONFLUX_ASSIGN_OR_RETURN(ParsedArgs args, parse_args(resume_spec(*ctx.flow), ctx.args));
  CONFLUX_ASSIGN_OR_RETURN(Backends backends, open_backends(ctx.global, ctx.username));
  CONFLUX_ASSIGN_OR_RETURN(ctx.resume_origin_run_id,
                           origin_run_or_latest(backends, ctx.flow->name, args.get("origin-run-id")));
  return load_run_configs(*backends.storage, ctx.flow->name, ctx.resume_origin_run_id, ctx.flow->configs);
}

int resume_command(FlowCommandContext& ctx) {
  CommandSpec spec = resume_spec(*ctx.flow);
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

  // Parameters are frozen on resume, as in Metaflow, unless the user asks to change them.
  std::set<std::string> changed;
  std::unique_ptr<FlowBase> values = ctx.flow->make_flow();
  for (ArtifactSlot* slot : values->slots()) {
    if (slot->kind() != ArtifactSlot::Kind::kParameter || !args->has(slot->name())) continue;
    if (!args->has("allow-parameter-changes")) {
      return fail("Bad option", Status::invalid_argument(
                                    "--" + slot->name() + ": parameters keep the values of the resumed run; pass "
                                    "--allow-parameter-changes to change them (the steps from the first one that "
                                    "reruns onwards run again)"));
    }
    Status parsed = static_cast<ParameterSlot*>(slot)->parse(args->get(slot->name()));
    if (!parsed.ok()) return fail("Bad parameter", parsed);
    changed.insert(slot->name());
  }
  options.parameters = std::move(values);
  // The run whose configs this flow was built with, if any (the latest run is looked up once).
  std::string origin = args->get("origin-run-id");
  if (origin.empty()) origin = ctx.resume_origin_run_id;
  return execute_resume(ctx, std::move(options), origin, step, std::move(changed));
}

}  // namespace conflux::cli
