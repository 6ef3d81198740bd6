// EXPECT: T must be bool, int64_t, double, std::string
#include <conflux/conflux.hpp>
struct BadFlow : conflux::FlowSpec<BadFlow> {
  conflux::Parameter<float> rate{this, "rate", 1.0f, "a float is not a parameter type"};
  void start() {}
  void end() {}
  static void graph(conflux::Graph<BadFlow>& g) {
    g.step("start", &BadFlow::start).next("end");
    g.step("end", &BadFlow::end);
  }
};
CONFLUX_FLOW(BadFlow)
