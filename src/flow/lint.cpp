#include "flow/lint.hpp"

#include <algorithm>
#include <functional>
#include <regex>
#include <set>

#include "conflux/parameter.hpp"
#include "flow/decorators.hpp"
#include "flow/schedule.hpp"

namespace conflux {

namespace {

class Linter {
 public:
  explicit Linter(const FlowGraph& graph) : graph_(graph) {}

  void add(std::string rule, std::vector<std::string> steps, std::string message) {
    LintProblem p;
    p.rule = std::move(rule);
    p.steps = std::move(steps);
    p.message = std::move(message);
    if (!p.steps.empty()) {
      if (const GraphNode* node = graph_.find(p.steps.front())) p.location = node->step->location;
    }
    problems_.push_back(std::move(p));
  }

  std::vector<LintProblem> take() { return std::move(problems_); }
  const FlowGraph& graph() const { return graph_; }

 private:
  const FlowGraph& graph_;
  std::vector<LintProblem> problems_;
};

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

void check_declarations(Linter& lint) {
  for (const std::string& error : lint.graph().flow().declaration_errors) {
    lint.add("check_declarations", {}, error);
  }
}

void check_reserved_words(Linter& lint) {
  static const std::set<std::string> reserved = {"name", "next", "input", "index", "cmd"};
  for (const GraphNode& node : lint.graph().nodes()) {
    if (reserved.count(node.name)) {
      lint.add("check_reserved_words", {node.name},
               "Step name " + node.name + " is a reserved word. Choose another name for the step.");
    }
  }
}

void check_basic_steps(Linter& lint) {
  for (const char* name : {"start", "end"}) {
    if (!lint.graph().contains(name)) {
      lint.add("check_basic_steps", {},
               std::string("Your flow must have exactly one ") + name + " step. Name a step '" + name +
                   "' in graph().");
    }
  }
}

void check_start_end_degree(Linter& lint) {
  const GraphNode* start = lint.graph().find("start");
  if (start) {
    for (const GraphNode& node : lint.graph().nodes()) {
      if (std::count(node.out_funcs.begin(), node.out_funcs.end(), "start")) {
        lint.add("check_start_end_degree", {"start", node.name},
                 "The start step start has incoming transitions from " + node.name +
                     ". A start step must have no incoming transitions.");
      }
    }
  }
}

void check_that_end_is_end(Linter& lint) {
  const GraphNode* end = lint.graph().find("end");
  if (!end) return;
  if (end->step->transition != TransitionKind::kNone) {
    lint.add("check_that_end_is_end", {"end"},
             "The terminal step end should not have a transition (next, foreach_ or switch_). Just "
             "remove it.");
  }
  if (end->step->is_join) {
    lint.add("check_that_end_is_end", {"end"},
             "The terminal step end should not be a join step (declared with g.join). Add a join "
             "step before it.");
  }
}

void check_step_names(Linter& lint) {
  static const std::regex valid("[a-z0-9_]+");
  for (const GraphNode& node : lint.graph().nodes()) {
    if (!std::regex_match(node.name, valid) || node.name.front() == '_') {
      lint.add("check_step_names", {node.name},
               "Step " + node.name + " has an invalid name. Only lowercase ascii characters, "
               "underscores, and digits are allowed, and it must not start with '_'.");
    }
  }
}

void check_join_is_not_split(Linter& lint) {
  for (const GraphNode& node : lint.graph().nodes()) {
    const StepDescription& s = *node.step;
    bool splits = s.transition == TransitionKind::kBranch || s.transition == TransitionKind::kForeach ||
                  s.transition == TransitionKind::kSwitch;
    if (s.is_join && splits) {
      lint.add("check_num_args", {node.name},
               "Step " + node.name + " is both a join step (it takes inputs) and a split step (it "
               "transitions to multiple steps). This is not allowed. Add a new step so that split "
               "and join become separate steps.");
    }
  }
}

void check_static_transitions(Linter& lint) {
  for (const GraphNode& node : lint.graph().nodes()) {
    if (node.name != "end" && node.step->transition == TransitionKind::kNone) {
      lint.add("check_static_transitions", {node.name},
               "Step " + node.name + " is missing a transition to the next step. Add .next(...), "
               ".foreach_(...) or .switch_(...) to its declaration in graph().");
    }
  }
}

void check_valid_transitions(Linter& lint) {
  for (const GraphNode& node : lint.graph().nodes()) {
    const StepDescription& s = *node.step;
    for (const std::string& target : s.next) {
      if (target.empty()) {
        lint.add("check_valid_transitions", {node.name},
                 "Step '" + node.name + "' has a transition to an empty step name.");
      }
    }
    if (s.transition == TransitionKind::kBranch) {
      std::set<std::string> unique(s.next.begin(), s.next.end());
      if (unique.size() != s.next.size()) {
        lint.add("check_valid_transitions", {node.name},
                 "Step '" + node.name + "' branches to the same step more than once: " +
                     join_names(s.next) + ".");
      }
    }
    if (s.transition == TransitionKind::kSwitch) {
      std::set<std::string> keys;
      for (const auto& [key, target] : s.switch_cases) {
        if (!keys.insert(key).second) {
          lint.add("check_valid_transitions", {node.name},
                   "Step '" + node.name + "' has the switch case '" + key + "' twice.");
        }
      }
    }
  }
}

void check_unknown_transitions(Linter& lint) {
  for (const GraphNode& node : lint.graph().nodes()) {
    for (const std::string& target : node.out_funcs) {
      if (!target.empty() && !lint.graph().contains(target)) {
        lint.add("check_unknown_transitions", {node.name, target},
                 "Step " + node.name + " specifies a transition to an unknown step, " + target + ".");
      }
    }
  }
}

void check_for_acyclicity(Linter& lint) {
  const FlowGraph& graph = lint.graph();
  std::set<std::string> reported;
  std::function<void(const std::string&, std::vector<std::string>)> walk =
      [&](const std::string& name, std::vector<std::string> path) {
        const GraphNode* node = graph.find(name);
        if (!node) return;
        for (const std::string& child : node->out_funcs) {
          // A switch step may loop back to itself: Metaflow's recursive step.
          if (child == name && node->type == NodeType::kSwitch) continue;
          auto it = std::find(path.begin(), path.end(), child);
          if (it != path.end()) {
            std::vector<std::string> loop(it, path.end());
            loop.push_back(child);
            std::string key = join_names(loop);
            if (reported.insert(key).second) {
              std::string shown;
              for (const auto& n : loop) shown += (shown.empty() ? "" : " -> ") + n;
              lint.add("check_for_acyclicity", std::vector<std::string>(it, path.end()),
                       "There is a loop in your flow: " + shown +
                           ". Break the loop by fixing transitions (only a switch step may "
                           "loop, back to itself).");
            }
            continue;
          }
          auto next_path = path;
          next_path.push_back(child);
          walk(child, std::move(next_path));
        }
      };
  if (graph.contains("start")) walk("start", {"start"});
}

void check_for_orphans(Linter& lint) {
  if (!lint.graph().contains("start")) return;
  for (const GraphNode& node : lint.graph().nodes()) {
    if (!node.reachable) {
      lint.add("check_for_orphans", {node.name},
               "Step " + node.name + " is unreachable from the entry step start. Add a transition "
               "to " + node.name + " in another step or remove " + node.name + ".");
    }
  }
}

void check_split_join_balance(Linter& lint) {
  const FlowGraph& graph = lint.graph();
  if (!graph.contains("start")) return;
  auto parents_of = [&](const std::string& name) {
    const GraphNode& n = graph.node(name);
    std::vector<std::string> parents = n.split_parents;
    if (n.type == NodeType::kJoin && !parents.empty()) parents.pop_back();
    return parents;
  };
  std::set<std::string> reported;
  auto report = [&](std::string steps_key, std::vector<std::string> steps, std::string message) {
    if (reported.insert(steps_key + message).second) {
      lint.add("check_split_join_balance", std::move(steps), std::move(message));
    }
  };
  // Walk every path from start with the stack of open splits, as Metaflow does.
  std::function<void(const std::string&, std::vector<std::pair<std::string, std::vector<std::string>>>,
                     std::set<std::string>)>
      walk = [&](const std::string& name, auto stack, std::set<std::string> on_path) {
        const GraphNode* node = graph.find(name);
        if (!node || on_path.count(name)) return;
        on_path.insert(name);
        auto next_stack = stack;
        switch (node->type) {
          case NodeType::kSplit:
          case NodeType::kForeach:
            next_stack.push_back({name, node->out_funcs});
            break;
          case NodeType::kEnd:
            if (!stack.empty()) {
              report("end", {"end", stack.back().first},
                     "The end step is reached before the split at step '" + stack.back().first +
                         "' (branches: " + join_names(stack.back().second) +
                         ") was joined. Add a join step before end.");
            }
            return;
          case NodeType::kJoin: {
            if (stack.empty()) {
              report(name, {name},
                     "Step '" + name + "' is a join step (it takes inputs) but no split precedes "
                     "it. Every join needs a matching split.");
              return;
            }
            const auto& [split, roots] = stack.back();
            next_stack.pop_back();
            if (node->in_funcs.size() != roots.size()) {
              report(name, {name, split},
                     "Step '" + name + "' is a join step but " + std::to_string(node->in_funcs.size()) +
                         " step(s) lead to it (" + join_names(node->in_funcs) + "); it should join the " +
                         std::to_string(roots.size()) + " branch(es) of the split at '" + split +
                         "' (" + join_names(roots) + ").");
              return;
            }
            std::vector<std::string> first = parents_of(node->in_funcs.front());
            for (const std::string& in : node->in_funcs) {
              if (parents_of(in) != first) {
                report(name, {name},
                       "Step '" + name + "' joins steps from unrelated splits (" +
                           join_names(node->in_funcs) + "). Every split needs its own join.");
                return;
              }
            }
            break;
          }
          default:
            break;
        }
        for (const std::string& child : node->out_funcs) {
          if (child != name) walk(child, next_stack, on_path);
        }
      };
  walk("start", {}, {});
}

void check_switch_splits(Linter& lint) {
  for (const GraphNode& node : lint.graph().nodes()) {
    const StepDescription& s = *node.step;
    if (s.transition != TransitionKind::kSwitch) continue;
    if (s.switch_cases.size() < 2) {
      lint.add("check_switch_splits", {node.name},
               "Switch step '" + node.name + "' has " + std::to_string(s.switch_cases.size()) +
                   " case(s); a switch needs at least 2.");
    }
    if (s.condition_var.empty()) {
      lint.add("check_switch_splits", {node.name},
               "Switch step '" + node.name + "' has no condition artifact.");
    }
  }
}

void check_empty_foreaches(Linter& lint) {
  for (const GraphNode& node : lint.graph().nodes()) {
    if (node.type != NodeType::kForeach) continue;
    for (const std::string& child : node.out_funcs) {
      const GraphNode* c = lint.graph().find(child);
      if (c && c->type == NodeType::kJoin) {
        lint.add("check_empty_foreaches", {node.name, child},
                 "Foreach step '" + node.name + "' transitions directly to the join '" + child +
                     "'. Add at least one step between the foreach and its join.");
      }
    }
  }
}

void check_ambiguous_joins(Linter& lint) {
  for (const GraphNode& node : lint.graph().nodes()) {
    if (node.type != NodeType::kSwitch) continue;
    for (const std::string& child : node.out_funcs) {
      const GraphNode* c = lint.graph().find(child);
      if (c && c->type == NodeType::kJoin) {
        lint.add("check_ambiguous_joins", {node.name, child},
                 "Switch step '" + node.name + "' goes directly to the join step '" + child +
                     "'. A join cannot tell which inputs to wait for after a switch: add a step "
                     "between them.");
      }
    }
  }
}

void check_decorators(Linter& lint) {
  for (const GraphNode& node : lint.graph().nodes()) {
    bool is_split = node.type == NodeType::kForeach || node.type == NodeType::kSwitch;
    for (const DecoratorSpec& d : node.step->decorators) {
      Status s = validate_decorator(*node.step, d, is_split);
      if (!s.ok()) lint.add("check_decorators", {node.name}, s.message());
    }
  }
  for (const DecoratorSpec& d : lint.graph().flow().flow_decorators) {
    if (d.name == "schedule") {
      auto cron = normalize_cron(d.attributes.value("cron", ""));
      if (!cron.ok()) lint.add("check_decorators", {}, "@schedule: " + cron.status().message());
      std::string tz = d.attributes.value("timezone", "");
      static const std::regex iana("[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*");
      if (d.attributes.contains("timezone") && !std::regex_match(tz, iana)) {
        lint.add("check_decorators", {}, "@schedule: timezone '" + tz + "' is not an IANA time zone name such as Europe/Paris");
      }
    }
    if ((d.name == "trigger" && d.attributes.value("event", "").empty()) ||
        (d.name == "trigger_on_finish" && d.attributes.value("flow", "").empty())) {
      lint.add("check_decorators", {}, "@" + d.name + " needs " + (d.name == "trigger" ? "an event name" : "a flow name"));
    }
    if (d.name == "project") {
      static const std::regex valid("[a-z0-9_]{1,128}");
      std::string name = d.attributes.value("name", "");
      if (!std::regex_match(name, valid)) {
        lint.add("check_decorators", {},
                 "@project name '" + name + "' is invalid: use 1-128 lowercase letters, digits "
                 "and underscores.");
      }
    }
  }
}

void check_parameters(Linter& lint) {
  // Names the flow's command line already uses (Metaflow's reserved parameter names).
  static const std::set<std::string> reserved = {
      "params", "with", "tag", "namespace", "obj", "tags", "decospecs", "run-id-file",
      "max-num-splits", "max-workers", "max-log-size", "user-namespace", "run-id", "task-id",
      "runner-attribute-file", "help", "origin-run-id", "metadata", "datastore", "branch", "production",
      "allow-parameter-changes"};
  static const std::regex valid("[A-Za-z][A-Za-z0-9_-]*");
  const FlowDescription& flow = lint.graph().flow();
  std::set<std::string> seen;
  for (const ParameterDescription& p : flow.parameters) {
    std::string dashed = p.name;
    std::replace(dashed.begin(), dashed.end(), '_', '-');
    std::string lower = dashed;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (!std::regex_match(p.name, valid)) {
      lint.add("check_parameters", {}, "Parameter '" + p.name + "' has an invalid name: use letters, "
               "digits, '_' and '-', starting with a letter.");
    }
    if (reserved.count(lower)) {
      lint.add("check_parameters", {}, "Parameter name '" + p.name + "' is reserved by the command "
               "line. Choose another name.");
    }
    if (!seen.insert(lower).second) {
      lint.add("check_parameters", {}, "Parameter '" + p.name + "' is declared twice (names are "
               "case-insensitive).");
    }
    if (p.required && p.default_value) {
      lint.add("check_parameters", {}, "Parameter '" + p.name + "' is required but has a default; "
               "drop one of the two.");
    }
    if (!p.choices.empty() && (p.type == ParameterType::kBool || p.type == ParameterType::kJson)) {
      lint.add("check_parameters", {}, "Parameter '" + p.name + "' has choices, but only text, number and "
               "list parameters can have them.");
    } else if (p.default_value) {
      Status in_choices = detail::check_parameter_choice(p, *p.default_value);
      if (!in_choices.ok()) {
        lint.add("check_parameters", {}, "Parameter '" + p.name + "': its default " +
                 (p.default_value->is_string() ? "'" + p.default_value->get<std::string>() + "'"
                                               : p.default_value->dump()) +
                 " is not one of its choices (" + detail::choices_text(p.choices) + ").");
      }
    }
  }
  for (const ConfigDescription& c : flow.configs) {
    if (!std::regex_match(c.name, valid)) {
      lint.add("check_parameters", {}, "Config '" + c.name + "' has an invalid name: use letters, "
               "digits, '_' and '-', starting with a letter.");
    }
    if (!seen.insert(c.name).second) {
      lint.add("check_parameters", {}, "Config '" + c.name + "' has the name of another config or parameter.");
    }
    if (c.required && (c.default_value || !c.default_path.empty())) {
      lint.add("check_parameters", {}, "Config '" + c.name + "' is required but has a default; drop one of the two.");
    }
  }
  std::set<std::string> artifacts;
  for (const std::string& a : flow.artifact_names) {
    if (!artifacts.insert(a).second) {
      lint.add("check_artifacts", {}, "Artifact '" + a + "' is declared twice.");
    }
    if (seen.count(a)) {
      lint.add("check_artifacts", {}, "'" + a + "' is both a parameter (or config) and an artifact.");
    }
    if (a.empty() || a.front() == '_' || !std::regex_match(a, std::regex("[A-Za-z0-9_]+"))) {
      lint.add("check_artifacts", {}, "Artifact '" + a + "' has an invalid name: use letters, "
               "digits and underscores, not starting with '_'.");
    }
  }
}

}  // namespace

std::vector<LintProblem> lint_flow(const FlowGraph& graph) {
  Linter lint(graph);
  check_declarations(lint);
  check_reserved_words(lint);
  check_basic_steps(lint);
  check_start_end_degree(lint);
  check_that_end_is_end(lint);
  check_step_names(lint);
  check_join_is_not_split(lint);
  check_static_transitions(lint);
  check_valid_transitions(lint);
  check_unknown_transitions(lint);
  check_for_acyclicity(lint);
  check_for_orphans(lint);
  check_split_join_balance(lint);
  check_switch_splits(lint);
  check_empty_foreaches(lint);
  check_ambiguous_joins(lint);
  check_decorators(lint);
  check_parameters(lint);
  return lint.take();
}

std::string format_problem(const LintProblem& problem) {
  std::string out;
  if (problem.location.line > 0) {
    out += problem.location.file + ":" + std::to_string(problem.location.line) + ": ";
  }
  out += problem.message + " [" + problem.rule + "]";
  return out;
}

}  // namespace conflux
