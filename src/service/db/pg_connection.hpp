// PgConnection: one libpq connection to PostgreSQL with a cache of server-side prepared
// statements, and PgResult, the rows of one statement. SQL is written with SQLite-style `?`
// placeholders (numbered $1..$N here, in order, outside quoted text) so the PostgreSQL backend
// builds its queries like the SQLite one; values are always sent as parameters (PgValue), never
// formatted into SQL text, so nothing a client sends can change a statement's meaning.
//
// Thread safety: a connection is used by one thread at a time (PgConnectionPool hands them
// out); PgResult is an immutable snapshot.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "conflux/status.hpp"
#include "service/db/sql_records.hpp"
#include "service/db/sql_value.hpp"

struct pg_conn;
struct pg_result;

namespace conflux::service {

using PgValue = SqlValue;

// Rewrites `?` placeholders to $1..$N (a `?` inside '...' or "..." is left alone).
std::string number_placeholders(std::string_view sql);

class PgResult {
 public:
  explicit PgResult(pg_result* result);
  PgResult(PgResult&& other) noexcept;
  PgResult& operator=(PgResult&&) = delete;
  ~PgResult();

  int rows() const;
  int64_t affected_rows() const;  // INSERT / UPDATE / DELETE
  bool is_null(int row, int col) const;
  std::string text(int row, int col) const;
  std::optional<std::string> opt_text(int row, int col) const;
  int64_t int64(int row, int col) const;
  std::optional<int64_t> opt_int64(int row, int col) const;

 private:
  pg_result* result_;
};

// One statement of a batch: SQL with `?` placeholders and its values (both outlive the call).

// One row of a PgResult, read by column like a SQLite Statement (sql_records.hpp's readers).
class PgRow final : public sql::SqlRow {
 public:
  PgRow(const PgResult& result, int row) : result_(result), row_(row) {}
  bool is_null(int col) const override { return result_.is_null(row_, col); }
  std::string text(int col) const override { return result_.text(row_, col); }
  std::optional<std::string> opt_text(int col) const override { return result_.opt_text(row_, col); }
  int64_t int64(int col) const override { return result_.int64(row_, col); }
  std::optional<int64_t> opt_int64(int col) const override { return result_.opt_int64(row_, col); }

 private:
  const PgResult& result_;
  int row_;
};

struct PgStatementRef {
  const std::string* sql;
  const std::vector<PgValue>* params;
};

class PgConnection {
 public:
  // Connects to `url` (postgresql://user[:password]@host[:port]/db[?param=value...]).
  static Result<std::unique_ptr<PgConnection>> open(const std::string& url);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Prepares (or reuses) `sql` and runs it with `params`.
  Result<PgResult> query(const std::string& sql, const std::vector<PgValue>& params);
  // Runs `statements` in one transaction, sent together in libpq's pipeline mode (one round trip
  // and one commit for all). If every one succeeds, their results in order; if any fails, the
  // transaction is rolled back and the first error returned (run them one by one to learn which
  // failed and why).
  Result<std::vector<PgResult>> run_batch(const std::vector<PgStatementRef>& statements);
  // Like query(); returns the number of rows changed.
  Result<int64_t> exec(const std::string& sql, const std::vector<PgValue>& params);
  // Runs semicolon-separated SQL without parameters (migrations, BEGIN/COMMIT).
  Status exec_script(const std::string& sql);
  // True when the connection is lost or left inside a transaction: do not reuse it.
  bool unusable() const;
  // True when the connection to the server is lost (seen by the last statement sent).
  bool lost() const;
  // True when the last failure was the server ending the session (SQLSTATE class 57P: shutdown,
  // restart, pg_terminate_backend): the statement it answered did not run, or was rolled back.
  bool ended_by_server() const { return ended_by_server_; }

 private:
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  // A statement prepared on this connection (cached by SQL and parameter types) and its values
  // in libpq's text form. `values` point into `texts` and the caller's parameters.
  struct Bound {
    const std::string* name = nullptr;
    std::vector<std::string> texts;
    std::vector<const char*> values;
  };
  Result<Bound> bind(const std::string& sql, const std::vector<PgValue>& params);
  Status connection_error(std::string_view what) const;
  // The Status of a failed `result`; notes whether the server ended the session.
  Status failure(const pg_result* result, std::string_view what);
  pg_conn* conn_;
  bool ended_by_server_ = false;
  std::unordered_map<std::string, std::string> prepared_;  // cache key -> statement name
  int64_t next_statement_ = 0;
};

}  // namespace conflux::service
