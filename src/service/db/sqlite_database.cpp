#include "service/db/sqlite_database.hpp"

#include <chrono>
#include <charconv>

#include "service/db/sqlite_checkpointer.hpp"
#include "service/db/sqlite_connection.hpp"
#include "service/db/sqlite_write_queue.hpp"
#include "service/db/sql_helpers.hpp"
#include "service/db/sql_queries.hpp"
#include "service/db/sql_records.hpp"
#include "service/db/run_state.hpp"
#include "service/migrations.hpp"

namespace conflux::service {

ObjectKey ObjectKey::parse(std::string_view text) {
  ObjectKey key;
  // Like Python's str.isnumeric() for ASCII: digits only, at least one.
  bool numeric = !text.empty() && text.size() <= 18;
  for (char c : text) numeric = numeric && c >= '0' && c <= '9';
  if (numeric) {
    int64_t n = 0;
    std::from_chars(text.data(), text.data() + text.size(), n);
    key.number = n;
  } else {
    key.name = std::string(text);
  }
  return key;
}

namespace {

using namespace sql;  // column lists, row readers, keys, paging, OpTimer

template <class T, class Reader>
Status collect(SqliteConnection& c, const std::string& sql, const std::vector<SqlValue>& params,
               Reader reader, std::vector<T>& out) {
  CONFLUX_ASSIGN_OR_RETURN(Statement s, c.query(sql, params));
  while (true) {
    CONFLUX_ASSIGN_OR_RETURN(bool row, s.next());
    if (!row) break;
    out.push_back(reader(s));
  }
  return Status();
}



}  // namespace

// ---------------------------------------------------------------------------------------------
// Connections and transactions

SqliteDatabase::SqliteDatabase(SqliteOptions options)
    : SqlDatabase(sql::kSqliteDialect, options.on_operation), options_(std::move(options)) {}

Status SqliteDatabase::for_each_row(const std::string& sql, const std::vector<SqlValue>& params,
                                    const std::function<void(const sql::SqlRow&)>& on_row) {
  return read([&](SqliteConnection& c) -> Status {
    CONFLUX_ASSIGN_OR_RETURN(Statement s, c.query(sql, params));
    while (true) {
      CONFLUX_ASSIGN_OR_RETURN(bool row, s.next());
      if (!row) return Status();
      on_row(s);
    }
  });
}
SqliteDatabase::~SqliteDatabase() {
  // The checkpointer calls the queue, which uses the writer. (Nothing writes any more: the
  // writer's WAL listener, which points at the checkpointer, is not called again.)
  checkpointer_.reset();
  write_queue_.reset();
  writer_.reset();
}

Result<std::unique_ptr<SqliteConnection>> SqliteDatabase::connect() {
  CONFLUX_ASSIGN_OR_RETURN(SqliteConnection * c,
                           SqliteConnection::open(options_.path.string(), options_.busy_timeout_ms));
  return std::unique_ptr<SqliteConnection>(c);
}

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::open(const SqliteOptions& options) {
  std::unique_ptr<SqliteDatabase> db(new SqliteDatabase(options));
  CONFLUX_ASSIGN_OR_RETURN(db->writer_, db->connect());
  CONFLUX_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> checkpoint_conn, db->connect());
  db->write_queue_ = std::make_unique<SqliteWriteQueue>(*db->writer_);
  SqliteWriteQueue* queue = db->write_queue_.get();
  db->checkpointer_ = std::make_unique<SqliteCheckpointer>(std::move(checkpoint_conn), options.checkpoint_pages,
                                                           [queue] { queue->request_checkpoint(); });
  SqliteCheckpointer* checkpointer = db->checkpointer_.get();
  const int backstop_pages = 4 * options.checkpoint_pages;
  db->writer_->set_wal_listener([checkpointer, queue, backstop_pages](int pages) {
    checkpointer->wal_committed(pages);
    // If the background thread falls behind (a starved CPU), the writer checkpoints itself, as
    // SQLite would by default: the WAL stays bounded whatever the load.
    if (pages >= backstop_pages) queue->request_checkpoint();
  });
  return db;
}

