// EXPECT: declare it with g.join
#include <conflux/conflux.hpp>
struct BadFlow : conflux::FlowSpec<BadFlow> {
  void start() {}
  void join(const conflux::Inputs<BadFlow>&) {}
  void end() {}
  static void graph(conflux::Graph<BadFlow>& g) {
    g.step("start", &BadFlow::start).next("end");
    g.step("join", &BadFlow::join).next("end");
    g.step("end", &BadFlow::end);
  }
};
CONFLUX_FLOW(BadFlow)
