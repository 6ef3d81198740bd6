// switch_loop: a switch picks the next step from an artifact's value. Here the `train` step
// loops back to itself until the loss is small enough, then goes on to `end`.
#include <conflux/conflux.hpp>

#include <iostream>

class SwitchLoopFlow : public conflux::FlowSpec<SwitchLoopFlow> {
 public:
  conflux::Parameter<double> target{this, "target", 0.1, "stop when the loss is below this"};
  conflux::Artifact<double> loss{this, "loss"};
  conflux::Artifact<int64_t> epochs{this, "epochs"};
  conflux::Artifact<std::string> status{this, "status"};

  void start() {
    loss = 1.0;
    epochs = 0;
  }
  void train() {
    loss = *loss / 2;
    epochs = *epochs + 1;
    status = *loss < *target ? "done" : "again";
  }
  void end() { std::cout << "trained for " << *epochs << " epochs, loss " << *loss << "\n"; }

  static void graph(conflux::Graph<SwitchLoopFlow>& g) {
    g.doc("Train until the loss is below the target: a switch that loops.");
    g.step("start", &SwitchLoopFlow::start).doc("Start from a high loss.").next("train");
    g.step("train", &SwitchLoopFlow::train)
        .doc("One epoch; loop back until the loss is below the target.")
        .switch_(&SwitchLoopFlow::status, {{"again", "train"}, {"done", "end"}});
    g.step("end", &SwitchLoopFlow::end).doc("Print how training went.");
  }
};

CONFLUX_FLOW(SwitchLoopFlow)
