// Graph<F>: the one place a flow declares its steps, transitions and decorators.
//
//   static void graph(conflux::Graph<MyFlow>& g) {
//     g.doc("What this flow does.");
//     g.step("start", &MyFlow::start).foreach_(&MyFlow::ids, "train");
//     g.step("train", &MyFlow::train).next("join").retry(2).timeout(600);
//     g.join("join", &MyFlow::join).next("end");
//     g.step("end", &MyFlow::end);
//   }
//
// Transitions: next(a) (linear), next(a, b, ...) (static branch), foreach_(&F::artifact, step),
// switch_(&F::artifact, {{"value", step}, ...}) (a case may name the step itself: a loop).
// Decorators: retry, catch_, timeout, resources, environment, slurm, kubernetes, card; of the flow:
// project, schedule, trigger, trigger_on_finish. Declaring the graph runs no step.
// Misuse the compiler can see (a join without inputs, a function of another class) does not
// compile; the rest is reported by `check` and before every run, naming the step and the rule.
#pragma once

#include <map>
#include <source_location>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "conflux/artifact.hpp"
#include "conflux/config.hpp"
#include "conflux/flow_spec_types.hpp"
#include "conflux/inputs.hpp"

namespace conflux {

// @resources: a compute-agnostic request (cpu cores, memory MB, gpus, disk MB).
struct Resources {
  double cpu = 1;
  int64_t memory = 4096;
  int64_t gpu = 0;
  int64_t disk = 0;  // 0: not requested
  int64_t shared_memory = 0;
};

// @timeout: the parts are summed, as Metaflow does.
struct Timeout {
  int64_t seconds = 0;
  int64_t minutes = 0;
  int64_t hours = 0;
};

// @slurm: run the step's tasks as Slurm jobs. Empty fields fall back to the CONFLUX_SLURM_*
// settings (docs/remote-tasks.md); cpu, memory, gpu and time limit come from .resources() and
// .timeout().
struct Slurm {
  std::string partition;
  std::string account;
  std::string qos;
  std::string constraint;
  std::vector<std::string> sbatch_options;  // more sbatch options, e.g. {"--exclusive"}
};

// @card: a card (an HTML report, include conflux/cards.hpp) attached to each task of the step.
struct CardOptions {
  std::string type = "default";  // "default": the task's facts, artifacts, DAG and your components;
                                 // "blank": only your components
  std::string id;                // to tell several cards of a step apart: current().card("id")
  nlohmann::ordered_json options = nlohmann::ordered_json::object();  // "blank": {"title": "..."}
  int64_t timeout = 45;          // seconds one rendering may take
  int64_t refresh_interval = 5;  // seconds between writes of a live card (Card::refresh)
  bool save_errors = true;       // a card that fails to render is saved as an error card
};

// @kubernetes: the pod a step runs in when the flow is deployed to Argo Workflows
// (`./myflow argo-workflows create`, docs/argo-workflows.md). Empty fields fall back to the
// CONFLUX_KUBERNETES_* settings; cpu, memory, gpu and disk (0: unset) to .resources().
struct Kubernetes {
  std::string image;
  double cpu = 0;
  int64_t memory = 0;  // MB
  int64_t disk = 0;    // MB of ephemeral storage
  int64_t gpu = 0;
  std::string namespace_name;
  std::string service_account;
  std::map<std::string, std::string> node_selector;
  std::vector<std::map<std::string, std::string>> tolerations;  // {"key": "gpu", "operator": "Exists"}
  std::vector<std::string> secrets;  // Kubernetes secrets whose keys become environment variables
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

// @project's optional attributes (else --branch / --production on the command line).
struct ProjectSettings {
  std::string branch;       // the branch: test.<branch> (prod.<branch> with production)
  bool production = false;  // the production branch: prod (prod.<branch> with a branch)
};

template <class F>
class StepBuilder {
 public:
  StepBuilder(FlowDescription* flow, size_t index, const F* prototype)
      : flow_(flow), index_(index), prototype_(prototype) {}

