#include "deploy/argo/argo_workflow.hpp"

#include <algorithm>
#include <cctype>
#include <regex>
#include <set>
#include <sstream>

#include "base/base64.hpp"
#include "conflux/version.hpp"
#include "datastore/sha1.hpp"
#include "flow/decorators.hpp"
#include "flow/schedule.hpp"
#include "runtime/kubernetes/kubernetes_pod.hpp"
#include "runtime/remote/remote_task.hpp"

namespace conflux {

namespace {

using oj = nlohmann::ordered_json;

constexpr const char* kApiVersion = "argoproj.io/v1alpha1";
constexpr const char* kOutputsDir = "/mnt/out";
constexpr const char* kRunId = "argo-{{workflow.name}}";
constexpr const char* kCreated = "{{workflow.creationTimestamp}}";
// The pod's deadline is a backstop: task-run stops the step at @timeout to the second.
constexpr int64_t kDeadlineMarginSeconds = 120;
constexpr size_t kMaxTemplateName = 45;

// Argo's template and task names: letters, digits and '-' (Metaflow maps '_' to '-').
std::string argo_name(const std::string& name) {
  std::string out = name;
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

std::string param(const std::string& name) { return "{{inputs.parameters." + name + "}}"; }
std::string task_output(const std::string& task, const std::string& name) {
  return "{{tasks." + task + ".outputs.parameters." + name + "}}";
}
oj named(const std::string& name, const std::string& value) { return oj{{"name", name}, {"value", value}}; }

// The value a parameter's default has on the command line (`--alpha 0.5`, `--names a,b`).
std::string default_text(const ParameterDescription& p) {
  const nlohmann::json& v = *p.default_value;
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array() && p.type == ParameterType::kStringList) {
    std::string out;
    for (const auto& item : v) out += (out.empty() ? "" : p.separator) + (item.is_string() ? item.get<std::string>() : item.dump());
    return out;
  }
  return v.dump();
}

// Where a step sits relative to the foreach bodies around it; decides its inputs.
struct StepRole {
  bool first_in_body = false;  // the child of a foreach: takes the split index
  bool last_in_body = false;   // goes to its foreach's join: its id comes from the body's root path
  bool foreach_join = false;   // closes a foreach: recomputes its inputs from the cardinality
  std::string joined_step;     // foreach_join: the last body step, whose task ids it recomputes
};

class ArgoCompiler {
 public:
  ArgoCompiler(const FlowGraph& graph, const ArgoWorkflowOptions& options) : graph_(graph), o_(options) {}

  Result<std::vector<oj>> compile() {
    CONFLUX_RETURN_IF_ERROR(check_flow());
    name_ = o_.name.empty() ? argo_template_name(graph_, o_.project) : o_.name;
    static const std::regex valid_name("[a-z]([a-z0-9.-]*[a-z0-9])?");
    if (name_.size() > kMaxTemplateName || !std::regex_match(name_, valid_name)) {
      return Status::invalid_argument("the deployment name '" + name_ + "' is not valid for Argo Workflows: at most " +
                                      std::to_string(kMaxTemplateName) +
                                      " lowercase letters, digits, '.' and '-', starting with a letter");
    }
    entry_ = argo_name(graph_.flow().name);
    oj dag = oj::array();
    CONFLUX_RETURN_IF_ERROR(visit("start", "", dag));
    templates_.insert(templates_.begin(), oj{{"name", entry_}, {"dag", {{"failFast", true}, {"tasks", dag}}}});
    for (const std::string& step : graph_.sorted_nodes()) {
      CONFLUX_ASSIGN_OR_RETURN(oj t, container_template(graph_.node(step)));
      templates_.push_back(std::move(t));
    }
    std::vector<oj> docs;
    CONFLUX_ASSIGN_OR_RETURN(oj wt, workflow_template());
    docs.push_back(std::move(wt));
    for (const DecoratorSpec& d : graph_.flow().flow_decorators) {
      if (d.name == "schedule") {
        CONFLUX_ASSIGN_OR_RETURN(oj cron, cron_workflow(d));
        docs.push_back(std::move(cron));
      }
    }
    CONFLUX_ASSIGN_OR_RETURN(std::optional<oj> sensor, this->sensor());
    if (sensor) docs.push_back(std::move(*sensor));
    return docs;
  }

