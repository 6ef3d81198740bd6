// SqlDatabase: the read side of the Database, written once in SQL for both backends. Every
// lookup and listing builds its query here (with the backend's SqlDialect for the few fragments
// that differ) and reads the rows through for_each_row(), which each backend implements on its
// own connections (SqliteDatabase: pooled reader connections; PostgresDatabase: its pool).
// Writes, migrations and transactions stay in the backends: that is where they differ.
//
// Thread safety: all methods are safe to call concurrently if for_each_row() is.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "service/db/database.hpp"
#include "service/db/sql_dialect.hpp"
#include "service/db/sql_helpers.hpp"
#include "service/db/sql_records.hpp"
#include "service/db/sql_value.hpp"

namespace conflux::service {

class SqlDatabase : public Database {
 public:
  Result<std::optional<FlowRecord>> get_flow(std::string_view flow_id) override;
  Result<std::vector<FlowRecord>> list_flows() override;
  Result<Page<FlowRecord>> list_flows_page(const PageRequest& page) override;

  Result<std::optional<RunRecord>> get_run(std::string_view flow_id, const ObjectKey& run) override;
  Result<std::vector<RunRecord>> list_runs(std::string_view flow_id) override;
  Result<Page<RunRecord>> list_runs_filtered(const RunQuery& query) override;
  Result<std::vector<std::string>> autocomplete_flows(std::string_view text, int64_t limit) override;
  Result<std::vector<std::string>> autocomplete_tags(std::string_view text, int64_t limit) override;

  Result<std::optional<StepRecord>> get_step(std::string_view flow_id, const ObjectKey& run,
                                             std::string_view step_name) override;
  Result<std::vector<StepRecord>> list_steps(std::string_view flow_id, const ObjectKey& run) override;

  Result<std::optional<TaskRecord>> get_task(std::string_view flow_id, const ObjectKey& run,
                                             std::string_view step_name, const ObjectKey& task) override;
  Result<std::vector<TaskRecord>> list_tasks(std::string_view flow_id, const ObjectKey& run,
                                             std::string_view step_name) override;
  Result<Page<TaskRecord>> list_tasks_filtered(const TaskQuery& query) override;
  Result<Page<TaskRecord>> list_run_tasks(const RunTaskQuery& query) override;

  Result<std::vector<MetadataRecord>> list_task_metadata(std::string_view flow_id, const ObjectKey& run,
                                                         std::string_view step_name,
                                                         const ObjectKey& task) override;
  Result<Page<MetadataRecord>> list_task_metadata_page(std::string_view flow_id, const ObjectKey& run,
                                                       std::string_view step_name, const ObjectKey& task,
                                                       const PageRequest& page) override;
  Result<std::vector<MetadataRecord>> list_run_metadata(std::string_view flow_id, const ObjectKey& run) override;
  Result<Page<MetadataRecord>> list_run_metadata_page(std::string_view flow_id, const ObjectKey& run,
                                                      const PageRequest& page) override;
  Result<std::vector<std::string>> filtered_task_pathspecs(std::string_view flow_id, const ObjectKey& run,
                                                           std::string_view step_name,
                                                           const std::optional<std::string>& field_name,
                                                           const std::optional<std::string>& pattern) override;

  Result<std::vector<ArtifactRecord>> list_artifacts(const ArtifactScope& scope) override;
  Result<Page<ArtifactRecord>> list_artifacts_page(const ArtifactScope& scope, const PageRequest& page) override;
  Result<std::optional<ArtifactRecord>> get_artifact(const ArtifactScope& scope, std::string_view name,
                                                     std::optional<int64_t> attempt) override;

 protected:
  // `report` receives each read operation's duration (metrics); it may be empty.
  SqlDatabase(const sql::SqlDialect& dialect, sql::OpTimer::Report report)
      : dialect_(dialect), report_(std::move(report)) {}

  // Runs a read-only query and calls `on_row` with each result row.
  virtual Status for_each_row(const std::string& sql, const std::vector<SqlValue>& params,
                              const std::function<void(const sql::SqlRow&)>& on_row) = 0;

  // SELECT of a run: kRunCols and the verified owner.
  std::string run_select() const;

  const sql::SqlDialect& dialect_;
  const sql::OpTimer::Report report_;

 private:
  Result<Page<MetadataRecord>> metadata_page(std::string sql, std::vector<SqlValue> params, const PageRequest& page);

  template <class T, class Reader>
  Status read_all(const std::string& sql, const std::vector<SqlValue>& params, Reader reader, std::vector<T>& out) {
    return for_each_row(sql, params, [&](const sql::SqlRow& row) { out.push_back(reader(row)); });
  }
};

}  // namespace conflux::service
