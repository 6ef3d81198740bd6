// `tag`: changing a run's user tags and showing them, shared by the flow binary and the `conflux`
// command (each parses its own arguments). Metaflow's rules apply (in the metadata provider):
// system tags (user:, runtime:, ...) cannot be removed, adding one is a no-op, a tag is 1 to 500
// characters, a run has at most 50 user tags.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "conflux/client.hpp"

namespace conflux::cli {

// Removes `remove` and adds `add` in one change; InvalidArgument if both are empty.
Status change_run_tags(Run& run, const std::vector<std::string>& add, const std::vector<std::string>& remove);

// One run: "Run / Tags / System tags" lines, or a JSON object {pathspec, user_tags, system_tags}.
void print_run_tags(const Run& run, bool as_json, std::ostream& out);
// Several runs: a table (RUN ID, TAGS[, SYSTEM TAGS]), or a JSON array of those objects.
void print_runs_tags(const std::vector<Run>& runs, bool as_json, bool system_tags, std::ostream& out);

}  // namespace conflux::cli