 private:
  // What Argo cannot express, before anything is generated.
  Status check_flow() {
    std::set<std::string> names;
    static const std::regex valid_template("[a-zA-Z0-9][-a-zA-Z0-9]{0,127}");
    if (!std::regex_match(argo_name(graph_.flow().name), valid_template)) {
      return Status::invalid_argument("flow name " + graph_.flow().name + " cannot name an Argo template");
    }
    bool scheduled = false;
    for (const DecoratorSpec& d : graph_.flow().flow_decorators) scheduled = scheduled || d.name == "schedule";
    for (const ParameterDescription& p : graph_.flow().parameters) {
      if (scheduled && p.required && !p.default_value) {
        return Status::invalid_argument("parameter " + p.name +
                                        " is required and has no default, so a scheduled run (g.schedule) could "
                                        "not start: give it a default");
      }
    }
    for (const std::string& step : graph_.sorted_nodes()) {
      const GraphNode& node = graph_.node(step);
      if (node.type == NodeType::kSwitch) CONFLUX_RETURN_IF_ERROR(analyse_switch(node));
      if (find_decorator(*node.step, "slurm")) {
        return Status::invalid_argument("step " + step + ": @slurm cannot be deployed to Argo Workflows, whose tasks "
                                        "run on Kubernetes; remove it (or use @kubernetes)");
      }
      if (!names.insert(argo_name(step)).second) {
        return Status::invalid_argument("step " + step + ": its Argo name " + argo_name(step) + " is taken by another step");
      }
    }
    return Status();
  }

  // A switch that loops on itself (one other case: the step after the loop), or whose branches
  // are chains of plain steps that meet at one step. Other shapes are refused for now.
  Status analyse_switch(const GraphNode& node) {
    auto refuse = [&](const std::string& why) {
      return Status::invalid_argument("step " + node.name + ": this switch cannot be deployed to Argo Workflows yet: " +
                                      why);
    };
    std::vector<std::string> others;
    for (const std::string& t : node.out_funcs) {
      if (t != node.name) others.push_back(t);
    }
    if (others.size() != node.out_funcs.size()) {
      if (node.is_inside_foreach) return refuse("a switch that loops cannot be inside a foreach yet");
      if (others.size() != 1) return refuse("a switch that loops must have exactly one case that leaves the loop");
      loop_exit_[node.name] = others.front();
      loop_of_exit_[others.front()] = node.name;
      return Status();
    }
    std::string meet;
    std::map<std::string, std::vector<std::string>> chains;
    for (const std::string& t : others) {
      std::vector<std::string> chain;
      std::string cur = t;
      while (true) {
        const GraphNode& n = graph_.node(cur);
        if (n.in_funcs.size() > 1) break;  // where the branches meet
        if (n.type != NodeType::kLinear || n.out_funcs.size() != 1) {
          return refuse("its branch through " + cur + " is not a chain of plain steps");
        }
        chain.push_back(cur);
        cur = n.out_funcs.front();
      }
      if (chain.empty()) return refuse("its case " + t + " goes straight to the step where the branches meet");
      if (!meet.empty() && meet != cur) return refuse("its branches do not meet at one step");
      meet = cur;
      chains[t] = chain;
    }
    if (graph_.node(meet).in_funcs.size() != others.size()) {
      return refuse("step " + meet + " has inputs from outside the switch");
    }
    switch_meet_[meet] = node.name;
    switch_chains_[meet] = chains;
    for (const std::string& t : others) switch_case_of_[t] = node.name;
    return Status();
  }

  // The argument that names one parent task's output: "argo-{{workflow.name}}/<step>/<task id>".
  std::string parent_path(const std::string& parent) const {
    return std::string(kRunId) + "/" + parent + "/" + task_output(argo_name(parent), "task-id");
  }

  // The foreach step a join closes, or nullptr.
  const GraphNode* foreach_closed_by(const std::string& join) const {
    for (const GraphNode& n : graph_.nodes()) {
      if (n.type == NodeType::kForeach && n.matching_join == join) return &n;
    }
    return nullptr;
  }

