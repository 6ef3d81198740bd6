// FlowSpec<F>: the base class of a flow. A flow is one class: typed Parameter<T> and Artifact<T>
// members, steps as member functions, and a static graph() that declares how steps connect.
//
//   class HelloFlow : public conflux::FlowSpec<HelloFlow> {
//    public:
//     conflux::Artifact<std::string> message{this, "message"};
//     void start() { message = "hello"; }
//     void end() { std::cout << *message << "\n"; }
//     static void graph(conflux::Graph<HelloFlow>& g) {
//       g.step("start", &HelloFlow::start).next("end");
//       g.step("end", &HelloFlow::end);
//     }
//   };
//   CONFLUX_FLOW(HelloFlow)   // defines main(): the binary is the flow's CLI
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "conflux/artifact.hpp"
#include "conflux/config.hpp"
#include "conflux/flow_base.hpp"
#include "conflux/flow_spec_types.hpp"
#include "conflux/graph.hpp"
#include "conflux/inputs.hpp"
#include "conflux/parameter.hpp"

namespace conflux {

template <class F>
class FlowSpec : public FlowBase {
 protected:
  // The item of the foreach this task belongs to, converted to T. Throws ArtifactError outside a
  // foreach, or if the item is not a T.
  template <class T>
  T input() const {
    Result<T> item = Codec<T>::from_value(foreach_input_value());
    if (!item.ok()) throw ArtifactError("foreach input: " + item.status().message());
    return std::move(item).value();
  }

  using FlowBase::foreach_stack;
  using FlowBase::index;

  // Copies into this join step the artifacts its inputs agree on (Metaflow's merge_artifacts):
  // artifacts already set in this step are kept; differing values are an error naming them.
  void merge_artifacts(const Inputs<F>& inputs, const MergeOptions& options = {}) {
    merge_artifacts_impl(inputs.base(), options);
  }
};

// Builds the description of flow class F: runs F::graph() on a default-constructed F.
// Runs no step. A flow with Config members needs their values first: without `configs` the
// description lists only the configs and parameters (with_configs() builds the rest); with them, each
// config is set on every flow object before the graph or a step reads it.
template <class F>
FlowDescription describe_flow(std::string_view name, const ConfigValues* configs = nullptr) {
  static_assert(std::is_base_of_v<FlowSpec<F>, F>,
                "conflux: a flow class must derive from conflux::FlowSpec<itself>");
  static_assert(std::is_default_constructible_v<F>, "conflux: a flow class must be default-constructible");
  FlowDescription description;
  description.name = std::string(name);
  auto prototype = std::make_unique<F>();
  // Configs and parameters do not depend on config values: both passes know them.
  for (ArtifactSlot* slot : prototype->slots()) {
    if (slot->kind() == ArtifactSlot::Kind::kConfig) {
      description.configs.push_back(static_cast<Config*>(slot)->describe());
    } else if (slot->kind() == ArtifactSlot::Kind::kParameter) {
      description.parameters.push_back(static_cast<ParameterSlot*>(slot)->describe());
    }
  }
  description.with_configs = [n = std::string(name)](const ConfigValues& values) {
    return describe_flow<F>(n, &values);
  };
  if (!description.configs.empty() && !configs) return description;
  if (configs) description.config_values = *configs;
  auto set_configs = [values = description.config_values](FlowBase& flow) {
    for (ArtifactSlot* slot : flow.slots()) {
      if (slot->kind() != ArtifactSlot::Kind::kConfig) continue;
      auto it = values.find(slot->name());
      static_cast<Config*>(slot)->set(it != values.end() ? it->second : nlohmann::json());
    }
  };
  set_configs(*prototype);
  Graph<F> graph(&description, prototype.get());
  F::graph(graph);
  for (ArtifactSlot* slot : prototype->slots()) {
    if (slot->kind() == ArtifactSlot::Kind::kArtifact) description.artifact_names.push_back(slot->name());
  }
  description.make_flow = [set_configs] {
    auto flow = std::make_unique<F>();
    set_configs(*flow);
    return std::unique_ptr<FlowBase>(std::move(flow));
  };
  return description;
}

// The flow binary's command line (run, show, check, ...). Defined in src/cli.
int run_flow_cli(const FlowDescription& flow, int argc, char** argv);

}  // namespace conflux

// Defines main() for flow class F: the binary becomes the flow's command line.
#define CONFLUX_FLOW(F)                                                   \
  int main(int argc, char** argv) {                                       \
    return ::conflux::run_flow_cli(::conflux::describe_flow<F>(#F), argc, argv); \
  }
