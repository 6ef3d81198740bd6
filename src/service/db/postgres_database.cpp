#include "service/db/postgres_database.hpp"

#include <charconv>
#include <chrono>

#include "service/db/run_state.hpp"
#include "service/db/sql_helpers.hpp"
#include "service/db/sql_queries.hpp"
#include "service/db/sql_records.hpp"
#include "service/migrations.hpp"

namespace conflux::service {

namespace {

using namespace sql;  // column lists, row readers, keys, paging, OpTimer

// Serialises migrations across processes: pg_advisory_xact_lock's key ("conflux" in ASCII).
constexpr int64_t kMigrationLockKey = 0x636f6e666c7578;

template <class T, class Reader>
Status collect(PgConnection& c, const std::string& sql, const std::vector<PgValue>& params, Reader reader,
               std::vector<T>& out) {
  CONFLUX_ASSIGN_OR_RETURN(PgResult r, c.query(sql, params));
  for (int i = 0; i < r.rows(); ++i) out.push_back(reader(PgRow(r, i)));
  return Status();
}





}  // namespace

// ---------------------------------------------------------------------------------------------
// Connections and transactions

PostgresDatabase::PostgresDatabase(PostgresOptions options)
    : SqlDatabase(sql::kPostgresDialect, options.on_operation),
      options_(std::move(options)),
      pool_(options_.url, options_.pool_size, options_.pool_wait) {}
PostgresDatabase::~PostgresDatabase() = default;

Status PostgresDatabase::for_each_row(const std::string& sql, const std::vector<SqlValue>& params,
                                      const std::function<void(const sql::SqlRow&)>& on_row) {
  return read([&](PgConnection& c) -> Status {
    CONFLUX_ASSIGN_OR_RETURN(PgResult r, c.query(sql, params));
    for (int i = 0; i < r.rows(); ++i) on_row(PgRow(r, i));
    return Status();
  });
}

Result<std::unique_ptr<PostgresDatabase>> PostgresDatabase::open(const PostgresOptions& options) {
  std::unique_ptr<PostgresDatabase> db(new PostgresDatabase(options));
  CONFLUX_RETURN_IF_ERROR(db->read([](PgConnection&) { return Status(); }));
  db->statistics_ = std::make_unique<PgStatisticsRefresher>(db->pool_);
  return db;
}

// A pooled connection can be dead without knowing it (PostgreSQL restarted, an administrator or
// a proxy closed it): that only shows when a statement is sent. So a write whose BEGIN finds the
// connection lost, and a read that loses its connection, are retried on another connection:
// neither changed anything. Every idle connection may be stale, hence up to pool size + 1 tries.
// A write that loses its connection after BEGIN is not retried: its COMMIT may have happened.
// (Read bodies are repeatable: each collects one query's rows or overwrites what it sets.
// One-statement writes go through batcher_, which has the same rules.)
Status PostgresDatabase::write(const std::function<Status(PgConnection&)>& body) {
  for (int attempt = 0;; ++attempt) {
    CONFLUX_ASSIGN_OR_RETURN(PgConnectionPool::Lease conn, pool_.acquire());
    Status begin = conn->exec_script("BEGIN");
    if (!begin.ok()) {
      if (conn->lost() && attempt < pool_.max_size()) continue;
      return begin;
    }
    Status s = body(*conn);
    if (s.ok()) s = conn->exec_script("COMMIT");
    if (!s.ok()) (void)conn->exec_script("ROLLBACK");
    return s;
  }
}

Status PostgresDatabase::read(const std::function<Status(PgConnection&)>& body) {
  for (int attempt = 0;; ++attempt) {
    CONFLUX_ASSIGN_OR_RETURN(PgConnectionPool::Lease conn, pool_.acquire());
    Status s = body(*conn);
    if (!s.ok() && conn->lost() && attempt < pool_.max_size()) continue;
    return s;
  }
}

Result<int> PostgresDatabase::migrate() {
  OpTimer t(options_.on_operation, "migrate");
  int version = 0;
  Status s = write([&](PgConnection& c) -> Status {
    CONFLUX_RETURN_IF_ERROR(c.query("SELECT pg_advisory_xact_lock(?)", {kMigrationLockKey}).status());
    CONFLUX_RETURN_IF_ERROR(c.exec_script(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at BIGINT NOT NULL)"));
    {
      CONFLUX_ASSIGN_OR_RETURN(PgResult q, c.query("SELECT coalesce(max(version), 0) FROM schema_version", {}));
      if (q.rows() > 0) version = static_cast<int>(q.int64(0, 0));
    }
    for (const Migration& m : postgres_migrations()) {
      if (m.version <= version) continue;
      Status ms = c.exec_script(std::string(m.sql));
      if (!ms.ok()) return ms.with_context("migration postgres/" + std::string(m.name));
      int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
      CONFLUX_RETURN_IF_ERROR(c.exec("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                                     {int64_t{m.version}, std::string(m.name), now}).status());
      version = m.version;
    }
    return Status();
  });
  if (!s.ok()) return s;
  return version;
}

Result<int> PostgresDatabase::schema_version() {
  int version = 0;
  CONFLUX_RETURN_IF_ERROR(read([&](PgConnection& c) -> Status {
    CONFLUX_ASSIGN_OR_RETURN(PgResult q, c.query("SELECT to_regclass('schema_version') IS NOT NULL", {}));
    if (q.rows() == 0 || q.text(0, 0) != "t") return Status();
    CONFLUX_ASSIGN_OR_RETURN(PgResult v, c.query("SELECT coalesce(max(version), 0) FROM schema_version", {}));
    if (v.rows() > 0) version = static_cast<int>(v.int64(0, 0));
    return Status();
  }));
  return version;
}

Status PostgresDatabase::ping() {
  OpTimer t(options_.on_operation, "ping");
  return read([](PgConnection& c) -> Status { return c.query("SELECT 1", {}).status(); });
}

// ---------------------------------------------------------------------------------------------
// Flows

Result<FlowRecord> PostgresDatabase::create_flow(const FlowRecord& flow) {
  OpTimer t(options_.on_operation, "create_flow");
  CONFLUX_RETURN_IF_ERROR(
      batcher_
          .run("INSERT INTO flows (flow_id, user_name, ts_epoch, tags, system_tags) VALUES (?, ?, ?, ?, ?)",
               {flow.flow_id, sql_opt(flow.user_name), flow.ts_epoch, flow.tags, flow.system_tags})
          .status()
          .with_context("flow '" + flow.flow_id + "'"));
  return flow;
}




// ---------------------------------------------------------------------------------------------
// Runs

Result<RunRecord> PostgresDatabase::create_run(const RunRecord& run) {
  OpTimer t(options_.on_operation, "create_run");
  RunRecord out = run;
  // The parent check inside the INSERT: no row (and no run_number drawn) for an unknown flow.
  // The run's tags go into run_tags and tag_names in the same statement.
  Result<PgResult> r = batcher_.run(
      "WITH r AS (INSERT INTO runs (flow_id, run_id, user_name, ts_epoch, last_heartbeat_ts, tags, system_tags, "
      "run_user) SELECT ?::text, ?::text, ?::text, ?::bigint, ?::bigint, ?::text, ?::text, ?::text "
      "WHERE EXISTS (SELECT 1 FROM flows WHERE flow_id = ?) RETURNING run_number, ts_epoch), "
      "t AS (SELECT jsonb_array_elements_text(?::jsonb) AS tag), "
      "rt AS (INSERT INTO run_tags (tag, ts_epoch, run_number) SELECT t.tag, r.ts_epoch, r.run_number FROM r, t "
      "ON CONFLICT DO NOTHING), "
      "tn AS (INSERT INTO tag_names (tag) SELECT t.tag FROM r, t ON CONFLICT DO NOTHING) "
      "SELECT run_number FROM r",
      {run.flow_id, sql_opt(run.run_id), sql_opt(run.user_name), run.ts_epoch, sql_opt(run.last_heartbeat_ts),
       run.tags, run.system_tags, sql_opt(verified_owner(run)), run.flow_id, run_tag_list_json(run)});
  if (r.status().code() == StatusCode::kNotFound || (r.ok() && r->rows() == 0)) {
    return Status::not_found("flow '" + run.flow_id + "' does not exist");
  }
  if (r.status().code() == StatusCode::kAlreadyExists) {
    return Status::already_exists("run '" + run.run_id.value_or("") + "' already exists in flow '" + run.flow_id + "'");
  }
  if (!r.ok()) return r.status();
  out.run_number = r->int64(0, 0);
  return out;
}




Result<bool> PostgresDatabase::touch_run_heartbeat(std::string_view flow_id, const ObjectKey& run,
                                                   int64_t now_seconds, int64_t min_age_seconds) {
  OpTimer t(options_.on_operation, "touch_run_heartbeat");
  std::string sql = std::string("UPDATE runs SET last_heartbeat_ts = ?") + kReviveOnHeartbeat + " WHERE flow_id = ?";
  std::vector<PgValue> params{now_seconds, std::string(flow_id)};
  add_run_key(sql, params, run);
  sql += " AND (last_heartbeat_ts IS NULL OR last_heartbeat_ts <= ?)";
  params.emplace_back(now_seconds - min_age_seconds);
  int64_t changed = 0;
  CONFLUX_ASSIGN_OR_RETURN(PgResult updated, batcher_.run(sql, params));
  changed = updated.affected_rows();
  return changed == 1;
}

Status PostgresDatabase::update_run_tags(
    std::string_view flow_id, const ObjectKey& run,
    const std::function<Result<std::optional<std::string>>(const RunRecord&)>& compute) {
  OpTimer t(options_.on_operation, "update_run_tags");
  std::string sql = run_select() + " WHERE flow_id = ?";
  std::vector<PgValue> params{std::string(flow_id)};
  add_run_key(sql, params, run);
  sql += " FOR UPDATE";  // concurrent mutations of one run's tags apply one after the other
  return write([&](PgConnection& c) -> Status {
    std::vector<RunRecord> found;
    CONFLUX_RETURN_IF_ERROR(collect(c, sql, params, read_run<PgRow>, found));
    if (found.empty()) return Status::not_found("run '" + run.text() + "' of flow '" + std::string(flow_id) + "' does not exist");
    CONFLUX_ASSIGN_OR_RETURN(std::optional<std::string> tags, compute(found.front()));
    if (!tags) return Status();
    CONFLUX_RETURN_IF_ERROR(c.exec("UPDATE runs SET tags = ? WHERE flow_id = ? AND run_number = ?",
                                   {*tags, std::string(flow_id), found.front().run_number})
                                .status());
    RunRecord updated = found.front();
    updated.tags = *tags;
    CONFLUX_RETURN_IF_ERROR(c.exec("DELETE FROM run_tags WHERE run_number = ?", {updated.run_number}).status());
    return c.exec("WITH t AS (SELECT jsonb_array_elements_text(?::jsonb) AS tag), "
                  "rt AS (INSERT INTO run_tags (tag, ts_epoch, run_number) SELECT tag, ?, ? FROM t "
                  "ON CONFLICT DO NOTHING) INSERT INTO tag_names (tag) SELECT tag FROM t ON CONFLICT DO NOTHING",
                  {run_tag_list_json(updated), updated.ts_epoch, updated.run_number})
        .status();
  });
}

Result<DeletedCounts> PostgresDatabase::delete_run(std::string_view flow_id, const ObjectKey& run) {
  OpTimer t(options_.on_operation, "delete_run");
  DeletedCounts counts;
  std::string sql = "SELECT run_number FROM runs WHERE flow_id = ?";
  std::vector<PgValue> params{std::string(flow_id)};
  add_run_key(sql, params, run);
  sql += " FOR UPDATE";
  CONFLUX_RETURN_IF_ERROR(write([&](PgConnection& c) -> Status {
    CONFLUX_ASSIGN_OR_RETURN(PgResult q, c.query(sql, params));
    if (q.rows() == 0) return Status::not_found("run '" + run.text() + "' of flow '" + std::string(flow_id) + "' does not exist");
    std::vector<PgValue> key{std::string(flow_id), q.int64(0, 0)};
    CONFLUX_ASSIGN_OR_RETURN(counts.artifacts, c.exec("DELETE FROM artifacts WHERE flow_id = ? AND run_number = ?", key));
    CONFLUX_ASSIGN_OR_RETURN(counts.metadata, c.exec("DELETE FROM metadata WHERE flow_id = ? AND run_number = ?", key));
    CONFLUX_ASSIGN_OR_RETURN(counts.tasks, c.exec("DELETE FROM tasks WHERE flow_id = ? AND run_number = ?", key));
    CONFLUX_ASSIGN_OR_RETURN(counts.steps, c.exec("DELETE FROM steps WHERE flow_id = ? AND run_number = ?", key));
    CONFLUX_RETURN_IF_ERROR(c.exec("DELETE FROM run_tags WHERE run_number = ?", {key[1]}).status());
    return c.exec("DELETE FROM runs WHERE flow_id = ? AND run_number = ?", key).status();
  }));
  return counts;
}

Result<ExpiredRows> PostgresDatabase::expire_stale(int64_t now_seconds, int64_t cutoff_seconds) {
  OpTimer t(options_.on_operation, "expire_stale");
  const ExpirySql e = expire_stale_sql(now_seconds, cutoff_seconds);
  ExpiredRows out;
  CONFLUX_ASSIGN_OR_RETURN(PgResult runs, batcher_.run(e.runs.sql, e.runs.params));
  for (int i = 0; i < runs.rows(); ++i) out.runs.emplace_back(runs.text(i, 0), runs.int64(i, 1));
  CONFLUX_ASSIGN_OR_RETURN(PgResult tasks, batcher_.run(e.tasks.sql, e.tasks.params));
  for (int i = 0; i < tasks.rows(); ++i) {
    TaskRecord task;
    task.flow_id = tasks.text(i, 0);
    task.run_number = tasks.int64(i, 1);
    task.step_name = tasks.text(i, 2);
    task.task_id = tasks.int64(i, 3);
    out.tasks.push_back(std::move(task));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Steps

Result<StepRecord> PostgresDatabase::create_step(const StepRecord& step) {
  OpTimer t(options_.on_operation, "create_step");
  Status s = batcher_
                 .run("INSERT INTO steps (flow_id, run_number, run_id, step_name, user_name, ts_epoch, tags, "
                      "system_tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      {step.flow_id, step.run_number, sql_opt(step.run_id), step.step_name, sql_opt(step.user_name),
                       step.ts_epoch, step.tags, step.system_tags})
                 .status();
  if (s.code() == StatusCode::kAlreadyExists) {
    return Status::already_exists("step '" + step.step_name + "' already exists in run '" +
                                  std::to_string(step.run_number) + "' of flow '" + step.flow_id + "'");
  }
  CONFLUX_RETURN_IF_ERROR(s);
  return step;
}



// ---------------------------------------------------------------------------------------------
// Tasks

Result<TaskRecord> PostgresDatabase::create_task(const TaskRecord& task) {
  OpTimer t(options_.on_operation, "create_task");
  TaskRecord out = task;
  Result<PgResult> r = batcher_.run(
      "INSERT INTO tasks (flow_id, run_number, run_id, step_name, task_name, user_name, ts_epoch, "
      "last_heartbeat_ts, tags, system_tags) "
      "SELECT ?::text, ?::bigint, ?::text, ?::text, ?::text, ?::text, ?::bigint, ?::bigint, ?::text, ?::text "
      "WHERE EXISTS (SELECT 1 FROM steps WHERE flow_id = ? AND run_number = ? AND step_name = ?) RETURNING task_id",
      {task.flow_id, task.run_number, sql_opt(task.run_id), task.step_name, sql_opt(task.task_name),
       sql_opt(task.user_name), task.ts_epoch, sql_opt(task.last_heartbeat_ts), task.tags, task.system_tags,
       task.flow_id, task.run_number, task.step_name});
  if (r.status().code() == StatusCode::kNotFound || (r.ok() && r->rows() == 0)) {
    return Status::not_found("step '" + task.step_name + "' of run '" + std::to_string(task.run_number) +
                             "' of flow '" + task.flow_id + "' does not exist");
  }
  if (r.status().code() == StatusCode::kAlreadyExists) {
    return Status::already_exists("task '" + task.task_name.value_or("") + "' already exists in step '" +
                                  task.step_name + "'");
  }
  if (!r.ok()) return r.status();
  out.task_id = r->int64(0, 0);
  return out;
}




Result<bool> PostgresDatabase::touch_task_heartbeat(std::string_view flow_id, const ObjectKey& run,
                                                    std::string_view step_name, const ObjectKey& task,
                                                    int64_t now_seconds, int64_t min_age_seconds) {
  OpTimer t(options_.on_operation, "touch_task_heartbeat");
  std::string sql = std::string("UPDATE tasks SET last_heartbeat_ts = ?") + kReviveOnHeartbeat + " WHERE flow_id = ?";
  std::vector<PgValue> params{now_seconds, std::string(flow_id)};
  add_run_key(sql, params, run);
  sql += " AND step_name = ?";
  params.emplace_back(std::string(step_name));
  add_task_key(sql, params, task);
  sql += " AND (last_heartbeat_ts IS NULL OR last_heartbeat_ts <= ?)";
  params.emplace_back(now_seconds - min_age_seconds);
  int64_t changed = 0;
  CONFLUX_ASSIGN_OR_RETURN(PgResult updated, batcher_.run(sql, params));
  changed = updated.affected_rows();
  return changed == 1;
}

// Inserts `rows` with multi-row INSERTs (`insert` + "(?, ...), (?, ...)" + `suffix`), up to
// kRowsPerInsert rows per statement: one round trip for a typical request instead of one per row.
// A single statement runs in autocommit; more share one transaction. Returns the rows stored.
template <class Row>
Result<int64_t> PostgresDatabase::insert_rows(std::string_view insert, int columns, std::string_view suffix,
                                              const std::vector<Row>& rows,
                                              void (*bind)(const Row&, std::vector<PgValue>&)) {
  constexpr size_t kRowsPerInsert = 500;  // 17 columns x 500 stays far below 65535 parameters
  if (rows.empty()) return int64_t{0};
  int64_t count = 0;
  // The SQL and values of rows [begin, begin + kRowsPerInsert).
  // The SQL and values of rows [begin, begin + kRowsPerInsert).
  auto chunk = [&](size_t begin, std::string& sql, std::vector<PgValue>& params) {
    size_t end = std::min(rows.size(), begin + kRowsPerInsert);
    sql = std::string(insert);
    std::string group = "(?";
    for (int i = 1; i < columns; ++i) group += ", ?";
    group += ")";
    params.reserve((end - begin) * static_cast<size_t>(columns));
    for (size_t r = begin; r < end; ++r) {
      if (r > begin) sql += ", ";
      sql += group;
      bind(rows[r], params);
    }
    sql += suffix;
  };
  if (rows.size() <= kRowsPerInsert) {
    std::string sql;
    std::vector<PgValue> params;
    chunk(0, sql, params);
    CONFLUX_ASSIGN_OR_RETURN(PgResult inserted, batcher_.run(sql, params));
    count = inserted.affected_rows();
  } else {
    CONFLUX_RETURN_IF_ERROR(write([&](PgConnection& c) -> Status {
      for (size_t begin = 0; begin < rows.size(); begin += kRowsPerInsert) {
        std::string sql;
        std::vector<PgValue> params;
        chunk(begin, sql, params);
        CONFLUX_ASSIGN_OR_RETURN(int64_t n, c.exec(sql, params));
        count += n;
      }
      return Status();
    }));
  }
  return count;
}

// ---------------------------------------------------------------------------------------------
// Metadata

Result<int64_t> PostgresDatabase::add_metadata(const std::vector<MetadataRecord>& rows) {
  OpTimer t(options_.on_operation, "add_metadata");
  constexpr std::string_view kInsert =
      "INSERT INTO metadata (flow_id, run_number, run_id, step_name, task_id, task_name, field_name, value, type, "
      "user_name, ts_epoch, tags, system_tags) VALUES ";
  auto bind = [](const MetadataRecord& m, std::vector<PgValue>& p) {
    p.insert(p.end(), {m.flow_id, m.run_number, sql_opt(m.run_id), m.step_name, m.task_id, sql_opt(m.task_name),
                       m.field_name, m.value, m.type, sql_opt(m.user_name), m.ts_epoch, m.tags, m.system_tags});
  };
  const std::vector<SqlQuery> updates = state_updates(rows);
  // Most writes move no state: they keep the batcher's group commit.
  if (updates.empty()) return insert_rows<MetadataRecord>(kInsert, 13, "", rows, bind);
  // Rows that move a run's or a task's state (run_state.hpp) are stored with its UPDATEs in one
  // transaction: all or nothing, so a client's retry never duplicates rows.
  int64_t count = 0;
  CONFLUX_RETURN_IF_ERROR(write([&](PgConnection& c) -> Status {
    count = 0;
    constexpr size_t kRowsPerInsert = 500;
    for (size_t begin = 0; begin < rows.size(); begin += kRowsPerInsert) {
      std::string sql(kInsert);
      std::vector<PgValue> params;
      for (size_t r = begin; r < std::min(rows.size(), begin + kRowsPerInsert); ++r) {
        sql += r > begin ? ", (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" : "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        bind(rows[r], params);
      }
      CONFLUX_ASSIGN_OR_RETURN(int64_t n, c.exec(sql, params));
      count += n;
    }
    for (const SqlQuery& update : updates) CONFLUX_RETURN_IF_ERROR(c.exec(update.sql, update.params).status());
    return Status();
  }));
  return count;
}

// ---------------------------------------------------------------------------------------------
// Artifacts

Result<int64_t> PostgresDatabase::add_artifacts(const std::vector<ArtifactRecord>& rows) {
  OpTimer t(options_.on_operation, "add_artifacts");
  // A duplicate (task, attempt, name) is skipped, as metaflow-service counts only stored rows.
  return insert_rows<ArtifactRecord>(
      "INSERT INTO artifacts (flow_id, run_number, run_id, step_name, task_id, task_name, name, location, ds_type, "
      "sha, type, content_type, user_name, attempt_id, ts_epoch, tags, system_tags) VALUES ",
      17, " ON CONFLICT DO NOTHING", rows, [](const ArtifactRecord& a, std::vector<PgValue>& p) {
        p.insert(p.end(), {a.flow_id, a.run_number, sql_opt(a.run_id), a.step_name, a.task_id, sql_opt(a.task_name),
                           a.name, a.location, a.ds_type, sql_opt(a.sha), sql_opt(a.type), sql_opt(a.content_type),
                           sql_opt(a.user_name), a.attempt_id, a.ts_epoch, a.tags, a.system_tags});
      });
}





}  // namespace conflux::service
