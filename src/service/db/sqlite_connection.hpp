// SqliteConnection: one sqlite3 handle with a cache of prepared statements, and Statement, a
// bound, steppable use of one of them. Values are always bound (SqlValue), never formatted into
// SQL text, so nothing a client sends can change a statement's meaning.
//
// Thread safety: a connection is used by one thread at a time (SqliteDatabase hands them out).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "conflux/status.hpp"
#include "service/db/sql_records.hpp"
#include "service/db/sql_value.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace conflux::service {


class Statement;

class SqliteConnection {
 public:
  // Opens `path` with WAL, synchronous=NORMAL, foreign keys and the busy timeout, and registers
  // the regexp_match(pattern, value) SQL function.
  static Result<SqliteConnection*> open(const std::string& path, int busy_timeout_ms);
  ~SqliteConnection();
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  // Prepares (or reuses) `sql` and binds `params` to ?1..?N.
  Result<Statement> query(const std::string& sql, const std::vector<SqlValue>& params);
  // Runs a statement that returns no rows; returns the number of changed rows.
  Result<int64_t> exec(const std::string& sql, const std::vector<SqlValue>& params);
  // Runs semicolon-separated SQL without parameters (migrations, BEGIN/COMMIT).
  Status exec_script(const std::string& sql);
  int64_t last_insert_rowid() const;

  // Calls `listener` with the WAL's size in pages after each commit on this connection. Setting
  // a listener turns off SQLite's automatic checkpoints on this connection (see
  // SqliteCheckpointer, which takes them over).
  void set_wal_listener(std::function<void(int wal_pages)> listener);
  // Copies as much of the WAL into the database file as can be copied without waiting for
  // readers or writers (SQLITE_CHECKPOINT_PASSIVE).
  Status checkpoint_passive();

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::function<void(int)> wal_listener_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// Converts the SQLite result code `rc` to a Status naming `what`.
Status sqlite_status(sqlite3* db, int rc, std::string_view what);

class Statement final : public sql::SqlRow {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Statement& operator=(Statement&&) = delete;
  ~Statement() override;  // resets the statement for reuse

  // True if a row is available, false when done.
  Result<bool> next();
  int64_t int64(int col) const override;
  std::optional<int64_t> opt_int64(int col) const override;
  std::string text(int col) const override;
  std::optional<std::string> opt_text(int col) const override;
  bool is_null(int col) const override;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

}  // namespace conflux::service
