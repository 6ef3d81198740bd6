// The UI's JSON of a run and of a task: the stored state plus what is derived from it at read
// time (durations, the foreach values, the run's display id).
#include "service/ui_api/ui_api.hpp"

namespace conflux::service {

namespace {

nlohmann::json tags_json(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  return j.is_array() ? j : nlohmann::json::array();
}

// A foreach stack as stored: JSON (["var=value", ...]) from most clients, or the array literal
// metaflow-service makes of a list value ({var=value,"quoted, value"}), which this service keeps.
nlohmann::json foreach_values_json(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_array()) return j;
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') return nullptr;
  nlohmann::json out = nlohmann::json::array();
  std::string item;
  bool quoted = false, any = false;
  for (size_t i = 1; i + 1 < text.size(); ++i) {
    const char c = text[i];
    if (quoted && c == '\\' && i + 2 < text.size()) {
      item += text[++i];
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.push_back(item);
      item.clear();
    } else {
      item += c;
    }
    any = true;
  }
  if (any) out.push_back(item);
  return out;
}

template <class T>
nlohmann::json opt(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json();
}

}  // namespace

nlohmann::json ui_run_json(const RunRecord& r, int64_t now_ms) {
  const std::string status = r.status.value_or("running");
  // A run that finished has its end; a running one lasts until now; one whose heartbeat stopped
  // lasted until its last heartbeat.
  std::optional<int64_t> duration;
  if (r.finished_at) {
    duration = *r.finished_at - r.ts_epoch;
  } else if (status == "running") {
    duration = now_ms - r.ts_epoch;
  } else if (r.last_heartbeat_ts) {
    duration = *r.last_heartbeat_ts * 1000 - r.ts_epoch;
  }
  if (duration && *duration < 0) duration = 0;
  return {{"flow_id", r.flow_id},
          {"run_number", r.run_number},
          {"run_id", opt(r.run_id)},
          {"run", r.run_id ? *r.run_id : std::to_string(r.run_number)},
          {"user_name", opt(r.user_name)},
          {"user", opt(r.user)},
          {"ts_epoch", r.ts_epoch},
          {"last_heartbeat_ts", opt(r.last_heartbeat_ts)},
          {"tags", tags_json(r.tags)},
          {"system_tags", tags_json(r.system_tags)},
          {"status", status},
          {"finished_at", opt(r.finished_at)},
          {"duration", opt(duration)},
          {"current_step", opt(r.current_step)},
          {"end_step", r.end_step}};
}

nlohmann::json ui_task_json(const TaskRecord& t, int64_t now_ms) {
  std::optional<int64_t> duration;
  if (t.started_at && t.finished_at) {
    duration = *t.finished_at - *t.started_at;
  } else if (t.started_at && t.status == "running") {
    duration = now_ms - *t.started_at;
  }
  if (duration && *duration < 0) duration = 0;
  nlohmann::json foreach_values = t.foreach_stack ? foreach_values_json(*t.foreach_stack) : nlohmann::json();
  return {{"flow_id", t.flow_id},
          {"run_number", t.run_number},
          {"run_id", opt(t.run_id)},
          {"step_name", t.step_name},
          {"task_id", t.task_id},
          {"task_name", opt(t.task_name)},
          {"ts_epoch", t.ts_epoch},
          {"last_heartbeat_ts", opt(t.last_heartbeat_ts)},
          {"status", t.status},
          {"attempt_id", opt(t.attempt_id)},
          {"started_at", opt(t.started_at)},
          {"finished_at", opt(t.finished_at)},
          {"duration", opt(duration)},
          {"foreach_path", opt(t.foreach_path)},
          {"foreach_values", foreach_values}};
}

}  // namespace conflux::service
