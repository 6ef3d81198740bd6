// hello: the smallest flow. Two steps, one artifact, a linear transition.
//
//   ./build/examples/hello show
//   ./build/examples/hello run
#include <conflux/conflux.hpp>

#include <iostream>

class HelloFlow : public conflux::FlowSpec<HelloFlow> {
 public:
  conflux::Artifact<std::string> message{this, "message"};

  void start() { message = "Hello from Conflux"; }
  void end() { std::cout << *message << "\n"; }

  static void graph(conflux::Graph<HelloFlow>& g) {
    g.doc("A flow where Conflux says hi.");
    g.step("start", &HelloFlow::start).doc("Store a message.").next("end");
    g.step("end", &HelloFlow::end).doc("Print it.");
  }
};

CONFLUX_FLOW(HelloFlow)
