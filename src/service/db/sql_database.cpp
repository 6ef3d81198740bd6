#include "service/db/sql_database.hpp"

#include "service/db/sql_queries.hpp"

namespace conflux::service {

using namespace sql;  // column lists, row readers, keys, paging, OpTimer, query builders

std::string SqlDatabase::run_select() const {
  return std::string("SELECT ") + kRunCols + " FROM runs";
}

namespace {

// " WHERE ..." selecting one task's rows of a table keyed like metadata.
void task_metadata_where(std::string& sql, std::vector<SqlValue>& params, std::string_view flow_id,
                         const ObjectKey& run, std::string_view step_name, const ObjectKey& task) {
  sql += " WHERE flow_id = ?";
  params.emplace_back(std::string(flow_id));
  add_run_key(sql, params, run);
  sql += " AND step_name = ?";
  params.emplace_back(std::string(step_name));
  add_task_key(sql, params, task);
}

// " WHERE ..." selecting the artifacts of a run, step or task.
void artifact_scope_where(std::string& sql, std::vector<SqlValue>& params, const ArtifactScope& scope) {
  sql += " WHERE flow_id = ?";
  params.emplace_back(scope.flow_id);
  add_run_key(sql, params, scope.run);
  if (scope.step_name) {
    sql += " AND step_name = ?";
    params.emplace_back(*scope.step_name);
  }
  if (scope.task) add_task_key(sql, params, *scope.task);
}
}  // namespace

Result<std::optional<FlowRecord>> SqlDatabase::get_flow(std::string_view flow_id) {
  OpTimer t(report_, "get_flow");
  std::vector<FlowRecord> out;
  CONFLUX_RETURN_IF_ERROR(read_all(std::string("SELECT ") + kFlowCols + " FROM flows WHERE flow_id = ?",
                   {std::string(flow_id)}, read_flow<SqlRow>, out));
  if (out.empty()) return std::optional<FlowRecord>();
  return std::optional<FlowRecord>(std::move(out.front()));
}

Result<std::vector<FlowRecord>> SqlDatabase::list_flows() {
  OpTimer t(report_, "list_flows");
  std::vector<FlowRecord> out;
  CONFLUX_RETURN_IF_ERROR(read_all(std::string("SELECT ") + kFlowCols + " FROM flows ORDER BY " + dialect_.creation_order, {}, read_flow<SqlRow>, out));
  return out;
}

Result<Page<FlowRecord>> SqlDatabase::list_flows_page(const PageRequest& page) {
  OpTimer t(report_, "list_flows_page");
  std::string sql = std::string("SELECT ") + kFlowCols + " FROM flows";
  std::vector<SqlValue> params;
  if (page.after) {
    sql += " WHERE (ts_epoch, flow_id) < (?, ?)";
    params.emplace_back(page.after->ts_epoch);
    params.emplace_back(page.after->text);
  }
  sql += " ORDER BY ts_epoch DESC, flow_id DESC LIMIT ?";
  params.emplace_back(page.limit + 1);
  Page<FlowRecord> out;
  CONFLUX_RETURN_IF_ERROR(read_all(sql, params, read_flow<SqlRow>, out.items));
  if (static_cast<int64_t>(out.items.size()) > page.limit) {
    out.items.resize(static_cast<size_t>(page.limit));
    out.has_more = true;
  }
  return out;
}

Result<std::optional<RunRecord>> SqlDatabase::get_run(std::string_view flow_id, const ObjectKey& run) {
  OpTimer t(report_, "get_run");
  std::string sql = run_select() + " WHERE flow_id = ?";
  std::vector<SqlValue> params{std::string(flow_id)};
  add_run_key(sql, params, run);
  std::vector<RunRecord> out;
  CONFLUX_RETURN_IF_ERROR(read_all(sql, params, read_run<SqlRow>, out));
  if (out.empty()) return std::optional<RunRecord>();
  return std::optional<RunRecord>(std::move(out.front()));
}

Result<std::vector<RunRecord>> SqlDatabase::list_runs(std::string_view flow_id) {
  OpTimer t(report_, "list_runs");
  std::vector<RunRecord> out;
  CONFLUX_RETURN_IF_ERROR(read_all(run_select() + " WHERE flow_id = ? ORDER BY run_number", {std::string(flow_id)}, read_run<SqlRow>, out));
  return out;
}

Result<Page<RunRecord>> SqlDatabase::list_runs_filtered(const RunQuery& query) {
  OpTimer t(report_, "list_runs_filtered");
  CONFLUX_ASSIGN_OR_RETURN(SqlQuery q, runs_query(dialect_, query));
  Page<RunRecord> out;
  CONFLUX_RETURN_IF_ERROR(read_all(q.sql, q.params, read_run<SqlRow>, out.items));
  trim_page(out, query.page.limit);
  return out;
}

Result<std::vector<std::string>> SqlDatabase::autocomplete_flows(std::string_view text, int64_t limit) {
  OpTimer t(report_, "autocomplete_flows");
  std::vector<std::string> out;
  CONFLUX_RETURN_IF_ERROR(read_all(std::string("SELECT flow_id FROM flows WHERE flow_id") + dialect_.like_placeholder +
                                       " ORDER BY flow_id LIMIT ?",
                                   {"%" + std::string(text) + "%", limit},
                                   [](const SqlRow& r) { return r.text(0); }, out));
  return out;
}

Result<std::vector<std::string>> SqlDatabase::autocomplete_tags(std::string_view text, int64_t limit) {
  OpTimer t(report_, "autocomplete_tags");
  std::vector<std::string> out;
  CONFLUX_RETURN_IF_ERROR(read_all(std::string("SELECT tag FROM tag_names WHERE tag") + dialect_.like_placeholder +
                                       " ORDER BY tag LIMIT ?",
                                   {"%" + std::string(text) + "%", limit},
                                   [](const SqlRow& r) { return r.text(0); }, out));
  return out;
}

Result<std::optional<StepRecord>> SqlDatabase::get_step(std::string_view flow_id, const ObjectKey& run,
                                                           std::string_view step_name) {
  OpTimer t(report_, "get_step");
  std::string sql = std::string("SELECT ") + kStepCols + " FROM steps WHERE flow_id = ?";
  std::vector<SqlValue> params{std::string(flow_id)};
  add_run_key(sql, params, run);
  sql += " AND step_name = ?";
  params.emplace_back(std::string(step_name));
  std::vector<StepRecord> out;
  CONFLUX_RETURN_IF_ERROR(read_all(sql, params, read_step<SqlRow>, out));
  if (out.empty()) return std::optional<StepRecord>();
  return std::optional<StepRecord>(std::move(out.front()));
}

Result<std::vector<StepRecord>> SqlDatabase::list_steps(std::string_view flow_id, const ObjectKey& run) {
  OpTimer t(report_, "list_steps");
  std::string sql = std::string("SELECT ") + kStepCols + " FROM steps WHERE flow_id = ?";
  std::vector<SqlValue> params{std::string(flow_id)};
  add_run_key(sql, params, run);
  sql += std::string(" ORDER BY ") + dialect_.creation_order;
  std::vector<StepRecord> out;
  CONFLUX_RETURN_IF_ERROR(read_all(sql, params, read_step<SqlRow>, out));
  return out;
}

Result<std::optional<TaskRecord>> SqlDatabase::get_task(std::string_view flow_id, const ObjectKey& run,
                                                           std::string_view step_name, const ObjectKey& task) {
  OpTimer t(report_, "get_task");
  std::string sql = std::string("SELECT ") + kTaskCols + " FROM tasks WHERE flow_id = ?";
  std::vector<SqlValue> params{std::string(flow_id)};
  add_run_key(sql, params, run);
  sql += " AND step_name = ?";
  params.emplace_back(std::string(step_name));
  add_task_key(sql, params, task);
  std::vector<TaskRecord> out;
  CONFLUX_RETURN_IF_ERROR(read_all(sql, params, read_task<SqlRow>, out));
  if (out.empty()) return std::optional<TaskRecord>();
  return std::optional<TaskRecord>(std::move(out.front()));
}

Result<Page<TaskRecord>> SqlDatabase::list_run_tasks(const RunTaskQuery& query) {
  OpTimer t(report_, "list_run_tasks");
  CONFLUX_ASSIGN_OR_RETURN(SqlQuery q, run_tasks_query(query));
  Page<TaskRecord> out;
  CONFLUX_RETURN_IF_ERROR(read_all(q.sql, q.params, read_task<SqlRow>, out.items));
  if (static_cast<int64_t>(out.items.size()) > query.limit) {
    out.items.resize(static_cast<size_t>(query.limit));
    out.has_more = true;
  }
  return out;
}

Result<std::vector<TaskRecord>> SqlDatabase::list_tasks(std::string_view flow_id, const ObjectKey& run,
                                                           std::string_view step_name) {
  OpTimer t(report_, "list_tasks");
  std::string sql = std::string("SELECT ") + kTaskCols + " FROM tasks WHERE flow_id = ?";
  std::vector<SqlValue> params{std::string(flow_id)};
  add_run_key(sql, params, run);
  sql += " AND step_name = ? ORDER BY task_id";
  params.emplace_back(std::string(step_name));
  std::vector<TaskRecord> out;
  CONFLUX_RETURN_IF_ERROR(read_all(sql, params, read_task<SqlRow>, out));
  return out;
}

Result<Page<TaskRecord>> SqlDatabase::list_tasks_filtered(const TaskQuery& query) {
  OpTimer t(report_, "list_tasks_filtered");
  CONFLUX_ASSIGN_OR_RETURN(SqlQuery q, tasks_query(dialect_, query));
  Page<TaskRecord> out;
  CONFLUX_RETURN_IF_ERROR(read_all(q.sql, q.params, read_task<SqlRow>, out.items));
  trim_page(out, query.page.limit);
  return out;
}

Result<std::vector<MetadataRecord>> SqlDatabase::list_task_metadata(std::string_view flow_id, const ObjectKey& run,
                                                                       std::string_view step_name,
                                                                       const ObjectKey& task) {
  OpTimer t(report_, "list_task_metadata");
  std::string sql = std::string("SELECT ") + kMetadataCols + " FROM metadata";
  std::vector<SqlValue> params;
  task_metadata_where(sql, params, flow_id, run, step_name, task);
  sql += " ORDER BY ts_epoch DESC, id DESC";
  std::vector<MetadataRecord> out;
  CONFLUX_RETURN_IF_ERROR(read_all(sql, params, read_metadata<SqlRow>, out));
  return out;
}

// Newest first, one keyset page, of the metadata rows `sql` (SELECT ... WHERE ...) selects.
Result<Page<MetadataRecord>> SqlDatabase::metadata_page(std::string sql, std::vector<SqlValue> params,
                                                        const PageRequest& page) {
  if (page.after) {
    sql += " AND (ts_epoch, id) < (?, ?)";
    params.emplace_back(page.after->ts_epoch);
    params.emplace_back(page.after->number);
  }
  sql += " ORDER BY ts_epoch DESC, id DESC LIMIT ?";
  params.emplace_back(page.limit + 1);
  Page<MetadataRecord> out;
  CONFLUX_RETURN_IF_ERROR(read_all(sql, params, read_metadata<SqlRow>, out.items));
  trim_page(out, page.limit);
  return out;
}

Result<Page<MetadataRecord>> SqlDatabase::list_task_metadata_page(std::string_view flow_id, const ObjectKey& run,
                                                                     std::string_view step_name,
                                                                     const ObjectKey& task, const PageRequest& page) {
  OpTimer t(report_, "list_task_metadata_page");
  std::string sql = std::string("SELECT ") + kMetadataCols + " FROM metadata";
  std::vector<SqlValue> params;
  task_metadata_where(sql, params, flow_id, run, step_name, task);
  return metadata_page(std::move(sql), std::move(params), page);
}

Result<std::vector<MetadataRecord>> SqlDatabase::list_run_metadata(std::string_view flow_id, const ObjectKey& run) {
  OpTimer t(report_, "list_run_metadata");
  std::string sql = std::string("SELECT ") + kMetadataCols + " FROM metadata WHERE flow_id = ?";
  std::vector<SqlValue> params{std::string(flow_id)};
  add_run_key(sql, params, run);
  sql += " ORDER BY id";
  std::vector<MetadataRecord> out;
  CONFLUX_RETURN_IF_ERROR(read_all(sql, params, read_metadata<SqlRow>, out));
  return out;
}

Result<Page<MetadataRecord>> SqlDatabase::list_run_metadata_page(std::string_view flow_id, const ObjectKey& run,
                                                                    const PageRequest& page) {
  OpTimer t(report_, "list_run_metadata_page");
  std::string sql = std::string("SELECT ") + kMetadataCols + " FROM metadata WHERE flow_id = ?";
  std::vector<SqlValue> params{std::string(flow_id)};
  add_run_key(sql, params, run);
  return metadata_page(std::move(sql), std::move(params), page);
}

Result<std::vector<std::string>> SqlDatabase::filtered_task_pathspecs(
    std::string_view flow_id, const ObjectKey& run, std::string_view step_name,
    const std::optional<std::string>& field_name, const std::optional<std::string>& pattern) {
  OpTimer t(report_, "filtered_task_pathspecs");
  std::string sql =
      "SELECT DISTINCT flow_id, run_number, run_id, step_name, task_name, task_id FROM metadata WHERE flow_id = ?";
  std::vector<SqlValue> params{std::string(flow_id)};
  add_run_key(sql, params, run);
  sql += " AND step_name = ?";
  params.emplace_back(std::string(step_name));
  if (field_name) {
    sql += " AND field_name = ?";
    params.emplace_back(*field_name);
  }
  if (pattern) {
    sql += dialect_.regex_condition;
    params.emplace_back(*pattern);
  }
  sql += " ORDER BY task_id";
  std::vector<std::string> out;
  CONFLUX_RETURN_IF_ERROR(read_all(sql, params,
                   [](const SqlRow& s) {
                     std::string run_part = s.is_null(2) ? std::to_string(s.int64(1)) : s.text(2);
                     std::string task_part = s.is_null(4) ? std::to_string(s.int64(5)) : s.text(4);
                     if (run_part.empty()) run_part = std::to_string(s.int64(1));
                     if (task_part.empty()) task_part = std::to_string(s.int64(5));
                     return s.text(0) + "/" + run_part + "/" + s.text(3) + "/" + task_part;
                   },
                   out));
  return out;
}

Result<std::vector<ArtifactRecord>> SqlDatabase::list_artifacts(const ArtifactScope& scope) {
  OpTimer t(report_, "list_artifacts");
  std::string sql = std::string("SELECT ") + kArtifactCols + " FROM artifacts";
  std::vector<SqlValue> params;
  artifact_scope_where(sql, params, scope);
  sql += std::string(" ORDER BY attempt_id DESC, ") + dialect_.creation_order;
  std::vector<ArtifactRecord> out;
  CONFLUX_RETURN_IF_ERROR(read_all(sql, params, read_artifact<SqlRow>, out));
  return out;
}

Result<Page<ArtifactRecord>> SqlDatabase::list_artifacts_page(const ArtifactScope& scope, const PageRequest& page) {
  OpTimer t(report_, "list_artifacts_page");
  std::string inner = std::string("SELECT ") + kArtifactCols +
                      ", ROW_NUMBER() OVER (PARTITION BY task_id, name ORDER BY ts_epoch DESC, " + dialect_.creation_order + " DESC) AS rn "
                      "FROM artifacts";
  std::vector<SqlValue> params;
  artifact_scope_where(inner, params, scope);
  std::string sql = std::string("SELECT ") + kArtifactCols + " FROM (" + inner + ") I WHERE rn = 1";
  if (page.after) {
    sql += " AND (ts_epoch, task_id, name) < (?, ?, ?)";
    params.emplace_back(page.after->ts_epoch);
    params.emplace_back(page.after->number);
    params.emplace_back(page.after->text);
  }
  sql += " ORDER BY ts_epoch DESC, task_id DESC, name DESC LIMIT ?";
  params.emplace_back(page.limit + 1);
  Page<ArtifactRecord> out;
  CONFLUX_RETURN_IF_ERROR(read_all(sql, params, read_artifact<SqlRow>, out.items));
  trim_page(out, page.limit);
  return out;
}

Result<std::optional<ArtifactRecord>> SqlDatabase::get_artifact(const ArtifactScope& scope, std::string_view name,
                                                                   std::optional<int64_t> attempt) {
  OpTimer t(report_, "get_artifact");
  std::string sql = std::string("SELECT ") + kArtifactCols + " FROM artifacts";
  std::vector<SqlValue> params;
  artifact_scope_where(sql, params, scope);
  sql += " AND name = ?";
  params.emplace_back(std::string(name));
  if (attempt) {
    sql += " AND attempt_id = ?";
    params.emplace_back(*attempt);
  }
  sql += " ORDER BY attempt_id DESC LIMIT 1";
  std::vector<ArtifactRecord> out;
  CONFLUX_RETURN_IF_ERROR(read_all(sql, params, read_artifact<SqlRow>, out));
  if (out.empty()) return std::optional<ArtifactRecord>();
  return std::optional<ArtifactRecord>(std::move(out.front()));
}

}  // namespace conflux::service
