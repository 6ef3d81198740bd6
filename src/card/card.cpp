// Card's methods and current().card(): the user's side of src/card.
#include <iostream>

#include "card/task_cards.hpp"
#include "conflux/cards.hpp"
#include "conflux/current.hpp"

namespace conflux {

namespace detail_cards {
TaskCards* active();
}  // namespace detail_cards

namespace cards {

void Card::add(std::shared_ptr<Component> component, std::string id) {
  if (!id.empty()) component->set_id(std::move(id));
  if (!state_) {  // a card of no task (see current().card()): nothing is shown
    retired_.push_back(std::move(component));
    return;
  }
  components_.push_back(std::move(component));
  ++layout_version_;
}

void Card::clear() {
  if (components_.empty()) return;
  for (auto& c : components_) retired_.push_back(std::move(c));
  components_.clear();
  ++layout_version_;
}

void Card::refresh() {
  if (state_) state_->refresh();
}

}  // namespace cards

namespace {

cards::Card& detached(const std::string& why) {
  static cards::Card card;
  static bool warned = false;
  if (!warned) {
    warned = true;
    std::cerr << "[card] " << why << ": what is added to it is not saved\n";
  }
  return card;
}

}  // namespace

cards::Card& Current::card() const {
  TaskCards* task_cards = detail_cards::active();
  if (cards::Card* c = task_cards ? task_cards->find(std::nullopt) : nullptr) return *c;
  return detached(task_cards && !task_cards->empty()
                      ? "current().card(): step '" + step_name + "' has several cards; name one: current().card(\"id\")"
                      : "current().card(): step '" + step_name + "' has no .card()");
}

cards::Card& Current::card(std::string_view id) const {
  TaskCards* task_cards = detail_cards::active();
  if (cards::Card* c = task_cards ? task_cards->find(id) : nullptr) return *c;
  return detached("current().card(\"" + std::string(id) + "\"): step '" + step_name + "' has no card with that id");
}

}  // namespace conflux
