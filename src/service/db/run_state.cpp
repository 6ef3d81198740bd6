#include "service/db/run_state.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

namespace conflux::service::sql {

namespace {

std::vector<std::string> json_strings(const std::string& text) {
  std::vector<std::string> out;
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& v : j) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::optional<bool> truthy(std::string value) {
  std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) { return std::tolower(c); });
  if (value == "true" || value == "1" || value == "t" || value == "yes") return true;
  if (value == "false" || value == "0" || value == "f" || value == "no") return false;
  return std::nullopt;
}

// Column assignments in the order they were decided; a later one for the same column replaces
// the earlier (the batch's net effect).
class Assignments {
 public:
  void set(const std::string& column, SqlValue value) {
    for (auto& [c, v] : sets_) {
      if (c == column) {
        v = std::move(value);
        return;
      }
    }
    sets_.emplace_back(column, std::move(value));
  }
  bool empty() const { return sets_.empty(); }
  // "UPDATE table SET a = ?, b = ?" with the values appended to `params`.
  std::string sql(const std::string& table, std::vector<SqlValue>& params) const {
    std::string out = "UPDATE " + table + " SET ";
    for (size_t i = 0; i < sets_.size(); ++i) {
      out += (i ? ", " : "") + sets_[i].first + " = ?";
      params.push_back(sets_[i].second);
    }
    return out;
  }

 private:
  std::vector<std::pair<std::string, SqlValue>> sets_;
};

using TaskKey = std::tuple<std::string, int64_t, std::string, int64_t>;  // flow, run, step, task
using RunKey = std::pair<std::string, int64_t>;

struct RunChange {
  Assignments sets;
  std::optional<std::string> end_step;  // set by this batch
  // The newest status event of each step in this batch: (status, finished_at).
  std::map<std::string, std::pair<std::string, std::optional<int64_t>>> step_events;
};

}  // namespace

std::optional<std::string> verified_owner(const RunRecord& run) {
  if (!run.user_name) return std::nullopt;
  for (const std::string& tag : json_strings(run.system_tags)) {
    if (tag == "user:" + *run.user_name) return run.user_name;
  }
  return std::nullopt;
}

std::vector<std::string> run_tag_list(const RunRecord& run) {
  std::vector<std::string> tags = json_strings(run.tags);
  for (std::string& t : json_strings(run.system_tags)) tags.push_back(std::move(t));
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  return tags;
}

std::string run_tag_list_json(const RunRecord& run) { return nlohmann::json(run_tag_list(run)).dump(); }

