// GET .../tasks/{t}/logs/{out|err} and .../download: an attempt's stdout or stderr, the runtime's
// and the task's mflog files merged by time (as Metaflow's client and `conflux logs` show them),
// numbered from 1 and paged by row (`_after_row`), so that a page that follows a running task
// asks only for what is new.
#include <charconv>

#include "datastore/mflog.hpp"
#include "datastore/task_datastore.hpp"
#include "service/ui_api/ui_task.hpp"

namespace conflux::service {

namespace {

struct LogRow {
  std::optional<int64_t> timestamp_ms;
  std::string line;
};

Result<std::vector<LogRow>> read_log(ApiContext& ctx, const ApiRequest& req, UiTask* task, int* attempt) {
  const std::string& which = req.params[4];
  if (which != "out" && which != "err") return Status::not_found("no log '" + which + "' (out or err)");
  CONFLUX_ASSIGN_OR_RETURN(StorageBackend * storage, ui_datastore(ctx));
  CONFLUX_ASSIGN_OR_RETURN(*task, ui_find_task(ctx, req));
  CONFLUX_ASSIGN_OR_RETURN(*attempt, ui_attempt(req, *task));
  const LogStream stream = which == "out" ? LogStream::kStdout : LogStream::kStderr;
  TaskDataStore ds(*storage, task->run.flow_id, task->run_key(), task->task.step_name, task->task_key());
  CONFLUX_ASSIGN_OR_RETURN(std::string runtime_log, ds.load_log(*attempt, kMflogRuntimeSource, stream));
  CONFLUX_ASSIGN_OR_RETURN(std::string task_log, ds.load_log(*attempt, kMflogTaskSource, stream));
  std::vector<LogRow> rows;
  for (MflogLine& line : merge_mflogs({runtime_log, task_log})) {
    LogRow row;
    if (line.utc) {
      row.timestamp_ms = std::chrono::duration_cast<std::chrono::milliseconds>(line.utc->time_since_epoch()).count();
    }
    row.line = std::move(line.msg);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

ApiResponse ui_task_log(ApiContext& ctx, const ApiRequest& req) {
  if (auto bad = ui_check_query(req, {"attempt_id"}, {"_limit", "_after_row", "_order"})) return *bad;
  int64_t after = 0;
  if (std::optional<std::string> text = req.query_value("_after_row")) {
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), after);
    if (ec != std::errc() || end != text->data() + text->size() || after < 0) {
      return ui_error(400, "bad-request", "invalid _after_row '" + *text + "': expected a row number (0 or more)");
    }
  }
  const bool newest_first = req.query_value("_order") == std::optional<std::string>("-row");
  if (std::optional<std::string> order = req.query_value("_order"); order && *order != "-row" && *order != "+row" &&
                                                                     *order != "row") {
    return ui_error(400, "bad-order", "unsupported _order '" + *order + "' (+row or -row)");
  }
  Result<int64_t> limit = ui_limit(req, 1000, 10000);
  if (!limit.ok()) return ui_status_error(limit.status());
  UiTask task;
  int attempt = 0;
  Result<std::vector<LogRow>> rows = read_log(ctx, req, &task, &attempt);
  if (!rows.ok()) return ui_status_error(rows.status());
  nlohmann::json data = nlohmann::json::array();
  const int64_t total = static_cast<int64_t>(rows->size());
  after = std::min(after, total);  // also keeps after + limit from overflowing
  std::optional<std::pair<std::string, std::string>> next;
  if (newest_first) {
    // The last `limit` rows, newest first (the tail of a long log).
    for (int64_t i = total; i > std::max<int64_t>(after, total - *limit); --i) {
      const LogRow& r = (*rows)[static_cast<size_t>(i - 1)];
      data.push_back({{"row", i}, {"timestamp", r.timestamp_ms ? nlohmann::json(*r.timestamp_ms) : nlohmann::json()},
                      {"line", r.line}});
    }
  } else {
    const int64_t end = std::min(total, after + *limit);
    for (int64_t i = after + 1; i <= end; ++i) {
      const LogRow& r = (*rows)[static_cast<size_t>(i - 1)];
      data.push_back({{"row", i}, {"timestamp", r.timestamp_ms ? nlohmann::json(*r.timestamp_ms) : nlohmann::json()},
                      {"line", r.line}});
    }
    if (end < total) next.emplace("_after_row", std::to_string(end));
  }
  return ui_list(req, std::move(data), std::move(next));
}

ApiResponse ui_task_log_download(ApiContext& ctx, const ApiRequest& req) {
  if (auto bad = ui_check_query(req, {"attempt_id"}, {})) return *bad;
  UiTask task;
  int attempt = 0;
  Result<std::vector<LogRow>> rows = read_log(ctx, req, &task, &attempt);
  if (!rows.ok()) return ui_status_error(rows.status());
  ApiResponse res;
  for (const LogRow& r : *rows) {
    res.body += r.line;
    res.body += '\n';
  }
  res.content_type = "text/plain; charset=utf-8";
  res.version_header = false;
  // A file name of the pathspec's parts (ids and names are [A-Za-z0-9_-] in practice; anything
  // else becomes '_', so the header cannot be broken).
  std::string name = task.run.flow_id + "_" + task.run_key() + "_" + task.task.step_name + "_" + task.task_key() +
                     "_attempt" + std::to_string(attempt) + "_std" + req.params[4] + ".txt";
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') c = '_';
  }
  res.headers.push_back({"Content-Disposition", "attachment; filename=\"" + name + "\""});
  res.headers.push_back({"X-Content-Type-Options", "nosniff"});
  return res;
}

}  // namespace conflux::service
