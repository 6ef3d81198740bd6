// A flow class whose graph() is a function set by each test case, for the deployment compilers'
// unit tests: each case declares a graph in a few lines over the same step bodies.
#pragma once

#include <conflux/conflux.hpp>

namespace conflux::testing {

template <int kId>
struct DeployTestFlow : conflux::FlowSpec<DeployTestFlow<kId>> {
  conflux::Parameter<int64_t> width{this, "width", 3, "how wide"};
  conflux::Artifact<std::vector<int64_t>> items{this, "items"};
  conflux::Artifact<std::vector<int64_t>> inner{this, "inner"};
  conflux::Artifact<std::string> choice{this, "choice"};
  void step_fn() {}
  void join_fn(const conflux::Inputs<DeployTestFlow>&) {}
  static void (*declare)(conflux::Graph<DeployTestFlow>&);
  static void graph(conflux::Graph<DeployTestFlow>& g) { declare(g); }
};
template <int kId>
void (*DeployTestFlow<kId>::declare)(conflux::Graph<DeployTestFlow<kId>>&) = nullptr;

}  // namespace conflux::testing