Status SqliteDatabase::write(const std::function<Status(SqliteConnection&)>& body) {
  return write_queue_->run(body);
}

Status SqliteDatabase::read(const std::function<Status(SqliteConnection&)>& body) {
  std::unique_ptr<SqliteConnection> conn;
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!idle_readers_.empty()) {
      conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
    }
  }
  if (!conn) {
    CONFLUX_ASSIGN_OR_RETURN(conn, connect());
  }
  Status s = body(*conn);
  std::lock_guard<std::mutex> lock(pool_mu_);
  idle_readers_.push_back(std::move(conn));
  return s;
}

Result<int> SqliteDatabase::migrate() {
  OpTimer t(options_.on_operation, "migrate");
  int version = 0;
  Status s = write([&](SqliteConnection& c) -> Status {
    CONFLUX_RETURN_IF_ERROR(c.exec_script(
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT "
        "NULL, applied_at INTEGER NOT NULL)"));
    {
      CONFLUX_ASSIGN_OR_RETURN(Statement q, c.query("SELECT coalesce(max(version), 0) FROM schema_version", {}));
      CONFLUX_ASSIGN_OR_RETURN(bool row, q.next());
      if (row) version = static_cast<int>(q.int64(0));
    }
    for (const Migration& m : sqlite_migrations()) {
      if (m.version <= version) continue;
      Status ms = c.exec_script(std::string(m.sql));
      if (!ms.ok()) return ms.with_context("migration " + std::string(m.name));
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

Result<int> SqliteDatabase::schema_version() {
  int version = 0;
  CONFLUX_RETURN_IF_ERROR(read([&](SqliteConnection& c) -> Status {
    CONFLUX_ASSIGN_OR_RETURN(Statement q, c.query("SELECT count(*) FROM sqlite_master WHERE name = 'schema_version'", {}));
    CONFLUX_ASSIGN_OR_RETURN(bool row, q.next());
    if (!row || q.int64(0) == 0) return Status();
    CONFLUX_ASSIGN_OR_RETURN(Statement v, c.query("SELECT coalesce(max(version), 0) FROM schema_version", {}));
    CONFLUX_ASSIGN_OR_RETURN(bool vrow, v.next());
    if (vrow) version = static_cast<int>(v.int64(0));
    return Status();
  }));
  return version;
}

Status SqliteDatabase::ping() {
  OpTimer t(options_.on_operation, "ping");
  return read([](SqliteConnection& c) -> Status {
    CONFLUX_ASSIGN_OR_RETURN(Statement q, c.query("SELECT 1", {}));
    return q.next().status();
  });
}

// ---------------------------------------------------------------------------------------------
// Flows

Result<FlowRecord> SqliteDatabase::create_flow(const FlowRecord& flow) {
  OpTimer t(options_.on_operation, "create_flow");
  CONFLUX_RETURN_IF_ERROR(write([&](SqliteConnection& c) -> Status {
    return c.exec("INSERT INTO flows (flow_id, user_name, ts_epoch, tags, system_tags) VALUES (?, ?, ?, ?, ?)",
                  {flow.flow_id, sql_opt(flow.user_name), flow.ts_epoch, flow.tags, flow.system_tags})
        .status()
        .with_context("flow '" + flow.flow_id + "'");
  }));
  return flow;
}




// ---------------------------------------------------------------------------------------------
// Runs


Result<RunRecord> SqliteDatabase::create_run(const RunRecord& run) {
  OpTimer t(options_.on_operation, "create_run");
  RunRecord out = run;
  CONFLUX_RETURN_IF_ERROR(write([&](SqliteConnection& c) -> Status {
    Status s = c.exec("INSERT INTO runs (flow_id, run_id, user_name, ts_epoch, last_heartbeat_ts, tags, system_tags, "
                      "run_user) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      {run.flow_id, sql_opt(run.run_id), sql_opt(run.user_name), run.ts_epoch,
                       sql_opt(run.last_heartbeat_ts), run.tags, run.system_tags, sql_opt(verified_owner(run))})
                   .status();
    if (s.code() == StatusCode::kNotFound) return Status::not_found("flow '" + run.flow_id + "' does not exist");
    if (s.code() == StatusCode::kAlreadyExists) {
      return Status::already_exists("run '" + run.run_id.value_or("") + "' already exists in flow '" + run.flow_id + "'");
    }
    CONFLUX_RETURN_IF_ERROR(s);
    out.run_number = c.last_insert_rowid();
    return store_run_tags(c, out);
  }));
  return out;
}




Result<bool> SqliteDatabase::touch_run_heartbeat(std::string_view flow_id, const ObjectKey& run,
                                                 int64_t now_seconds, int64_t min_age_seconds) {
  OpTimer t(options_.on_operation, "touch_run_heartbeat");
  std::string sql = std::string("UPDATE runs SET last_heartbeat_ts = ?") + kReviveOnHeartbeat + " WHERE flow_id = ?";
  std::vector<SqlValue> params{now_seconds, std::string(flow_id)};
  add_run_key(sql, params, run);
  sql += " AND (last_heartbeat_ts IS NULL OR last_heartbeat_ts <= ?)";
  params.emplace_back(now_seconds - min_age_seconds);
  int64_t changed = 0;
  CONFLUX_RETURN_IF_ERROR(write([&](SqliteConnection& c) -> Status {
    CONFLUX_ASSIGN_OR_RETURN(changed, c.exec(sql, params));
    return Status();
  }));
  return changed == 1;
}

Status SqliteDatabase::update_run_tags(
    std::string_view flow_id, const ObjectKey& run,
    const std::function<Result<std::optional<std::string>>(const RunRecord&)>& compute) {
  OpTimer t(options_.on_operation, "update_run_tags");
  std::string sql = run_select() + " WHERE flow_id = ?";
  std::vector<SqlValue> params{std::string(flow_id)};
  add_run_key(sql, params, run);
  return write([&](SqliteConnection& c) -> Status {
    std::vector<RunRecord> found;
    CONFLUX_RETURN_IF_ERROR(collect(c, sql, params, read_run<Statement>, found));
    if (found.empty()) return Status::not_found("run '" + run.text() + "' of flow '" + std::string(flow_id) + "' does not exist");
    CONFLUX_ASSIGN_OR_RETURN(std::optional<std::string> tags, compute(found.front()));
    if (!tags) return Status();
    CONFLUX_RETURN_IF_ERROR(c.exec("UPDATE runs SET tags = ? WHERE flow_id = ? AND run_number = ?",
                                   {*tags, std::string(flow_id), found.front().run_number})
                                .status());
    RunRecord updated = found.front();
    updated.tags = *tags;
    CONFLUX_RETURN_IF_ERROR(c.exec("DELETE FROM run_tags WHERE run_number = ?", {updated.run_number}).status());
    return store_run_tags(c, updated);
  });
}

Status SqliteDatabase::store_run_tags(SqliteConnection& c, const RunRecord& run) {
  // Two statements whatever the number of tags (a run carries half a dozen system tags).
  const std::string tags = run_tag_list_json(run);
  CONFLUX_RETURN_IF_ERROR(c.exec("INSERT OR IGNORE INTO run_tags (tag, ts_epoch, run_number) "
                                 "SELECT value, ?, ? FROM json_each(?)",
                                 {run.ts_epoch, run.run_number, tags})
                              .status());
  return c.exec("INSERT OR IGNORE INTO tag_names (tag) SELECT value FROM json_each(?)", {tags}).status();
}

Result<ExpiredRows> SqliteDatabase::expire_stale(int64_t now_seconds, int64_t cutoff_seconds) {
  OpTimer t(options_.on_operation, "expire_stale");
  ExpiredRows out;
  const ExpirySql e = expire_stale_sql(now_seconds, cutoff_seconds);
  CONFLUX_RETURN_IF_ERROR(write([&](SqliteConnection& c) -> Status {
    out = ExpiredRows();
    {
      CONFLUX_ASSIGN_OR_RETURN(Statement q, c.query(e.runs.sql, e.runs.params));
      while (true) {
        CONFLUX_ASSIGN_OR_RETURN(bool row, q.next());
        if (!row) break;
        out.runs.emplace_back(q.text(0), q.int64(1));
      }
    }
    CONFLUX_ASSIGN_OR_RETURN(Statement q, c.query(e.tasks.sql, e.tasks.params));
    while (true) {
      CONFLUX_ASSIGN_OR_RETURN(bool row, q.next());
      if (!row) break;
      TaskRecord task;
      task.flow_id = q.text(0);
      task.run_number = q.int64(1);
      task.step_name = q.text(2);
      task.task_id = q.int64(3);
      out.tasks.push_back(std::move(task));
    }
    return Status();
  }));
  return out;
}

Result<DeletedCounts> SqliteDatabase::delete_run(std::string_view flow_id, const ObjectKey& run) {
  OpTimer t(options_.on_operation, "delete_run");
  DeletedCounts counts;
  std::string sql = "SELECT run_number FROM runs WHERE flow_id = ?";
  std::vector<SqlValue> params{std::string(flow_id)};
  add_run_key(sql, params, run);
  CONFLUX_RETURN_IF_ERROR(write([&](SqliteConnection& c) -> Status {
    int64_t number = 0;
    {
      CONFLUX_ASSIGN_OR_RETURN(Statement q, c.query(sql, params));
      CONFLUX_ASSIGN_OR_RETURN(bool row, q.next());
      if (!row) return Status::not_found("run '" + run.text() + "' of flow '" + std::string(flow_id) + "' does not exist");
      number = q.int64(0);
    }
    std::vector<SqlValue> key{std::string(flow_id), number};
    CONFLUX_ASSIGN_OR_RETURN(counts.artifacts, c.exec("DELETE FROM artifacts WHERE flow_id = ? AND run_number = ?", key));
    CONFLUX_ASSIGN_OR_RETURN(counts.metadata, c.exec("DELETE FROM metadata WHERE flow_id = ? AND run_number = ?", key));
    CONFLUX_ASSIGN_OR_RETURN(counts.tasks, c.exec("DELETE FROM tasks WHERE flow_id = ? AND run_number = ?", key));
    CONFLUX_ASSIGN_OR_RETURN(counts.steps, c.exec("DELETE FROM steps WHERE flow_id = ? AND run_number = ?", key));
    CONFLUX_RETURN_IF_ERROR(c.exec("DELETE FROM run_tags WHERE run_number = ?", {number}).status());
    return c.exec("DELETE FROM runs WHERE flow_id = ? AND run_number = ?", key).status();
  }));
  return counts;
}

// ---------------------------------------------------------------------------------------------
// Steps

Result<StepRecord> SqliteDatabase::create_step(const StepRecord& step) {
  OpTimer t(options_.on_operation, "create_step");
  CONFLUX_RETURN_IF_ERROR(write([&](SqliteConnection& c) -> Status {
    Status s = c.exec("INSERT INTO steps (flow_id, run_number, run_id, step_name, user_name, ts_epoch, tags, system_tags) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      {step.flow_id, step.run_number, sql_opt(step.run_id), step.step_name,
                       sql_opt(step.user_name), step.ts_epoch, step.tags, step.system_tags})
                   .status();
    if (s.code() == StatusCode::kAlreadyExists) {
      return Status::already_exists("step '" + step.step_name + "' already exists in run '" +
                                    std::to_string(step.run_number) + "' of flow '" + step.flow_id + "'");
    }
    return s;
  }));
  return step;
}



// ---------------------------------------------------------------------------------------------
// Tasks

Result<TaskRecord> SqliteDatabase::create_task(const TaskRecord& task) {
  OpTimer t(options_.on_operation, "create_task");
  TaskRecord out = task;
  CONFLUX_RETURN_IF_ERROR(write([&](SqliteConnection& c) -> Status {
    Status s = c.exec("INSERT INTO tasks (flow_id, run_number, run_id, step_name, task_name, user_name, ts_epoch, "
                      "last_heartbeat_ts, tags, system_tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      {task.flow_id, task.run_number, sql_opt(task.run_id), task.step_name,
                       sql_opt(task.task_name), sql_opt(task.user_name), task.ts_epoch,
                       sql_opt(task.last_heartbeat_ts), task.tags, task.system_tags})
                   .status();
    if (s.code() == StatusCode::kNotFound) {
      return Status::not_found("step '" + task.step_name + "' of run '" + std::to_string(task.run_number) +
                               "' of flow '" + task.flow_id + "' does not exist");
    }
    if (s.code() == StatusCode::kAlreadyExists) {
      return Status::already_exists("task '" + task.task_name.value_or("") + "' already exists in step '" +
                                    task.step_name + "'");
    }
    CONFLUX_RETURN_IF_ERROR(s);
    out.task_id = c.last_insert_rowid();
    return Status();
  }));
  return out;
}




Result<bool> SqliteDatabase::touch_task_heartbeat(std::string_view flow_id, const ObjectKey& run,
                                                  std::string_view step_name, const ObjectKey& task,
                                                  int64_t now_seconds, int64_t min_age_seconds) {
  OpTimer t(options_.on_operation, "touch_task_heartbeat");
  std::string sql = std::string("UPDATE tasks SET last_heartbeat_ts = ?") + kReviveOnHeartbeat + " WHERE flow_id = ?";
  std::vector<SqlValue> params{now_seconds, std::string(flow_id)};
  add_run_key(sql, params, run);
  sql += " AND step_name = ?";
  params.emplace_back(std::string(step_name));
  add_task_key(sql, params, task);
  sql += " AND (last_heartbeat_ts IS NULL OR last_heartbeat_ts <= ?)";
  params.emplace_back(now_seconds - min_age_seconds);
  int64_t changed = 0;
  CONFLUX_RETURN_IF_ERROR(write([&](SqliteConnection& c) -> Status {
    CONFLUX_ASSIGN_OR_RETURN(changed, c.exec(sql, params));
    return Status();
  }));
  return changed == 1;
}

// ---------------------------------------------------------------------------------------------
// Metadata

Result<int64_t> SqliteDatabase::add_metadata(const std::vector<MetadataRecord>& rows) {
  OpTimer t(options_.on_operation, "add_metadata");
  int64_t count = 0;
  CONFLUX_RETURN_IF_ERROR(write([&](SqliteConnection& c) -> Status {
    for (const MetadataRecord& m : rows) {
      CONFLUX_RETURN_IF_ERROR(
          c.exec("INSERT INTO metadata (flow_id, run_number, run_id, step_name, task_id, task_name, field_name, "
                 "value, type, user_name, ts_epoch, tags, system_tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 {m.flow_id, m.run_number, sql_opt(m.run_id), m.step_name, m.task_id, sql_opt(m.task_name),
                  m.field_name, m.value, m.type, sql_opt(m.user_name), m.ts_epoch, m.tags, m.system_tags})
              .status());
      ++count;
    }
    for (const SqlQuery& update : state_updates(rows)) CONFLUX_RETURN_IF_ERROR(c.exec(update.sql, update.params).status());
    return Status();
  }));
  return count;
}







