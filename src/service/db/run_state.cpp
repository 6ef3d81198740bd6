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

constexpr int64_t kMaxAttempt = 100;  // far above any retry count; bounds what rows may set

// Python's truth of the value strings Metaflow writes (as metaflow-service reads attempt_ok).
std::optional<bool> truthy(std::string value) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
  size_t start = 0;
  while (start < value.size() && std::isspace(static_cast<unsigned char>(value[start]))) ++start;
  value.erase(0, start);
  std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) { return std::tolower(c); });
  if (value == "true" || value == "1" || value == "t" || value == "yes" || value == "y" || value == "on") return true;
  if (value == "false" || value == "0" || value == "f" || value == "no" || value == "n" || value == "off") return false;
  return std::nullopt;
}

// The attempt a metadata row belongs to: its "attempt_id:N" tag (nullopt without one, or if N is
// not a plausible attempt number).
std::optional<int64_t> attempt_of(const MetadataRecord& m) {
  nlohmann::json tags = nlohmann::json::parse(m.tags, nullptr, false);
  if (!tags.is_array()) return std::nullopt;
  for (const auto& t : tags) {
    if (!t.is_string()) continue;
    const std::string& text = t.get_ref<const std::string&>();
    if (!text.starts_with("attempt_id:")) continue;
    int64_t n = -1;
    auto [end, ec] = std::from_chars(text.data() + 11, text.data() + text.size(), n);
    if (ec == std::errc() && end == text.data() + text.size() && n >= 0 && n < kMaxAttempt) return n;
  }
  return std::nullopt;
}

SqlQuery query(std::string sql, std::vector<SqlValue> params) { return SqlQuery{std::move(sql), std::move(params)}; }

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
  // One or two statements per row that moves state, in the rows' order, each guarded so that a
  // late row about an older attempt cannot undo a newer one.
  std::vector<SqlQuery> out;
  constexpr const char* kTaskKey = " WHERE flow_id = ? AND run_number = ? AND step_name = ? AND task_id = ?";
  constexpr const char* kRunKey = " WHERE flow_id = ? AND run_number = ?";
  for (const MetadataRecord& m : rows) {
    const std::vector<SqlValue> task_key{m.flow_id, m.run_number, m.step_name, m.task_id};
    const std::vector<SqlValue> run_key{m.flow_id, m.run_number};
    auto with = [](std::vector<SqlValue> head, const std::vector<SqlValue>& tail) {
      head.insert(head.end(), tail.begin(), tail.end());
      return head;
    };
    const bool user_step = m.step_name != "_parameters";
    if (m.field_name == "attempt") {
      int64_t attempt = -1;
      auto [end, ec] = std::from_chars(m.value.data(), m.value.data() + m.value.size(), attempt);
      if (ec != std::errc() || end != m.value.data() + m.value.size() || attempt < 0 || attempt >= kMaxAttempt) continue;
      out.push_back(query(std::string("UPDATE tasks SET attempt_id = ?, status = 'running', started_at = ?, finished_at = NULL") +
                              kTaskKey + " AND (attempt_id IS NULL OR attempt_id <= ?)",
                          with(with({attempt, m.ts_epoch}, task_key), {attempt})));
      if (!user_step) continue;
      out.push_back(query(std::string("UPDATE runs SET current_step = ?") + kRunKey, with({m.step_name}, run_key)));
      // A new attempt of the end step (a retry after it failed): the run is running again.
      out.push_back(query(std::string("UPDATE runs SET status = 'running', finished_at = NULL") + kRunKey +
                              " AND end_step = ?",
                          with(run_key, {m.step_name})));
    } else if (m.field_name == "attempt_ok") {
      std::optional<bool> ok = truthy(m.value);
      if (!ok) continue;
      const std::string status = *ok ? "completed" : "failed";
      const std::optional<int64_t> attempt = attempt_of(m);
      std::string guard;
      std::vector<SqlValue> guard_params;
      if (attempt) {
        guard = " AND (attempt_id IS NULL OR attempt_id <= ?)";
        guard_params = {*attempt};
      }
      out.push_back(query(std::string("UPDATE tasks SET status = ?, finished_at = ?") + kTaskKey + guard,
                          with(with(with({status, m.ts_epoch}, task_key), {}), guard_params)));
      if (!user_step) continue;
      // The run ends with its end step's task, unless a newer attempt of it has started since.
      std::string sql = std::string("UPDATE runs SET status = ?, finished_at = ?") + kRunKey + " AND end_step = ?";
      std::vector<SqlValue> params = with(with({status, m.ts_epoch}, run_key), {m.step_name});
      if (attempt) {
        sql += " AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.flow_id = runs.flow_id AND t.run_number = "
               "runs.run_number AND t.step_name = ? AND t.attempt_id > ?)";
        params.insert(params.end(), {m.step_name, *attempt});
      }
      out.push_back(query(std::move(sql), std::move(params)));
    } else if (m.field_name == "run_outcome" && !user_step && m.value == "failed") {
      // Conflux's runtime says the run stopped without reaching its end.
      out.push_back(query(std::string("UPDATE runs SET status = 'failed', finished_at = ?") + kRunKey +
                              " AND status = 'running'",
                          with({m.ts_epoch}, run_key)));
    } else if (m.field_name == "end_step") {
      out.push_back(query(std::string("UPDATE runs SET end_step = ?") + kRunKey, with({m.value}, run_key)));
    } else if (m.field_name == "foreach-execution-path") {
      out.push_back(query(std::string("UPDATE tasks SET foreach_path = ?") + kTaskKey, with({m.value}, task_key)));
    } else if (m.field_name == "foreach-stack") {
      out.push_back(query(std::string("UPDATE tasks SET foreach_stack = ?") + kTaskKey, with({m.value}, task_key)));
    }
  }
  return out;
}

ExpirySql expire_stale_sql(int64_t now_seconds, int64_t cutoff_seconds) {
  const int64_t before = now_seconds - cutoff_seconds;
  // At most kSweepBatch rows a sweep: a database upgraded with years of unfinished runs is swept
  // over several passes, each a short write.
  const std::string limit = " LIMIT " + std::to_string(kSweepBatch);
  ExpirySql e;
  e.runs.sql =
      "UPDATE runs SET status = 'failed' WHERE run_number IN (SELECT run_number FROM runs WHERE status = 'running' "
      "AND coalesce(last_heartbeat_ts, ts_epoch / 1000) < ?" + limit + ") RETURNING flow_id, run_number";
  e.runs.params = {before};
  e.tasks.sql =
      "UPDATE tasks SET status = 'failed' WHERE task_id IN (SELECT task_id FROM tasks WHERE status = 'running' "
      "AND coalesce(last_heartbeat_ts, started_at / 1000, ts_epoch / 1000) < ?" + limit + ") "
      "RETURNING flow_id, run_number, step_name, task_id";
  e.tasks.params = {before};
  return e;
}

}  // namespace conflux::service::sql
