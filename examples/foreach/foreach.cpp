// foreach: fan out over the elements of an artifact (one task per element, each reads its
// element with input<T>() and its position with index()), then join the results.
#include <conflux/conflux.hpp>

#include <algorithm>
#include <iostream>

class ShardFlow : public conflux::FlowSpec<ShardFlow> {
 public:
  conflux::Parameter<int64_t> shards{this, "shards", 4, "how many shards"};
  conflux::Artifact<std::vector<int64_t>> ids{this, "ids"};
  conflux::Artifact<double> score{this, "score"};
  conflux::Artifact<double> best{this, "best"};

  void start() {
    for (int64_t i = 0; i < *shards; ++i) ids->push_back(i);
  }
  void train() { score = 1.0 / (1.0 + static_cast<double>(input<int64_t>())); }
  void join(const conflux::Inputs<ShardFlow>& inputs) {
    best = 0.0;
    for (const ShardFlow& in : inputs) best = std::max(*best, *in.score);
  }
  void end() { std::cout << "best " << *best << "\n"; }

  static void graph(conflux::Graph<ShardFlow>& g) {
    g.doc("Train one model per shard and keep the best score.");
    g.step("start", &ShardFlow::start)
        .doc("List the shards; one train task per shard.")
        .foreach_(&ShardFlow::ids, "train");
    g.step("train", &ShardFlow::train).doc("Score one shard (retried twice if it fails).").next("join").retry(2);
    g.join("join", &ShardFlow::join).doc("Keep the best score of all shards.").next("end");
    g.step("end", &ShardFlow::end).doc("Print the best score.");
  }
};

CONFLUX_FLOW(ShardFlow)
