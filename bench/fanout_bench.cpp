// FanoutBench: the runtime's per-task overhead. A foreach over n items, a trivial step per item,
// a join that sums, an end step.
#include <conflux/conflux.hpp>

#include <iostream>
#include <numeric>

class FanoutBench : public conflux::FlowSpec<FanoutBench> {
 public:
  conflux::Parameter<int64_t> n{this, "n", 100, "how many foreach tasks"};
  conflux::Artifact<std::vector<int64_t>> items{this, "items"};
  conflux::Artifact<int64_t> value{this, "value"};
  conflux::Artifact<int64_t> total{this, "total"};

  void start() {
    items->resize(static_cast<size_t>(*n));
    std::iota(items->begin(), items->end(), 0);
  }
  void work() { value = input<int64_t>() * 2; }
  void join(const conflux::Inputs<FanoutBench>& inputs) {
    total = 0;
    for (const auto& in : inputs) *total += *in.value;
  }
  void end() {
    int64_t expected = *n * (*n - 1);
    if (*total != expected) throw std::runtime_error("wrong total " + std::to_string(*total));
    std::cout << "total " << *total << "\n";
  }

  static void graph(conflux::Graph<FanoutBench>& g) {
    g.doc("Foreach over n items with a trivial step: measures per-task overhead.");
    g.step("start", &FanoutBench::start).foreach_(&FanoutBench::items, "work");
    g.step("work", &FanoutBench::work).next("join");
    g.join("join", &FanoutBench::join).next("end");
    g.step("end", &FanoutBench::end);
  }
};

CONFLUX_FLOW(FanoutBench)
