// `step-functions create`: compiles the flow for AWS Step Functions and AWS Batch
// (src/deploy/step_functions) after storing its code package in the S3 datastore, and writes the
// state machine, one Batch job definition per step and, for g.schedule(), the EventBridge rule
// into a directory, ready for the AWS CLI (docs/step-functions.md).
#include <iostream>

#include "cli/backends.hpp"
#include "cli/commands/deploy_common.hpp"
#include "cli/flow_cli.hpp"
#include "cli/run_options.hpp"
#include "deploy/step_functions/step_functions.hpp"

namespace conflux::cli {

namespace {

Status write_json(const std::filesystem::path& path, const nlohmann::ordered_json& value) {
  return write_output_file(path, value.dump(2) + "\n");
}

int create(FlowCommandContext& ctx, const ParsedArgs& args) {
  if (!args.has("output")) {
    return fail("Bad option", Status::invalid_argument(
                                  "give --output DIR; deploying through the AWS API is not available yet (use the AWS "
                                  "CLI on the files, see docs/step-functions.md)"));
  }
  StepFunctionsOptions o;
  auto max_workers = args.get_int("max-workers", 100);
  auto timeout = args.get_int("workflow-timeout", 0);
  if (!max_workers.ok() || *max_workers < 1) return fail("Bad option", Status::invalid_argument("--max-workers must be at least 1"));
  if (!timeout.ok() || *timeout < 0) return fail("Bad option", Status::invalid_argument("--workflow-timeout must be a number of seconds"));
  o.max_workers = *max_workers;
  o.workflow_timeout_seconds = *timeout;
  o.name = args.get("name");
  o.job_queue = args.get("job-queue", metaflow_setting("CONFLUX_BATCH_JOB_QUEUE").value_or(""));
  o.job_role = args.get("job-role", metaflow_setting("CONFLUX_BATCH_JOB_ROLE").value_or(""));
  o.image = args.get("image", metaflow_setting("CONFLUX_BATCH_IMAGE").value_or(""));
  o.conflux_command = args.get("conflux", metaflow_setting("CONFLUX_BATCH_CONFLUX").value_or("conflux"));
  o.tags = args.all("tag");
  o.username = ctx.username;
  o.project = ctx.project;

  auto backends = open_backends(ctx.global, ctx.username);
  if (!backends.ok()) return fail("Datastore error", backends.status());
  if (Status shared = require_shared_backends(*backends, "Step Functions"); !shared.ok()) return fail("Cannot deploy", shared);
  o.task_command = task_global_options(ctx, *backends);
  o.ds_root = backends->ds_root;
  o.env = deployed_task_env(ctx);

  // Compile before storing anything, so bad input leaves no trace.
  o.code_url = o.code_sha = o.code_ds = "pending";
  auto check = compile_step_functions(*ctx.graph, o);
  if (!check.ok()) return fail("Cannot compile for Step Functions", check.status());

  auto stored = store_flow_code_package(ctx, *backends);
  if (!stored.ok()) return fail("Cannot store the code package", stored.status());
  o.code_url = stored->url;
  o.code_sha = stored->sha;
  o.code_ds = stored->ds_type;
  auto deployment = compile_step_functions(*ctx.graph, o);
  if (!deployment.ok()) return fail("Cannot compile for Step Functions", deployment.status());

  std::filesystem::path dir = args.get("output");
  std::error_code ec;
  std::filesystem::create_directories(dir / "job-definitions", ec);
  if (ec) return fail("Cannot write the deployment", Status::io_error("cannot create " + dir.string() + ": " + ec.message()));
  Status written = write_json(dir / "state-machine.json", deployment->state_machine);
  for (const auto& def : deployment->job_definitions) {
    if (written.ok()) written = write_json(dir / "job-definitions" / (def["jobDefinitionName"].get<std::string>() + ".json"), def);
  }
  if (written.ok() && deployment->schedule_rule) written = write_json(dir / "schedule-rule.json", *deployment->schedule_rule);
  if (!written.ok()) return fail("Cannot write the deployment", written);
  std::cerr << "Wrote the state machine " << deployment->name << ", " << deployment->job_definitions.size()
            << " Batch job definitions" << (deployment->schedule_rule ? " and the schedule rule" : "") << " to "
            << dir.string() << " (code package " << stored->sha.substr(0, 12) << ")\n";
  return 0;
}

}  // namespace

int step_functions_command(FlowCommandContext& ctx) {
  CommandSpec spec;
  spec.usage = "step-functions create --output DIR [OPTIONS]";
  spec.description =
      "Compile the flow for AWS Step Functions: a state machine whose steps are AWS Batch jobs running `conflux "
      "task-run` in the runner image (a foreach is a distributed Map), one Batch job definition per step, and an "
      "EventBridge rule for g.schedule(). The code package is stored in the (S3) datastore first; runs are recorded "
      "in the metadata service as sfn-<execution name>.";
  spec.options = {
      {"output", "DIR", "Write state-machine.json, job-definitions/*.json and schedule-rule.json here.", false, ""},
      {"job-queue", "QUEUE", "The AWS Batch job queue (default $CONFLUX_BATCH_JOB_QUEUE).", false, ""},
      {"job-role", "ARN", "The jobs' IAM role (default $CONFLUX_BATCH_JOB_ROLE).", false, ""},
      {"image", "IMAGE", "The runner image (default $CONFLUX_BATCH_IMAGE).", false, ""},
      {"name", "NAME", "The state machine's name (default: the flow's, or project.branch.flow).", false, ""},
      {"max-workers", "N", "At most N jobs of one foreach at once (the Map's MaxConcurrency).", false, "100"},
      {"workflow-timeout", "SECONDS", "Stop an execution that takes longer (0: never).", false, "0"},
      {"tag", "TAG", "A user tag of every run.", true, ""},
      {"conflux", "PATH", "The conflux command in the image (default $CONFLUX_BATCH_CONFLUX or conflux).", false, ""},
  };
  spec.positionals = {"create"};
  spec.min_positionals = spec.max_positionals = 1;
  auto args = parse_args(spec, ctx.args);
  if (!args.ok()) return fail("Bad option", args.status());
  if (args->help()) {
    std::cout << render_help(ctx.program, spec);
    return 0;
  }
  const std::string& sub = args->positionals().front();
  if (sub == "create") return create(ctx, *args);
  return fail("Bad option", Status::invalid_argument("unknown step-functions command '" + sub + "' (create)"));
}

}  // namespace conflux::cli