  // Linear transition (one target) or static branch (several).
  template <class... Rest>
  StepBuilder& next(std::string first, Rest... rest) {
    static_assert((std::is_convertible_v<Rest, std::string> && ...),
                  "conflux: next() takes step names");
    std::vector<std::string> targets{std::move(first), std::string(rest)...};
    set_transition(targets.size() == 1 ? TransitionKind::kLinear : TransitionKind::kBranch, targets);
    return *this;
  }

  // Foreach: runs `target` once per element of the artifact `var` (a std::vector or similar).
  template <class T>
  StepBuilder& foreach_(Artifact<T> F::*var, std::string target) {
    set_transition(TransitionKind::kForeach, {std::move(target)});
    step().foreach_var = (prototype_->*var).name();
    return *this;
  }

  // Switch: the value of the artifact `var` (converted to text) picks the case.
  template <class T>
  StepBuilder& switch_(Artifact<T> F::*var,
                       std::vector<std::pair<std::string, std::string>> cases) {
    std::vector<std::string> targets;
    for (const auto& c : cases) targets.push_back(c.second);
    set_transition(TransitionKind::kSwitch, targets);
    step().condition_var = (prototype_->*var).name();
    step().switch_cases = std::move(cases);
    return *this;
  }

  StepBuilder& doc(std::string text) {
    step().doc = std::move(text);
    return *this;
  }

  // @retry: rerun a failed task up to `times` more times (at most 4).
  StepBuilder& retry(int64_t times = 3, int64_t minutes_between_retries = 2) {
    return decorate("retry", {{"times", times}, {"minutes_between_retries", minutes_between_retries}});
  }
  // @catch: a failure is stored in the artifact `var` and the flow continues.
  StepBuilder& catch_(std::string var = "", bool print_exception = true) {
    nlohmann::ordered_json attrs;
    attrs["var"] = var.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(var);
    attrs["print_exception"] = print_exception;
    return decorate("catch", std::move(attrs));
  }
  // @timeout: stop the task after this long (retryable and catchable).
  StepBuilder& timeout(int64_t seconds) { return timeout(Timeout{.seconds = seconds}); }
  StepBuilder& timeout(Timeout t) {
    return decorate("timeout", {{"seconds", t.seconds}, {"minutes", t.minutes}, {"hours", t.hours}});
  }
  StepBuilder& resources(Resources r) {
    nlohmann::ordered_json attrs;
    attrs["cpu"] = r.cpu;
    attrs["gpu"] = r.gpu ? nlohmann::ordered_json(r.gpu) : nlohmann::ordered_json();
    attrs["disk"] = r.disk ? nlohmann::ordered_json(r.disk) : nlohmann::ordered_json();
    attrs["memory"] = r.memory;
    attrs["shared_memory"] = r.shared_memory ? nlohmann::ordered_json(r.shared_memory) : nlohmann::ordered_json();
    return decorate("resources", std::move(attrs));
  }
  StepBuilder& slurm(Slurm s = {}) {
    nlohmann::ordered_json attrs;
    auto text = [](const std::string& v) { return v.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(v); };
    attrs["partition"] = text(s.partition);
    attrs["account"] = text(s.account);
    attrs["qos"] = text(s.qos);
    attrs["constraint"] = text(s.constraint);
    attrs["sbatch_options"] = s.sbatch_options.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(s.sbatch_options);
    attrs["login_host"] = nullptr;
    attrs["conflux"] = nullptr;
    attrs["workdir"] = nullptr;
    return decorate("slurm", std::move(attrs));
  }
  StepBuilder& kubernetes(Kubernetes k = {}) {
    using oj = nlohmann::ordered_json;
    auto text = [](const std::string& v) { return v.empty() ? oj() : oj(v); };
    auto number = [](auto v) { return v ? oj(v) : oj(); };
    auto map = [](const std::map<std::string, std::string>& m) { return m.empty() ? oj() : oj(m); };
    oj attrs;
    attrs["image"] = text(k.image);
    attrs["cpu"] = number(k.cpu);
    attrs["memory"] = number(k.memory);
    attrs["disk"] = number(k.disk);
    attrs["gpu"] = number(k.gpu);
    attrs["namespace"] = text(k.namespace_name);
    attrs["service_account"] = text(k.service_account);
    attrs["node_selector"] = map(k.node_selector);
    attrs["tolerations"] = k.tolerations.empty() ? oj() : oj(k.tolerations);
    attrs["secrets"] = k.secrets.empty() ? oj() : oj(k.secrets);
    attrs["labels"] = map(k.labels);
    attrs["annotations"] = map(k.annotations);
    return decorate("kubernetes", std::move(attrs));
  }
  // @card: several per step if each has its own id.
  StepBuilder& card(CardOptions c = {}) {
    nlohmann::ordered_json attrs;
    attrs["type"] = c.type;
    attrs["id"] = c.id.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(c.id);
    attrs["options"] = c.options;
    attrs["scope"] = "task";
    attrs["timeout"] = c.timeout;
    attrs["refresh_interval"] = c.refresh_interval;
    attrs["save_errors"] = c.save_errors;
    attrs["rank"] = nullptr;
    attrs["customize"] = false;
    return decorate("card", std::move(attrs));
  }
  // @environment: variables set in the task's environment.
  StepBuilder& environment(std::map<std::string, std::string> vars) {
    nlohmann::ordered_json attrs;
    attrs["vars"] = vars;
    return decorate("environment", std::move(attrs));
  }

