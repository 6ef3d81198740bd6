// An out-of-tree flow, built with find_package(conflux) and conflux_add_flow().
#include <conflux/conflux.hpp>

#include <iostream>

class MyFlow : public conflux::FlowSpec<MyFlow> {
 public:
  conflux::Parameter<int64_t> n{this, "n", 3, "how many"};
  conflux::Artifact<int64_t> doubled{this, "doubled"};
  void start() { doubled = *n * 2; }
  void end() { std::cout << "doubled " << *doubled << "\n"; }
  static void graph(conflux::Graph<MyFlow>& g) {
    g.doc("A flow built outside the Conflux tree.");
    g.step("start", &MyFlow::start).next("end");
    g.step("end", &MyFlow::end);
  }
};

CONFLUX_FLOW(MyFlow)
