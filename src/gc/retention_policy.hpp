// RetentionPolicy: which runs `conflux gc` deletes. A run is deleted when every rule given says so:
//   older_than  it was created more than this long ago;
//   keep_last   it is not one of the N newest runs of its flow;
// and no exception applies:
//   keep_tags   it carries one of these tags (user or system tag);
//   grace       it wrote anything (its creation included) within this period (still running, or
//               just finished): never deleted. The sweep also spares blobs touched within it.
// At least one of older_than and keep_last is required: gc never deletes by default.
//
// Thread safety: plain values and pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "conflux/status.hpp"

namespace conflux::gc {

using Clock = std::chrono::system_clock;

struct RetentionPolicy {
  std::optional<std::chrono::seconds> older_than;
  std::optional<int64_t> keep_last;
  std::vector<std::string> keep_tags;
  std::chrono::seconds grace = std::chrono::hours(24);
  std::vector<std::string> flows;  // only these flows; empty: every flow

  // InvalidArgument naming the rule that is wrong.
  Status validate() const;
  // "older than 30d, keep the last 5 per flow, keep tags [keep], grace 1d".
  std::string describe() const;
};

// "90s", "45m", "12h", "30d", "2w"; a whole number and one unit. InvalidArgument otherwise.
Result<std::chrono::seconds> parse_duration(std::string_view text);
// The shortest of those forms that is exact ("36h", "2d").
std::string format_duration(std::chrono::seconds d);

// The policy in a config file: {"older_than": "30d", "keep_last": 10, "keep_tags": ["keep"],
// "grace": "1d", "flows": ["TrainFlow"]}. Unknown keys are errors (a typo must not widen what
// gets deleted).
Result<RetentionPolicy> policy_from_json(const nlohmann::json& json);

// What the selection needs to know of a run.
struct RunFacts {
  std::string flow;
  std::string run_id;
  Clock::time_point created;
  Clock::time_point last_activity;  // newest write of any of its files
  std::vector<std::string> tags;    // user and system tags
  bool has_metadata = true;         // false: files in the datastore without a registered run
  bool has_files = true;            // false: registered, but nothing of it in this datastore
};

struct RunVerdict {
  bool remove = false;
  std::string reason;  // why it is kept or removed, for the report
};

// One verdict per run, in order. Runs without metadata are always kept (nothing tells their age
// or tags; they may belong to another metadata backend), and so are registered runs with no file
// in this datastore (a metadata service shared by several datastores).
std::vector<RunVerdict> judge_runs(const RetentionPolicy& policy, const std::vector<RunFacts>& runs,
                                   Clock::time_point now);

}  // namespace conflux::gc
