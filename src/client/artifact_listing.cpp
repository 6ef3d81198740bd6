#include "client/artifact_listing.hpp"

#include <algorithm>

#include "client/client_state.hpp"
#include "datastore/task_datastore.hpp"

namespace conflux::client_detail {

namespace {

ObjectCore artifact_core(const ObjectCore& task, const std::string& name, ClientTime created) {
  ObjectCore core = task;
  core.path.artifact = name;
  core.path.depth = 5;
  core.created_at = created;
  return core;
}

DataArtifact::Info info_from(const ArtifactEntry* entry, std::string sha, int attempt,
                             std::string encoding) {
  DataArtifact::Info info;
  info.sha = std::move(sha);
  info.attempt = attempt;
  info.encoding = std::move(encoding);
  if (entry != nullptr && entry->has_info) {
    info.size = entry->info.size;
    info.type = entry->info.type;
    info.encoding = entry->info.encoding;
  }
  return info;
}

}  // namespace

Result<std::vector<DataArtifact>> list_task_artifacts(const ObjectCore& task,
                                                      std::optional<int> attempt) {
  const Pathspec& p = task.path;
  const ClientState& state = *task.state;
  Result<std::vector<ArtifactRow>> rows =
      state.metadata().list_artifacts(p.flow, p.run_id, p.step, p.task_id, attempt);
  if (!rows.ok()) return rows.status().with_context("task '" + p.to_string() + "'");
  TaskDataStore ds(state.storage(), p.flow, p.run_id, p.step, p.task_id);
  std::vector<DataArtifact> out;
  if (!rows->empty()) {
    int row_attempt = rows->front().attempt_id;
    Result<ArtifactIndex> index = ds.load_index(row_attempt);  // size/type only: optional
    for (const ArtifactRow& row : *rows) {
      const ArtifactEntry* entry = index.ok() ? index->find(row.name) : nullptr;
      out.emplace_back(artifact_core(task, row.name, time_from_ms(row.ts_epoch)),
                       info_from(entry, row.sha, row.attempt_id, row.content_type));
    }
  } else {
    int done = 0;
    if (attempt) {
      CONFLUX_ASSIGN_OR_RETURN(bool is_done, ds.is_done(*attempt));
      if (!is_done) return out;
      done = *attempt;
    } else {
      Result<int> latest = ds.latest_done_attempt();
      if (!latest.ok()) {
        if (latest.status().is_not_found()) return out;
        return latest.status().with_context("task '" + p.to_string() + "'");
      }
      done = *latest;
    }
    Result<ArtifactIndex> index = ds.load_index(done);
    if (!index.ok()) return index.status().with_context("task '" + p.to_string() + "'");
    for (const ArtifactEntry& entry : index->artifacts) {
      out.emplace_back(artifact_core(task, entry.name, task.created_at),
                       info_from(&entry, entry.sha, done, entry.info.encoding));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const DataArtifact& a, const DataArtifact& b) { return a.name() < b.name(); });
  return out;
}

}  // namespace conflux::client_detail