  // Adds the DAG tasks from `name` up to (not including) `exit_node` to `dag`.
  Status visit(const std::string& name, const std::string& exit_node, oj& dag) {
    if (name == exit_node || added_.count(name)) return Status();
    const GraphNode& node = graph_.node(name);
    // A join waits for all its parents: visit it once every branch is in.
    for (const std::string& parent : node.in_funcs) {
      if (parent == name) continue;  // a switch looping on itself
      const GraphNode* closed = foreach_closed_by(name);
      bool parent_done = added_.count(parent) || (closed && added_.count(closed->name));
      if (!parent_done) return Status();
    }
    added_.insert(name);
    if (loop_exit_.count(name)) {
      // The loop: a steps template that runs the step, then itself again while the step chooses itself.
      dag.push_back(loop_task(node));
      return visit(loop_exit_.at(name), exit_node, dag);
    }
    dag.push_back(dag_task(node));
    switch (node.type) {
      case NodeType::kEnd:
        return Status();
      case NodeType::kSplit:
        for (const std::string& child : node.out_funcs) CONFLUX_RETURN_IF_ERROR(visit(child, node.matching_join, dag));
        return visit(node.matching_join, exit_node, dag);
      case NodeType::kForeach: {
        CONFLUX_RETURN_IF_ERROR(foreach_body(node, dag));
        return visit(node.matching_join, exit_node, dag);
      }
      case NodeType::kSwitch:
        for (const std::string& t : node.out_funcs) CONFLUX_RETURN_IF_ERROR(visit(t, exit_node, dag));
        return Status();
      default:
        return visit(node.out_funcs.front(), exit_node, dag);
    }
  }

  std::string body_template_name(const GraphNode& split) const {
    return argo_name(split.name) + "-foreach-" + argo_name(split.step->foreach_var);
  }

  // A foreach: a DAG template for its body, run once per element by one task with withParam.
  Status foreach_body(const GraphNode& split, oj& dag) {
    const std::string body = body_template_name(split);
    const GraphNode& join = graph_.node(split.matching_join);
    if (join.in_funcs.size() != 1) return Status::invalid_argument("the join " + join.name + " of foreach " + split.name + " has several inputs");
    const std::string first = split.out_funcs.front();
    roles_[first].first_in_body = true;
    roles_[join.in_funcs.front()].last_in_body = true;
    roles_[join.name].foreach_join = true;
    roles_[join.name].joined_step = join.in_funcs.front();
    body_first_.insert(first);
    oj body_dag = oj::array();
    CONFLUX_RETURN_IF_ERROR(visit(first, join.name, body_dag));
    oj inputs = oj::array({oj{{"name", "input-paths"}}, oj{{"name", "split-index"}}, oj{{"name", "root-input-path"}}});
    templates_.push_back(oj{{"name", body},
                            {"inputs", {{"parameters", inputs}}},
                            {"dag", {{"failFast", true}, {"tasks", body_dag}}}});
    std::string split_path = parent_path(split.name);
    dag.push_back(oj{{"name", body},
                     {"template", body},
                     {"depends", argo_name(split.name) + ".Succeeded"},
                     {"withParam", task_output(argo_name(split.name), "num-splits")},
                     {"arguments",
                      {{"parameters", oj::array({named("input-paths", split_path), named("split-index", "{{item}}"),
                                                 named("root-input-path", split_path)})}}}});
    return Status();
  }

  // The path of a looping switch's first input: the loop's entry, which names the loop's record.
  std::string loop_entry(const GraphNode& loop) const {
    for (const std::string& p : loop.in_funcs) {
      if (p != loop.name) return parent_path(p);
    }
    return "";
  }

  oj loop_task(const GraphNode& node) {
    const std::string loop = argo_name(node.name) + "-loop";
    const std::string step = argo_name(node.name);
    oj in = oj::array({named("input-paths", param("input-paths")), named("loop-entry", param("loop-entry"))});
    oj again = oj::array({named("input-paths", std::string(kRunId) + "/" + node.name + "/{{steps." + step +
                                                   ".outputs.parameters.task-id}}"),
                          named("loop-entry", param("loop-entry"))});
    templates_.push_back(oj{{"name", loop},
                            {"inputs", {{"parameters", oj::array({oj{{"name", "input-paths"}}, oj{{"name", "loop-entry"}}})}}},
                            {"steps", oj::array({oj::array({oj{{"name", step}, {"template", step}, {"arguments", {{"parameters", in}}}}}),
                                                 oj::array({oj{{"name", "again"},
                                                               {"template", loop},
                                                               {"when", "{{steps." + step + ".outputs.parameters.switch-step}} == " + node.name},
                                                               {"arguments", {{"parameters", again}}}}})})}});
    oj task = {{"name", loop}, {"template", loop}};
    std::vector<std::string> parents;
    for (const std::string& p : node.in_funcs) {
      if (p != node.name) parents.push_back(argo_name(p) + ".Succeeded");
    }
    if (!parents.empty()) task["depends"] = parents.front();
    task["arguments"] = {{"parameters", oj::array({named("input-paths", loop_entry(node)), named("loop-entry", loop_entry(node))})}};
    return task;
  }

