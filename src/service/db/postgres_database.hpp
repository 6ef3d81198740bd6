// PostgresDatabase: the Database of `conflux service --db postgresql://...`, for deployments
// that already run PostgreSQL or want several service replicas on one database. The reads are
// SqlDatabase's (shared with SQLite); this class runs them on its pool and implements the writes.
//
// Concurrency design: every operation leases a connection from a PgConnectionPool (libpq, a
// few connections opened on demand) and runs as one statement or one BEGIN ... COMMIT
// transaction at READ COMMITTED. Unlike SQLite, PostgreSQL admits many writers at once, so
// there is no writer mutex: run_number, task_id and metadata ids come from identity columns
// (sequences), unique across any number of connections, processes and replicas. Creations
// check their parent inside the INSERT (INSERT ... SELECT ... WHERE EXISTS), so a missing
// parent is NotFound without consuming an id; update_run_tags locks the run row (FOR UPDATE)
// for its read-modify-write. Migrations take a transaction-level advisory lock, so replicas
// starting together apply each migration once. Statements are prepared once per connection;
// every value is a parameter, never spliced into SQL text.
//
// Semantics match SqliteDatabase (database.hpp); where the dialects differ the SQL here keeps
// SQLite's observable behaviour: LIKE filters are case-insensitive (ILIKE) with no escape
// character, page keys compare bytes (COLLATE "C" in the schema), creation order is an
// explicit `seq` column. Regular expressions in filtered_task_pathspecs are PostgreSQL's own
// (as in metaflow-service, which runs on PostgreSQL).
//
// Thread safety: all methods are safe to call concurrently.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "service/db/sql_database.hpp"
#include "service/db/pg_connection_pool.hpp"
#include "service/db/pg_statistics_refresher.hpp"
#include "service/db/pg_write_batcher.hpp"

namespace conflux::service {

struct PostgresOptions {
  std::string url;  // postgresql://user[:password]@host[:port]/db[?sslmode=...]
  int pool_size = 16;
  std::chrono::milliseconds pool_wait{10000};
  // Called after each Database operation with its name and duration (metrics). May be empty.
  std::function<void(std::string_view op, double seconds)> on_operation;
};

class PostgresDatabase final : public SqlDatabase {
 public:
  // Connects once (so a wrong URL or an unreachable server fails here). Does not migrate.
  static Result<std::unique_ptr<PostgresDatabase>> open(const PostgresOptions& options);
  ~PostgresDatabase() override;
  PostgresDatabase(const PostgresDatabase&) = delete;
  PostgresDatabase& operator=(const PostgresDatabase&) = delete;

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
  explicit PostgresDatabase(PostgresOptions options);
  // Runs `body` inside BEGIN ... COMMIT (ROLLBACK on error) on a pooled connection.
  Status write(const std::function<Status(PgConnection&)>& body);
  template <class Row>
  Result<int64_t> insert_rows(std::string_view insert, int columns, std::string_view suffix,
                              const std::vector<Row>& rows, void (*bind)(const Row&, std::vector<PgValue>&));
  // Runs `body`, which only reads, on a pooled connection in autocommit mode.
  Status read(const std::function<Status(PgConnection&)>& body);

  PostgresOptions options_;
  PgConnectionPool pool_;
  PgWriteBatcher batcher_{pool_};                      // one-statement writes, group-committed
  std::unique_ptr<PgStatisticsRefresher> statistics_;  // after pool_: stops before it
};

}  // namespace conflux::service
