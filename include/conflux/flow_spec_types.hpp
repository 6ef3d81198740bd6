// The type-erased description of a flow: its steps, transitions, decorators and parameters.
//
// Graph<F> (graph.hpp) fills a FlowDescription from a flow class's static graph() declaration;
// everything after that (validation, `show`, the runtime) works on this plain data and never
// needs the user's class. Plain values: safe to share read-only between threads.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "conflux/status.hpp"

namespace conflux {

class FlowBase;
class InputsBase;

// How a step leaves: Metaflow's self.next(...) forms.
enum class TransitionKind {
  kNone,     // no transition declared (only valid for the end step)
  kLinear,   // next("b")
  kBranch,   // next("a", "b", ...): static split
  kForeach,  // foreach_(&F::items, "b")
  kSwitch,   // switch_(&F::choice, {{"x", "a"}, {"y", "b"}})
};

// One decorator occurrence, e.g. retry{times: 2}. Attributes keep declaration order.
struct DecoratorSpec {
  std::string name;
  nlohmann::ordered_json attributes = nlohmann::ordered_json::object();
  bool from_command_line = false;  // attached with --with
};

// Where a declaration was written, for error messages (file:line of the g.step(...) call).
struct SourceLocation {
  std::string file;
  int line = 0;
};

struct StepDescription {
  std::string name;
  std::string doc;
  bool is_join = false;
  TransitionKind transition = TransitionKind::kNone;
  std::vector<std::string> next;  // targets in declaration order (switch: case targets)
  std::string foreach_var;        // kForeach: the artifact iterated over
  std::string condition_var;      // kSwitch: the artifact whose value picks the case
  std::vector<std::pair<std::string, std::string>> switch_cases;  // case value -> step
  std::vector<DecoratorSpec> decorators;
  SourceLocation location;
  // Runs the step on a flow object; `inputs` is non-null only for joins.
  std::function<void(FlowBase&, const InputsBase*)> body;
};

// A parameter's declared type, as Metaflow names it in _graph_info and --help.
enum class ParameterType { kBool, kInt, kFloat, kString, kJson, kStringList };

struct ParameterDescription {
  std::string name;
  ParameterType type = ParameterType::kString;
  std::string help;
  bool required = false;
  std::optional<nlohmann::json> default_value;  // as JSON, for show/help/_graph_info
  std::string separator;                         // kStringList only
  // The values allowed (a JSON array; empty: any). For a list, each item must be one of them.
  nlohmann::json choices = nlohmann::json::array();
};

// How a config file is read: kAuto picks TOML for a ".toml" file and JSON otherwise.
enum class ConfigFormat { kAuto, kJson, kToml };

struct ConfigDescription {
  std::string name;
  std::string help;
  std::string default_path;
  std::optional<nlohmann::json> default_value;
  bool required = false;
  ConfigFormat format = ConfigFormat::kAuto;
};

// Config values by name, as resolved when a run starts.
using ConfigValues = std::map<std::string, nlohmann::json>;

struct FlowDescription {
  std::string name;  // the class name: Metaflow's flow name
  std::string doc;
  SourceLocation location;
  std::vector<StepDescription> steps;  // in declaration order
  std::vector<DecoratorSpec> flow_decorators;  // e.g. project{name}
  std::vector<ParameterDescription> parameters;
  std::vector<ConfigDescription> configs;      // every Config member, in declaration order
  std::vector<std::string> artifact_names;     // every Artifact<T> member, in declaration order
  // Mistakes found while the graph was declared (a step declared twice, next() called twice, ...).
  std::vector<std::string> declaration_errors;
  // Creates a fresh flow object (default state, configs set). Never null for a real flow.
  std::function<std::unique_ptr<FlowBase>()> make_flow;
  // A flow with configs is described in two passes: the first knows only `configs` (no steps:
  // the graph may read them); this builds the whole description with the configs' values.
  std::function<FlowDescription(const ConfigValues&)> with_configs;
  ConfigValues config_values;  // the values this description was built with

  const StepDescription* find_step(std::string_view step_name) const;
};

std::string_view parameter_type_name(ParameterType type);

}  // namespace conflux
