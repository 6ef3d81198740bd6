// The cards of one running task: one per .card() on its step, each with a fresh uuid for this
// attempt. Makes them current().card(), writes live cards on Card::refresh() and the final
// cards when the task ends, through the storage backend (local disk or S3 alike). A card that
// cannot be written never fails the task: the failure is printed to the task's stderr.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "card/card_document.hpp"
#include "conflux/flow_spec_types.hpp"
#include "datastore/artifact_index.hpp"
#include "datastore/content_addressed_store.hpp"
#include "datastore/storage_backend.hpp"
#include "metadata/metadata_provider.hpp"

namespace conflux {

class TaskCards;

namespace cards::detail {

// One card of the running task.
class CardState {
 public:
  CardState(TaskCards& owner, CardSpec spec);
  cards::Card& card() { return card_; }
  const CardSpec& spec() const { return spec_; }
  std::string stem() const;
  // Card::refresh(): writes the live card unless the last write was under refresh_interval ago.
  void refresh();
  // The final card: HTML, then the data file (the order Metaflow uses).
  Status write_final();

 private:
  Status write(std::string_view reload_token, bool html);
  Status write_unchecked(std::string_view reload_token, bool html);

  TaskCards& owner_;
  CardSpec spec_;
  cards::Card card_;
  std::optional<std::chrono::steady_clock::time_point> last_write_;
  std::optional<std::chrono::steady_clock::time_point> last_html_;
  int64_t html_layout_version_ = -1;
};

}  // namespace cards::detail

class TaskCards {
 public:
  // The cards of the step's .card() decorators (none: empty()). While it lives, current().card()
  // returns them.
  TaskCards(StorageBackend& storage, const std::vector<DecoratorSpec>& decorators, CardTaskFacts facts);
  ~TaskCards();
  TaskCards(const TaskCards&) = delete;
  TaskCards& operator=(const TaskCards&) = delete;

  bool empty() const { return cards_.empty(); }
  // Metaflow's "card-info" metadata rows, one per card (ties its uuid to this attempt).
  std::vector<MetaDatum> card_info_rows() const;
  // current().card() and current().card(id): nullptr if there is no such card.
  cards::Card* find(std::optional<std::string_view> id);
  // Writes every card's final version. `parameters` and `artifacts` are rows of the default
  // card's tables (card_artifact_rows).
  void finish(int64_t finished_ms, cards::Json parameters, cards::Json artifacts);

  StorageBackend& storage() { return storage_; }
  const CardTaskFacts& facts() const { return facts_; }
  // Prints a card failure to stderr (the task's log), once per card and kind of failure.
  void report(const std::string& what);

 private:
  StorageBackend& storage_;
  CardTaskFacts facts_;
  std::vector<std::unique_ptr<cards::detail::CardState>> cards_;
  std::vector<std::string> reported_;
};

// Rows of a default card's `artifacts` table for the named artifacts of `index`: name, Python type
// and repr (values larger than `max_bytes` stored are not loaded; their size is shown instead).
cards::Json card_artifact_rows(ContentAddressedStore& cas, const ArtifactIndex& index,
                               const std::vector<std::string>& names, uint64_t max_bytes = 1 << 20);

}  // namespace conflux