  oj dag_task(const GraphNode& node) {
    oj task = {{"name", argo_name(node.name)}, {"template", argo_name(node.name)}};
    const GraphNode* closed = foreach_closed_by(node.name);
    std::vector<std::string> depends;
    if (closed) {
      depends.push_back(body_template_name(*closed) + ".Succeeded");
    } else {
      for (const std::string& parent : node.in_funcs) depends.push_back(argo_name(parent) + ".Succeeded");
    }
    if (!depends.empty() && !body_first_.count(node.name)) {
      std::string text;
      for (const std::string& d : depends) text += (text.empty() ? "" : " && ") + d;
      task["depends"] = text;
    }
    oj args = oj::array();
    if (auto loop = loop_of_exit_.find(node.name); loop != loop_of_exit_.end()) {
      task["depends"] = argo_name(loop->second) + "-loop.Succeeded";
      task["arguments"] = {{"parameters", oj::array({named("loop-entry", loop_entry(graph_.node(loop->second)))})}};
      return task;
    }
    if (auto sw = switch_meet_.find(node.name); sw != switch_meet_.end()) {
      std::string any;
      for (const std::string& parent : node.in_funcs) any += (any.empty() ? "" : " || ") + argo_name(parent) + ".Succeeded";
      task["depends"] = any;
      oj meet_args = oj::array({named("switch-parent", parent_path(sw->second)),
                                named("switch-choice", task_output(argo_name(sw->second), "switch-step"))});
      if (roles_[node.name].last_in_body) {
        meet_args.push_back(named("split-index", param("split-index")));
        meet_args.push_back(named("root-input-path", param("root-input-path")));
      }
      task["arguments"] = {{"parameters", meet_args}};
      return task;
    }
    if (auto sw = switch_case_of_.find(node.name); sw != switch_case_of_.end()) {
      task["when"] = task_output(argo_name(sw->second), "switch-step") + " == " + node.name;
    }
    if (closed) {
      args.push_back(named("foreach-parent", parent_path(closed->name)));
      args.push_back(named("split-cardinality", task_output(argo_name(closed->name), "split-cardinality")));
    } else if (body_first_.count(node.name)) {
      args.push_back(named("input-paths", param("input-paths")));
      args.push_back(named("split-index", param("split-index")));
    } else if (node.name != "start") {
      std::vector<std::string> parents;
      for (const std::string& p : node.in_funcs) parents.push_back(parent_path(p));
      // Metaflow's compressed form: "argo-<wf>/:a/<id>,b/<id>" for a static join.
      std::string paths = parents.front();
      if (parents.size() > 1) {
        paths = std::string(kRunId) + "/:";
        for (size_t i = 0; i < node.in_funcs.size(); ++i) {
          paths += (i ? "," : "") + node.in_funcs[i] + "/" + task_output(argo_name(node.in_funcs[i]), "task-id");
        }
      }
      args.push_back(named("input-paths", paths));
    }
    if (roles_[node.name].last_in_body) {
      if (!body_first_.count(node.name)) args.push_back(named("split-index", param("split-index")));
      args.push_back(named("root-input-path", param("root-input-path")));
    }
    if (!args.empty()) task["arguments"] = {{"parameters", args}};
    return task;
  }

  // The step's pod: @kubernetes, @resources and the CONFLUX_KUBERNETES_* settings.
  Result<KubernetesOptions> pod_options(const StepDescription& step) const {
    auto attributes = [&](const char* name) {
      const DecoratorSpec* d = find_decorator(step, name);
      return d ? nlohmann::json::parse(d->attributes.dump()) : nlohmann::json();
    };
    auto options = kubernetes_options(attributes("kubernetes"), attributes("resources"), o_.kubernetes_defaults);
    if (!options.ok()) return options.status().with_context("step " + step.name);
    if (options->image.empty()) options->image = o_.image;
    return options;
  }

