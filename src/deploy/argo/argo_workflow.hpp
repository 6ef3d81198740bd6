// compile_argo_workflow(): a flow as Argo Workflows objects (docs/argo-workflows.md), following
// Metaflow's Argo compiler so that both kinds of deployment look alike to platform teams:
// - a WorkflowTemplate: one DAG template for the flow, one container template per step, a DAG
//   template per foreach body run once per element (withParam), `depends` between tasks;
// - a CronWorkflow for g.schedule(), an Argo Events Sensor for g.trigger()/trigger_on_finish().
// Each container runs `conflux task-run` with the task's description (one JSON argument, values
// substituted by Argo; no shell): it fetches the code package, mints the task id, stores the
// run's parameters (start), runs the step and writes the output parameters Argo reads back
// (task id, foreach splits) into /mnt/out. Runs are "argo-<workflow name>", task ids "t-<hex>".
//
// Pure: builds JSON from the graph and the options; nothing is read or written.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "conflux/status.hpp"
#include "flow/flow_graph.hpp"
#include "flow/project.hpp"

namespace conflux {

struct ArgoWorkflowOptions {
  std::string name;       // the WorkflowTemplate's name; "" = argo_template_name()
  std::string namespace_name = "default";
  std::string image;      // default image of every step without @kubernetes(image)
  std::string conflux_command = "conflux";  // task-run, on the image's PATH
  int64_t max_workers = 100;                // spec.parallelism
  int64_t workflow_timeout_seconds = 0;     // 0: none
  // The flow binary's options every task needs (datastore, metadata, --with, configs, branch),
  // after the binary's name (argv[0]).
  std::vector<std::string> task_command;
  std::vector<std::string> tags;            // the runs' user tags
  std::map<std::string, std::string> env;   // every container's environment (service URL, S3 endpoint)
  std::string code_url, code_sha, code_ds;  // the code package, stored in the datastore
  std::string ds_type, ds_root;
  std::string username;                     // metaflow/owner
  std::optional<ProjectInfo> project;
  // Argo Events, for a Sensor (g.trigger, g.trigger_on_finish).
  std::string events_bus = "default";
  std::string events_source;                // the webhook event source
  std::string events_event;                 // its event name
  std::string events_service_account;
  // The Argo Events webhook that finished runs announce themselves to ("metaflow.<flow>.end", for
  // other flows' g.trigger_on_finish); "" publishes nothing.
  std::string events_webhook_url;
  // Settings for @kubernetes attributes a step leaves unset (CONFLUX_KUBERNETES_<ATTR>).
  std::map<std::string, std::string> kubernetes_defaults;
};

// The deployment's name: the flow's (with @project: project.branch.flow), lowercased, '_' as '-',
// at most 45 characters (longer names keep a 5-character hash of the whole).
std::string argo_template_name(const FlowGraph& graph, const std::optional<ProjectInfo>& project);

// The WorkflowTemplate, then the CronWorkflow and the Sensor when the flow asks for them.
// InvalidArgument, naming the step and the limit, for what Argo cannot express (a switch, a
// @kubernetes option Kubernetes refuses, a name Argo refuses).
Result<std::vector<nlohmann::ordered_json>> compile_argo_workflow(const FlowGraph& graph,
                                                                  const ArgoWorkflowOptions& options);

}  // namespace conflux
