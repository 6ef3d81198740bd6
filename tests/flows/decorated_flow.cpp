// A linear flow with decorators, for the runtime's decorator tests. --mode picks what `risky`
// and `slow` do: ok, throw, crash, hang, slow.
#include <conflux/conflux.hpp>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <thread>

class DecoratedFlow : public conflux::FlowSpec<DecoratedFlow> {
 public:
  conflux::Parameter<std::string> mode{
      this, "mode", {.default_value = "ok", .help = "what risky does", .choices = {"ok", "throw", "crash", "hang", "slow"}}};
  conflux::Artifact<int64_t> attempts_seen{this, "attempts_seen"};
  conflux::Artifact<std::string> greeting{this, "greeting"};
  conflux::Artifact<std::string> after_risky{this, "after_risky"};

  void start() {}
  // Fails on its first attempt, succeeds on the retry.
  void flaky() {
    std::cout << "flaky attempt " << conflux::current().retry_count << std::endl;
    if (conflux::current().retry_count == 0) throw std::runtime_error("first attempt always fails");
    attempts_seen = conflux::current().retry_count + 1;
  }
  // Reads a variable that @environment sets.
  void configured() {
    const char* value = std::getenv("GREETING");
    greeting = value ? value : "(unset)";
  }
  void risky() {
    if (*mode == "throw") throw std::runtime_error("risky step failed");
    if (*mode == "crash") std::raise(SIGSEGV);
    if (*mode == "hang") std::this_thread::sleep_for(std::chrono::seconds(60));
  }
  void slow() {
    if (*mode == "slow") std::this_thread::sleep_for(std::chrono::seconds(60));
    after_risky = "the flow went on";
  }
  void end() { std::cout << *after_risky << std::endl; }

  static void graph(conflux::Graph<DecoratedFlow>& g) {
    g.step("start", &DecoratedFlow::start).next("flaky");
    g.step("flaky", &DecoratedFlow::flaky).next("configured").retry(2, 0);
    g.step("configured", &DecoratedFlow::configured).next("risky").environment({{"GREETING", "hi there"}});
    g.step("risky", &DecoratedFlow::risky).next("slow").catch_("err").timeout(2).resources({.cpu = 2, .memory = 1024});
    g.step("slow", &DecoratedFlow::slow).next("end").timeout(1);
    g.step("end", &DecoratedFlow::end);
  }
};

CONFLUX_FLOW(DecoratedFlow)