  // The `conflux task-run` description of one step's task, with Argo's substitutions in it.
  std::string task_description(const GraphNode& node) {
    const StepDescription& step = *node.step;
    const StepRole& role = roles_[node.name];
    std::string program = "flow";
    RemoteTask t;
    t.flow = graph_.flow().name;
    t.run_id = kRunId;
    t.step = node.name;
    t.argv = {program};
    t.argv.insert(t.argv.end(), o_.task_command.begin(), o_.task_command.end());
    t.argv.insert(t.argv.end(), {"step", node.name, "--run-id", kRunId, "--retry-count", "{{retries}}",
                                 "--max-user-code-retries", std::to_string(retry_times(step))});
    if (role.first_in_body) t.argv.insert(t.argv.end(), {"--split-index", param("split-index")});
    for (const std::string& tag : o_.tags) t.argv.insert(t.argv.end(), {"--tag", tag});
    if (const DecoratorSpec* e = find_decorator(step, "environment")) {
      for (const auto& [k, v] : e->attributes["vars"].items()) {
        if (v.is_string()) t.env[k] = v.get<std::string>();
      }
    }
    t.code_url = o_.code_url;
    t.code_sha = o_.code_sha;
    t.code_ds = o_.code_ds;
    t.ds_type = o_.ds_type;
    t.ds_root = o_.ds_root;
    t.timeout_seconds = timeout_seconds(step);
    DeployedTask d;
    std::string prefix = node.name + "-" + kCreated + "-";
    if (switch_meet_.count(node.name)) {
      d.switch_parent = param("switch-parent");
      d.switch_choice = param("switch-choice");
      d.switch_time = kCreated;
      d.switch_chains = switch_chains_.at(node.name);
    }
    // The last step of a foreach body keeps the seed its join recomputes, whatever its inputs.
    if (role.last_in_body) {
      d.task_id_seed = prefix + param("root-input-path") + "-" + param("split-index");
    } else if (loop_of_exit_.count(node.name)) {
      d.task_id_seed = prefix + param("loop-entry");
      d.loop_record_step = loop_of_exit_.at(node.name);
      d.loop_record_entry = param("loop-entry");
    } else if (switch_meet_.count(node.name)) {
      d.task_id_seed = prefix + param("switch-parent");
    } else if (role.foreach_join) {
      d.task_id_seed = prefix + param("foreach-parent");
    } else if (role.first_in_body) {
      d.task_id_seed = prefix + param("input-paths") + "-" + param("split-index");
    } else if (node.name == "start") {
      d.task_id_seed = node.name + "-" + kCreated;
    } else {
      d.task_id_seed = prefix + param("input-paths");
    }
    if (role.foreach_join) {
      d.join_step = role.joined_step;
      d.join_seed = role.joined_step + "-" + kCreated + "-" + param("foreach-parent");
      d.join_count = 0;
    } else if (node.name != "start" && !loop_of_exit_.count(node.name) && !switch_meet_.count(node.name)) {
      d.input_paths = param("input-paths");
    }
    if (loop_exit_.count(node.name)) {
      d.loop_exit_step = node.name;
      d.loop_exit_entry = param("loop-entry");
    }
    if (node.name == "start") {
      d.init_parameters = true;
      d.init_argv = {program};
      d.init_argv.insert(d.init_argv.end(), o_.task_command.begin(), o_.task_command.end());
      d.init_argv.insert(d.init_argv.end(), {"init", "--run-id", kRunId});
      for (const std::string& tag : o_.tags) d.init_argv.insert(d.init_argv.end(), {"--tag", tag});
      for (const ParameterDescription& p : graph_.flow().parameters) {
        d.parameters_base64[p.name] = "{{=toBase64(workflow.parameters['" + p.name + "'])}}";
      }
    }
    d.outputs_dir = kOutputsDir;
    if (node.name == "end" && !o_.events_webhook_url.empty()) {
      d.publish_event = "metaflow." + (o_.project ? o_.project->project_flow_name : graph_.flow().name) + ".end";
    }
    t.deployed = d;
    nlohmann::json j = nlohmann::json::parse(t.to_json_line());
    j["attempt"] = "{{retries}}";
    if (role.foreach_join) j["deployed"]["join_count"] = param("split-cardinality");
    return j.dump();
  }

  static int64_t retry_times(const StepDescription& step) {
    const DecoratorSpec* r = find_decorator(step, "retry");
    return r && r->attributes.contains("times") && r->attributes["times"].is_number_integer()
               ? r->attributes["times"].get<int64_t>() : 0;
  }

