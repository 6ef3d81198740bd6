// A card's JSON document, {"metadata": ..., "components": [...]}, as Metaflow's card types build
// it (ui-cards.md §3.3): "blank" holds the user's components; "default" adds the task's facts,
// parameters, artifacts and the flow's DAG. Also the runtime data file of a live card (§3.4).
// Pure functions.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "card/card_files.hpp"
#include "conflux/cards.hpp"

namespace conflux {

// One .card() of a step, for one attempt.
struct CardSpec {
  std::string type = "default";
  std::string id;
  cards::Json options = cards::Json::object();
  int64_t refresh_interval = 5;
  bool save_errors = true;
  std::string uuid;  // new_card_uuid()
};

// What a default card says about its task.
struct CardTaskFacts {
  CardTask task;
  int attempt = 0;
  std::string user;
  std::vector<std::string> tags;
  int64_t created_ms = 0;
  std::optional<int64_t> finished_ms;  // set for the final card
  cards::Json graph_info;              // the flow's _graph_info (its DAG); null: no DAG section
  // Rows of Metaflow's `artifacts` component: {"name", "type", "data": <Python repr>}.
  cards::Json parameters = cards::Json::array();
  cards::Json artifacts = cards::Json::array();
};

cards::Json card_document(const CardSpec& spec, const std::vector<std::shared_ptr<cards::Component>>& components,
                          const CardTaskFacts& facts);

// The runtime data file: {"reload_token", "data": {id: component}, "created_on": epoch seconds}.
// Only components that take live updates (Component::realtime) and have an id are in it.
cards::Json card_runtime_data(const std::vector<std::shared_ptr<cards::Component>>& components,
                              std::string_view reload_token, double created_on);

// The `dag` component's data from _graph_info (Metaflow's transform_flow_graph).
cards::Json card_dag(const cards::Json& graph_info);

}  // namespace conflux
