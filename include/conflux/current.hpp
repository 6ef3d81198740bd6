// current(): facts about the task that is running, as Metaflow's `current` offers them.
//
//   std::cout << conflux::current().pathspec;   // "MyFlow/1712/train/4"
//
// Filled in by the task runtime before the step runs; outside a running task, is_running_flow is
// false and the rest is empty. Read-only for user code; one task per process, so no locking.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace conflux {

namespace cards {
class Card;
}

struct Current {
  bool is_running_flow = false;
  std::string flow_name;
  std::string run_id;
  std::string step_name;
  std::string task_id;
  int retry_count = 0;           // the attempt number: 0 on the first try
  std::string origin_run_id;     // set in a resumed run: the run it resumes
  std::string pathspec;          // flow/run/step/task
  std::string username;
  std::string namespace_name;    // Metaflow's current.namespace, e.g. "user:alice"
  std::vector<std::string> tags;
  std::vector<std::string> parameter_names;
  // @project (empty and false without it): Metaflow's current.project_name & co.
  std::string project_name;       // "ranking"
  std::string branch_name;        // "user.alice", "test.exp", "prod", "prod.exp"
  std::string project_flow_name;  // "ranking.user.alice.MyFlow"
  bool is_user_branch = false;
  bool is_production = false;

  // The step's card (.card() on the step; include conflux/cards.hpp): the one without an id, or
  // the only one. On a step without a card, a card whose components go nowhere (with a warning).
  cards::Card& card() const;
  // The card declared with .card({.id = id}); a card whose components go nowhere if there is none.
  cards::Card& card(std::string_view id) const;
};

// The current task's facts.
const Current& current();

namespace detail {
// The task runtime's handle to fill in current(). Not for user code.
Current& mutable_current();
}  // namespace detail

}  // namespace conflux
