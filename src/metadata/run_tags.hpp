// Run tag rules (Metaflow's tagging_util.py and the local provider's mutation logic), shared by the
// metadata providers: which user tags are valid, and what a mutation turns a run's tags into.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "conflux/status.hpp"
#include "metadata/records.hpp"

namespace conflux {

inline constexpr size_t kMaxUserTags = 50;    // MAX_USER_TAG_SET_SIZE
inline constexpr size_t kMaxTagLength = 500;  // MAX_TAG_SIZE, in characters

// OK if `tag` is valid UTF-8, non-empty and at most kMaxTagLength characters.
Status validate_tag(const std::string& tag);

// OK if every tag of `tags` is valid and the set has at most kMaxUserTags tags (or is no larger
// than `existing`, so an oversized set can still be shrunk).
Status validate_user_tags(const std::vector<std::string>& tags,
                          const std::vector<std::string>& existing);

struct TagMutation {
  std::vector<std::string> tags;   // the run's next user tags
  std::vector<std::string> added;  // the tags actually requested for addition (system tags dropped)
  bool changed = false;            // tags differ (as sets) from the run's current ones
};

// Removes `to_remove` from the run's user tags, then adds `to_add` (minus the run's system tags);
// keeps the existing order and appends new tags in request order. InvalidArgument if `to_remove`
// names a system tag or the result is invalid.
Result<TagMutation> plan_tag_mutation(const RunRecord& run, const std::vector<std::string>& to_add,
                                      const std::vector<std::string>& to_remove);

// Whether `final_tags` (read back after writing) reflects the mutation: every added tag is present
// and every removed tag that was not re-added is absent.
bool tag_mutation_applied(const std::vector<std::string>& final_tags, const TagMutation& mutation,
                          const std::vector<std::string>& to_remove);

}  // namespace conflux