// ---------------------------------------------------------------------------------------------
// Artifacts

Result<int64_t> SqliteDatabase::add_artifacts(const std::vector<ArtifactRecord>& rows) {
  OpTimer t(options_.on_operation, "add_artifacts");
  int64_t count = 0;
  CONFLUX_RETURN_IF_ERROR(write([&](SqliteConnection& c) -> Status {
    for (const ArtifactRecord& a : rows) {
      // A duplicate (task, attempt, name) is skipped, as metaflow-service counts only stored rows.
      CONFLUX_ASSIGN_OR_RETURN(
          int64_t n,
          c.exec("INSERT OR IGNORE INTO artifacts (flow_id, run_number, run_id, step_name, task_id, task_name, name, "
                 "location, ds_type, sha, type, content_type, user_name, attempt_id, ts_epoch, tags, system_tags) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 {a.flow_id, a.run_number, sql_opt(a.run_id), a.step_name, a.task_id, sql_opt(a.task_name), a.name,
                  a.location, a.ds_type, sql_opt(a.sha), sql_opt(a.type), sql_opt(a.content_type),
                  sql_opt(a.user_name), a.attempt_id, a.ts_epoch, a.tags, a.system_tags}));
      count += n;
    }
    return Status();
  }));
  return count;
}





}  // namespace conflux::service
