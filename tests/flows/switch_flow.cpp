// A switch whose branches are chains of steps that meet again: `route` picks the small path (two
// steps) or the large one (one step) from --size; both meet at `finish`.
#include <conflux/conflux.hpp>

#include <iostream>

class SwitchFlow : public conflux::FlowSpec<SwitchFlow> {
 public:
  conflux::Parameter<std::string> size{this, "size", "small", "small or large"};
  conflux::Artifact<std::string> route{this, "route"};
  conflux::Artifact<std::vector<std::string>> visited{this, "visited"};

  void start() {
    route = *size;
    visited->push_back("start");
  }
  void small_a() { visited->push_back("small_a"); }
  void small_b() { visited->push_back("small_b"); }
  void large_a() { visited->push_back("large_a"); }
  void finish() { visited->push_back("finish"); }
  void end() {
    for (const auto& v : *visited) std::cout << v << " ";
    std::cout << "\n";
  }

  static void graph(conflux::Graph<SwitchFlow>& g) {
    g.step("start", &SwitchFlow::start).switch_(&SwitchFlow::route, {{"small", "small_a"}, {"large", "large_a"}});
    g.step("small_a", &SwitchFlow::small_a).next("small_b");
    g.step("small_b", &SwitchFlow::small_b).next("finish");
    g.step("large_a", &SwitchFlow::large_a).next("finish");
    g.step("finish", &SwitchFlow::finish).next("end");
    g.step("end", &SwitchFlow::end);
  }
};

CONFLUX_FLOW(SwitchFlow)
