#include "service/db/sqlite_connection.hpp"

#include <sqlite3.h>

#include <regex>

namespace conflux::service {

namespace {

// regexp_match(pattern, value): 1 if `value` contains a match of `pattern` (PostgreSQL's
// regexp_match(value, pattern) IS NOT NULL). The compiled pattern is cached per statement.
void regexp_match_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (argc != 2 || sqlite3_value_type(argv[0]) == SQLITE_NULL ||
      sqlite3_value_type(argv[1]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  auto* re = static_cast<std::regex*>(sqlite3_get_auxdata(ctx, 0));
  if (re == nullptr) {
    const char* pattern = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
    // std::regex reports a bad pattern by throwing; stop it here, at the library seam.
    try {
      re = new std::regex(pattern);
    } catch (const std::regex_error& e) {
      sqlite3_result_error(ctx, "invalid regular expression", -1);
      return;
    }
    sqlite3_set_auxdata(ctx, 0, re, [](void* p) { delete static_cast<std::regex*>(p); });
    re = static_cast<std::regex*>(sqlite3_get_auxdata(ctx, 0));
    if (re == nullptr) {  // SQLite dropped the auxdata (out of memory)
      sqlite3_result_error_nomem(ctx);
      return;
    }
  }
  const char* value = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
  bool found = false;
  try {
    found = std::regex_search(value, *re);
  } catch (const std::regex_error&) {  // complexity limits
    sqlite3_result_error(ctx, "regular expression too complex", -1);
    return;
  }
  sqlite3_result_int(ctx, found ? 1 : 0);
}

}  // namespace

Status sqlite_status(sqlite3* db, int rc, std::string_view what) {
  std::string message = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::unavailable(message);
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) return Status::not_found(message);
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return Status::already_exists(message);
      }
      return Status::invalid_argument(message);
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
      return Status::io_error(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::corruption(message);
    default:
      if (std::string_view(sqlite3_errmsg(db)).find("regular expression") != std::string_view::npos) {
        return Status::invalid_argument(message);
      }
      return Status::internal(message);
  }
}

Result<SqliteConnection*> SqliteConnection::open(const std::string& path, int busy_timeout_ms) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = Status::io_error("cannot open database '" + path + "': " +
                                (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    sqlite3_close(db);
    return s;
  }
  sqlite3_busy_timeout(db, busy_timeout_ms);
  sqlite3_extended_result_codes(db, 1);
  sqlite3_create_function(db, "regexp_match", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                          regexp_match_fn, nullptr, nullptr);
  auto* conn = new SqliteConnection(db);
  Status s = conn->exec_script(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
      "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16000;");
  if (!s.ok()) {
    delete conn;
    return s.with_context("database '" + path + "'");
  }
  return conn;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Result<Statement> SqliteConnection::query(const std::string& sql, const std::vector<SqlValue>& params) {
  sqlite3_stmt* stmt = nullptr;
  auto it = cache_.find(sql);
  if (it != cache_.end()) {
    stmt = it->second;
  } else {
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return sqlite_status(db_, rc, "preparing a statement");
    // Dynamic filter queries vary; keep the cache bounded.
    if (cache_.size() > 512) {
      for (auto& [s, st] : cache_) sqlite3_finalize(st);
      cache_.clear();
    }
    cache_.emplace(sql, stmt);
  }
  for (size_t i = 0; i < params.size(); ++i) {
    int idx = static_cast<int>(i + 1);
    int rc = SQLITE_OK;
    if (const auto* n = std::get_if<int64_t>(&params[i])) {
      rc = sqlite3_bind_int64(stmt, idx, *n);
    } else if (const auto* s = std::get_if<std::string>(&params[i])) {
      rc = sqlite3_bind_text(stmt, idx, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
    } else {
      rc = sqlite3_bind_null(stmt, idx);
    }
    if (rc != SQLITE_OK) {
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
      return sqlite_status(db_, rc, "binding a value");
    }
  }
  return Statement(db_, stmt);
}

Result<int64_t> SqliteConnection::exec(const std::string& sql, const std::vector<SqlValue>& params) {
  CONFLUX_ASSIGN_OR_RETURN(Statement stmt, query(sql, params));
  CONFLUX_ASSIGN_OR_RETURN(bool row, stmt.next());
  (void)row;
  return static_cast<int64_t>(sqlite3_changes64(db_));
}

Status SqliteConnection::exec_script(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string message = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Status s = sqlite_status(db_, rc, "executing SQL");
    return Status(s.code(), "executing SQL: " + message);
  }
  return Status();
}

int64_t SqliteConnection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

void SqliteConnection::set_wal_listener(std::function<void(int wal_pages)> listener) {
  wal_listener_ = std::move(listener);
  sqlite3_wal_hook(
      db_,
      [](void* self, sqlite3*, const char*, int pages) -> int {
        static_cast<SqliteConnection*>(self)->wal_listener_(pages);
        return SQLITE_OK;
      },
      this);
}

Status SqliteConnection::checkpoint_passive() {
  int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_status(db_, rc, "checkpointing the WAL");
  return Status();
}

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Result<bool> Statement::next() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_status(db_, rc, "running a statement");
}

int64_t Statement::int64(int col) const { return sqlite3_column_int64(stmt_, col); }

std::optional<int64_t> Statement::opt_int64(int col) const {
  if (is_null(col)) return std::nullopt;
  return sqlite3_column_int64(stmt_, col);
}

std::string Statement::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (p == nullptr) return {};
  return std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}

std::optional<std::string> Statement::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}

bool Statement::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

}  // namespace conflux::service
