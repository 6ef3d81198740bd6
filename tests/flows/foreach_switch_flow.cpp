// A switch inside a foreach body: each element goes one of two ways by its parity, and the
// branches meet at the body's last step before the join.
#include <conflux/conflux.hpp>

#include <iostream>

class ForeachSwitchFlow : public conflux::FlowSpec<ForeachSwitchFlow> {
 public:
  conflux::Artifact<std::vector<int64_t>> items{this, "items"};
  conflux::Artifact<int64_t> value{this, "value"};
  conflux::Artifact<std::string> parity{this, "parity"};
  conflux::Artifact<int64_t> total{this, "total"};

  void start() { items = {1, 2, 3, 4, 5}; }
  void route() {
    value = input<int64_t>();
    parity = *value % 2 == 0 ? "even" : "odd";
  }
  void twice() { value = *value * 2; }
  void thrice() { value = *value * 3; }
  void collect() { value = *value + 100; }
  void join(const conflux::Inputs<ForeachSwitchFlow>& inputs) {
    total = 0;
    for (const ForeachSwitchFlow& in : inputs) total = *total + *in.value;
  }
  void end() { std::cout << "total " << *total << "\n"; }

  static void graph(conflux::Graph<ForeachSwitchFlow>& g) {
    g.step("start", &ForeachSwitchFlow::start).foreach_(&ForeachSwitchFlow::items, "route");
    g.step("route", &ForeachSwitchFlow::route)
        .switch_(&ForeachSwitchFlow::parity, {{"even", "twice"}, {"odd", "thrice"}});
    g.step("twice", &ForeachSwitchFlow::twice).next("collect");
    g.step("thrice", &ForeachSwitchFlow::thrice).next("collect");
    g.step("collect", &ForeachSwitchFlow::collect).next("join");
    g.join("join", &ForeachSwitchFlow::join).next("end");
    g.step("end", &ForeachSwitchFlow::end);
  }
};

CONFLUX_FLOW(ForeachSwitchFlow)
