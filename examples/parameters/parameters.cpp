// parameters: typed run options. Each parameter is `--<name>` on `run`, validated before the
// run starts, and readable (not writable) in every step.
//
//   ./build/examples/parameters run --region eu --alpha 0.5 --config '{"depth": 3}' --files a,b
#include <conflux/conflux.hpp>

#include <iostream>

class ParameterFlow : public conflux::FlowSpec<ParameterFlow> {
 public:
  conflux::Parameter<std::string> region{this, "region", {.help = "where to run", .required = true}};
  conflux::Parameter<int64_t> count{this, "count", 3, "how many items"};
  conflux::Parameter<double> alpha{this, "alpha", 0.01, "learning rate"};
  conflux::Parameter<bool> verbose{this, "verbose", false, "print more"};
  conflux::Parameter<nlohmann::json> config{this, "config", nlohmann::json{{"depth", 2}}, "model settings"};
  conflux::Parameter<std::vector<std::string>> files{
      this, "files", {.default_value = std::vector<std::string>{"a.csv"}, .help = "input files", .separator = ","}};
  conflux::Artifact<std::string> summary{this, "summary"};

  void start() {
    summary = *region + ": " + std::to_string(*count) + " items, alpha " + std::to_string(*alpha) +
              ", depth " + config->at("depth").dump() + ", " + std::to_string(files->size()) + " file(s)";
    if (*verbose) std::cout << "verbose mode\n";
  }
  void end() { std::cout << *summary << "\n"; }

  static void graph(conflux::Graph<ParameterFlow>& g) {
    g.doc("Typed parameters: string (required), int, float, bool, JSON and a list.");
    g.step("start", &ParameterFlow::start).doc("Summarize the parameters.").next("end");
    g.step("end", &ParameterFlow::end).doc("Print the summary.");
  }
};

CONFLUX_FLOW(ParameterFlow)
