#include "transfer/run_records.hpp"

#include <map>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

namespace conflux::transfer {

namespace {

using nlohmann::json;

template <class Record>
json records_json(const std::vector<Record>& records) {
  json out = json::array();
  for (const Record& r : records) out.push_back(json::parse(r.to_json()));
  return out;
}

template <class Record>
Status records_from(const json& doc, const char* key, std::vector<Record>* out) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_array()) {
    return Status::corruption(std::string("run records: '") + key + "' is missing or not a list");
  }
  for (const json& item : *it) {
    Result<Record> r = Record::from_json(item.dump());
    if (!r.ok()) return r.status().with_context(std::string("run records: '") + key + "'");
    out->push_back(std::move(r).value());
  }
  return Status();
}

}  // namespace

std::string RunRecords::to_json() const {
  json doc = {{"run", json::parse(run.to_json())},
              {"steps", records_json(steps)},
              {"tasks", records_json(tasks)},
              {"metadata", records_json(metadata)},
              {"artifacts", records_json(artifacts)}};
  return doc.dump();
}

Result<RunRecords> RunRecords::from_json(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object() || !doc.contains("run")) return Status::corruption("run records: not a JSON object with a run");
  RunRecords out;
  Result<RunRecord> run = RunRecord::from_json(doc["run"].dump());
  if (!run.ok()) return run.status().with_context("run records: 'run'");
  out.run = std::move(run).value();
  CONFLUX_RETURN_IF_ERROR(records_from(doc, "steps", &out.steps));
  CONFLUX_RETURN_IF_ERROR(records_from(doc, "tasks", &out.tasks));
  CONFLUX_RETURN_IF_ERROR(records_from(doc, "metadata", &out.metadata));
  CONFLUX_RETURN_IF_ERROR(records_from(doc, "artifacts", &out.artifacts));
  return out;
}

Result<RunRecords> collect_run_records(MetadataProvider& metadata, const std::string& flow,
                                       const std::string& run_id) {
  RunRecords out;
  CONFLUX_ASSIGN_OR_RETURN(out.run, metadata.get_run(flow, run_id));
  CONFLUX_ASSIGN_OR_RETURN(out.steps, metadata.list_steps(flow, run_id));
  for (const StepRecord& step : out.steps) {
    CONFLUX_ASSIGN_OR_RETURN(std::vector<TaskRecord> tasks, metadata.list_tasks(flow, run_id, step.step_name));
    for (TaskRecord& task : tasks) {
      CONFLUX_ASSIGN_OR_RETURN(std::vector<MetadataRow> rows,
                               metadata.list_metadata(flow, run_id, step.step_name, task.task_id, std::nullopt));
      std::set<int> attempts = {0};
      for (const MetadataRow& row : rows) {
        if (auto a = row.attempt_id()) attempts.insert(*a);
      }
      for (int attempt : attempts) {
        CONFLUX_ASSIGN_OR_RETURN(std::vector<ArtifactRow> artifacts,
                                 metadata.list_artifacts(flow, run_id, step.step_name, task.task_id, attempt));
        out.artifacts.insert(out.artifacts.end(), artifacts.begin(), artifacts.end());
      }
      out.metadata.insert(out.metadata.end(), rows.begin(), rows.end());
      out.tasks.push_back(std::move(task));
    }
  }
  return out;
}

Status register_run_records(MetadataProvider& metadata, const RunRecords& records,
                            const RegisterOptions& options) {
  const std::string& flow = records.run.flow_id;
  const std::string& run_id = options.run_id;
  auto at = [&](int64_t ts) {
    if (options.at) options.at(ts);
  };
  auto register_run = [&] {
    at(records.run.ts_epoch);
    std::vector<std::string> system_tags = records.run.system_tags;
    system_tags.insert(system_tags.end(), options.extra_system_tags.begin(), options.extra_system_tags.end());
    return metadata.register_run_id(flow, run_id, RunTags{records.run.tags, system_tags});
  };
  if (options.run_first) CONFLUX_RETURN_IF_ERROR(register_run());

  for (const StepRecord& step : records.steps) {
    at(step.ts_epoch);
    CONFLUX_RETURN_IF_ERROR(metadata.register_step(flow, run_id, step.step_name, RunTags{step.tags, step.system_tags}));
  }
  auto is_number = [](const std::string& id) {
    return !id.empty() && id.find_first_not_of("0123456789") == std::string::npos;
  };
  std::map<std::string, std::string> ids;  // "<step>/<task>" -> the task's id here
  for (const TaskRecord& task : records.tasks) {
    at(task.ts_epoch);
    const RunTags tags{task.tags, task.system_tags};
    std::string id = task.task_id;
    if (options.new_task_ids != nullptr && is_number(task.task_id)) {
      CONFLUX_ASSIGN_OR_RETURN(id, metadata.new_task_id(flow, run_id, task.step_name, tags));
      (*options.new_task_ids)[task.step_name + "/" + task.task_id] = id;
    } else {
      CONFLUX_RETURN_IF_ERROR(metadata.register_task_id(flow, run_id, task.step_name, task.task_id, tags));
    }
    ids[task.step_name + "/" + task.task_id] = id;
  }
  auto task_id = [&](const std::string& step, const std::string& task) {
    auto it = ids.find(step + "/" + task);
    return it == ids.end() ? task : it->second;
  };
  // Rows registered together shared one timestamp: register them in those same batches.
  std::map<std::tuple<std::string, std::string, int64_t>, std::vector<MetaDatum>> batches;
  for (const MetadataRow& row : records.metadata) {
    batches[{row.step_name, task_id(row.step_name, row.task_id), row.ts_epoch}].push_back(
        MetaDatum{row.field_name, row.value, row.type, row.tags, row.value_is_json});
  }
  for (const auto& [key, data] : batches) {
    at(std::get<2>(key));
    CONFLUX_RETURN_IF_ERROR(metadata.register_metadata(flow, run_id, std::get<0>(key), std::get<1>(key), data));
  }
  std::map<std::tuple<std::string, std::string, int, int64_t>, std::vector<ArtifactRef>> artifact_batches;
  for (const ArtifactRow& row : records.artifacts) {
    artifact_batches[{row.step_name, task_id(row.step_name, row.task_id), row.attempt_id, row.ts_epoch}].push_back(
        ArtifactRef{row.name, row.sha, row.content_type, options.ds_type, options.ds_root, ""});
  }
  for (const auto& [key, refs] : artifact_batches) {
    at(std::get<3>(key));
    CONFLUX_RETURN_IF_ERROR(metadata.register_artifacts(flow, run_id, std::get<0>(key), std::get<1>(key),
                                                        std::get<2>(key), refs,
                                                        RunTags{records.run.tags, records.run.system_tags}));
  }
  if (!options.run_first) CONFLUX_RETURN_IF_ERROR(register_run());
  return Status();
}

}  // namespace conflux::transfer
