// A flow with configs: `train` (a default value; a file or text on the command line) sets the
// fan-out width, the retries of `work` (read while the graph is built) and a step that fails on
// purpose (to test resume); `labels` is null unless given; `tuning` reads TOML files.
#include <conflux/conflux.hpp>

#include <iostream>

class ConfigFlow : public conflux::FlowSpec<ConfigFlow> {
 public:
  conflux::Config train{this, "train",
                        {.default_value = nlohmann::json{{"width", 2}, {"retries", 1}, {"model", {{"depth", 3}}}},
                         .help = "training setup"}};
  conflux::Config labels{this, "labels", {.help = "label names"}};
  // Files for this one are TOML whatever their name; --config-value is JSON all the same.
  conflux::Config tuning{this, "tuning",
                         {.default_value = nlohmann::json{{"lr", 0.25}}, .help = "optimizer", .format = conflux::ConfigFormat::kToml}};
  conflux::Artifact<std::vector<int64_t>> items{this, "items"};
  conflux::Artifact<int64_t> depth{this, "depth"};
  conflux::Artifact<int64_t> total{this, "total"};

  void start() {
    std::vector<int64_t> v;
    for (int64_t i = 0; i < train.at<int64_t>("width"); ++i) v.push_back(i);
    items = v;
    depth = train.at<int64_t>("model.depth");
  }
  void work() {
    if (train->value("fail_in", "") == "work") throw std::runtime_error("failing on purpose (config fail_in)");
    depth = *depth + input<int64_t>();
  }
  void join(const conflux::Inputs<ConfigFlow>& inputs) {
    int64_t sum = 0;
    for (const auto& in : inputs) sum += *in.depth;
    total = sum;
  }
  void end() {
    std::cout << "width " << train->at("width") << " depth " << train.at<int64_t>("model.depth") << " total "
              << *total << " labels " << labels->dump() << " lr " << tuning.at<double>("lr") << std::endl;
  }

  static void graph(conflux::Graph<ConfigFlow>& g) {
    g.doc("Configs shape the run: its width, retries and values.");
    g.step("start", &ConfigFlow::start).foreach_(&ConfigFlow::items, "work");
    g.step("work", &ConfigFlow::work).next("join").retry(g.config(&ConfigFlow::train).value("retries", 0), 0);
    g.join("join", &ConfigFlow::join).next("end");
    g.step("end", &ConfigFlow::end);
  }
};

CONFLUX_FLOW(ConfigFlow)
