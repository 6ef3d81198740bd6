// `dump`: the artifacts of tasks, as Metaflow's `dump` prints them ("name [size: N type: T] =
// value", a header per task on stderr), or as JSON ({pathspec: {artifact: value}}). Shared by the
// flow binary and the `conflux` command.
//
// Like Metaflow's dump, artifacts are read from the datastore (the latest finished attempt's
// <attempt>.data.json): one small file per task, not one metadata record per artifact, so a step
// of 100,000 tasks dumps in seconds.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <set>
#include <string>
#include <vector>

#include "cli/args.hpp"
#include "conflux/client.hpp"

namespace conflux::cli {

struct DumpOptions {
  std::set<std::string> include;  // only these artifacts (empty: all public ones)
  int64_t max_value_size = 1000;  // larger values print as "< artifact too large >" (text only)
  bool show_private = false;      // also names starting with '_'
  bool as_json = false;
};

// The options, as both front ends spell them: --include, --max-value-size, --private, --json.
std::vector<OptionSpec> dump_option_specs();
Result<DumpOptions> dump_options(const ParsedArgs& args);

// Prints the artifacts of `tasks` to `out` (task headers to `err`). Error: a task that has no
// finished attempt, or a datastore read failure; the message names the task or artifact.
// A value only Python can read is shown as "< why >" ({"$error": why} in JSON), not an error.
Status dump_tasks(const Client& client, const std::vector<Task>& tasks, const DumpOptions& options,
                  std::ostream& out, std::ostream& err);

}  // namespace conflux::cli
