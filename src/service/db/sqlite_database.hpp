// SqliteDatabase: the Database of `conflux service` in one SQLite file (the default backend).
// The reads are SqlDatabase's (shared with PostgreSQL); this class runs them on its reader pool
// and implements the writes.
//
// Concurrency design: the file is in WAL mode, so readers never block the writer. Readers take
// a connection from a pool (created on demand, one per concurrently reading thread). All writes
// go through one writer connection and a group-commit queue (SqliteWriteQueue: concurrent
// writes share one BEGIN IMMEDIATE transaction, each in its own savepoint): SQLite admits one
// writer at a time anyway, and queueing in-process is fairer and faster than SQLite's
// sleep-and-retry busy handler. WAL checkpoints run on a background thread
// (SqliteCheckpointer), off the requests' path. busy_timeout still covers other processes that open the
// same file (e.g. `conflux service migrate`). run_number and task_id come from AUTOINCREMENT
// keys assigned inside those transactions, so they are unique under any number of writers.
// Every statement is prepared once per connection and cached; every value is bound, never
// spliced into SQL text.
//
// Thread safety: all methods are safe to call concurrently.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "service/db/sql_database.hpp"

namespace conflux::service {

struct SqliteOptions {
  std::filesystem::path path;
  int busy_timeout_ms = 5000;
  // The WAL size (in 4 KiB pages) at which the background thread checkpoints it.
  int checkpoint_pages = 1000;
  // Called after each Database operation with its name and duration (metrics). May be empty.
  std::function<void(std::string_view op, double seconds)> on_operation;
};

class SqliteConnection;
class SqliteWriteQueue;
class SqliteCheckpointer;

class SqliteDatabase final : public SqlDatabase {
 public:
  // Opens (creating if needed) the file. Does not migrate: call migrate().
  static Result<std::unique_ptr<SqliteDatabase>> open(const SqliteOptions& options);
  ~SqliteDatabase() override;
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  Result<int> migrate() override;
  Result<int> schema_version() override;
  Status ping() override;

  Result<FlowRecord> create_flow(const FlowRecord& flow) override;

  Result<RunRecord> create_run(const RunRecord& run) override;
  Result<bool> touch_run_heartbeat(std::string_view flow_id, const ObjectKey& run,
                                   int64_t now_seconds, int64_t min_age_seconds) override;
  Status update_run_tags(
      std::string_view flow_id, const ObjectKey& run,
      const std::function<Result<std::optional<std::string>>(const RunRecord&)>& compute) override;
  Result<DeletedCounts> delete_run(std::string_view flow_id, const ObjectKey& run) override;
  Result<ExpiredRows> expire_stale(int64_t now_seconds, int64_t cutoff_seconds) override;

  Result<StepRecord> create_step(const StepRecord& step) override;

  Result<TaskRecord> create_task(const TaskRecord& task) override;
  Result<bool> touch_task_heartbeat(std::string_view flow_id, const ObjectKey& run,
                                    std::string_view step_name, const ObjectKey& task,
                                    int64_t now_seconds, int64_t min_age_seconds) override;

  Result<int64_t> add_metadata(const std::vector<MetadataRecord>& rows) override;

  Result<int64_t> add_artifacts(const std::vector<ArtifactRecord>& rows) override;

 private:
  Status for_each_row(const std::string& sql, const std::vector<SqlValue>& params,
                      const std::function<void(const sql::SqlRow&)>& on_row) override;
  class ReadLease;
  explicit SqliteDatabase(SqliteOptions options);
  Result<std::unique_ptr<SqliteConnection>> connect();
  // Records the run's tags in run_tags and tag_names (inside a write).
  static Status store_run_tags(SqliteConnection& c, const RunRecord& run);
  // Runs `body` on the writer connection in a transaction (shared with concurrent writes; the
  // body's changes are rolled back if it fails).
  Status write(const std::function<Status(SqliteConnection&)>& body);
  // Runs `body` on a pooled reader connection.
  Status read(const std::function<Status(SqliteConnection&)>& body);

  SqliteOptions options_;
  std::unique_ptr<SqliteConnection> writer_;  // used only through write_queue_
  std::unique_ptr<SqliteWriteQueue> write_queue_;
  std::unique_ptr<SqliteCheckpointer> checkpointer_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_readers_;  // GUARDED_BY(pool_mu_)
};

}  // namespace conflux::service
