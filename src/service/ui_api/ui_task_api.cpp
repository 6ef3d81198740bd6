// GET .../steps/{s}/tasks/{t}, .../attempts, .../metadata, .../artifacts and an artifact's value:
// the task page. Artifact values are read from the datastore and shown as Python's repr, decoded
// in C++, with a size cap (a value is never loaded past it, a repr never sent past it).
#include <charconv>
#include <map>

#include "conflux/codec.hpp"
#include "datastore/content_addressed_store.hpp"
#include "datastore/task_datastore.hpp"
#include "service/ui_api/ui_task.hpp"

namespace conflux::service {

namespace {

constexpr uint64_t kListValueMaxBytes = 1 << 20;      // decoded for the artifact list
constexpr size_t kListReprMaxChars = 20000;           // repr sent in the list
constexpr uint64_t kValueMaxBytes = 64 << 20;         // decoded for the value route
constexpr size_t kValueReprMaxChars = 1 << 20;        // repr sent by the value route

// `text` cut to at most `max` bytes on a UTF-8 character boundary.
std::string cut_utf8(const std::string& text, size_t max, bool* truncated) {
  *truncated = text.size() > max;
  if (!*truncated) return text;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

// The attempt's artifacts as the datastore indexes them (name, sha, type, size); the database's
// rows when the attempt has no index yet (it is still running or it crashed).
Result<std::vector<ArtifactEntry>> attempt_artifacts(ApiContext& ctx, StorageBackend& storage, const UiTask& t,
                                                     int attempt) {
  TaskDataStore ds(storage, t.run.flow_id, t.run_key(), t.task.step_name, t.task_key());
  Result<ArtifactIndex> index = ds.load_index(attempt);
  if (index.ok()) return index->artifacts;
  if (!index.status().is_not_found()) return index.status();
  ArtifactScope scope{t.run.flow_id, t.run_ref(), t.task.step_name, t.task_ref()};
  CONFLUX_ASSIGN_OR_RETURN(std::vector<ArtifactRecord> rows, ctx.db.list_artifacts(scope));
  std::vector<ArtifactEntry> out;
  for (const ArtifactRecord& a : rows) {
    if (a.attempt_id != attempt || !a.sha) continue;
    ArtifactEntry e;
    e.name = a.name;
    e.sha = *a.sha;
    e.info.type = a.type.value_or("object");
    e.has_info = false;  // size unknown
    out.push_back(std::move(e));
  }
  return out;
}

// {name, type, size, sha, attempt_id, content, truncated, postprocess_error}.
nlohmann::json artifact_json(ContentAddressedStore& cas, const ArtifactEntry& e, int attempt, uint64_t max_bytes,
                             size_t max_chars) {
  nlohmann::json row = {{"name", e.name},
                        {"type", e.info.type},
                        {"size", e.has_info ? nlohmann::json(e.info.size) : nlohmann::json()},
                        {"sha", e.sha},
                        {"attempt_id", attempt},
                        {"content", nullptr},
                        {"truncated", false},
                        {"postprocess_error", nullptr}};
  if (!e.has_info) {
    // The database's row has no size, and the blob is not loaded blind.
    row["postprocess_error"] = "not shown: the attempt has not finished writing its artifacts (size unknown)";
    return row;
  }
  if (e.info.size > max_bytes) {
    row["postprocess_error"] = "artifact-too-large: " + std::to_string(e.info.size) + " bytes (values up to " +
                               std::to_string(max_bytes) + " bytes are shown)";
    return row;
  }
  Result<std::string> bytes = cas.load_all(e.sha);
  if (!bytes.ok()) {
    row["postprocess_error"] = "unreadable: " + bytes.status().message();
    return row;
  }
  Result<Value> value = read_pickle_from_string(*bytes);
  if (!value.ok()) {
    row["postprocess_error"] = "cannot be decoded here (" + e.info.type + ", " + std::to_string(bytes->size()) +
                               " bytes): " + value.status().message();
    return row;
  }
  bool truncated = false;
  row["content"] = cut_utf8(value->python_repr(), max_chars, &truncated);
  row["truncated"] = truncated;
  row["type"] = value->python_type();
  return row;
}

}  // namespace

Result<UiTask> ui_find_task(ApiContext& ctx, const ApiRequest& req) {
  const ObjectKey run_key = ObjectKey::parse(req.params[1]);
  CONFLUX_ASSIGN_OR_RETURN(std::optional<RunRecord> run, ctx.db.get_run(req.params[0], run_key));
  if (!run) return Status::not_found("run '" + req.params[0] + "/" + req.params[1] + "' does not exist");
  CONFLUX_ASSIGN_OR_RETURN(std::optional<TaskRecord> task,
                           ctx.db.get_task(req.params[0], run_key, req.params[2], ObjectKey::parse(req.params[3])));
  if (!task) {
    return Status::not_found("task '" + req.params[0] + "/" + req.params[1] + "/" + req.params[2] + "/" +
                             req.params[3] + "' does not exist");
  }
  return UiTask{std::move(*run), std::move(*task)};
}

Result<int> ui_attempt(const ApiRequest& req, const UiTask& task) {
  std::optional<std::string> text = req.query_value("attempt_id");
  if (!text) return static_cast<int>(task.task.attempt_id.value_or(0));
  int n = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || end != text->data() + text->size() || n < 0 || n >= TaskDataStore::kMaxAttempts) {
    return Status::invalid_argument("invalid attempt_id '" + *text + "': expected 0 to " +
                                    std::to_string(TaskDataStore::kMaxAttempts - 1));
  }
  return n;
}

ApiResponse ui_task(ApiContext& ctx, const ApiRequest& req) {
  if (auto bad = ui_check_query(req, {}, {})) return *bad;
  Result<UiTask> t = ui_find_task(ctx, req);
  if (!t.ok()) return ui_status_error(t.status());
  return ui_object(req, ui_task_json(t->task, ctx.clock.now_ms()));
}

ApiResponse ui_task_attempts(ApiContext& ctx, const ApiRequest& req) {
  if (auto bad = ui_check_query(req, {}, {})) return *bad;
  Result<UiTask> t = ui_find_task(ctx, req);
  if (!t.ok()) return ui_status_error(t.status());
  Result<std::vector<MetadataRecord>> rows =
      ctx.db.list_task_metadata(t->run.flow_id, t->run_ref(), t->task.step_name, t->task_ref());
  if (!rows.ok()) return ui_status_error(rows.status());
  // Rows come newest first; walk them oldest first so the last word on an attempt wins.
  std::map<int64_t, nlohmann::json> attempts;
  for (auto it = rows->rbegin(); it != rows->rend(); ++it) {
    const MetadataRecord& m = *it;
    if (m.field_name == "attempt") {
      int64_t n = 0;
      auto [end, ec] = std::from_chars(m.value.data(), m.value.data() + m.value.size(), n);
      if (ec != std::errc()) continue;
      attempts[n] = {{"attempt_id", n}, {"status", "running"}, {"started_at", m.ts_epoch}, {"finished_at", nullptr},
                     {"duration", nullptr}};
    } else if (m.field_name == "attempt_ok") {
      nlohmann::json tags = nlohmann::json::parse(m.tags, nullptr, false);
      std::optional<int64_t> n;
      if (tags.is_array()) {
        for (const auto& tag : tags) {
          if (tag.is_string() && tag.get<std::string>().starts_with("attempt_id:")) {
            n = std::atoll(tag.get<std::string>().c_str() + 11);
          }
        }
      }
      if (!n || !attempts.contains(*n)) continue;
      nlohmann::json& a = attempts[*n];
      const bool ok = m.value == "True" || m.value == "true" || m.value == "1";
      a["status"] = ok ? "completed" : "failed";
      a["finished_at"] = m.ts_epoch;
      a["duration"] = m.ts_epoch - a["started_at"].get<int64_t>();
    }
  }
  // An attempt still "running" after a newer one started, or after the task was failed by the
  // heartbeat sweep, did not finish.
  for (auto& [n, a] : attempts) {
    const bool newest = n == attempts.rbegin()->first;
    if (a["status"] == "running" && (!newest || t->task.status == "failed")) a["status"] = "failed";
  }
  nlohmann::json data = nlohmann::json::array();
  for (auto& [n, a] : attempts) data.push_back(std::move(a));
  return ui_list(req, std::move(data));
}

ApiResponse ui_task_metadata(ApiContext& ctx, const ApiRequest& req) {
  if (auto bad = ui_check_query(req, {}, {})) return *bad;
  Result<UiTask> t = ui_find_task(ctx, req);
  if (!t.ok()) return ui_status_error(t.status());
  Result<std::vector<MetadataRecord>> rows =
      ctx.db.list_task_metadata(t->run.flow_id, t->run_ref(), t->task.step_name, t->task_ref());
  if (!rows.ok()) return ui_status_error(rows.status());
  nlohmann::json data = nlohmann::json::array();
  for (const MetadataRecord& m : *rows) {
    nlohmann::json tags = nlohmann::json::parse(m.tags, nullptr, false);
    data.push_back({{"field_name", m.field_name}, {"value", m.value}, {"type", m.type}, {"ts_epoch", m.ts_epoch},
                    {"tags", tags.is_discarded() ? nlohmann::json() : tags}});
  }
  return ui_list(req, std::move(data));
}

namespace {

// What both artifact routes read: the task's attempt and its artifacts in the datastore.
struct AttemptArtifacts {
  StorageBackend* storage = nullptr;
  UiTask task;
  int attempt = 0;
  std::vector<ArtifactEntry> entries;
};

Result<AttemptArtifacts> read_attempt_artifacts(ApiContext& ctx, const ApiRequest& req) {
  AttemptArtifacts out;
  CONFLUX_ASSIGN_OR_RETURN(out.storage, ui_datastore(ctx));
  CONFLUX_ASSIGN_OR_RETURN(out.task, ui_find_task(ctx, req));
  CONFLUX_ASSIGN_OR_RETURN(out.attempt, ui_attempt(req, out.task));
  CONFLUX_ASSIGN_OR_RETURN(out.entries, attempt_artifacts(ctx, *out.storage, out.task, out.attempt));
  return out;
}

}  // namespace

ApiResponse ui_task_artifacts(ApiContext& ctx, const ApiRequest& req) {
  if (auto bad = ui_check_query(req, {"attempt_id"}, {})) return *bad;
  Result<AttemptArtifacts> a = read_attempt_artifacts(ctx, req);
  if (!a.ok()) return ui_status_error(a.status());
  ContentAddressedStore cas(*a->storage, a->task.run.flow_id);
  nlohmann::json data = nlohmann::json::array();
  for (const ArtifactEntry& e : a->entries) {
    data.push_back(artifact_json(cas, e, a->attempt, kListValueMaxBytes, kListReprMaxChars));
  }
  return ui_list(req, std::move(data));
}

ApiResponse ui_artifact_value(ApiContext& ctx, const ApiRequest& req) {
  if (auto bad = ui_check_query(req, {"attempt_id"}, {})) return *bad;
  Result<AttemptArtifacts> a = read_attempt_artifacts(ctx, req);
  if (!a.ok()) return ui_status_error(a.status());
  const std::string& name = req.params[4];
  for (const ArtifactEntry& e : a->entries) {
    if (e.name != name) continue;
    ContentAddressedStore cas(*a->storage, a->task.run.flow_id);
    return ui_object(req, artifact_json(cas, e, a->attempt, kValueMaxBytes, kValueReprMaxChars));
  }
  return ui_error(404, "not-found", "task " + a->task.pathspec() + " has no artifact '" + name + "' in attempt " +
                                        std::to_string(a->attempt));
}

}  // namespace conflux::service
