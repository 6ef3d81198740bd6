// EXPECT: a join step must take its inputs
#include <conflux/conflux.hpp>
struct BadFlow : conflux::FlowSpec<BadFlow> {
  void start() {}
  void join() {}
  void end() {}
  static void graph(conflux::Graph<BadFlow>& g) {
    g.step("start", &BadFlow::start).next("end");
    g.join("join", &BadFlow::join).next("end");
    g.step("end", &BadFlow::end);
  }
};
CONFLUX_FLOW(BadFlow)
