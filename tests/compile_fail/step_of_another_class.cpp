// EXPECT: a step must be a member function of this flow class
#include <conflux/conflux.hpp>
struct Other {
  void start() {}
};
struct BadFlow : conflux::FlowSpec<BadFlow> {
  void end() {}
  static void graph(conflux::Graph<BadFlow>& g) {
    g.step("start", &Other::start).next("end");
    g.step("end", &BadFlow::end);
  }
};
CONFLUX_FLOW(BadFlow)
