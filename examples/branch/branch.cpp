// branch: a static split into two branches that run in parallel, and a join that reads each
// branch by name and merges the artifacts both branches agree on (merge_artifacts).
#include <conflux/conflux.hpp>

#include <iostream>

class BranchFlow : public conflux::FlowSpec<BranchFlow> {
 public:
  conflux::Artifact<std::string> common{this, "common"};
  conflux::Artifact<int64_t> from_a{this, "from_a"};
  conflux::Artifact<int64_t> from_b{this, "from_b"};
  conflux::Artifact<int64_t> total{this, "total"};

  void start() { common = "shared by both branches"; }
  void a() { from_a = 1; }
  void b() { from_b = 2; }
  void join(const conflux::Inputs<BranchFlow>& inputs) {
    total = *inputs.step("a").from_a + *inputs.step("b").from_b;
    merge_artifacts(inputs, {.exclude = {"from_a", "from_b"}});
  }
  void end() { std::cout << *common << ": total " << *total << "\n"; }

  static void graph(conflux::Graph<BranchFlow>& g) {
    g.doc("Split into two branches and join them.");
    g.step("start", &BranchFlow::start).doc("Set a value both branches see.").next("a", "b");
    g.step("a", &BranchFlow::a).doc("Branch a: contribute 1.").next("join");
    g.step("b", &BranchFlow::b).doc("Branch b: contribute 2.").next("join");
    g.join("join", &BranchFlow::join).doc("Add up what the branches contributed.").next("end");
    g.step("end", &BranchFlow::end).doc("Print the total.");
  }
};

CONFLUX_FLOW(BranchFlow)