 private:
  StepDescription& step() { return flow_->steps[index_]; }

  void set_transition(TransitionKind kind, std::vector<std::string> targets) {
    if (step().transition != TransitionKind::kNone) {
      flow_->declaration_errors.push_back("step '" + step().name +
                                          "' declares more than one transition; a step has "
                                          "exactly one next(), foreach_() or switch_()");
    }
    step().transition = kind;
    step().next = std::move(targets);
  }

  StepBuilder& decorate(std::string name, nlohmann::ordered_json attributes) {
    for (const auto& d : step().decorators) {
      if (d.name == name && (name != "card" || d.attributes["id"] == attributes["id"])) {
        flow_->declaration_errors.push_back("step '" + step().name + "' has @" + name + " twice" +
                                            (name == "card" ? " with the same id (give each card its own id)" : ""));
      }
    }
    step().decorators.push_back({std::move(name), std::move(attributes), false});
    return *this;
  }

  FlowDescription* flow_;
  size_t index_;
  const F* prototype_;
};

template <class F>
class Graph {
 public:
  Graph(FlowDescription* flow, const F* prototype) : flow_(flow), prototype_(prototype) {}

  // Declares a step: a member function of this flow class taking no arguments.
  template <class M>
  StepBuilder<F> step(std::string name, M fn,
                      std::source_location where = std::source_location::current()) {
    static_assert(std::is_member_function_pointer_v<M>,
                  "conflux: g.step(name, &Flow::fn) takes a pointer to a member function");
    static_assert(!std::is_same_v<M, void (F::*)(const Inputs<F>&)>,
                  "conflux: this step takes join inputs; declare it with g.join(name, &Flow::fn)");
    static_assert(std::is_same_v<M, void (F::*)()>,
                  "conflux: a step must be a member function of this flow class with signature "
                  "void name() (a join step takes const conflux::Inputs<Flow>&)");
    std::function<void(FlowBase&, const InputsBase*)> body;
    if constexpr (std::is_same_v<M, void (F::*)()>) {  // avoids error cascades after the asserts
      body = [fn](FlowBase& flow, const InputsBase*) { (static_cast<F&>(flow).*fn)(); };
    }
    return add(std::move(name), false, std::move(body), where);
  }