  Result<oj> container_template(const GraphNode& node) {
    const StepDescription& step = *node.step;
    const StepRole& role = roles_[node.name];
    oj inputs = oj::array();
    auto input = [&](const char* n) { inputs.push_back(oj{{"name", n}}); };
    if (loop_of_exit_.count(node.name)) {
      input("loop-entry");
    } else if (switch_meet_.count(node.name)) {
      input("switch-parent");
      input("switch-choice");
    } else if (role.foreach_join) {
      input("foreach-parent");
      input("split-cardinality");
    } else if (node.name != "start") {
      input("input-paths");
    }
    if (loop_exit_.count(node.name)) input("loop-entry");
    if (role.first_in_body || role.last_in_body) input("split-index");
    if (role.last_in_body) input("root-input-path");

    oj outputs = oj::array({oj{{"name", "task-id"}, {"valueFrom", {{"path", std::string(kOutputsDir) + "/task_id"}}}}});
    if (node.type == NodeType::kSwitch) {
      outputs.push_back(oj{{"name", "switch-step"}, {"valueFrom", {{"path", std::string(kOutputsDir) + "/switch_step"}}}});
    }
    if (node.type == NodeType::kForeach) {
      outputs.push_back(oj{{"name", "num-splits"}, {"valueFrom", {{"path", std::string(kOutputsDir) + "/splits"}}}});
      outputs.push_back(oj{{"name", "split-cardinality"},
                           {"valueFrom", {{"path", std::string(kOutputsDir) + "/split_cardinality"}}}});
    }

    oj t = {{"name", argo_name(node.name)}};
    if (!inputs.empty()) t["inputs"] = {{"parameters", inputs}};
    t["outputs"] = {{"parameters", outputs}};
    int64_t limit = retry_times(step) + (find_decorator(step, "catch") ? 1 : 0);
    if (limit > 0) {
      oj retry = {{"limit", std::to_string(limit)}, {"retryPolicy", "Always"}};
      const DecoratorSpec* r = find_decorator(step, "retry");
      int64_t minutes = r && r->attributes.contains("minutes_between_retries") &&
                                r->attributes["minutes_between_retries"].is_number_integer()
                            ? r->attributes["minutes_between_retries"].get<int64_t>() : 0;
      if (minutes > 0) retry["backoff"] = {{"duration", std::to_string(minutes) + "m"}};
      t["retryStrategy"] = retry;
    }
    if (int64_t timeout = timeout_seconds(step); timeout > 0) {
      t["activeDeadlineSeconds"] = std::to_string(timeout + kDeadlineMarginSeconds);
    }
    CONFLUX_ASSIGN_OR_RETURN(KubernetesOptions pod, pod_options(step));
    oj annotations = {{"metaflow/step_name", node.name}, {"metaflow/attempt", "{{retries}}"}};
    annotations.update(pod.annotations);
    t["metadata"] = {{"annotations", annotations}};
    if (!pod.labels.empty()) t["metadata"]["labels"] = pod.labels;
    if (!pod.service_account.empty()) t["serviceAccountName"] = pod.service_account;
    if (!pod.node_selector.empty()) t["nodeSelector"] = pod.node_selector;
    if (!pod.tolerations.empty()) t["tolerations"] = pod.tolerations;
    t["volumes"] = oj::array({oj{{"name", "out"}, {"emptyDir", oj::object()}}});
    if (pod.image.empty()) {
      return Status::invalid_argument("step " + node.name + " has no container image: give --image, "
                                      "CONFLUX_KUBERNETES_IMAGE or .kubernetes({.image = ...})");
    }
    oj env = oj::array();
    for (const auto& [k, v] : o_.env) env.push_back(named(k, v));
    if (node.name == "end" && !o_.events_webhook_url.empty()) env.push_back(named("ARGO_EVENTS_WEBHOOK_URL", o_.events_webhook_url));
    oj container = {{"name", "main"},
                    {"image", pod.image},
                    {"command", oj::array({o_.conflux_command})},
                    {"args", oj::array({"task-run", "--task", task_description(node), "--engine-id",
                                        "argo {{workflow.name}}/{{pod.name}}"})},
                    {"env", env},
                    {"resources", container_resources(pod)},
                    {"terminationMessagePolicy", "FallbackToLogsOnError"},
                    {"volumeMounts", oj::array({oj{{"name", "out"}, {"mountPath", kOutputsDir}}})}};
    if (!pod.secrets.empty()) {
      oj from = oj::array();
      for (const auto& secret : pod.secrets) from.push_back(oj{{"secretRef", {{"name", secret}}}});
      container["envFrom"] = from;
    }
    t["container"] = container;
    return t;
  }

