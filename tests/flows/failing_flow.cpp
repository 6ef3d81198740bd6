// A flow whose middle step misbehaves on request (--mode): throw, abort, segfault, sleep, exit
// with 202, or succeed. Used by the runtime's failure tests.
#include <conflux/conflux.hpp>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <thread>

class FailingFlow : public conflux::FlowSpec<FailingFlow> {
 public:
  conflux::Parameter<std::string> mode{this, "mode", "ok", "throw, env, abort, segfault, sleep, sleep_env, exit202 or ok"};
  conflux::Parameter<int64_t> sleep_seconds{this, "sleep_seconds", 30, "how long `sleep` sleeps"};
  conflux::Artifact<std::vector<int64_t>> items{this, "items"};
  conflux::Artifact<int64_t> value{this, "value"};

  void start() { items = {1, 2, 3}; }
  void work() {
    std::cout << "working on " << input<int64_t>() << std::endl;
    if (*mode == "throw" && index() == 1) throw std::runtime_error("deliberate failure in work");
    // Fails while FAILING_FLOW_BREAK is set: lets a test fix the failure and resume.
    const char* broken = std::getenv("FAILING_FLOW_BREAK");
    if (*mode == "env" && index() == 1 && broken && *broken) throw std::runtime_error("broken by environment");
    if (*mode == "abort" && index() == 1) std::abort();
    if (*mode == "segfault" && index() == 1) std::raise(SIGSEGV);
    if (*mode == "exit202" && index() == 1) std::exit(202);
    // No flush: the runtime must show the line while the task still runs.
    if (*mode == "sleep") std::cout << "sleeping now\n";
    if (*mode == "sleep") std::this_thread::sleep_for(std::chrono::seconds(*sleep_seconds));
    // Sleeps only while FAILING_FLOW_SLEEP is set: a test kills the run, then resumes it.
    const char* sleepy = std::getenv("FAILING_FLOW_SLEEP");
    if (*mode == "sleep_env" && index() > 0 && sleepy && *sleepy) {
      std::this_thread::sleep_for(std::chrono::seconds(*sleep_seconds));
    }
    value = input<int64_t>();
  }
  void join(const conflux::Inputs<FailingFlow>& inputs) {
    value = 0;
    for (const auto& in : inputs) *value += *in.value;
  }
  void end() { std::cout << "sum " << *value << "\n"; }

  static void graph(conflux::Graph<FailingFlow>& g) {
    g.step("start", &FailingFlow::start).foreach_(&FailingFlow::items, "work");
    g.step("work", &FailingFlow::work).next("join");
    g.join("join", &FailingFlow::join).next("end");
    g.step("end", &FailingFlow::end);
  }
};

CONFLUX_FLOW(FailingFlow)
