// cards: reports attached to tasks. The start step fills a live card while it trains (watch it in
// `conflux ui`, or `card get` it with Metaflow); the end step's default card lists the task's
// facts, the flow's parameters and artifacts, and its DAG.
#include <conflux/conflux.hpp>

#include <chrono>
#include <cstdio>
#include <thread>

namespace cards = conflux::cards;

class CardFlow : public conflux::FlowSpec<CardFlow> {
 public:
  conflux::Parameter<int64_t> epochs{this, "epochs", 5, "training epochs"};
  conflux::Parameter<int64_t> epoch_ms{this, "epoch_ms", 0, "how long an epoch takes, in ms (to watch the live card)"};
  conflux::Artifact<std::vector<double>> losses{this, "losses"};
  conflux::Artifact<double> accuracy{this, "accuracy"};

  void start() {
    cards::Card& card = conflux::current().card();
    card.append(cards::Markdown("# Training\nA toy model trained for `" + std::to_string(*epochs) + "` epochs."));
    auto& progress = card.append(cards::ProgressBar({.max = *epochs, .label = "Epoch"}), "progress");
    for (int64_t e = 0; e < *epochs; ++e) {
      std::this_thread::sleep_for(std::chrono::milliseconds(*epoch_ms));
      losses->push_back(1.0 / (1.0 + static_cast<double>(e)));
      char details[64];
      std::snprintf(details, sizeof details, "loss %.4f", losses->back());
      progress.update(e + 1, details);
      card.refresh();  // at most once per refresh_interval; the rest are skipped
    }
    accuracy = 1.0 - losses->back() / 2;

    cards::Json points = cards::Json::array();
    for (size_t e = 0; e < losses->size(); ++e) points.push_back({{"epoch", e + 1}, {"loss", (*losses)[e]}});
    card.append(cards::VegaChart(cards::Json{
        {"$schema", "https://vega.github.io/schema/vega-lite/v5.json"},
        {"data", {{"values", points}}},
        {"mark", {{"type", "line"}, {"point", true}}},
        {"encoding", {{"x", {{"field", "epoch"}, {"type", "quantitative"}}},
                      {"y", {{"field", "loss"}, {"type", "quantitative"}}}}}}));
    card.append(cards::ValueBox({.title = "Accuracy", .value = *accuracy, .theme = "success"}), "accuracy");
    card.append(cards::Table({{"epochs", *epochs}, {"final loss", losses->back()}, {"note", cards::Markdown("**toy** data")}},
                             {"metric", "value"}));
  }
  void end() {}

  static void graph(conflux::Graph<CardFlow>& g) {
    g.doc("Attach cards to tasks: a live training report and a default card.");
    g.step("start", &CardFlow::start)
        .doc("Train, reporting progress on a live card.")
        .card({.type = "blank", .options = {{"title", "Training"}}, .refresh_interval = 1})
        .next("end");
    g.step("end", &CardFlow::end).doc("The default card: the task's facts and artifacts.").card();
  }
};

CONFLUX_FLOW(CardFlow)
