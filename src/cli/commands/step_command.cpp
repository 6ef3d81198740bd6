// `step` (internal): runs one attempt of one task. The runtime starts it; it is also the unit a
// cluster launcher will run remotely, so everything it needs is in its arguments.
#include <cstdlib>
#include <iostream>

#include "cli/backends.hpp"
#include "cli/flow_cli.hpp"
#include "flow/decorators.hpp"
#include "runtime/local_run.hpp"
#include "datastore/task_datastore.hpp"
#include "task/input_attempts.hpp"
#include "task/input_paths.hpp"
#include "task/known_blobs.hpp"
#include "task/task_runner.hpp"

namespace conflux::cli {

int step_command(FlowCommandContext& ctx) {
  CommandSpec spec;
  spec.usage = "step STEP --run-id R --task-id T --input-paths P[,P...] [OPTIONS]";
  spec.description = "Internal: run one attempt of one task (the runtime starts this).";
  spec.options = {
      {"run-id", "R", "The run.", false, ""},
      {"task-id", "T", "The task.", false, ""},
      {"input-paths", "PATHS", "The run/step/task of the inputs: comma-separated, or compressed as Metaflow does.", false, ""},
      {"input-paths-stored", "", "The input paths are in the attempt's input_paths file in the datastore.", false, ""},
      {"split-index", "I", "This task's element of the parent's foreach.", false, ""},
      {"retry-count", "N", "The attempt number.", false, "0"},
      {"max-user-code-retries", "N", "How many retries the step's @retry allows.", false, "0"},
      {"tag", "TAG", "A user tag of the run.", true, ""},
      {"namespace", "NS", "The run's namespace.", false, ""},
      {"origin-run-id", "R", "The run this one resumes.", false, ""},
      {"parameters-task", "PATH", "Read parameters from this _parameters task, not the inputs (resume with changed parameters).", false, ""},
      {"fallback-reason", "TEXT", "Do not run the step: record this failure as caught by @catch.", false, ""},
      {"input-attempts", "all:N|A[,A...]", "The committed attempt of each input (else each is looked up).", false, ""},
      {"known-blobs", "SHA[,SHA...]", "Blobs of this run's committed tasks: they exist, saving them again sends nothing.", false, ""},
  };
  spec.positionals = {"STEP"};
  spec.min_positionals = spec.max_positionals = 1;
  auto args = parse_args(spec, ctx.args);
  if (!args.ok()) return fail("Bad option", args.status());
  if (args->help()) {
    std::cout << render_help(ctx.program, spec);
    return 0;
  }
  TaskRunOptions o;
  o.step = args->positionals().front();
  o.run_id = args->get("run-id");
  o.task_id = args->get("task-id");
  if (o.run_id.empty() || o.task_id.empty() || (!args->has("input-paths") && !args->has("input-paths-stored"))) {
    return fail("Bad option", Status::invalid_argument("step needs --run-id, --task-id and --input-paths"));
  }
  auto split = args->get_int("split-index", -1);
  auto retry = args->get_int("retry-count", 0);
  auto max_retries = args->get_int("max-user-code-retries", 0);
  if (!split.ok()) return fail("Bad option", split.status());
  if (!retry.ok()) return fail("Bad option", retry.status());
  if (!max_retries.ok()) return fail("Bad option", max_retries.status());
  o.split_index = *split;
  o.retry_count = static_cast<int>(*retry);
  o.max_user_code_retries = static_cast<int>(*max_retries);
  o.username = ctx.username;
  o.namespace_name = args->get("namespace", "user:" + ctx.username);
  o.tags = RunTags{args->all("tag"),
                   run_system_tags(ctx.username, ctx.project ? ctx.project->system_tags() : std::vector<std::string>{})};
  o.project = ctx.project;
  o.origin_run_id = args->get("origin-run-id");
  o.parameters_task = args->get("parameters-task");
  o.fallback_reason = args->get("fallback-reason");
  o.program_name = ctx.program_name;
  // A workflow engine (Argo) retries a @catch step once more than @retry allows; that last attempt
  // only records the failure, as the local runtime's fallback does.
  const StepDescription* described = ctx.flow->find_step(o.step);
  if (o.fallback_reason.empty() && described && find_decorator(*described, "catch") &&
      o.retry_count > o.max_user_code_retries) {
    o.fallback_reason = "the step failed in all " + std::to_string(o.max_user_code_retries + 1) + " attempts";
  }
  auto known = parse_known_blobs(args->get("known-blobs"));
  if (!known.ok()) return fail("Bad option", known.status().with_context("--known-blobs"));
  o.known_blobs = std::move(known).value();
  // Set by `conflux task-run` when the task runs from a code package.
  for (auto [var, field] : {std::pair{"METAFLOW_CODE_URL", &o.code_url}, std::pair{"METAFLOW_CODE_SHA", &o.code_sha},
                            std::pair{"METAFLOW_CODE_DS", &o.code_ds}, std::pair{"METAFLOW_CODE_METADATA", &o.code_metadata}}) {
    if (const char* value = std::getenv(var)) *field = value;
  }

  auto backends = open_backends(ctx.global, ctx.username);
  if (!backends.ok()) return fail("Datastore error", backends.status());
  o.ds_root = backends->ds_root;
  std::string paths = args->get("input-paths");
  if (args->has("input-paths-stored")) {
    auto stored = TaskDataStore(*backends->storage, ctx.flow->name, o.run_id, o.step, o.task_id)
                      .load_attempt_file(o.retry_count, kInputPathsFile);
    if (!stored.ok()) return fail("Cannot read the task's input paths", stored.status());
    paths = *stored;
  }
  auto inputs = decompress_input_paths(paths);
  if (!inputs.ok()) return fail("Bad option", inputs.status().with_context("--input-paths"));
  o.input_paths = std::move(inputs).value();
  auto attempts = parse_input_attempts(args->get("input-attempts"), o.input_paths.size());
  if (!attempts.ok()) return fail("Bad option", attempts.status().with_context("--input-attempts"));
  o.input_attempts = std::move(attempts).value();
  return run_task(*ctx.graph, *backends->storage, backends->metadata(), o);
}

}  // namespace conflux::cli
