// `argo-workflows`: `create` compiles the flow for Argo Workflows (src/deploy/argo) after storing
// its code package in the datastore, and writes the WorkflowTemplate (plus a CronWorkflow and a
// Sensor when the flow has a schedule or triggers) as YAML (JSON for a .json file), or deploys it
// through the Argo Server; `trigger`, `list-runs`, `terminate` and `delete` use the Argo Server's
// API (docs/argo-workflows.md).
#include <iostream>
#include <optional>
#include <set>

#include "cli/backends.hpp"
#include "cli/commands/deploy_common.hpp"
#include "cli/flow_cli.hpp"
#include "cli/run_options.hpp"
#include "deploy/argo/argo_server.hpp"
#include "deploy/argo/argo_workflow.hpp"
#include "deploy/yaml_writer.hpp"

namespace conflux::cli {

namespace {

// The Argo Server from CONFLUX_ARGO_SERVER or ARGO_SERVER (host:port, as the argo CLI takes it:
// https unless ARGO_SECURE=false) and the token from CONFLUX_ARGO_TOKEN or ARGO_TOKEN.
Result<ArgoServer> argo_server() {
  std::string url = metaflow_setting("CONFLUX_ARGO_SERVER").value_or(metaflow_setting("ARGO_SERVER").value_or(""));
  if (url.empty()) {
    return Status::failed_precondition("set CONFLUX_ARGO_SERVER (or ARGO_SERVER) to the Argo Server's address, e.g. "
                                       "https://argo.example.com:2746");
  }
  if (url.find("://") == std::string::npos) {
    url = (metaflow_setting("ARGO_SECURE").value_or("true") == "false" ? "http://" : "https://") + url;
  }
  std::string token = metaflow_setting("CONFLUX_ARGO_TOKEN").value_or(metaflow_setting("ARGO_TOKEN").value_or(""));
  return ArgoServer(url, token);
}

std::string namespace_of(const ParsedArgs& args) {
  return args.get("namespace", metaflow_setting("CONFLUX_KUBERNETES_NAMESPACE").value_or("default"));
}

std::string template_name_of(const FlowCommandContext& ctx, const ParsedArgs& args) {
  return args.get("name", argo_template_name(*ctx.graph, ctx.project));
}

int create(FlowCommandContext& ctx, const ParsedArgs& args) {
  std::optional<ArgoServer> server;
  if (!args.has("output")) {
    auto made = argo_server();
    if (!made.ok()) {
      return fail("Cannot deploy", made.status().with_context("give --output FILE to write the objects instead, or"));
    }
    server.emplace(std::move(made).value());
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
  o.events_webhook_url = metaflow_setting("CONFLUX_ARGO_EVENTS_WEBHOOK_URL").value_or(metaflow_setting("ARGO_EVENTS_WEBHOOK_URL").value_or(""));

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
  if (server) {
    for (const auto& document : *documents) {
      if (document["kind"] == "Sensor") {
        std::cerr << "The Sensor " << document["metadata"]["name"].get<std::string>()
                  << " belongs to Argo Events, not the Argo Server: write it with --output and kubectl apply it.\n";
        continue;
      }
      Status applied = server->apply(o.namespace_name, document);
      if (!applied.ok()) return fail("Cannot deploy", applied);
      std::cerr << "Deployed " << document["kind"].get<std::string>() << " " << document["metadata"]["name"].get<std::string>()
                << " in namespace " << o.namespace_name << " (code package " << stored->sha.substr(0, 12) << ")\n";
    }
    return 0;
  }
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

int trigger(FlowCommandContext& ctx, const ParsedArgs& args) {
  // The values are checked as `run` checks them, then passed as the text given.
  auto parsed = parse_run_options(ctx, args);
  if (!parsed.ok()) return fail("Bad parameter", parsed.status());
  std::vector<std::string> parameters;
  for (const ParameterDescription& p : ctx.flow->parameters) {
    if (args.has(p.name)) parameters.push_back(p.name + "=" + args.get(p.name));
  }
  auto server = argo_server();
  if (!server.ok()) return fail("Cannot reach Argo", server.status());
  auto workflow = server->submit(namespace_of(args), template_name_of(ctx, args), parameters);
  if (!workflow.ok()) return fail("Cannot trigger the flow", workflow.status());
  std::string run_id = "argo-" + *workflow;
  std::cout << "Workflow " << *workflow << " submitted: run " << ctx.flow->name << "/" << run_id << "\n";
  if (args.has("run-id-file")) {
    Status written = write_output_file(args.get("run-id-file"), run_id);
    if (!written.ok()) return fail("Cannot write the run id", written);
  }
  return 0;
}

int list_runs(FlowCommandContext& ctx, const ParsedArgs& args) {
  auto server = argo_server();
  if (!server.ok()) return fail("Cannot reach Argo", server.status());
  auto runs = server->list_runs(namespace_of(args), template_name_of(ctx, args));
  if (!runs.ok()) return fail("Cannot list the runs", runs.status());
  std::set<std::string> phases;
  if (args.has("running")) phases.insert({"Pending", "Running"});
  if (args.has("succeeded")) phases.insert("Succeeded");
  if (args.has("failed")) phases.insert({"Failed", "Error"});
  std::cout << "RUN" << std::string(40, ' ') << "PHASE       STARTED               FINISHED\n";
  for (const ArgoRun& r : *runs) {
    if (!phases.empty() && !phases.count(r.phase)) continue;
    std::string id = "argo-" + r.name;
    std::cout << id << std::string(id.size() < 43 ? 43 - id.size() : 1, ' ') << r.phase
              << std::string(r.phase.size() < 12 ? 12 - r.phase.size() : 1, ' ') << (r.started_at.empty() ? "-" : r.started_at)
              << std::string(r.started_at.size() < 22 ? 22 - r.started_at.size() : 1, ' ')
              << (r.finished_at.empty() ? "-" : r.finished_at) << "\n";
  }
  return 0;
}

int terminate(FlowCommandContext& ctx, const ParsedArgs& args) {
  if (args.positionals().size() != 2) return fail("Bad option", Status::invalid_argument("terminate needs a RUN_ID (argo-...)"));
  std::string workflow = args.positionals()[1];
  if (workflow.rfind("argo-", 0) == 0) workflow = workflow.substr(5);
  auto server = argo_server();
  if (!server.ok()) return fail("Cannot reach Argo", server.status());
  auto run = server->get_run(namespace_of(args), workflow);
  if (!run.ok()) return fail("Cannot terminate", run.status());
  if (!run->finished_at.empty()) {
    return fail("Cannot terminate", Status::failed_precondition("run argo-" + workflow + " already finished (" + run->phase + ")"));
  }
  Status stopped = server->terminate(namespace_of(args), workflow);
  if (!stopped.ok()) return fail("Cannot terminate", stopped);
  std::cout << "Terminating run " << ctx.flow->name << "/argo-" << workflow << "\n";
  return 0;
}

int delete_deployment(FlowCommandContext& ctx, const ParsedArgs& args) {
  auto server = argo_server();
  if (!server.ok()) return fail("Cannot reach Argo", server.status());
  std::string name = template_name_of(ctx, args);
  auto deleted = server->delete_deployment(namespace_of(args), name);
  if (!deleted.ok()) return fail("Cannot delete", deleted.status());
  if (*deleted == 0) return fail("Cannot delete", Status::not_found("no deployment named " + name + " in " + namespace_of(args)));
  std::cout << "Deleted the WorkflowTemplate " << name << (*deleted > 1 ? " and its CronWorkflow" : "")
            << " (runs and their data stay)\n";
  return 0;
}

}  // namespace

int argo_workflows_command(FlowCommandContext& ctx) {
  CommandSpec spec;
  spec.usage = "argo-workflows (create | trigger | list-runs | terminate RUN_ID | delete) [OPTIONS]";
  spec.description =
      "create: compile the flow for Argo Workflows: a WorkflowTemplate whose tasks run `conflux task-run` in the "
      "runner image, plus a CronWorkflow for g.schedule() and an Argo Events Sensor for g.trigger(); the code "
      "package is stored in the (S3) datastore first; with --output the objects are written, else deployed through "
      "the Argo Server (CONFLUX_ARGO_SERVER or ARGO_SERVER, token ARGO_TOKEN). trigger: start a run (the flow's "
      "parameters as options). list-runs, terminate RUN_ID, delete: the deployment's runs and the deployment. Runs "
      "are recorded in the metadata service as argo-<workflow name>.";
  spec.options = {
      {"output", "FILE", "create: write the objects here (YAML; JSON if FILE ends in .json; - for standard output).", false, ""},
      {"image", "IMAGE", "The runner image of steps without @kubernetes(image) (default $CONFLUX_KUBERNETES_IMAGE).", false, ""},
      {"namespace", "NS", "The Kubernetes namespace (default $CONFLUX_KUBERNETES_NAMESPACE or default).", false, ""},
      {"name", "NAME", "The WorkflowTemplate's name (default: the flow's, or project.branch.flow).", false, ""},
      {"max-workers", "N", "At most N pods of one run at once (spec.parallelism).", false, "100"},
      {"workflow-timeout", "SECONDS", "Stop a run that takes longer (0: never).", false, "0"},
      {"tag", "TAG", "A user tag of every run.", true, ""},
      {"conflux", "PATH", "The conflux command in the image (default $CONFLUX_KUBERNETES_CONFLUX or conflux).", false, ""},
      {"run-id-file", "FILE", "trigger: write the run id to FILE.", false, ""},
      {"running", "", "list-runs: only runs pending or running.", false, ""},
      {"succeeded", "", "list-runs: only runs that succeeded.", false, ""},
      {"failed", "", "list-runs: only runs that failed.", false, ""},
  };
  for (OptionSpec& o : parameter_option_specs(*ctx.flow)) spec.options.push_back(std::move(o));
  spec.positionals = {"COMMAND", "RUN_ID"};
  spec.min_positionals = 1;
  spec.max_positionals = 2;
  auto args = parse_args(spec, ctx.args);
  if (!args.ok()) return fail("Bad option", args.status());
  if (args->help()) {
    std::cout << render_help(ctx.program, spec);
    return 0;
  }
  const std::string& sub = args->positionals().front();
  if (sub == "create") return create(ctx, *args);
  if (sub == "trigger") return trigger(ctx, *args);
  if (sub == "list-runs") return list_runs(ctx, *args);
  if (sub == "terminate") return terminate(ctx, *args);
  if (sub == "delete") return delete_deployment(ctx, *args);
  return fail("Bad option", Status::invalid_argument("unknown argo-workflows command '" + sub +
                                                     "' (create, trigger, list-runs, terminate, delete)"));
}

}  // namespace conflux::cli
