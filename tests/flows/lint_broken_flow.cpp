// A flow that breaks lint rules: a split that is never joined, and an orphan step.
#include <conflux/conflux.hpp>

class BrokenFlow : public conflux::FlowSpec<BrokenFlow> {
 public:
  void start() {}
  void a() {}
  void b() {}
  void orphan() {}
  void end() {}
  static void graph(conflux::Graph<BrokenFlow>& g) {
    g.step("start", &BrokenFlow::start).next("a", "b");
    g.step("a", &BrokenFlow::a).next("end");
    g.step("b", &BrokenFlow::b).next("end");
    g.step("orphan", &BrokenFlow::orphan).next("end");
    g.step("end", &BrokenFlow::end);
  }
};

CONFLUX_FLOW(BrokenFlow)