  // Declares a join step: a member function taking the inputs of the steps that lead to it.
  template <class M>
  StepBuilder<F> join(std::string name, M fn,
                      std::source_location where = std::source_location::current()) {
    static_assert(std::is_member_function_pointer_v<M>,
                  "conflux: g.join(name, &Flow::fn) takes a pointer to a member function");
    static_assert(!std::is_same_v<M, void (F::*)()>,
                  "conflux: a join step must take its inputs: "
                  "void name(const conflux::Inputs<Flow>& inputs)");
    static_assert(std::is_same_v<M, void (F::*)(const Inputs<F>&)>,
                  "conflux: a join step must be a member function of this flow class with "
                  "signature void name(const conflux::Inputs<Flow>& inputs)");
    std::function<void(FlowBase&, const InputsBase*)> body;
    if constexpr (std::is_same_v<M, void (F::*)(const Inputs<F>&)>) {
      body = [fn](FlowBase& flow, const InputsBase* inputs) {
        Inputs<F> typed(*inputs);
        (static_cast<F&>(flow).*fn)(typed);
      };
    }
    return add(std::move(name), true, std::move(body), where);
  }

  // The flow's description, shown by `show` (Metaflow's class docstring).
  Graph& doc(std::string text) {
    flow_->doc = std::move(text);
    return *this;
  }

  // A config's value while the graph is declared, so decorators can depend on it:
  //   .resources({.cpu = g.config(&MyFlow::train).value("cpu", 1)})
  const nlohmann::json& config(Config F::*member) const { return (prototype_->*member).get(); }

  // @project: runs and deployments of this flow belong to project `name` ([a-z0-9_]+) and a
  // branch: user.<you> by default, test.<branch> with --branch, prod with --production (or set
  // them here: g.project("ranking", {.branch = "exp", .production = true})).
  // @schedule: a deployment (Argo Workflows) starts a run on this cron schedule: five fields
  // ("0 6 * * *"), or "hourly", "daily", "weekly"; `timezone` is an IANA name ("Europe/Paris").
  Graph& schedule(std::string cron, std::string timezone = "") {
    DecoratorSpec d{"schedule", {{"cron", std::move(cron)}}, false};
    if (!timezone.empty()) d.attributes["timezone"] = std::move(timezone);
    flow_->flow_decorators.push_back(std::move(d));
    return *this;
  }
  // @trigger: a deployment starts a run when the event `name` arrives (Argo Events).
  Graph& trigger(std::string event) {
    flow_->flow_decorators.push_back({"trigger", {{"event", std::move(event)}}, false});
    return *this;
  }
  // @trigger_on_finish: a deployment starts a run when a deployed run of `flow` succeeds.
  Graph& trigger_on_finish(std::string flow) {
    flow_->flow_decorators.push_back({"trigger_on_finish", {{"flow", std::move(flow)}}, false});
    return *this;
  }

  Graph& project(std::string name, ProjectSettings settings = {}) {
    DecoratorSpec d{"project", {{"name", std::move(name)}}, false};
    if (!settings.branch.empty()) d.attributes["branch"] = settings.branch;
    if (settings.production) d.attributes["production"] = true;
    flow_->flow_decorators.push_back(std::move(d));
    return *this;
  }

 private:
  StepBuilder<F> add(std::string name, bool is_join,
                     std::function<void(FlowBase&, const InputsBase*)> body,
                     const std::source_location& where) {
    for (const auto& s : flow_->steps) {
      if (s.name == name) {
        flow_->declaration_errors.push_back("step '" + name + "' is declared twice");
      }
    }
    StepDescription s;
    s.name = std::move(name);
    s.is_join = is_join;
    s.body = std::move(body);
    s.location = {where.file_name(), static_cast<int>(where.line())};
    flow_->steps.push_back(std::move(s));
    return StepBuilder<F>(flow_, flow_->steps.size() - 1, prototype_);
  }

  FlowDescription* flow_;
  const F* prototype_;
};

}  // namespace conflux
