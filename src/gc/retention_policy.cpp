#include "gc/retention_policy.hpp"

#include <algorithm>
#include <charconv>
#include <map>

namespace conflux::gc {

namespace {

struct Unit {
  char suffix;
  int64_t seconds;
};
constexpr Unit kUnits[] = {{'w', 7 * 86400}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};

std::string join_tags(const std::vector<std::string>& tags) {
  std::string out;
  for (const std::string& t : tags) out += (out.empty() ? "" : ", ") + t;
  return out;
}

}  // namespace

Result<std::chrono::seconds> parse_duration(std::string_view text) {
  auto bad = [&] {
    return Status::invalid_argument("'" + std::string(text) +
                                    "' is not a duration: give a whole number and a unit, such as 90s, "
                                    "45m, 12h, 30d or 2w");
  };
  if (text.size() < 2) return bad();
  int64_t count = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, count);
  if (ec != std::errc() || end != text.data() + text.size() - 1 || count < 0) return bad();
  for (const Unit& u : kUnits) {
    if (text.back() != u.suffix) continue;
    if (count > INT64_MAX / u.seconds / 1000) return bad();  // keeps time arithmetic in range
    return std::chrono::seconds(count * u.seconds);
  }
  return bad();
}

std::string format_duration(std::chrono::seconds d) {
  for (const Unit& u : kUnits) {
    if (d.count() != 0 && d.count() % u.seconds == 0) return std::to_string(d.count() / u.seconds) + u.suffix;
  }
  return std::to_string(d.count()) + "s";
}

Status RetentionPolicy::validate() const {
  if (!older_than && !keep_last) {
    return Status::invalid_argument(
        "the retention policy has no rule: give --older-than DURATION and/or --keep-last N (or a "
        "CONFLUX_GC_POLICY in the config file)");
  }
  if (keep_last && *keep_last < 0) {
    return Status::invalid_argument("keep_last must be 0 or more, not " + std::to_string(*keep_last));
  }
  for (const std::string& tag : keep_tags) {
    if (tag.empty()) return Status::invalid_argument("keep_tags holds an empty tag");
  }
  for (const std::string& flow : flows) {
    if (flow.empty()) return Status::invalid_argument("flows holds an empty flow name");
  }
  return Status();
}

std::string RetentionPolicy::describe() const {
  std::string out;
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : ", ") + part; };
  if (older_than) add("older than " + format_duration(*older_than));
  if (keep_last) add("keep the last " + std::to_string(*keep_last) + " per flow");
  if (!keep_tags.empty()) add("keep tags [" + join_tags(keep_tags) + "]");
  add("grace " + format_duration(grace));
  if (!flows.empty()) add("flows [" + join_tags(flows) + "]");
  return out;
}

Result<RetentionPolicy> policy_from_json(const nlohmann::json& json) {
  if (!json.is_object()) return Status::invalid_argument("the gc policy must be a JSON object");
  RetentionPolicy p;
  auto strings = [](const nlohmann::json& v, const std::string& key) -> Result<std::vector<std::string>> {
    if (!v.is_array()) return Status::invalid_argument("gc policy: '" + key + "' must be a list of strings");
    std::vector<std::string> out;
    for (const auto& item : v) {
      if (!item.is_string()) return Status::invalid_argument("gc policy: '" + key + "' must be a list of strings");
      out.push_back(item.get<std::string>());
    }
    return out;
  };
  auto duration = [](const nlohmann::json& v, const std::string& key) -> Result<std::chrono::seconds> {
    if (!v.is_string()) return Status::invalid_argument("gc policy: '" + key + "' must be a string such as \"30d\"");
    Result<std::chrono::seconds> d = parse_duration(v.get<std::string>());
    if (!d.ok()) return d.status().with_context("gc policy: '" + key + "'");
    return d;
  };
  for (const auto& [key, value] : json.items()) {
    if (key == "older_than") {
      CONFLUX_ASSIGN_OR_RETURN(p.older_than, duration(value, key));
    } else if (key == "grace") {
      CONFLUX_ASSIGN_OR_RETURN(p.grace, duration(value, key));
    } else if (key == "keep_last") {
      if (!value.is_number_integer()) return Status::invalid_argument("gc policy: 'keep_last' must be a whole number");
      p.keep_last = value.get<int64_t>();
    } else if (key == "keep_tags") {
      CONFLUX_ASSIGN_OR_RETURN(p.keep_tags, strings(value, key));
    } else if (key == "flows") {
      CONFLUX_ASSIGN_OR_RETURN(p.flows, strings(value, key));
    } else {
      return Status::invalid_argument("gc policy: unknown key '" + key +
                                      "' (known: older_than, keep_last, keep_tags, grace, flows)");
    }
  }
  CONFLUX_RETURN_IF_ERROR(p.validate());
  return p;
}

std::vector<RunVerdict> judge_runs(const RetentionPolicy& policy, const std::vector<RunFacts>& runs,
                                   Clock::time_point now) {
  // Rank each run among its flow's runs, newest first (ties: the larger id is newer).
  std::map<std::string, std::vector<size_t>> by_flow;
  for (size_t i = 0; i < runs.size(); ++i) by_flow[runs[i].flow].push_back(i);
  std::vector<int64_t> rank(runs.size(), 0);
  for (auto& [flow, indices] : by_flow) {
    std::sort(indices.begin(), indices.end(), [&](size_t a, size_t b) {
      if (runs[a].created != runs[b].created) return runs[a].created > runs[b].created;
      return runs[a].run_id > runs[b].run_id;
    });
    for (size_t r = 0; r < indices.size(); ++r) rank[indices[r]] = static_cast<int64_t>(r);
  }

  std::vector<RunVerdict> out(runs.size());
  for (size_t i = 0; i < runs.size(); ++i) {
    const RunFacts& run = runs[i];
    RunVerdict& v = out[i];
    if (!run.has_metadata) {
      v.reason = "kept: no registered run (files only)";
      continue;
    }
    if (!run.has_files) {
      v.reason = "kept: no files in this datastore";
      continue;
    }
    if (!policy.flows.empty() &&
        std::find(policy.flows.begin(), policy.flows.end(), run.flow) == policy.flows.end()) {
      v.reason = "kept: flow not in the policy";
      continue;
    }
    auto tag = std::find_first_of(run.tags.begin(), run.tags.end(), policy.keep_tags.begin(),
                                  policy.keep_tags.end());
    if (tag != run.tags.end()) {
      v.reason = "kept: tagged " + *tag;
      continue;
    }
    if (now - run.last_activity < policy.grace) {
      v.reason = "kept: active within the grace period";
      continue;
    }
    if (policy.keep_last && rank[i] < *policy.keep_last) {
      v.reason = "kept: one of the last " + std::to_string(*policy.keep_last);
      continue;
    }
    if (policy.older_than && now - run.created < *policy.older_than) {
      v.reason = "kept: younger than " + format_duration(*policy.older_than);
      continue;
    }
    v.remove = true;
    v.reason = policy.older_than ? "older than " + format_duration(*policy.older_than)
                                 : "beyond the last " + std::to_string(*policy.keep_last);
  }
  return out;
}

}  // namespace conflux::gc