  oj common_annotations() const {
    oj a = {{"metaflow/flow_name", graph_.flow().name},
            {"metaflow/owner", o_.username},
            {"metaflow/user", "argo-workflows"},
            {"conflux/version", kConfluxVersion}};
    if (o_.project) {
      a["metaflow/project_name"] = o_.project->project_name;
      a["metaflow/branch_name"] = o_.project->branch_name;
      a["metaflow/project_flow_name"] = o_.project->project_flow_name;
    }
    return a;
  }

  Result<oj> workflow_template() {
    oj params = oj::array();
    oj info = oj::object();
    for (const ParameterDescription& p : graph_.flow().parameters) {
      oj entry = {{"name", p.name}};
      // Values are what `./myflow run --<name>` takes; "" means "not given" (the default applies).
      entry["value"] = p.default_value ? default_text(p) : "";
      if (!p.help.empty()) entry["description"] = p.help;
      params.push_back(entry);
      info[p.name] = {{"type", std::string(parameter_type_name(p.type))}, {"required", p.required}};
    }
    oj annotations = common_annotations();
    annotations["metaflow/parameters"] = info.dump();
    if (!graph_.flow().doc.empty()) annotations["workflows.argoproj.io/description"] = graph_.flow().doc;
    oj labels = {{"app.kubernetes.io/part-of", "metaflow"}, {"app.kubernetes.io/name", "metaflow-flow"}};
    oj spec = {{"entrypoint", entry_}, {"parallelism", o_.max_workers}};
    if (o_.workflow_timeout_seconds > 0) spec["activeDeadlineSeconds"] = o_.workflow_timeout_seconds;
    if (!params.empty()) spec["arguments"] = {{"parameters", params}};
    spec["workflowMetadata"] = {{"labels", {{"app.kubernetes.io/name", "metaflow-run"}}},
                                {"annotations", {{"metaflow/run_id", kRunId}, {"metaflow/flow_name", graph_.flow().name}}}};
    spec["podMetadata"] = {{"labels", {{"app.kubernetes.io/name", "metaflow-task"}}}};
    spec["templates"] = templates_;
    return oj{{"apiVersion", kApiVersion},
              {"kind", "WorkflowTemplate"},
              {"metadata", {{"name", name_}, {"namespace", o_.namespace_name}, {"labels", labels}, {"annotations", annotations}}},
              {"spec", spec}};
  }

  Result<oj> cron_workflow(const DecoratorSpec& d) {
    CONFLUX_ASSIGN_OR_RETURN(std::string cron, normalize_cron(d.attributes.value("cron", "")));
    if (name_.size() > 52) return Status::invalid_argument("a CronWorkflow name is at most 52 characters: " + name_);
    oj spec = {{"schedules", oj::array({cron})}};
    if (d.attributes.contains("timezone")) spec["timezone"] = d.attributes["timezone"];
    spec["startingDeadlineSeconds"] = 3540;
    spec["successfulJobsHistoryLimit"] = 10000;
    spec["failedJobsHistoryLimit"] = 10000;
    spec["workflowSpec"] = {{"workflowTemplateRef", {{"name", name_}}}};
    return oj{{"apiVersion", kApiVersion},
              {"kind", "CronWorkflow"},
              {"metadata", {{"name", name_}, {"namespace", o_.namespace_name}, {"annotations", common_annotations()}}},
              {"spec", spec}};
  }

