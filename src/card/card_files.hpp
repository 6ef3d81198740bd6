// Where cards live in the datastore, as Metaflow's card tools look for them (ui-cards.md §3.1):
//   mf.cards/<Flow>/runs/<run>/steps/<step>/tasks/<task>/cards/<type>[-<id>]-<uuid>.html
//   mf.cards/<Flow>/runs/<run>/steps/<step>/tasks/<task>/runtime/<type>[-<id>]-<uuid>.data.json
// Keys are relative to the datastore root (the local `.metaflow` directory or the S3 sysroot).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "conflux/status.hpp"
#include "datastore/storage_backend.hpp"

namespace conflux {

struct CardTask {
  std::string flow;
  std::string run_id;
  std::string step;
  std::string task_id;

  // "Flow/run/step/task".
  std::string pathspec() const { return flow + "/" + run_id + "/" + step + "/" + task_id; }
};

// One card file of a task.
struct CardFile {
  std::string type;
  std::string id;    // "" when the card has none
  std::string hash;  // the card's uuid: 32 hex digits (Metaflow still calls it the hash)
  std::string html_key;
  std::string data_key;  // its runtime data file (may not exist: cards that never refreshed)
};

// mf.cards/<Flow>/runs/<run>: every card of a run (conflux gc removes it with the run).
std::string card_run_prefix(std::string_view flow, std::string_view run_id);

// Whether `relative` (below a run's card prefix) is a card file of Metaflow's layout:
// steps/<step>/tasks/<task>/cards/<name>.html or steps/<step>/tasks/<task>/runtime/<name>.data.json.
bool is_card_file_path(std::string_view relative);

// "<type>[-<id>]-<uuid>": the name both files of a card share.
std::string card_file_stem(std::string_view type, std::string_view id, std::string_view uuid);
std::string card_html_key(const CardTask& task, std::string_view stem);
std::string card_data_key(const CardTask& task, std::string_view stem);

// A new card uuid: 32 lowercase hex digits, as Python's uuid4().hex.
std::string new_card_uuid();

// The task's cards, by name order; empty if it has none. File names Metaflow would not parse are
// skipped.
Result<std::vector<CardFile>> list_task_cards(StorageBackend& storage, const CardTask& task);

}  // namespace conflux