std::vector<SqlQuery> state_updates(const std::vector<MetadataRecord>& rows) {
  std::map<TaskKey, Assignments> tasks;
  std::map<RunKey, RunChange> runs;
  std::vector<TaskKey> task_order;
  std::vector<RunKey> run_order;
  auto task = [&](const MetadataRecord& m) -> Assignments& {
    TaskKey key{m.flow_id, m.run_number, m.step_name, m.task_id};
    auto [it, added] = tasks.try_emplace(key);
    if (added) task_order.push_back(key);
    return it->second;
  };
  auto run = [&](const MetadataRecord& m) -> RunChange& {
    RunKey key{m.flow_id, m.run_number};
    auto [it, added] = runs.try_emplace(key);
    if (added) run_order.push_back(key);
    return it->second;
  };
  for (const MetadataRecord& m : rows) {
    if (m.field_name == "attempt") {
      int64_t attempt = 0;
      auto [end, ec] = std::from_chars(m.value.data(), m.value.data() + m.value.size(), attempt);
      if (ec != std::errc() || end != m.value.data() + m.value.size()) continue;
      Assignments& t = task(m);
      t.set("attempt_id", attempt);
      t.set("status", std::string("running"));
      t.set("started_at", m.ts_epoch);
      t.set("finished_at", nullptr);
      if (m.step_name != "_parameters") {
        RunChange& r = run(m);
        r.sets.set("current_step", m.step_name);
        r.step_events[m.step_name] = {"running", std::nullopt};
      }
    } else if (m.field_name == "attempt_ok") {
      std::optional<bool> ok = truthy(m.value);
      if (!ok) continue;
      const std::string status = *ok ? "completed" : "failed";
      Assignments& t = task(m);
      t.set("status", status);
      t.set("finished_at", m.ts_epoch);
      if (m.step_name != "_parameters") run(m).step_events[m.step_name] = {status, m.ts_epoch};
    } else if (m.field_name == "run_outcome" && m.step_name == "_parameters" && m.value == "failed") {
      // Conflux's runtime says the run stopped without reaching its end.
      RunChange& r = run(m);
      r.sets.set("status", std::string("failed"));
      r.sets.set("finished_at", m.ts_epoch);
    } else if (m.field_name == "end_step") {
      run(m).end_step = m.value;
    } else if (m.field_name == "foreach-execution-path") {
      task(m).set("foreach_path", m.value);
    } else if (m.field_name == "foreach-stack") {
      task(m).set("foreach_stack", m.value);
    }
  }
  std::vector<SqlQuery> out;
  for (const TaskKey& key : task_order) {
    SqlQuery q;
    q.sql = tasks[key].sql("tasks", q.params) + " WHERE flow_id = ? AND run_number = ? AND step_name = ? AND task_id = ?";
    q.params.insert(q.params.end(), {std::get<0>(key), std::get<1>(key), std::get<2>(key), std::get<3>(key)});
    out.push_back(std::move(q));
  }
  for (const RunKey& key : run_order) {
    RunChange& change = runs[key];
    std::string extra;
    std::vector<SqlValue> extra_params;
    if (change.end_step) {
      // The end step is known here: its event (if any) decides.
      change.sets.set("end_step", *change.end_step);
      auto it = change.step_events.find(*change.end_step);
      if (it != change.step_events.end()) {
        change.sets.set("status", it->second.first);
        change.sets.set("finished_at", sql_opt(it->second.second));
      }
    } else if (!change.step_events.empty()) {
      // The end step is the stored one: a CASE over the steps this batch moved.
      std::string status = ", status = CASE end_step", finished = ", finished_at = CASE end_step";
      std::vector<SqlValue> status_params, finished_params;
      for (const auto& [step, event] : change.step_events) {
        status += " WHEN ? THEN ?";
        status_params.insert(status_params.end(), {step, event.first});
        finished += " WHEN ? THEN ?";
        finished_params.insert(finished_params.end(), {step, sql_opt(event.second)});
      }
      extra = status + " ELSE status END" + finished + " ELSE finished_at END";
      extra_params = std::move(status_params);
      extra_params.insert(extra_params.end(), finished_params.begin(), finished_params.end());
    }
    if (change.sets.empty() && extra.empty()) continue;
    SqlQuery q;
    if (change.sets.empty()) {
      q.sql = "UPDATE runs SET " + extra.substr(2);
      q.params = std::move(extra_params);
    } else {
      q.sql = change.sets.sql("runs", q.params) + extra;
      q.params.insert(q.params.end(), extra_params.begin(), extra_params.end());
    }
    q.sql += " WHERE flow_id = ? AND run_number = ?";
    q.params.insert(q.params.end(), {key.first, key.second});
    out.push_back(std::move(q));
  }
  return out;
}

ExpirySql expire_stale_sql(int64_t now_seconds, int64_t cutoff_seconds) {
  const int64_t before = now_seconds - cutoff_seconds;
  ExpirySql e;
  e.runs.sql =
      "UPDATE runs SET status = 'failed' WHERE status = 'running' "
      "AND coalesce(last_heartbeat_ts, ts_epoch / 1000) < ? RETURNING flow_id, run_number";
  e.runs.params = {before};
  e.tasks.sql =
      "UPDATE tasks SET status = 'failed' WHERE status = 'running' "
      "AND coalesce(last_heartbeat_ts, started_at / 1000, ts_epoch / 1000) < ? "
      "RETURNING flow_id, run_number, step_name, task_id";
  e.tasks.params = {before};
  return e;
}

}  // namespace conflux::service::sql
