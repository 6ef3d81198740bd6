#include "datastore/task_datastore.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include "base/py_json.hpp"
#include "datastore/storage_key.hpp"

namespace conflux {

namespace {

constexpr std::string_view kAttemptFile = "attempt.json";
constexpr std::string_view kDataFile = "data.json";
constexpr std::string_view kDoneFile = "DONE.lock";
constexpr std::string_view kDoneContent = R"("")";  // json.dumps("")

Status first_error(std::initializer_list<Status> statuses) {
  for (const Status& s : statuses) {
    if (!s.ok()) return s;
  }
  return Status();
}

void add_optional(PyJsonObject& obj, std::string_view key, const std::optional<std::string>& v) {
  if (v.has_value()) {
    obj.add_string(key, *v);
  } else {
    obj.add_null(key);
  }
}

}  // namespace

std::string_view log_stream_name(LogStream stream) {
  return stream == LogStream::kStdout ? "stdout" : "stderr";
}

TaskDataStore::TaskDataStore(StorageBackend& storage, std::string_view flow,
                             std::string_view run_id, std::string_view step,
                             std::string_view task_id)
    : storage_(storage),
      prefix_(join_key({flow, run_id, step, task_id})),
      name_status_(first_error(
          {check_key_component(flow, "flow name"), check_key_component(run_id, "run id"),
           check_key_component(step, "step name"), check_key_component(task_id, "task id")})) {}

std::string TaskDataStore::attempt_key(int attempt, std::string_view name) const {
  std::string key;
  key.reserve(prefix_.size() + name.size() + 8);
  key += prefix_;
  key += '/';
  key += std::to_string(attempt);
  key += '.';
  key += name;
  return key;
}

Status TaskDataStore::check_attempt(int attempt) const {
  CONFLUX_RETURN_IF_ERROR(name_status_);
  if (attempt < 0) {
    return Status::invalid_argument("task '" + prefix_ + "': negative attempt " +
                                    std::to_string(attempt));
  }
  return Status();
}

std::string TaskDataStore::log_name(std::string_view source, LogStream stream) const {
  std::string name(source);
  name += '_';
  name += log_stream_name(stream);
  name += ".log";
  return name;
}

Status TaskDataStore::save_attempt_file(int attempt, std::string_view name,
                                        std::string_view bytes) {
  CONFLUX_RETURN_IF_ERROR(check_attempt(attempt));
  return storage_.save(attempt_key(attempt, name), bytes, /*overwrite=*/true);
}

Status TaskDataStore::save_attempt_start(int attempt, std::chrono::system_clock::time_point start) {
  const double secs = std::chrono::duration<double>(start.time_since_epoch()).count();
  std::string json;
  PyJsonObject(json).add_float("time", secs).finish();
  return save_attempt_file(attempt, kAttemptFile, json);
}

Status TaskDataStore::save_task_begin(int attempt, const TaskBeginInfo& info) {
  std::string json;
  PyJsonObject obj(json);
  obj.add_string("code_package_metadata", info.code_package_metadata);
  add_optional(obj, "code_package_sha", info.code_package_sha);
  add_optional(obj, "code_package_ds", info.code_package_ds);
  add_optional(obj, "code_package_url", info.code_package_url);
  obj.add_int("retry_count", info.retry_count).finish();
  return save_attempt_file(attempt, "task_begin", json);
}

Status TaskDataStore::save_task_end(int attempt) {
  return save_attempt_file(attempt, "task_end", "{}");
}

Status TaskDataStore::save_runtime(int attempt, const RuntimeOutcome& outcome) {
  std::string json;
  PyJsonObject(json)
      .add_int("return_code", outcome.return_code)
      .add_bool("killed", outcome.killed)
      .add_bool("success", outcome.success)
      .finish();
  return save_attempt_file(attempt, "runtime", json);
}

Status TaskDataStore::save_log(int attempt, std::string_view source, LogStream stream,
                               std::string_view bytes) {
  return save_attempt_file(attempt, log_name(source, stream), bytes);
}

Result<std::unique_ptr<StorageWriter>> TaskDataStore::begin_log(int attempt,
                                                                std::string_view source,
                                                                LogStream stream) {
  CONFLUX_RETURN_IF_ERROR(check_attempt(attempt));
  return storage_.begin_write(attempt_key(attempt, log_name(source, stream)), /*overwrite=*/true);
}

Status TaskDataStore::done(int attempt, const ArtifactIndex& index) {
  CONFLUX_RETURN_IF_ERROR(check_attempt(attempt));
  std::string json;
  // data.json names the datastore it lives in, as Metaflow's ("local", "s3").
  if (index.attempt == attempt && index.datastore == storage_.type()) {
    json = index.to_json();
  } else {
    ArtifactIndex copy = index;
    copy.attempt = attempt;
    copy.datastore = std::string(storage_.type());
    json = copy.to_json();
  }
  CONFLUX_RETURN_IF_ERROR(save_attempt_file(attempt, kDataFile, json));
  return save_attempt_file(attempt, kDoneFile, kDoneContent);
}

Result<std::optional<int>> TaskDataStore::latest_attempt() {
  CONFLUX_RETURN_IF_ERROR(name_status_);
  std::optional<int> latest;
  for (int i = 0; i < kMaxAttempts; ++i) {
    CONFLUX_ASSIGN_OR_RETURN(bool started, storage_.exists(attempt_key(i, kAttemptFile)));
    if (started) {
      latest = i;
    } else if (latest.has_value()) {
      break;
    }
  }
  return latest;
}

Result<bool> TaskDataStore::is_done(int attempt) {
  CONFLUX_RETURN_IF_ERROR(check_attempt(attempt));
  return storage_.exists(attempt_key(attempt, kDoneFile));
}

Result<int> TaskDataStore::latest_done_attempt() {
  CONFLUX_RETURN_IF_ERROR(name_status_);
  std::optional<int> latest;
  bool done = false;
  if (storage_.remote()) {
    // One listing of the task's files instead of a lookup per attempt and one for the marker.
    CONFLUX_ASSIGN_OR_RETURN(std::vector<ListEntry> files, storage_.list(prefix_));
    std::set<std::string> names;
    for (const ListEntry& f : files) {
      if (f.is_file) names.insert(f.name);
    }
    for (int i = 0; i < kMaxAttempts; ++i) {
      if (names.count(std::to_string(i) + "." + std::string(kAttemptFile))) {
        latest = i;
      } else if (latest.has_value()) {
        break;
      }
    }
    done = latest.has_value() && names.count(std::to_string(*latest) + "." + std::string(kDoneFile));
  } else {
    CONFLUX_ASSIGN_OR_RETURN(latest, latest_attempt());
    if (latest.has_value()) {
      CONFLUX_ASSIGN_OR_RETURN(done, is_done(*latest));
    }
  }
  if (!latest.has_value()) {
    return Status::not_found("no attempt of task '" + prefix_ + "' has started");
  }
  if (!done) {
    return Status::not_found("no completed attempt of task '" + prefix_ + "': attempt " +
                             std::to_string(*latest) + " has not finished");
  }
  return *latest;
}

Result<ArtifactIndex> TaskDataStore::load_index(int attempt) {
  CONFLUX_ASSIGN_OR_RETURN(std::string text, load_attempt_file(attempt, kDataFile));
  Result<ArtifactIndex> index = ArtifactIndex::from_json(text);
  if (!index.ok()) return index.status().with_context(attempt_key(attempt, kDataFile));
  return index;
}

Result<double> TaskDataStore::load_attempt_time(int attempt) {
  CONFLUX_ASSIGN_OR_RETURN(std::string text, load_attempt_file(attempt, kAttemptFile));
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto time = doc.is_object() ? doc.find("time") : doc.end();
  if (!doc.is_object() || time == doc.end() || !time->is_number()) {
    return Status::corruption(attempt_key(attempt, kAttemptFile) +
                              ": expected {\"time\": <number>}");
  }
  return time->get<double>();
}

Result<RuntimeOutcome> TaskDataStore::load_runtime(int attempt) {
  CONFLUX_ASSIGN_OR_RETURN(std::string text, load_attempt_file(attempt, "runtime"));
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object())
    return Status::corruption(attempt_key(attempt, "runtime") + ": not a JSON object");
  try {
    RuntimeOutcome out;
    out.return_code = doc.value("return_code", 0);
    out.killed = doc.value("killed", false);
    out.success = doc.value("success", out.return_code == 0);
    return out;
  } catch (const nlohmann::json::exception& ex) {
    return Status::corruption(attempt_key(attempt, "runtime") + ": " + ex.what());
  }
}

Result<std::string> TaskDataStore::load_log(int attempt, std::string_view source,
                                            LogStream stream) {
  Result<std::string> bytes = load_attempt_file(attempt, log_name(source, stream));
  if (bytes.status().code() == StatusCode::kNotFound) return std::string();
  return bytes;
}

Result<std::unique_ptr<ByteSource>> TaskDataStore::open_log(int attempt, std::string_view source,
                                                            LogStream stream) {
  CONFLUX_RETURN_IF_ERROR(check_attempt(attempt));
  return storage_.open(attempt_key(attempt, log_name(source, stream)));
}

Result<std::string> TaskDataStore::load_attempt_file(int attempt, std::string_view name) {
  CONFLUX_RETURN_IF_ERROR(check_attempt(attempt));
  return storage_.load(attempt_key(attempt, name));
}

}  // namespace conflux
