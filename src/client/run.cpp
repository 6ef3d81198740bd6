// Run: its steps, its end task (status and data), its origin when resumed, and user tag mutation.
#include <algorithm>

#include "client/client_state.hpp"

namespace conflux {

namespace {

constexpr std::string_view kParametersStep = "_parameters";

// The newest value of `field` among a task's metadata rows, if any.
std::optional<std::string> newest_value(const std::vector<MetadataRow>& rows,
                                        std::string_view field) {
  std::optional<std::string> out;
  int64_t ts = INT64_MIN;
  for (const MetadataRow& row : rows) {
    if (row.field_name == field && row.ts_epoch >= ts) {
      ts = row.ts_epoch;
      out = row.value;
    }
  }
  return out;
}

}  // namespace

Result<std::vector<Step>> Run::steps() const {
  const client_detail::StatePtr& state = core_.state;
  Result<std::vector<StepRecord>> records = state->metadata().list_steps(path().flow, id());
  if (!records.ok()) return client_detail::lookup_error("run", pathspec(), records.status());
  std::vector<Step> out;
  for (const StepRecord& record : *records) {
    if (record.step_name.empty() || record.step_name[0] == '_') continue;
    Step step(client_detail::step_core(state, record));
    if (!state->ns.contains(step.tags())) continue;
    out.push_back(std::move(step));
  }
  std::sort(out.begin(), out.end(), [](const Step& a, const Step& b) {
    if (a.created_at() != b.created_at()) return a.created_at() < b.created_at();
    return a.id() < b.id();
  });
  return out;
}

Result<Step> Run::step(std::string_view name) const {
  std::string pathspec = this->pathspec() + "/" + std::string(name);
  CONFLUX_RETURN_IF_ERROR(Pathspec::parse(pathspec, 3).status());
  Result<StepRecord> record = core_.state->metadata().get_step(path().flow, id(), name);
  if (!record.ok()) return client_detail::lookup_error("step", pathspec, record.status());
  Step step(client_detail::step_core(core_.state, *record));
  CONFLUX_RETURN_IF_ERROR(client_detail::check_namespace("step", step.core()));
  return step;
}

Result<std::string> Run::end_step_name() const {
  MetadataProvider& metadata = core_.state->metadata();
  Result<std::vector<TaskRecord>> tasks = metadata.list_tasks(path().flow, id(), kParametersStep);
  if (!tasks.ok() || tasks->empty()) return std::string("end");
  CONFLUX_ASSIGN_OR_RETURN(std::vector<MetadataRow> rows,
                           metadata.list_metadata(path().flow, id(), kParametersStep,
                                                  tasks->front().task_id, std::nullopt));
  return newest_value(rows, "end_step").value_or("end");
}

Result<Task> Run::end_task() const {
  CONFLUX_ASSIGN_OR_RETURN(std::string end, end_step_name());
  Result<Step> step = this->step(end);
  if (!step.ok()) {
    if (step.status().is_not_found()) {
      return Status::not_found("Run '" + pathspec() + "' has no '" + end + "' task yet");
    }
    return step.status();
  }
  Result<Task> task = step->task();
  if (!task.ok() && task.status().is_not_found()) {
    return Status::not_found("Run '" + pathspec() + "' has no '" + end + "' task yet");
  }
  return task;
}

Result<bool> Run::successful() const {
  Result<Task> end = end_task();
  if (!end.ok()) return end.status().is_not_found() ? Result<bool>(false) : end.status();
  return end->successful();
}

Result<bool> Run::finished() const {
  Result<Task> end = end_task();
  if (!end.ok()) return end.status().is_not_found() ? Result<bool>(false) : end.status();
  return end->finished();
}

Result<std::optional<ClientTime>> Run::finished_at() const {
  Result<Task> end = end_task();
  if (!end.ok()) {
    if (end.status().is_not_found()) return std::optional<ClientTime>();
    return end.status();
  }
  return end->finished_at();
}

Result<std::vector<DataArtifact>> Run::data() const {
  CONFLUX_ASSIGN_OR_RETURN(Task end, end_task());
  return end.artifacts();
}

Result<Value> Run::artifact_value(std::string_view name) const {
  CONFLUX_ASSIGN_OR_RETURN(Task end, end_task());
  return end.artifact_value(name);
}

Result<std::optional<std::string>> Run::origin_run_id() const {
  MetadataProvider& metadata = core_.state->metadata();
  CONFLUX_ASSIGN_OR_RETURN(std::vector<Step> all, steps());
  for (const Step& step : all) {
    CONFLUX_ASSIGN_OR_RETURN(std::vector<TaskRecord> tasks,
                             metadata.list_tasks(path().flow, id(), step.id()));
    if (tasks.empty()) continue;
    CONFLUX_ASSIGN_OR_RETURN(std::vector<MetadataRow> rows,
                             metadata.list_metadata(path().flow, id(), step.id(),
                                                    tasks.front().task_id, std::nullopt));
    std::optional<std::string> origin = newest_value(rows, "origin-run-id");
    if (!origin) continue;
    // Metaflow records "None" for runs that were not resumed.
    if (origin->empty() || *origin == "None") return std::optional<std::string>();
    return origin;
  }
  return std::optional<std::string>();
}

Result<std::optional<std::string>> Run::origin_pathspec() const {
  CONFLUX_ASSIGN_OR_RETURN(std::optional<std::string> origin, origin_run_id());
  if (!origin) return std::optional<std::string>();
  return std::optional<std::string>(path().flow + "/" + *origin);
}

Status Run::replace_tags(const std::vector<std::string>& old_tags,
                         const std::vector<std::string>& new_tags) {
  Result<RunRecord> updated =
      core_.state->metadata().mutate_run_tags(path().flow, id(), new_tags, old_tags);
  if (!updated.ok()) {
    const Status& s = updated.status();
    if (s.message().find(pathspec()) != std::string::npos) return s;
    return s.with_context("run '" + pathspec() + "'");
  }
  core_ = client_detail::run_core(core_.state, *updated);
  return Status();
}

}  // namespace conflux
