// `argo-workflows create`: compiles the flow for Argo Workflows (src/deploy/argo) after storing
// its code package in the datastore, and writes the WorkflowTemplate (plus a CronWorkflow and a
// Sensor when the flow has a schedule or triggers) as YAML, or JSON for a .json file, ready for
// `kubectl apply -f` (docs/argo-workflows.md).
#include <iostream>

#include "cli/backends.hpp"
#include "cli/commands/deploy_common.hpp"
#include "cli/flow_cli.hpp"
#include "cli/run_options.hpp"
#include "deploy/argo/argo_workflow.hpp"
#include "deploy/yaml_writer.hpp"

namespace conflux::cli {

namespace {

int create(FlowCommandContext& ctx, const ParsedArgs& args) {
  if (!args.has("output")) {
    return fail("Bad option", Status::invalid_argument(
                                  "give --output FILE (or - for standard output) and apply it with kubectl apply -f "
                                  "FILE; deploying through the Argo Server's API is not available yet"));
  }
  ArgoWorkflowOptions o;
  auto max_workers = args.get_int("max-workers", 100);
  auto timeout = args.get_int("workflow-timeout", 0);
  if (!max_workers.ok() || *max_workers < 1) return fail("Bad option", Status::invalid_argument("--max-workers must be at least 1"));
  if (!timeout.ok() || *timeout < 0) return fail("Bad option", Status::invalid_argument("--workflow-timeout must be a number of seconds"));
  o.max_workers = *max_workers;
  o.workflow_timeout_seconds = *timeout;
  o.name = args.get("name");
  o.image = args.get("image", metaflow_setting("CONFLUX_KUBERNETES_IMAGE").value_or(""));
  o.namespace_name = args.get("namespace", metaflow_setting("CONFLUX_KUBERNETES_NAMESPACE").value_or("default"));
  o.conflux_command = args.get("conflux", metaflow_setting("CONFLUX_KUBERNETES_CONFLUX").value_or("conflux"));
  o.tags = args.all("tag");
  o.username = ctx.username;
  o.project = ctx.project;
  for (const char* key : {"service_account", "node_selector", "tolerations", "secrets", "labels", "annotations",
                          "cpu", "memory", "disk", "gpu"}) {
    std::string upper = key;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (auto v = metaflow_setting("CONFLUX_KUBERNETES_" + upper)) o.kubernetes_defaults[key] = *v;
  }
  o.events_source = metaflow_setting("CONFLUX_ARGO_EVENTS_EVENT_SOURCE").value_or("");
  o.events_event = metaflow_setting("CONFLUX_ARGO_EVENTS_EVENT").value_or("");
  o.events_bus = metaflow_setting("CONFLUX_ARGO_EVENTS_EVENT_BUS").value_or("default");
  o.events_service_account = metaflow_setting("CONFLUX_ARGO_EVENTS_SERVICE_ACCOUNT").value_or("");

  auto backends = open_backends(ctx.global, ctx.username);
  if (!backends.ok()) return fail("Datastore error", backends.status());
  if (Status shared = require_shared_backends(*backends, "Argo Workflows"); !shared.ok()) return fail("Cannot deploy", shared);
  o.task_command = task_global_options(ctx, *backends);
  o.ds_type = backends->datastore;
  o.ds_root = backends->ds_root;
  o.env = deployed_task_env(ctx);

  // Compile before storing anything, so bad input leaves no trace.
  o.code_url = o.code_sha = o.code_ds = "pending";
  auto check = compile_argo_workflow(*ctx.graph, o);
  if (!check.ok()) return fail("Cannot compile for Argo Workflows", check.status());

  auto stored = store_flow_code_package(ctx, *backends);
  if (!stored.ok()) return fail("Cannot store the code package", stored.status());
  o.code_url = stored->url;
  o.code_sha = stored->sha;
  o.code_ds = stored->ds_type;

  auto documents = compile_argo_workflow(*ctx.graph, o);
  if (!documents.ok()) return fail("Cannot compile for Argo Workflows", documents.status());
  std::string file = args.get("output");
  bool json = file.size() > 5 && file.compare(file.size() - 5, 5, ".json") == 0;
  std::string text;
  if (json) {
    nlohmann::ordered_json list = {{"apiVersion", "v1"}, {"kind", "List"}, {"items", *documents}};
    text = list.dump(2) + "\n";
  } else {
    text = to_yaml(*documents);
  }
  Status written = write_output_file(file, text);
  if (!written.ok()) return fail("Cannot write the workflow", written);
  if (file != "-") {
    std::cerr << "Wrote " << documents->size() << " Argo object" << (documents->size() == 1 ? "" : "s") << " for "
              << ctx.flow->name << " to " << file << " (code package " << stored->sha.substr(0, 12) << "); deploy with "
              << "kubectl apply -f " << file << "\n";
  }
  return 0;
}

}  // namespace

int argo_workflows_command(FlowCommandContext& ctx) {
  CommandSpec spec;
  spec.usage = "argo-workflows create --output FILE [OPTIONS]";
  spec.description =
      "Compile the flow for Argo Workflows: a WorkflowTemplate whose tasks run `conflux task-run` in the runner "
      "image, plus a CronWorkflow for g.schedule() and an Argo Events Sensor for g.trigger(). The code package is "
      "stored in the (S3) datastore first; runs are recorded in the metadata service as argo-<workflow name>.";
  spec.options = {
      {"output", "FILE", "Write the objects here (YAML; JSON if FILE ends in .json; - for standard output).", false, ""},
      {"image", "IMAGE", "The runner image of steps without @kubernetes(image) (default $CONFLUX_KUBERNETES_IMAGE).", false, ""},
      {"namespace", "NS", "The Kubernetes namespace (default $CONFLUX_KUBERNETES_NAMESPACE or default).", false, ""},
      {"name", "NAME", "The WorkflowTemplate's name (default: the flow's, or project.branch.flow).", false, ""},
      {"max-workers", "N", "At most N pods of one run at once (spec.parallelism).", false, "100"},
      {"workflow-timeout", "SECONDS", "Stop a run that takes longer (0: never).", false, "0"},
      {"tag", "TAG", "A user tag of every run.", true, ""},
      {"conflux", "PATH", "The conflux command in the image (default $CONFLUX_KUBERNETES_CONFLUX or conflux).", false, ""},
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
  return fail("Bad option", Status::invalid_argument("unknown argo-workflows command '" + sub + "' (create)"));
}

}  // namespace conflux::cli
