#include "deploy/step_functions/step_functions.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <sstream>

#include "datastore/sha1.hpp"
#include "flow/decorators.hpp"
#include "flow/schedule.hpp"
#include "runtime/remote/remote_task.hpp"

namespace conflux {

namespace {

using oj = nlohmann::ordered_json;

constexpr const char* kSubmitJob = "arn:aws:states:::batch:submitJob.sync";
constexpr const char* kRunVariable = "CONFLUX_RUN_ID";
constexpr int64_t kDeadlineMarginSeconds = 120;  // Batch's limit is a backstop to task-run's
constexpr int64_t kMaxBatchAttempts = 10;
constexpr size_t kMaxNameLength = 80;

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string number_text(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

oj variable(const std::string& name, const std::string& path) { return oj{{"Name", name}, {"Value.$", path}}; }

// How the state looks when a step's Task starts: what its parents left.
struct Input {
  enum Kind { kStart, kTask, kParallel, kMapItem, kJoinOfForeach } kind = kTask;
  std::vector<std::string> parallel_parents;  // kParallel: the step that ended each branch, in order
  std::string foreach_step;                   // kMapItem, kJoinOfForeach: the foreach
  // Where the run id and the parameters of the Batch job that ran before are.
  std::string root() const { return kind == kParallel ? "$[0]" : "$"; }
};

class StepFunctionsCompiler {
 public:
  StepFunctionsCompiler(const FlowGraph& graph, const StepFunctionsOptions& o) : graph_(graph), o_(o) {}

  Result<StepFunctionsDeployment> compile() {
    CONFLUX_RETURN_IF_ERROR(check_flow());
    StepFunctionsDeployment d;
    d.name = name_ = state_machine_name();
    oj states = oj::object();
    CONFLUX_RETURN_IF_ERROR(visit("start", "", states, Input{Input::kStart}));
    oj machine = {{"Comment", "Conflux flow " + graph_.flow().name + " (conflux " + "task-run on AWS Batch)"},
                  {"StartAt", "start"}};
    if (o_.workflow_timeout_seconds > 0) machine["TimeoutSeconds"] = o_.workflow_timeout_seconds;
    machine["States"] = states;
    size_t bytes = machine.dump().size();
    if (bytes > kMaxStateMachineBytes) {
      return Status::invalid_argument("the flow is too large for a Step Functions state machine: its definition would be " +
                                      std::to_string(bytes) + " bytes, and the limit is " +
                                      std::to_string(kMaxStateMachineBytes));
    }
    d.state_machine = std::move(machine);
    for (const std::string& step : graph_.sorted_nodes()) {
      CONFLUX_ASSIGN_OR_RETURN(oj def, job_definition(graph_.node(step)));
      d.job_definitions.push_back(std::move(def));
    }
    for (const DecoratorSpec& s : graph_.flow().flow_decorators) {
      if (s.name != "schedule") continue;
      CONFLUX_ASSIGN_OR_RETURN(std::string cron, normalize_cron(s.attributes.value("cron", "")));
      std::stringstream fields(cron);
      std::string minute, hour, dom, month, dow;
      fields >> minute >> hour >> dom >> month >> dow;
      if (dom != "*" && dom != "?" && dow != "*" && dow != "?") {
        return Status::invalid_argument("@schedule '" + cron + "': EventBridge cannot restrict both the day of the "
                                        "month and the day of the week; keep one of them '*'");
      }
      d.schedule_rule = oj{{"Name", rule_name()},
                           {"ScheduleExpression", "cron(" + eventbridge_cron(cron) + ")"},
                           {"State", "ENABLED"},
                           {"Description", "Starts " + name_ + " (Conflux flow " + graph_.flow().name + ")"}};
    }
    return d;
  }

 private:
  Status check_flow() {
    for (const DecoratorSpec& d : graph_.flow().flow_decorators) {
      if (d.name == "trigger" || d.name == "trigger_on_finish") {
        return Status::invalid_argument("@" + d.name + " cannot be deployed to Step Functions (Metaflow's rule too): "
                                        "deploy the flow to Argo Workflows for event triggers");
      }
      if (d.name == "schedule" && d.attributes.contains("timezone")) {
        return Status::invalid_argument("@schedule: EventBridge schedules have no time zone; give the cron in UTC "
                                        "and drop the timezone");
      }
    }
    if (o_.job_queue.empty()) {
      return Status::invalid_argument("give the AWS Batch job queue: --job-queue or CONFLUX_BATCH_JOB_QUEUE");
    }
    if (o_.image.empty()) return Status::invalid_argument("give the runner image: --image or CONFLUX_BATCH_IMAGE");
    if (o_.ds_root.rfind("s3://", 0) != 0) return Status::invalid_argument("Step Functions needs an S3 datastore");
    if (o_.ds_root.find_first_of("'{}\\") != std::string::npos) {
      return Status::invalid_argument("the datastore root " + o_.ds_root + " has a character (' { } \\) a state "
                                      "machine cannot quote");
    }
    for (const std::string& step : graph_.sorted_nodes()) {
      const GraphNode& node = graph_.node(step);
      for (const char* engine : {"kubernetes", "slurm"}) {
        if (find_decorator(*node.step, engine)) {
          return Status::invalid_argument("step " + step + ": @" + engine + " cannot be expressed on AWS Batch: "
                                          "give its resources with .resources() instead");
        }
      }
      if (step.size() + std::string("-unknown-case").size() > kMaxNameLength) {
        return Status::invalid_argument("step " + step + ": its state name would be longer than Step Functions' " +
                                        std::to_string(kMaxNameLength) + " characters");
      }
      int64_t attempts = retry_times(*node.step) + 1 + (find_decorator(*node.step, "catch") ? 1 : 0);
      if (attempts > kMaxBatchAttempts) {
        return Status::invalid_argument("step " + step + ": " + std::to_string(attempts) + " attempts, AWS Batch "
                                        "allows at most " + std::to_string(kMaxBatchAttempts));
      }
    }
    return Status();
  }

  std::string state_machine_name() const {
    std::string raw = o_.name.empty() ? (o_.project ? o_.project->project_flow_name : graph_.flow().name) : o_.name;
    std::string name;
    for (char c : raw) name += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '-';
    if (name.size() > kMaxNameLength) {
      auto digest = Sha1::hex_of(raw);
      name = name.substr(0, kMaxNameLength - 9) + "-" + (digest.ok() ? digest->substr(0, 8) : std::string(8, '0'));
    }
    return name;
  }
  std::string rule_name() const { return name_.size() <= 64 ? name_ : name_.substr(0, 55) + "-" + name_.substr(name_.size() - 8); }
  std::string job_definition_name(const std::string& step) const {
    std::string name = name_ + "-" + step;
    return name.size() <= 128 ? name : name.substr(0, 119) + "-" + Sha1::hex_of(name).value().substr(0, 8);
  }

  static int64_t retry_times(const StepDescription& step) {
    const DecoratorSpec* r = find_decorator(step, "retry");
    return r && r->attributes.contains("times") && r->attributes["times"].is_number_integer()
               ? r->attributes["times"].get<int64_t>() : 0;
  }

  const GraphNode* foreach_closed_by(const std::string& join) const {
    for (const GraphNode& n : graph_.nodes()) {
      if (n.type == NodeType::kForeach && n.matching_join == join) return &n;
    }
    return nullptr;
  }
  // The foreaches whose body `node` is in, outermost first.
  std::vector<std::string> enclosing_foreaches(const GraphNode& node) const {
    std::vector<std::string> out;
    for (const std::string& split : node.split_parents) {
      const GraphNode& s = graph_.node(split);
      if (s.type == NodeType::kForeach && s.matching_join != node.name && split != node.name) out.push_back(split);
    }
    return out;
  }
  // The step that goes to `join` in the branch that starts at `start`.
  std::string branch_end(const std::string& start, const std::string& join) const {
    std::vector<std::string> todo = {start};
    std::set<std::string> seen;
    while (!todo.empty()) {
      std::string s = todo.back();
      todo.pop_back();
      if (!seen.insert(s).second) continue;
      for (const std::string& next : graph_.node(s).out_funcs) {
        if (next == join) return s;
        todo.push_back(next);
      }
    }
    return start;
  }

  // States.Format of the S3 key of a record `file` in the task directory of the job at $.
  std::string record_key(const std::string& step, const std::string& file) const {
    return "States.Format('" + key_prefix() + graph_.flow().name + "/sfn-{}/" + step + "/{}/" + file +
           "', $.Parameters.run_id, $.JobId)";
  }
  std::string bucket() const { return o_.ds_root.substr(5, o_.ds_root.find('/', 5) - 5); }
  std::string key_prefix() const {
    size_t slash = o_.ds_root.find('/', 5);
    std::string prefix = slash == std::string::npos ? "" : o_.ds_root.substr(slash + 1);
    if (!prefix.empty() && prefix.back() != '/') prefix += '/';
    return prefix;
  }

  Status visit(const std::string& name, const std::string& exit_node, oj& states, const Input& in) {
    if (states.contains(name)) return Status();  // a loop back, or where a switch's branches meet
    const GraphNode& node = graph_.node(name);
    oj task = task_state(node, in);
    auto link = [&](oj& state, const std::string& next) {
      if (next == exit_node) {
        state["End"] = true;
      } else {
        state["Next"] = next;
      }
    };
    switch (node.type) {
      case NodeType::kEnd:
        task["End"] = true;
        states[name] = task;
        return Status();
      case NodeType::kSplit: {
        std::string parallel = name + "-branches";
        task["Next"] = parallel;
        states[name] = task;
        oj branches = oj::array();
        Input after{Input::kParallel};
        for (const std::string& child : node.out_funcs) {
          oj sub = oj::object();
          CONFLUX_RETURN_IF_ERROR(visit(child, node.matching_join, sub, Input{Input::kTask}));
          branches.push_back(oj{{"StartAt", child}, {"States", sub}});
          after.parallel_parents.push_back(branch_end(child, node.matching_join));
        }
        oj state = {{"Type", "Parallel"}, {"Branches", branches}};
        link(state, node.matching_join);
        states[parallel] = state;
        if (node.matching_join == exit_node) return Status();
        return visit(node.matching_join, exit_node, states, after);
      }
      case NodeType::kForeach: {
        std::string map = name + "-foreach";
        task["Next"] = map;
        states[name] = task;
        const std::string first = node.out_funcs.front();
        oj sub = oj::object();
        Input item{Input::kMapItem};
        item.foreach_step = name;
        CONFLUX_RETURN_IF_ERROR(visit(first, node.matching_join, sub, item));
        oj state = {{"Type", "Map"},
                    {"ItemReader", {{"Resource", "arn:aws:states:::s3:getObject"},
                                    {"ReaderConfig", {{"InputType", "JSON"}}},
                                    {"Parameters", {{"Bucket", bucket()}, {"Key.$", record_key(name, "deployed_splits.json")}}}}},
                    {"ItemSelector", {{"JobId.$", "$.JobId"}, {"Parameters.$", "$.Parameters"}, {"Index.$", "$$.Map.Item.Value"}}},
                    {"MaxConcurrency", o_.max_workers},
                    {"ItemProcessor", {{"ProcessorConfig", {{"Mode", "DISTRIBUTED"}, {"ExecutionType", "STANDARD"}}},
                                       {"StartAt", first},
                                       {"States", sub}}},
                    // The join needs the foreach task's output, not 100,000 results.
                    {"ResultPath", nullptr}};
        link(state, node.matching_join);
        states[map] = state;
        if (node.matching_join == exit_node) return Status();
        Input after{Input::kJoinOfForeach};
        after.foreach_step = name;
        return visit(node.matching_join, exit_node, states, after);
      }
      case NodeType::kSwitch: {
        // The job records the step it chose; the state machine reads it and branches (a case
        // may name the step itself: the Choice loops back to it).
        task["Next"] = name + "-switch";
        states[name] = task;
        states[name + "-switch"] = oj{{"Type", "Task"},
                                      {"Resource", "arn:aws:states:::aws-sdk:s3:getObject"},
                                      {"Parameters", {{"Bucket", bucket()}, {"Key.$", record_key(name, "deployed_switch.json")}}},
                                      {"ResultSelector", {{"Chosen.$", "States.StringToJson($.Body)"}}},
                                      {"ResultPath", "$.Switch"},
                                      {"Next", name + "-choice"}};
        oj choices = oj::array();
        for (const std::string& target : node.out_funcs) {
          std::string next = target;
          if (target == exit_node) {
            next = name + "-leave";
            states[next] = oj{{"Type", "Succeed"}};
          }
          choices.push_back(oj{{"Variable", "$.Switch.Chosen"}, {"StringEquals", target}, {"Next", next}});
        }
        states[name + "-choice"] = oj{{"Type", "Choice"}, {"Choices", choices}, {"Default", name + "-unknown-case"}};
        states[name + "-unknown-case"] = oj{{"Type", "Fail"}, {"Error", "UnknownCase"},
                                            {"Cause", "step " + name + " chose a step that is not one of its cases"}};
        for (const std::string& target : node.out_funcs) {
          if (target != exit_node) CONFLUX_RETURN_IF_ERROR(visit(target, exit_node, states, Input{Input::kTask}));
        }
        return Status();
      }
      default:
        link(task, node.out_funcs.front());
        states[name] = task;
        if (node.out_funcs.front() == exit_node) return Status();
        return visit(node.out_funcs.front(), exit_node, states, Input{Input::kTask});
    }
  }

  // Where the state holds the id and split index of `foreach`'s element that `node` runs in.
  std::pair<std::string, std::string> foreach_position(const GraphNode& node, const Input& in, const std::string& foreach) const {
    if (in.kind == Input::kMapItem && in.foreach_step == foreach) return {"$.JobId", "States.Format('{}', $.Index)"};
    return {in.root() + ".Parameters.foreach_task_" + foreach, in.root() + ".Parameters.split_index_" + foreach};
  }

  oj task_state(const GraphNode& node, const Input& in) {
    std::string run = in.kind == Input::kStart ? "$$.Execution.Name" : in.root() + ".Parameters.run_id";
    oj batch_parameters = {{"run_id.$", run}, {"step_name", node.name}};
    oj env = oj::array({variable(kRunVariable, run)});
    for (const std::string& f : enclosing_foreaches(node)) {
      auto [task_path, index_path] = foreach_position(node, in, f);
      batch_parameters["foreach_task_" + f + ".$"] = task_path;
      batch_parameters["split_index_" + f + ".$"] = index_path;
    }
    switch (in.kind) {
      case Input::kStart:
        env.push_back(variable("CONFLUX_PARAMETERS", "$.Parameters"));
        break;
      case Input::kTask:
      case Input::kMapItem:
        env.push_back(variable("CONFLUX_PARENT_TASK_ID", "$.JobId"));
        // The step that ran before: one of several where a switch's branches meet or it loops.
        if (in.kind == Input::kTask) env.push_back(variable("CONFLUX_PARENT_STEP", "$.Parameters.step_name"));
        if (in.kind == Input::kMapItem) env.push_back(variable("CONFLUX_SPLIT_INDEX", "States.Format('{}', $.Index)"));
        break;
      case Input::kParallel:
        for (size_t i = 0; i < in.parallel_parents.size(); ++i) {
          env.push_back(variable("CONFLUX_PARENT_" + std::to_string(i) + "_TASK_ID", "$[" + std::to_string(i) + "].JobId"));
        }
        break;
      case Input::kJoinOfForeach:
        env.push_back(variable("CONFLUX_FOREACH_TASK", "$.JobId"));
        break;
    }
    if (const GraphNode* f = last_body_step_of(node)) {
      auto [task_path, index_path] = foreach_position(node, in, f->name);
      env.push_back(variable("CONFLUX_FOREACH_TASK_" + upper(f->name), task_path));
      env.push_back(variable("CONFLUX_SPLIT_INDEX_" + upper(f->name), index_path));
    }
    descriptions_[node.name] = task_description(node, in);
    return oj{{"Type", "Task"},
              {"Resource", kSubmitJob},
              {"Parameters", {{"JobName", job_definition_name(node.name)},
                              {"JobQueue", o_.job_queue},
                              {"JobDefinition", job_definition_name(node.name)},
                              {"Parameters", batch_parameters},
                              {"ContainerOverrides", {{"Environment", env}}}}},
              {"ResultSelector", {{"JobId.$", "$.JobId"}, {"Parameters.$", "$.Parameters"}}},
              {"Retry", oj::array({oj{{"ErrorEquals", oj::array({"Batch.AWSBatchException"})},
                                      {"IntervalSeconds", 2},
                                      {"BackoffRate", 2},
                                      {"MaxAttempts", 10},
                                      {"MaxDelaySeconds", 60},
                                      {"JitterStrategy", "FULL"}}})}};
  }

  // The foreach whose body `node` ends (it goes to the foreach's join), or nullptr.
  const GraphNode* last_body_step_of(const GraphNode& node) const {
    if (node.out_funcs.size() != 1) return nullptr;
    const GraphNode* f = foreach_closed_by(node.out_funcs.front());
    return f;
  }

  std::string task_description(const GraphNode& node, const Input& in) {
    const StepDescription& step = *node.step;
    const std::string run = "sfn-${" + std::string(kRunVariable) + "}";
    RemoteTask t;
    t.flow = graph_.flow().name;
    t.run_id = run;
    t.step = node.name;
    t.argv = {"flow"};
    t.argv.insert(t.argv.end(), o_.task_command.begin(), o_.task_command.end());
    t.argv.insert(t.argv.end(), {"step", node.name, "--run-id", run, "--retry-count", "${CONFLUX_ATTEMPT}",
                                 "--max-user-code-retries", std::to_string(retry_times(step))});
    if (in.kind == Input::kMapItem) t.argv.insert(t.argv.end(), {"--split-index", "${CONFLUX_SPLIT_INDEX}"});
    for (const std::string& tag : o_.tags) t.argv.insert(t.argv.end(), {"--tag", tag});
    if (const DecoratorSpec* e = find_decorator(step, "environment")) {
      for (const auto& [k, v] : e->attributes["vars"].items()) {
        if (v.is_string()) t.env[k] = v.get<std::string>();
      }
    }
    t.code_url = o_.code_url;
    t.code_sha = o_.code_sha;
    t.code_ds = o_.code_ds;
    t.ds_type = "s3";
    t.ds_root = o_.ds_root;
    t.timeout_seconds = timeout_seconds(step);
    DeployedTask d;
    d.task_id_env = "AWS_BATCH_JOB_ID";
    d.attempt_env = "AWS_BATCH_JOB_ATTEMPT";
    switch (in.kind) {
      case Input::kStart:
        d.init_parameters = true;
        d.init_argv = {"flow"};
        d.init_argv.insert(d.init_argv.end(), o_.task_command.begin(), o_.task_command.end());
        d.init_argv.insert(d.init_argv.end(), {"init", "--run-id", run});
        for (const std::string& tag : o_.tags) d.init_argv.insert(d.init_argv.end(), {"--tag", tag});
        d.parameters_env = "CONFLUX_PARAMETERS";
        break;
      case Input::kTask:
        d.input_paths = run + "/${CONFLUX_PARENT_STEP}/${CONFLUX_PARENT_TASK_ID}";
        break;
      case Input::kMapItem:
        d.input_paths = run + "/" + in.foreach_step + "/${CONFLUX_PARENT_TASK_ID}";
        break;
      case Input::kParallel: {
        d.input_paths = run + "/:";
        for (size_t i = 0; i < in.parallel_parents.size(); ++i) {
          d.input_paths += (i ? "," : "") + in.parallel_parents[i] + "/${CONFLUX_PARENT_" + std::to_string(i) + "_TASK_ID}";
        }
        break;
      }
      case Input::kJoinOfForeach:
        d.join_step = node.in_funcs.front();
        d.join_records_step = in.foreach_step;
        d.join_records_task = "${CONFLUX_FOREACH_TASK}";
        break;
    }
    if (node.type == NodeType::kForeach) d.splits_record = true;
    if (node.type == NodeType::kSwitch) d.switch_record = true;
    if (const GraphNode* f = last_body_step_of(node)) {
      d.join_record_step = f->name;
      d.join_record_task = "${CONFLUX_FOREACH_TASK_" + upper(f->name) + "}";
      d.join_record_index = "${CONFLUX_SPLIT_INDEX_" + upper(f->name) + "}";
    }
    t.deployed = d;
    return t.to_json_line();
  }

  Result<oj> job_definition(const GraphNode& node) {
    const StepDescription& step = *node.step;
    double cpu = 1;
    double memory = 4096;
    double gpu = 0;
    if (const DecoratorSpec* r = find_decorator(step, "resources")) {
      if (r->attributes.contains("cpu") && r->attributes["cpu"].is_number()) cpu = r->attributes["cpu"].get<double>();
      if (r->attributes.contains("memory") && r->attributes["memory"].is_number()) memory = r->attributes["memory"].get<double>();
      if (r->attributes.contains("gpu") && r->attributes["gpu"].is_number()) gpu = r->attributes["gpu"].get<double>();
    }
    if (gpu != std::floor(gpu)) return Status::invalid_argument("step " + node.name + ": AWS Batch takes whole GPUs");
    oj requirements = oj::array({oj{{"type", "VCPU"}, {"value", number_text(cpu)}},
                                 oj{{"type", "MEMORY"}, {"value", number_text(std::ceil(memory))}}});
    if (gpu > 0) requirements.push_back(oj{{"type", "GPU"}, {"value", number_text(gpu)}});
    oj environment = oj::array();
    for (const auto& [k, v] : o_.env) environment.push_back(oj{{"name", k}, {"value", v}});
    oj container = {{"image", o_.image},
                    {"command", oj::array({o_.conflux_command, "task-run", "--task", descriptions_.at(node.name),
                                           "--engine-id", "aws batch"})},
                    {"resourceRequirements", requirements},
                    {"environment", environment}};
    if (!o_.job_role.empty()) container["jobRoleArn"] = o_.job_role;
    int64_t attempts = retry_times(step) + 1 + (find_decorator(step, "catch") ? 1 : 0);
    oj def = {{"jobDefinitionName", job_definition_name(node.name)},
              {"type", "container"},
              {"containerProperties", container},
              {"retryStrategy", {{"attempts", attempts}}},
              {"propagateTags", true},
              {"tags", {{"conflux/flow", graph_.flow().name}, {"conflux/step", node.name}}}};
    if (int64_t timeout = timeout_seconds(step); timeout > 0) {
      def["timeout"] = {{"attemptDurationSeconds", timeout + kDeadlineMarginSeconds}};
    }
    return def;
  }

  const FlowGraph& graph_;
  const StepFunctionsOptions& o_;
  std::string name_;
  std::map<std::string, std::string> descriptions_;  // by step
};

// One day-of-week item ("1", "MON", "1-5", "*/2") with numbers moved from cron's 0-7 (0 and 7 =
// Sunday) to EventBridge's 1-7 (1 = Sunday).
std::string eventbridge_day_of_week(const std::string& item) {
  std::string out;
  std::string number;
  auto flush = [&](bool step) {
    if (number.empty()) return;
    int n = std::stoi(number);
    out += step ? number : std::to_string(n % 7 + 1);
    number.clear();
  };
  bool after_slash = false;
  for (char c : item) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      number += c;
      continue;
    }
    flush(after_slash);
    if (c == '/') after_slash = true;
    out += c;
  }
  flush(after_slash);
  return out;
}

}  // namespace

std::string eventbridge_cron(const std::string& cron) {
  std::vector<std::string> f;
  std::stringstream in(cron);
  for (std::string field; in >> field;) f.push_back(field);
  if (f.size() != 5) return cron;
  std::string dom = f[2], dow = f[4];
  if (dow == "*" || dow == "?") {
    dow = "?";
    if (dom == "?") dom = "*";
  } else {
    std::string converted;
    std::stringstream items(dow);
    for (std::string item; std::getline(items, item, ',');) converted += (converted.empty() ? "" : ",") + eventbridge_day_of_week(item);
    dow = converted;
    dom = "?";
  }
  return f[0] + " " + f[1] + " " + dom + " " + f[3] + " " + dow + " *";
}

Result<StepFunctionsDeployment> compile_step_functions(const FlowGraph& graph, const StepFunctionsOptions& options) {
  return StepFunctionsCompiler(graph, options).compile();
}

}  // namespace conflux
