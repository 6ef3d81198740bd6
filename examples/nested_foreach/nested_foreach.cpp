// nested_foreach: a foreach inside a foreach. Each inner task sees the whole foreach stack
// (outer and inner frames); the inner join closes the inner fan-out, the outer join the outer.
#include <conflux/conflux.hpp>

#include <iostream>

class NestedForeachFlow : public conflux::FlowSpec<NestedForeachFlow> {
 public:
  conflux::Artifact<std::vector<std::string>> letters{this, "letters"};
  conflux::Artifact<std::vector<int64_t>> numbers{this, "numbers"};
  conflux::Artifact<std::string> label{this, "label"};
  conflux::Artifact<std::vector<std::string>> labels{this, "labels"};

  void start() { letters = {"x", "y"}; }
  void outer() { numbers = {1, 2}; }
  void inner() {
    // foreach_stack().front() is the outer frame: its value is this task's letter.
    label = foreach_stack().front().value + std::to_string(input<int64_t>());
  }
  void inner_join(const conflux::Inputs<NestedForeachFlow>& inputs) {
    for (const auto& in : inputs) labels->push_back(*in.label);
  }
  void outer_join(const conflux::Inputs<NestedForeachFlow>& inputs) {
    for (const auto& in : inputs) labels->insert(labels->end(), in.labels->begin(), in.labels->end());
  }
  void end() {
    for (const auto& l : *labels) std::cout << l << "\n";
  }

  static void graph(conflux::Graph<NestedForeachFlow>& g) {
    g.doc("Outer foreach over 2 letters, inner foreach over 2 numbers (4 leaf tasks).");
    g.step("start", &NestedForeachFlow::start)
        .doc("Fan out over the letters.")
        .foreach_(&NestedForeachFlow::letters, "outer");
    g.step("outer", &NestedForeachFlow::outer)
        .doc("For one letter, fan out over the numbers.")
        .foreach_(&NestedForeachFlow::numbers, "inner");
    g.step("inner", &NestedForeachFlow::inner).doc("Label one (letter, number) pair.").next("inner_join");
    g.join("inner_join", &NestedForeachFlow::inner_join).doc("Collect the labels of one letter.").next("outer_join");
    g.join("outer_join", &NestedForeachFlow::outer_join).doc("Collect the labels of every letter.").next("end");
    g.step("end", &NestedForeachFlow::end).doc("Print the labels.");
  }
};

CONFLUX_FLOW(NestedForeachFlow)