  // Argo Events: the events each trigger waits for. A finished deployed run of flow F publishes
  // "metaflow.F.end" (Metaflow's convention).
  Result<std::optional<oj>> sensor() {
    std::vector<std::string> events;
    for (const DecoratorSpec& d : graph_.flow().flow_decorators) {
      if (d.name == "trigger") events.push_back(d.attributes.value("event", ""));
      if (d.name == "trigger_on_finish") events.push_back("metaflow." + d.attributes.value("flow", "") + ".end");
    }
    if (events.empty()) return std::optional<oj>();
    if (o_.events_source.empty() || o_.events_event.empty()) {
      return Status::invalid_argument("the flow has a trigger, so it needs Argo Events: set "
                                      "CONFLUX_ARGO_EVENTS_EVENT_SOURCE and CONFLUX_ARGO_EVENTS_EVENT (the webhook "
                                      "event source and its event name)");
    }
    oj dependencies = oj::array();
    oj triggers_parameters = oj::array();
    oj workflow_params = oj::array();
    for (const ParameterDescription& p : graph_.flow().parameters) {
      workflow_params.push_back(named(p.name, p.default_value ? default_text(p) : ""));
    }
    for (const std::string& event : events) {
      std::string dep;
      for (char c : event) dep += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
      auto digest = Sha1::hex_of(event);
      dep += "-" + (digest.ok() ? digest->substr(0, 4) : std::string("0000"));
      dependencies.push_back(oj{{"name", dep},
                                {"eventSourceName", o_.events_source},
                                {"eventName", o_.events_event},
                                {"filters",
                                 {{"exprs", oj::array({oj{{"expr", "name == '" + event + "'"},
                                                          {"fields", oj::array({oj{{"name", "name"},
                                                                                  {"path", "body.payload.name"}}})}}})}}}});
      // An event's payload may set parameters by name.
      for (const ParameterDescription& p : graph_.flow().parameters) {
        triggers_parameters.push_back(
            oj{{"src", {{"dependencyName", dep}, {"dataKey", "body.payload." + p.name},
                        {"value", p.default_value ? default_text(p) : ""}}},
               {"dest", "spec.arguments.parameters.#(name=" + p.name + ").value"}});
      }
    }
    oj workflow = {{"apiVersion", kApiVersion},
                   {"kind", "Workflow"},
                   {"metadata", {{"generateName", name_ + "-"}}},
                   {"spec", {{"workflowTemplateRef", {{"name", name_}}}}}};
    if (!workflow_params.empty()) workflow["spec"]["arguments"] = {{"parameters", workflow_params}};
    oj k8s = {{"operation", "create"}, {"source", {{"resource", workflow}}}};
    if (!triggers_parameters.empty()) k8s["parameters"] = triggers_parameters;
    oj spec = {{"replicas", 1}, {"eventBusName", o_.events_bus}};
    oj pod = {{"container", {{"resources", {{"requests", {{"cpu", "100m"}, {"memory", "250Mi"}}},
                                            {"limits", {{"cpu", "100m"}, {"memory", "250Mi"}}}}}}}};
    if (!o_.events_service_account.empty()) pod["serviceAccountName"] = o_.events_service_account;
    spec["template"] = pod;
    spec["dependencies"] = dependencies;
    spec["triggers"] = oj::array({oj{{"template", {{"name", name_}, {"k8s", k8s}}}}});
    std::string sensor_name = name_;
    std::replace(sensor_name.begin(), sensor_name.end(), '.', '-');
    return std::optional<oj>(oj{{"apiVersion", "argoproj.io/v1alpha1"},
                                {"kind", "Sensor"},
                                {"metadata", {{"name", sensor_name}, {"namespace", o_.namespace_name},
                                              {"annotations", common_annotations()}}},
                                {"spec", spec}});
  }

  const FlowGraph& graph_;
  const ArgoWorkflowOptions& o_;
  std::string name_;
  std::string entry_;
  oj templates_ = oj::array();
  std::set<std::string> added_;
  std::set<std::string> body_first_;
  std::map<std::string, StepRole> roles_;
  std::map<std::string, std::string> loop_exit_;     // looping switch -> the step after the loop
  std::map<std::string, std::string> loop_of_exit_;  // the step after a loop -> the looping switch
  std::map<std::string, std::string> switch_meet_;   // where a switch's branches meet -> the switch
  std::map<std::string, std::map<std::string, std::vector<std::string>>> switch_chains_;  // by meeting step
  std::map<std::string, std::string> switch_case_of_;  // a switch case's first step -> the switch
};

}  // namespace

std::string argo_template_name(const FlowGraph& graph, const std::optional<ProjectInfo>& project) {
  std::string raw = project ? project->project_flow_name : graph.flow().name;
  std::string name;
  for (char c : raw) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (l == '_') l = '-';
    if (std::isalnum(static_cast<unsigned char>(l)) || l == '-' || l == '.') name += l;
  }
  while (!name.empty() && !std::isalpha(static_cast<unsigned char>(name.front()))) name.erase(0, 1);
  while (!name.empty() && !std::isalnum(static_cast<unsigned char>(name.back()))) name.pop_back();
  if (name.size() > kMaxTemplateName) {
    auto digest = Sha1::hex_of(raw);
    std::string tail = digest.ok() ? digest->substr(0, 5) : "00000";
    name = name.substr(0, kMaxTemplateName - 6);
    while (!name.empty() && !std::isalnum(static_cast<unsigned char>(name.back()))) name.pop_back();
    name += "-" + tail;
  }
  return name;
}

Result<std::vector<nlohmann::ordered_json>> compile_argo_workflow(const FlowGraph& graph,
                                                                  const ArgoWorkflowOptions& options) {
  return ArgoCompiler(graph, options).compile();
}

}  // namespace conflux
