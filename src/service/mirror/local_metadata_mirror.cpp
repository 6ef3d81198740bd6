#include "service/mirror/local_metadata_mirror.hpp"

#include <nlohmann/json.hpp>

#include "service/ui_api/ui_api.hpp"

namespace conflux::service {

namespace {

std::string json_list(const std::vector<std::string>& items) { return nlohmann::json(items).dump(); }

// The keys every record below a run carries: the database's run number, the local run id as the
// run's name, and the step.
template <class Record>
void set_step_keys(Record& r, const std::string& flow, int64_t run_number, const std::string& local_run,
                   const std::string& step) {
  r.flow_id = flow;
  r.run_number = run_number;
  r.run_id = local_run;
  r.step_name = step;
}

// ... and below a task: the database's task id, the local task id as the task's name.
template <class Record>
void set_task_keys(Record& r, const std::string& flow, int64_t run_number, const std::string& local_run,
                   const std::string& step, int64_t task_id, const std::string& local_task) {
  set_step_keys(r, flow, run_number, local_run, step);
  r.task_id = task_id;
  r.task_name = local_task;
}

// AlreadyExists is fine: a mirror that restarts finds what it copied before.
Status allow_existing(const Status& s) { return s.code() == StatusCode::kAlreadyExists ? Status() : s; }

}  // namespace

Result<MirrorCounts> LocalMetadataMirror::sync() {
  MirrorCounts counts;
  CONFLUX_ASSIGN_OR_RETURN(std::vector<conflux::FlowRecord> flows, local_.list_flows());
  for (const conflux::FlowRecord& f : flows) {
    if (!flows_.contains(f.flow_id)) {
      FlowRecord record;
      record.flow_id = f.flow_id;
      record.ts_epoch = f.ts_epoch;
      CONFLUX_RETURN_IF_ERROR(allow_existing(db_.create_flow(record).status()));
      flows_.insert(f.flow_id);
    }
    CONFLUX_ASSIGN_OR_RETURN(std::vector<conflux::RunRecord> runs, local_.list_runs(f.flow_id));
    for (const conflux::RunRecord& run : runs) {
      if (settled_runs_.contains(f.flow_id + "/" + run.run_number)) continue;
      CONFLUX_RETURN_IF_ERROR(sync_run(f.flow_id, run, counts));
    }
  }
  return counts;
}

Status LocalMetadataMirror::sync_run(const std::string& flow, const conflux::RunRecord& run, MirrorCounts& counts) {
  const std::string run_key = flow + "/" + run.run_number;
  auto known = runs_.find(run_key);
  if (known == runs_.end()) {
    RunRecord record;
    record.flow_id = flow;
    record.run_id = run.run_number;
    record.user_name = run.user_name;
    record.ts_epoch = run.ts_epoch;
    record.tags = json_list(run.tags);
    record.system_tags = json_list(run.system_tags);
    CONFLUX_ASSIGN_OR_RETURN(RunRecord created, db_.create_run(record));
    known = runs_.emplace(run_key, created.run_number).first;
    ++counts.runs;
    if (events_) publish_run_change(*events_, flow, created.run_number, "INSERT");
  }
  const int64_t run_number = known->second;
  CONFLUX_ASSIGN_OR_RETURN(std::vector<conflux::StepRecord> steps, local_.list_steps(flow, run.run_number));
  for (const conflux::StepRecord& step : steps) {
    const std::string step_key = run_key + "/" + step.step_name;
    if (!steps_.contains(step_key)) {
      StepRecord record;
      set_step_keys(record, flow, run_number, run.run_number, step.step_name);
      record.user_name = step.user_name;
      record.ts_epoch = step.ts_epoch;
      record.tags = json_list(step.tags);
      record.system_tags = json_list(step.system_tags);
      CONFLUX_RETURN_IF_ERROR(allow_existing(db_.create_step(record).status()));
      steps_.insert(step_key);
    }
    CONFLUX_ASSIGN_OR_RETURN(std::vector<conflux::TaskRecord> tasks,
                             local_.list_tasks(flow, run.run_number, step.step_name));
    for (const conflux::TaskRecord& task : tasks) CONFLUX_RETURN_IF_ERROR(sync_task(flow, run, run_number, task, counts));
  }
  // A run that finished one way or the other is not read again.
  CONFLUX_ASSIGN_OR_RETURN(std::optional<RunRecord> stored, db_.get_run(flow, ObjectKey{run_number, {}}));
  if (stored && stored->status && *stored->status != "running") settled_runs_.insert(run_key);
  return Status();
}

Status LocalMetadataMirror::sync_task(const std::string& flow, const conflux::RunRecord& run, int64_t run_number,
                                      const conflux::TaskRecord& task, MirrorCounts& counts) {
  const std::string task_key = flow + "/" + run.run_number + "/" + task.step_name + "/" + task.task_id;
  auto known = tasks_.find(task_key);
  if (known != tasks_.end() && known->second.settled) return Status();
  if (known == tasks_.end()) {
    TaskRecord record;
    set_step_keys(record, flow, run_number, run.run_number, task.step_name);
    record.task_name = task.task_id;
    record.user_name = task.user_name;
    record.ts_epoch = task.ts_epoch;
    record.tags = json_list(task.tags);
    record.system_tags = json_list(task.system_tags);
    CONFLUX_ASSIGN_OR_RETURN(TaskRecord created, db_.create_task(record));
    known = tasks_.emplace(task_key, KnownTask{created.task_id}).first;
    ++counts.tasks;
    if (events_) publish_task_change(*events_, flow, run_number, task.step_name, created.task_id, "INSERT");
  }
  KnownTask& k = known->second;
  CONFLUX_ASSIGN_OR_RETURN(std::vector<MetadataRow> rows,
                           local_.list_metadata(flow, run.run_number, task.step_name, task.task_id, std::nullopt));
  if (rows.size() <= k.metadata_rows) return Status();
  std::vector<MetadataRecord> added;
  bool succeeded = false;
  for (size_t i = k.metadata_rows; i < rows.size(); ++i) {
    const MetadataRow& m = rows[i];
    MetadataRecord record;
    set_task_keys(record, flow, run_number, run.run_number, task.step_name, k.id, task.task_id);
    record.field_name = m.field_name;
    record.value = m.value;
    record.type = m.type;
    record.user_name = m.user_name;
    record.ts_epoch = m.ts_epoch;
    record.tags = json_list(m.tags);
    added.push_back(std::move(record));
    succeeded = succeeded || (m.field_name == "attempt_ok" && (m.value == "True" || m.value == "true"));
  }
  CONFLUX_RETURN_IF_ERROR(db_.add_metadata(added).status());
  k.metadata_rows = rows.size();
  counts.metadata += static_cast<int64_t>(added.size());
  // The artifact rows of the newest finished attempt (the database skips the ones it has).
  CONFLUX_ASSIGN_OR_RETURN(std::vector<ArtifactRow> artifacts,
                           local_.list_artifacts(flow, run.run_number, task.step_name, task.task_id, std::nullopt));
  std::vector<ArtifactRecord> records;
  for (const ArtifactRow& a : artifacts) {
    ArtifactRecord record;
    set_task_keys(record, flow, run_number, run.run_number, task.step_name, k.id, task.task_id);
    record.name = a.name;
    record.location = a.location;
    record.ds_type = a.ds_type;
    record.sha = a.sha;
    record.type = a.type;
    record.content_type = a.content_type;
    record.user_name = a.user_name;
    record.attempt_id = a.attempt_id;
    record.ts_epoch = added.back().ts_epoch;
    record.tags = json_list(a.tags);
    record.system_tags = json_list(a.system_tags);
    records.push_back(std::move(record));
  }
  if (!records.empty()) CONFLUX_RETURN_IF_ERROR(db_.add_artifacts(records).status());
  k.settled = succeeded;
  if (events_) publish_metadata_effects(*events_, added);
  return Status();
}

}  // namespace conflux::service
