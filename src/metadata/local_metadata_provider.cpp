#include "metadata/local_metadata_provider.hpp"

#include <algorithm>
#include <charconv>
#include <random>
#include <thread>
#include <utility>

#include "datastore/storage_key.hpp"
#include "metadata/attempt_metadata.hpp"
#include "metadata/run_tags.hpp"

namespace conflux {

namespace {

using std::string_view;

constexpr string_view kMetaDir = "_meta";
constexpr string_view kSelfFile = "_self.json";
constexpr string_view kSysmetaPrefix = "sysmeta_";
constexpr string_view kAttemptDonePrefix = "sysmeta_attempt-done_";
constexpr int kTagMutationTries = 5;

// The file of one metadata row: sysmeta_<field>_<ts_epoch>.json (Metaflow's local layout).
std::string sysmeta_name(string_view field, int64_t ts_epoch) {
  std::string name(kSysmetaPrefix);
  name += field;
  name += '_';
  name += std::to_string(ts_epoch);
  name += ".json";
  return name;
}

struct Named {
  string_view value;
  string_view what;
};

// Validates the path components that identify an object.
Status check_names(std::initializer_list<Named> names) {
  for (const Named& n : names) CONFLUX_RETURN_IF_ERROR(check_key_component(n.value, n.what));
  return Status();
}

// "<parts...>/_meta/<file>".
std::string meta_key(std::initializer_list<string_view> parts, string_view file) {
  std::string key = join_key(parts);
  key += '/';
  key += kMetaDir;
  key += '/';
  key += file;
  return key;
}

bool is_number(string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Numeric ids in numeric order first, then other ids lexicographically.
bool natural_less(string_view a, string_view b) {
  const bool na = is_number(a);
  const bool nb = is_number(b);
  if (na != nb) return na;
  if (na && a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

template <class T>
Result<T> load_record(StorageBackend& storage, const std::string& key, string_view what) {
  Result<std::string> text = storage.load(key);
  if (text.status().code() == StatusCode::kNotFound) {
    return Status::not_found(std::string(what) + " does not exist (no " + key + ")");
  }
  if (!text.ok()) return text.status();
  Result<T> record = T::from_json(*text);
  if (!record.ok()) return record.status().with_context(key);
  return record;
}

std::string pathspec(std::initializer_list<string_view> parts) { return join_key(parts); }

std::vector<std::string> unique_tags(const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  for (const std::string& t : tags) {
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  }
  return out;
}

}  // namespace

LocalMetadataProvider::LocalMetadataProvider(StorageBackend& storage, LocalMetadataOptions options)
    : storage_(storage), options_(std::move(options)) {}

std::chrono::system_clock::time_point LocalMetadataProvider::now() const {
  return options_.clock ? options_.clock() : std::chrono::system_clock::now();
}

int64_t LocalMetadataProvider::now_ms() const {
  // int(round(time.time() * 1000))
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(now().time_since_epoch());
  return (us.count() + 500) / 1000;
}

Status LocalMetadataProvider::ensure(const std::string& key,
                                     const std::function<std::string()>& json) {
  // A stat first: the object usually exists already, and a failed no-overwrite publish costs more.
  CONFLUX_ASSIGN_OR_RETURN(bool exists, storage_.exists(key));
  if (exists) return Status();
  Status s = storage_.save(key, json(), /*overwrite=*/false);
  if (s.code() == StatusCode::kAlreadyExists) return Status();
  return s;
}

Status LocalMetadataProvider::ensure_flow(string_view flow) {
  return ensure(meta_key({flow}, kSelfFile), [&] {
    return FlowRecord{std::string(flow), now_ms()}.to_json();
  });
}

Status LocalMetadataProvider::ensure_step(string_view flow, string_view run_id, string_view step,
                                          const RunTags& tags) {
  return ensure(meta_key({flow, run_id, step}, kSelfFile), [&] {
    StepRecord r{std::string(flow), std::string(run_id), std::string(step), options_.user_name,
                 tags.tags,         tags.system_tags,    now_ms()};
    return r.to_json();
  });
}

Result<std::string> LocalMetadataProvider::new_run_id(string_view flow, const RunTags& tags) {
  CONFLUX_RETURN_IF_ERROR(check_names({{flow, "flow name"}}));
  CONFLUX_RETURN_IF_ERROR(ensure_flow(flow));
  auto now_us = [this] {
    return std::chrono::duration_cast<std::chrono::microseconds>(now().time_since_epoch()).count();
  };
  // Never reissue (or race with) an id this provider handed out: start past the last one.
  int64_t candidate = now_us();
  int64_t last = last_run_id_.load(std::memory_order_relaxed);
  do {
    candidate = std::max(candidate, last + 1);
  } while (!last_run_id_.compare_exchange_weak(last, candidate, std::memory_order_relaxed));
  for (int tries = 0; tries < 100000; ++tries) {
    std::string run_id = std::to_string(candidate);
    const std::string key = meta_key({flow, run_id}, kSelfFile);
    // A stat skips ids taken by other processes far more cheaply than a failed publish.
    CONFLUX_ASSIGN_OR_RETURN(bool taken, storage_.exists(key));
    if (!taken) {
      RunRecord run{std::string(flow), run_id,           options_.user_name,
                    tags.tags,         tags.system_tags, now_ms()};
      Status s = storage_.save(key, run.to_json(), /*overwrite=*/false);
      if (s.ok()) return run_id;
      if (s.code() != StatusCode::kAlreadyExists) {
        return s.with_context("creating a run of flow '" + std::string(flow) + "'");
      }
    }
    // Taken by a concurrent caller: try the next microsecond (or now, if later).
    const int64_t next = std::max(candidate + 1, now_us());
    last = last_run_id_.load(std::memory_order_relaxed);
    do {
      candidate = std::max(next, last + 1);
    } while (!last_run_id_.compare_exchange_weak(last, candidate, std::memory_order_relaxed));
  }
  return Status::unavailable("could not allocate a run id for flow '" + std::string(flow) + "'");
}

Status LocalMetadataProvider::register_run_id(string_view flow, string_view run_id,
                                              const RunTags& tags) {
  CONFLUX_RETURN_IF_ERROR(check_names({{flow, "flow name"}, {run_id, "run id"}}));
  CONFLUX_RETURN_IF_ERROR(ensure_flow(flow));
  return ensure(meta_key({flow, run_id}, kSelfFile), [&] {
    RunRecord r{std::string(flow), std::string(run_id), options_.user_name,
                tags.tags,         tags.system_tags,    now_ms()};
    return r.to_json();
  });
}

Result<std::string> LocalMetadataProvider::new_task_id(string_view flow, string_view run_id,
                                                       string_view step, const RunTags& tags) {
  CONFLUX_RETURN_IF_ERROR(
      check_names({{flow, "flow name"}, {run_id, "run id"}, {step, "step name"}}));
  CONFLUX_RETURN_IF_ERROR(ensure_step(flow, run_id, step, tags));
  const std::string run_path = pathspec({flow, run_id});
  for (int tries = 0; tries < 100000; ++tries) {
    int64_t id;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = next_task_id_.find(run_path);
      if (it == next_task_id_.end()) it = next_task_id_.emplace(run_path, 0).first;
      id = it->second++;
    }
    const std::string task_id = std::to_string(id);
    TaskRecord r{std::string(flow),  std::string(run_id), std::string(step), task_id,
                 options_.user_name, tags.tags,           tags.system_tags,  now_ms()};
    Status s =
        storage_.save(meta_key({flow, run_id, step, task_id}, kSelfFile), r.to_json(), false);
    if (s.ok()) return task_id;
    if (s.code() != StatusCode::kAlreadyExists) return s;
    // Taken by another process: the counter has already moved on.
  }
  return Status::unavailable("could not allocate a task id in run '" + run_path + "'");
}

Status LocalMetadataProvider::register_step(string_view flow, string_view run_id, string_view step,
                                            const RunTags& tags) {
  CONFLUX_RETURN_IF_ERROR(check_names({{flow, "flow name"}, {run_id, "run id"}, {step, "step name"}}));
  return ensure_step(flow, run_id, step, tags);
}

Status LocalMetadataProvider::register_task_id(string_view flow, string_view run_id,
                                               string_view step, string_view task_id,
                                               const RunTags& tags) {
  CONFLUX_RETURN_IF_ERROR(check_names(
      {{flow, "flow name"}, {run_id, "run id"}, {step, "step name"}, {task_id, "task id"}}));
  CONFLUX_RETURN_IF_ERROR(ensure_step(flow, run_id, step, tags));
  return ensure(meta_key({flow, run_id, step, task_id}, kSelfFile), [&] {
    TaskRecord r{std::string(flow),  std::string(run_id), std::string(step), std::string(task_id),
                 options_.user_name, tags.tags,           tags.system_tags,  now_ms()};
    return r.to_json();
  });
}

std::vector<MetadataRow> LocalMetadataProvider::metadata_rows(string_view flow, string_view run_id, string_view step,
                                                             string_view task_id, std::span<const MetaDatum> data) {
  const int64_t ts = now_ms();
  // One file per row, named by field and millisecond: rows of one field in one call take
  // consecutive milliseconds.
  std::vector<MetadataRow> rows;
  std::map<std::string, int64_t, std::less<>> next_ts;
  for (const MetaDatum& d : data) {
    MetadataRow row;
    row.flow_id = std::string(flow);
    row.run_number = std::string(run_id);
    row.step_name = std::string(step);
    row.task_id = std::string(task_id);
    row.user_name = options_.user_name;
    row.field_name = d.field;
    row.type = d.type;
    row.value = d.value;
    row.value_is_json = d.value_is_json;
    row.tags = unique_tags(d.tags);
    row.ts_epoch = next_ts.try_emplace(d.field, ts).first->second++;
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<std::vector<std::pair<std::string, std::string>>> LocalMetadataProvider::artifact_files(
    string_view flow, string_view run_id, string_view step, string_view task_id, int attempt,
    std::span<const ArtifactRef> artifacts, const RunTags& tags) {
  ArtifactRow row;
  row.run_number = std::string(run_id);
  row.step_name = std::string(step);
  row.task_id = std::string(task_id);
  row.attempt_id = attempt;
  row.flow_id = std::string(flow);
  row.user_name = options_.user_name;
  row.tags = tags.tags;
  row.system_tags = tags.system_tags;
  row.ts_epoch = now_ms();
  const std::string attempt_prefix = std::to_string(attempt) + "_artifact_";
  std::vector<std::pair<std::string, std::string>> files;
  for (const ArtifactRef& a : artifacts) {
    row.name = a.name;
    row.content_type = a.content_type;
    row.sha = a.sha;
    row.ds_type = a.ds_type;
    row.location = a.url.empty() ? ":root:" + a.ds_root : a.url;
    std::string file = attempt_prefix + a.name + ".json";
    CONFLUX_RETURN_IF_ERROR(check_key_component(file, "artifact name"));
    files.emplace_back(std::move(file), row.to_json());
  }
  return files;
}

Status LocalMetadataProvider::register_metadata(string_view flow, string_view run_id,
                                                string_view step, string_view task_id,
                                                std::span<const MetaDatum> data) {
  CONFLUX_RETURN_IF_ERROR(check_names(
      {{flow, "flow name"}, {run_id, "run id"}, {step, "step name"}, {task_id, "task id"}}));
  // All files are written at once (in parallel on an object store). A name another process took
  // meanwhile moves on to the next free millisecond.
  std::vector<MetadataRow> rows = metadata_rows(flow, run_id, step, task_id, data);
  std::vector<std::string> bodies;
  std::vector<StorageBackend::SaveItem> items;
  bodies.reserve(rows.size());
  for (const MetadataRow& row : rows) {
    CONFLUX_RETURN_IF_ERROR(check_key_component(sysmeta_name(row.field_name, row.ts_epoch), "metadata field"));
    bodies.push_back(row.to_json());
    items.push_back({meta_key({flow, run_id, step, task_id}, sysmeta_name(row.field_name, row.ts_epoch)), bodies.back(), false});
  }
  std::vector<Status> saved = storage_.save_many(items);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (saved[i].code() != StatusCode::kAlreadyExists) {
      CONFLUX_RETURN_IF_ERROR(saved[i]);
      continue;
    }
    MetadataRow& row = rows[i];
    for (int64_t tries = 0;; ++tries) {
      if (tries > 100000) return saved[i];  // something is badly wrong; do not spin forever
      ++row.ts_epoch;
      Status s = storage_.save(meta_key({flow, run_id, step, task_id}, sysmeta_name(row.field_name, row.ts_epoch)), row.to_json(), false);
      if (s.code() != StatusCode::kAlreadyExists) {
        CONFLUX_RETURN_IF_ERROR(s);
        break;
      }
    }
  }
  return Status();
}

Status LocalMetadataProvider::register_artifacts(string_view flow, string_view run_id,
                                                 string_view step, string_view task_id, int attempt,
                                                 std::span<const ArtifactRef> artifacts,
                                                 const RunTags& tags) {
  CONFLUX_RETURN_IF_ERROR(check_names(
      {{flow, "flow name"}, {run_id, "run id"}, {step, "step name"}, {task_id, "task id"}}));
  CONFLUX_ASSIGN_OR_RETURN(auto files, artifact_files(flow, run_id, step, task_id, attempt, artifacts, tags));
  for (const auto& [file, json] : files) {
    Status s = storage_.save(meta_key({flow, run_id, step, task_id}, file), json, false);
    if (!s.ok() && s.code() != StatusCode::kAlreadyExists) return s;  // existing records are kept
  }
  return Status();
}

Status LocalMetadataProvider::register_finished_task(string_view flow, string_view run_id, string_view step,
                                                     string_view task_id, const RunTags& tags,
                                                     std::span<const MetaDatum> data, int attempt,
                                                     std::span<const ArtifactRef> artifacts) {
  CONFLUX_RETURN_IF_ERROR(check_names(
      {{flow, "flow name"}, {run_id, "run id"}, {step, "step name"}, {task_id, "task id"}}));
  CONFLUX_RETURN_IF_ERROR(ensure_step(flow, run_id, step, tags));
  // The task's whole _meta directory at once: the task appears finished or not at all.
  std::vector<std::pair<std::string, std::string>> files;
  TaskRecord task{std::string(flow),  std::string(run_id), std::string(step), std::string(task_id),
                  options_.user_name, tags.tags,           tags.system_tags,  now_ms()};
  files.emplace_back(std::string(kSelfFile), task.to_json());
  for (const MetadataRow& row : metadata_rows(flow, run_id, step, task_id, data)) {
    std::string file = sysmeta_name(row.field_name, row.ts_epoch);
    CONFLUX_RETURN_IF_ERROR(check_key_component(file, "metadata field"));
    files.emplace_back(std::move(file), row.to_json());
  }
  CONFLUX_ASSIGN_OR_RETURN(auto artifact_rows, artifact_files(flow, run_id, step, task_id, attempt, artifacts, tags));
  for (auto& f : artifact_rows) files.push_back(std::move(f));
  std::vector<StorageBackend::NewFile> new_files;
  new_files.reserve(files.size());
  for (const auto& [name, json] : files) new_files.push_back({name, json});
  Status s = storage_.save_new_directory(join_key({flow, run_id, step, task_id, kMetaDir}), new_files);
  if (s.code() != StatusCode::kAlreadyExists) return s;
  // Registered before (a task id taken twice, or an earlier try): add to its records instead.
  return MetadataProvider::register_finished_task(flow, run_id, step, task_id, tags, data, attempt, artifacts);
}

Result<std::vector<std::string>> LocalMetadataProvider::list_dirs(const std::string& prefix) {
  CONFLUX_ASSIGN_OR_RETURN(std::vector<ListEntry> entries, storage_.list(prefix));
  std::vector<std::string> dirs;
  for (ListEntry& e : entries) {
    if (!e.is_file && e.name != kMetaDir) dirs.push_back(std::move(e.name));
  }
  std::sort(dirs.begin(), dirs.end(),
            [](const std::string& a, const std::string& b) { return natural_less(a, b); });
  return dirs;
}

Result<std::vector<FlowRecord>> LocalMetadataProvider::list_flows() {
  CONFLUX_ASSIGN_OR_RETURN(std::vector<std::string> dirs, list_dirs(""));
  std::vector<FlowRecord> out;
  for (const std::string& d : dirs) {
    if (!check_key_component(d, "flow name").ok()) continue;
    Result<FlowRecord> r = load_record<FlowRecord>(storage_, meta_key({d}, kSelfFile), "flow");
    if (r.status().code() == StatusCode::kNotFound) continue;  // not a flow (data/, mf.cards/)
    if (!r.ok()) return r.status();
    out.push_back(std::move(r).value());
  }
  return out;
}

Result<FlowRecord> LocalMetadataProvider::get_flow(string_view flow) {
  CONFLUX_RETURN_IF_ERROR(check_names({{flow, "flow name"}}));
  return load_record<FlowRecord>(storage_, meta_key({flow}, kSelfFile),
                                 "flow '" + std::string(flow) + "'");
}

Result<std::vector<RunRecord>> LocalMetadataProvider::list_runs(string_view flow) {
  CONFLUX_RETURN_IF_ERROR(check_names({{flow, "flow name"}}));
  CONFLUX_ASSIGN_OR_RETURN(std::vector<std::string> dirs, list_dirs(std::string(flow)));
  std::vector<RunRecord> out;
  for (const std::string& d : dirs) {
    Result<RunRecord> r = load_record<RunRecord>(storage_, meta_key({flow, d}, kSelfFile), "run");
    if (r.status().code() == StatusCode::kNotFound) continue;  // data/ or a run without metadata
    if (!r.ok()) return r.status();
    out.push_back(std::move(r).value());
  }
  return out;
}

Status LocalMetadataProvider::mark_run_in_use(string_view flow, string_view run_id) {
  CONFLUX_RETURN_IF_ERROR(check_names({{flow, "flow name"}, {run_id, "run id"}}));
  Status s = storage_.touch(meta_key({flow, run_id}, kSelfFile));
  if (s.is_not_found()) return Status::not_found("run '" + pathspec({flow, run_id}) + "' does not exist");
  return s;
}

Status LocalMetadataProvider::delete_run(string_view flow, string_view run_id) {
  CONFLUX_RETURN_IF_ERROR(check_names({{flow, "flow name"}, {run_id, "run id"}}));
  CONFLUX_ASSIGN_OR_RETURN(bool exists, storage_.exists(meta_key({flow, run_id}, kSelfFile)));
  if (!exists) return Status::not_found("run '" + pathspec({flow, run_id}) + "' does not exist");
  return storage_.remove_tree(pathspec({flow, run_id}));
}

Result<RunRecord> LocalMetadataProvider::get_run(string_view flow, string_view run_id) {
  CONFLUX_RETURN_IF_ERROR(check_names({{flow, "flow name"}, {run_id, "run id"}}));
  return load_record<RunRecord>(storage_, meta_key({flow, run_id}, kSelfFile),
                                "run '" + pathspec({flow, run_id}) + "'");
}

Result<std::vector<StepRecord>> LocalMetadataProvider::list_steps(string_view flow,
                                                                  string_view run_id) {
  Result<RunRecord> run = get_run(flow, run_id);
  if (run.status().code() == StatusCode::kNotFound) return std::vector<StepRecord>();
  if (!run.ok()) return run.status();
  CONFLUX_ASSIGN_OR_RETURN(std::vector<std::string> dirs, list_dirs(pathspec({flow, run_id})));
  std::vector<StepRecord> out;
  for (const std::string& d : dirs) {
    Result<StepRecord> r =
        load_record<StepRecord>(storage_, meta_key({flow, run_id, d}, kSelfFile), "step");
    if (r.status().code() == StatusCode::kNotFound) continue;
    if (!r.ok()) return r.status();
    r->tags = run->tags;  // tags are the run's (sticky, and mutable only on the run)
    r->system_tags = run->system_tags;
    out.push_back(std::move(r).value());
  }
  // Creation order is execution order, which is what users expect to see.
  std::stable_sort(out.begin(), out.end(), [](const StepRecord& a, const StepRecord& b) {
    return a.ts_epoch < b.ts_epoch;
  });
  return out;
}

Result<StepRecord> LocalMetadataProvider::get_step(string_view flow, string_view run_id,
                                                   string_view step) {
  CONFLUX_RETURN_IF_ERROR(
      check_names({{flow, "flow name"}, {run_id, "run id"}, {step, "step name"}}));
  CONFLUX_ASSIGN_OR_RETURN(
      StepRecord r, load_record<StepRecord>(storage_, meta_key({flow, run_id, step}, kSelfFile),
                                            "step '" + pathspec({flow, run_id, step}) + "'"));
  CONFLUX_ASSIGN_OR_RETURN(RunRecord run, get_run(flow, run_id));
  r.tags = std::move(run.tags);
  r.system_tags = std::move(run.system_tags);
  return r;
}

Result<std::vector<TaskRecord>> LocalMetadataProvider::list_tasks(string_view flow,
                                                                  string_view run_id,
                                                                  string_view step) {
  CONFLUX_RETURN_IF_ERROR(check_names({{step, "step name"}}));
  Result<RunRecord> run = get_run(flow, run_id);
  if (run.status().code() == StatusCode::kNotFound) return std::vector<TaskRecord>();
  if (!run.ok()) return run.status();
  CONFLUX_ASSIGN_OR_RETURN(std::vector<std::string> dirs,
                           list_dirs(pathspec({flow, run_id, step})));
  std::vector<TaskRecord> out;
  for (const std::string& d : dirs) {
    Result<TaskRecord> r =
        load_record<TaskRecord>(storage_, meta_key({flow, run_id, step, d}, kSelfFile), "task");
    if (r.status().code() == StatusCode::kNotFound) continue;
    if (!r.ok()) return r.status();
    r->tags = run->tags;
    r->system_tags = run->system_tags;
    out.push_back(std::move(r).value());
  }
  return out;
}

Result<TaskRecord> LocalMetadataProvider::get_task(string_view flow, string_view run_id,
                                                   string_view step, string_view task_id) {
  CONFLUX_RETURN_IF_ERROR(check_names(
      {{flow, "flow name"}, {run_id, "run id"}, {step, "step name"}, {task_id, "task id"}}));
  CONFLUX_ASSIGN_OR_RETURN(
      TaskRecord r,
      load_record<TaskRecord>(storage_, meta_key({flow, run_id, step, task_id}, kSelfFile),
                              "task '" + pathspec({flow, run_id, step, task_id}) + "'"));
  CONFLUX_ASSIGN_OR_RETURN(RunRecord run, get_run(flow, run_id));
  r.tags = std::move(run.tags);
  r.system_tags = std::move(run.system_tags);
  return r;
}

Result<std::vector<std::string>> LocalMetadataProvider::task_meta_files(string_view flow,
                                                                        string_view run_id,
                                                                        string_view step,
                                                                        string_view task_id) {
  CONFLUX_RETURN_IF_ERROR(check_names(
      {{flow, "flow name"}, {run_id, "run id"}, {step, "step name"}, {task_id, "task id"}}));
  std::string dir = join_key({flow, run_id, step, task_id, kMetaDir});
  CONFLUX_ASSIGN_OR_RETURN(std::vector<ListEntry> entries, storage_.list(dir));
  std::vector<std::string> files;
  for (ListEntry& e : entries) {
    if (e.is_file) files.push_back(std::move(e.name));
  }
  std::sort(files.begin(), files.end());
  return files;
}

Result<std::vector<MetadataRow>> LocalMetadataProvider::list_metadata(string_view flow,
                                                                      string_view run_id,
                                                                      string_view step,
                                                                      string_view task_id,
                                                                      std::optional<int> attempt) {
  CONFLUX_ASSIGN_OR_RETURN(std::vector<std::string> files,
                           task_meta_files(flow, run_id, step, task_id));
  std::vector<MetadataRow> rows;
  for (const std::string& f : files) {
    if (!f.starts_with(kSysmetaPrefix) || !f.ends_with(".json")) continue;
    CONFLUX_ASSIGN_OR_RETURN(
        MetadataRow row, load_record<MetadataRow>(
                             storage_, meta_key({flow, run_id, step, task_id}, f), "metadata row"));
    rows.push_back(std::move(row));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const MetadataRow& a, const MetadataRow& b) {
    return a.ts_epoch < b.ts_epoch;
  });
  if (attempt.has_value()) return metadata_for_attempt(rows, *attempt);
  return rows;
}

Result<std::vector<ArtifactRow>> LocalMetadataProvider::list_artifacts(string_view flow,
                                                                       string_view run_id,
                                                                       string_view step,
                                                                       string_view task_id,
                                                                       std::optional<int> attempt) {
  CONFLUX_ASSIGN_OR_RETURN(std::vector<std::string> files,
                           task_meta_files(flow, run_id, step, task_id));
  std::vector<ArtifactRow> out;
  if (!attempt.has_value()) {
    // Like Metaflow: the value of the last (by file name, i.e. by time) attempt-done row.
    const std::string* last_done = nullptr;
    for (const std::string& f : files) {
      if (f.starts_with(kAttemptDonePrefix)) last_done = &f;
    }
    if (last_done == nullptr) return out;
    CONFLUX_ASSIGN_OR_RETURN(
        MetadataRow done,
        load_record<MetadataRow>(storage_, meta_key({flow, run_id, step, task_id}, *last_done),
                                 "metadata row"));
    int n = 0;
    const char* end = done.value.data() + done.value.size();
    auto [ptr, ec] = std::from_chars(done.value.data(), end, n);
    if (ec != std::errc() || ptr != end) {
      return Status::corruption("attempt-done row of task '" +
                                pathspec({flow, run_id, step, task_id}) +
                                "' has a non-integer value '" + done.value + "'");
    }
    attempt = n;
  }
  CONFLUX_ASSIGN_OR_RETURN(RunRecord run, get_run(flow, run_id));
  const std::string prefix = std::to_string(*attempt) + "_artifact_";
  for (const std::string& f : files) {
    if (!f.starts_with(prefix) || !f.ends_with(".json")) continue;
    CONFLUX_ASSIGN_OR_RETURN(
        ArtifactRow row, load_record<ArtifactRow>(
                             storage_, meta_key({flow, run_id, step, task_id}, f), "artifact row"));
    row.tags = run.tags;
    row.system_tags = run.system_tags;
    out.push_back(std::move(row));
  }
  return out;
}

Result<RunRecord> LocalMetadataProvider::mutate_run_tags(
    string_view flow, string_view run_id, const std::vector<std::string>& to_add,
    const std::vector<std::string>& to_remove) {
  // Optimistic, like Metaflow: write, read back, retry with backoff if a concurrent writer won.
  thread_local std::mt19937 rng{std::random_device{}()};
  const std::string key = meta_key({flow, run_id}, kSelfFile);
  for (int tries = 1;; ++tries) {
    CONFLUX_ASSIGN_OR_RETURN(RunRecord run, get_run(flow, run_id));
    CONFLUX_ASSIGN_OR_RETURN(TagMutation m, plan_tag_mutation(run, to_add, to_remove));
    if (!m.changed) return run;
    run.tags = m.tags;
    CONFLUX_RETURN_IF_ERROR(storage_.save(key, run.to_json(), /*overwrite=*/true));
    CONFLUX_ASSIGN_OR_RETURN(RunRecord after, get_run(flow, run_id));
    if (tag_mutation_applied(after.tags, m, to_remove)) return after;
    if (tries >= kTagMutationTries) break;
    std::uniform_real_distribution<double> jitter(1.1, 1.3);
    double delay = 0.3;
    for (int i = 0; i < tries; ++i) delay *= jitter(rng);
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
  }
  return Status::unavailable("tagging run '" + pathspec({flow, run_id}) +
                             "' failed: too many conflicting updates from other processes");
}

Status LocalMetadataProvider::write_latest_run(string_view flow, string_view run_id) {
  CONFLUX_RETURN_IF_ERROR(check_names({{flow, "flow name"}, {run_id, "run id"}}));
  return storage_.save(join_key({flow, "latest_run"}), run_id, /*overwrite=*/true);
}

Result<std::optional<std::string>> LocalMetadataProvider::read_latest_run(string_view flow) {
  CONFLUX_RETURN_IF_ERROR(check_names({{flow, "flow name"}}));
  Result<std::string> text = storage_.load(join_key({flow, "latest_run"}));
  if (text.status().code() == StatusCode::kNotFound) return std::optional<std::string>();
  if (!text.ok()) return text.status();
  std::string id = std::move(text).value();
  while (!id.empty() && (id.back() == '\n' || id.back() == '\r' || id.back() == ' ')) id.pop_back();
  return std::optional<std::string>(std::move(id));
}

}  // namespace conflux
