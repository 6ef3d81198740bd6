#include "service/db/pg_connection.hpp"

#include <libpq-fe.h>

#include <charconv>

namespace conflux::service {

namespace {

constexpr Oid kInt8Oid = 20;  // pg_type.oid of bigint; other values are sent untyped (inferred)

// The SQLSTATE classes the Database contract distinguishes (see database.hpp).
Status status_from_result(const PGresult* result, std::string_view what) {
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL);
  std::string message = std::string(what) + ": " + (primary ? primary : PQresultErrorMessage(result));
  if (detail != nullptr) message += " (" + std::string(detail) + ")";
  std::string_view code = state ? state : "";
  if (code == "23505") return Status::already_exists(message);
  if (code == "23503") return Status::not_found(message);
  if (code.starts_with("23") || code.starts_with("22")) return Status::invalid_argument(message);  // incl. 2201B bad regex
  if (code == "40001" || code == "40P01" || code == "55P03" || code == "57014" || code.starts_with("53") ||
      code.starts_with("08") || code.starts_with("57P")) {
    return Status::unavailable(message);
  }
  return Status::internal(message + (code.empty() ? "" : " [SQLSTATE " + std::string(code) + "]"));
}

}  // namespace

std::string number_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote != 0) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += '$' + std::to_string(++n);
    } else {
      out += c;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

PgResult::PgResult(pg_result* result) : result_(result) {}
PgResult::PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
PgResult::~PgResult() {
  if (result_ != nullptr) PQclear(result_);
}

int PgResult::rows() const { return PQntuples(result_); }

int64_t PgResult::affected_rows() const {
  std::string_view n = PQcmdTuples(result_);
  int64_t v = 0;
  std::from_chars(n.data(), n.data() + n.size(), v);
  return v;
}

bool PgResult::is_null(int row, int col) const { return PQgetisnull(result_, row, col) != 0; }

std::string PgResult::text(int row, int col) const {
  return std::string(PQgetvalue(result_, row, col), static_cast<size_t>(PQgetlength(result_, row, col)));
}

std::optional<std::string> PgResult::opt_text(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return text(row, col);
}

int64_t PgResult::int64(int row, int col) const {
  const char* p = PQgetvalue(result_, row, col);
  int64_t v = 0;
  std::from_chars(p, p + PQgetlength(result_, row, col), v);
  return v;
}

std::optional<int64_t> PgResult::opt_int64(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return int64(row, col);
}

// ---------------------------------------------------------------------------------------------

Result<std::unique_ptr<PgConnection>> PgConnection::open(const std::string& url) {
  // The URL is expanded as `dbname`; its own parameters override the defaults before it.
  const char* keywords[] = {"application_name", "connect_timeout", "dbname", nullptr};
  const char* values[] = {"conflux service", "10", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) return Status::unavailable("connecting to PostgreSQL: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    // libpq's message names host and port, never the password.
    std::string message = PQerrorMessage(conn);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    PQfinish(conn);
    return Status::unavailable("connecting to PostgreSQL: " + message);
  }
  // Notices ("relation ... already exists, skipping" from the migrations' IF NOT EXISTS) would go
  // to stderr and mix with the service's log; errors still come back as results.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  std::unique_ptr<PgConnection> c(new PgConnection(conn));
  // Values are exchanged as UTF-8 text whatever the database's encoding (JSON bodies are UTF-8).
  CONFLUX_RETURN_IF_ERROR(c->exec_script("SET client_encoding = 'UTF8'"));
  return c;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::unusable() const {
  return PQstatus(conn_) != CONNECTION_OK || PQtransactionStatus(conn_) != PQTRANS_IDLE;
}

Status PgConnection::failure(const PGresult* result, std::string_view what) {
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  ended_by_server_ = state != nullptr && std::string_view(state).starts_with("57P");
  return status_from_result(result, what);
}

bool PgConnection::lost() const { return PQstatus(conn_) != CONNECTION_OK; }

Status PgConnection::connection_error(std::string_view what) const {
  std::string message = PQerrorMessage(conn_);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return Status::unavailable(std::string(what) + ": " + message);
}

Result<PgConnection::Bound> PgConnection::bind(const std::string& sql, const std::vector<PgValue>& params) {
  Bound b;
  std::vector<Oid> types(params.size(), 0);
  b.texts.resize(params.size());
  b.values.assign(params.size(), nullptr);
  std::string key = sql;
  key += '\x1f';
  for (size_t i = 0; i < params.size(); ++i) {
    if (const auto* n = std::get_if<int64_t>(&params[i])) {
      types[i] = kInt8Oid;
      b.texts[i] = std::to_string(*n);
      b.values[i] = b.texts[i].c_str();
      key += 'i';
    } else if (const auto* s = std::get_if<std::string>(&params[i])) {
      // libpq sends text parameters NUL-terminated, and PostgreSQL text cannot hold NUL.
      if (s->find('\0') != std::string::npos) {
        return Status::invalid_argument("a value contains a NUL character, which PostgreSQL text cannot store");
      }
      b.values[i] = s->c_str();
      key += 's';
    } else {
      key += 'n';
    }
  }
  auto it = prepared_.find(key);
  if (it == prepared_.end()) {
    // Dynamic filter queries vary; keep the cache (and the server's memory) bounded.
    if (prepared_.size() > 512) {
      CONFLUX_RETURN_IF_ERROR(exec_script("DEALLOCATE ALL"));
      prepared_.clear();
    }
    std::string name = "conflux_" + std::to_string(++next_statement_);
    PGresult* prep = PQprepare(conn_, name.c_str(), number_placeholders(sql).c_str(),
                               static_cast<int>(params.size()), types.data());
    if (prep == nullptr) return connection_error("preparing a statement");
    PgResult prepared(prep);
    if (PQresultStatus(prep) != PGRES_COMMAND_OK) return failure(prep, "preparing a statement");
    it = prepared_.emplace(std::move(key), std::move(name)).first;
  }
  b.name = &it->second;
  return b;
}

Result<PgResult> PgConnection::query(const std::string& sql, const std::vector<PgValue>& params) {
  CONFLUX_ASSIGN_OR_RETURN(Bound b, bind(sql, params));
  PGresult* res = PQexecPrepared(conn_, b.name->c_str(), static_cast<int>(b.values.size()), b.values.data(),
                                 nullptr, nullptr, /*resultFormat=*/0);
  if (res == nullptr) return connection_error("running a statement");
  PgResult result(res);
  ExecStatusType st = PQresultStatus(res);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) return failure(res, "running a statement");
  return result;
}

Result<std::vector<PgResult>> PgConnection::run_batch(const std::vector<PgStatementRef>& statements) {
  // Prepare (synchronously, cached) before entering pipeline mode.
  std::vector<Bound> bound;
  bound.reserve(statements.size());
  for (const PgStatementRef& st : statements) {
    CONFLUX_ASSIGN_OR_RETURN(Bound b, bind(*st.sql, *st.params));
    bound.push_back(std::move(b));
  }
  if (PQenterPipelineMode(conn_) != 1) return connection_error("entering pipeline mode");
  bool sent = PQsendQueryParams(conn_, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
  for (size_t i = 0; sent && i < bound.size(); ++i) {
    sent = PQsendQueryPrepared(conn_, bound[i].name->c_str(), static_cast<int>(bound[i].values.size()),
                               bound[i].values.data(), nullptr, nullptr, 0) == 1;
  }
  sent = sent && PQsendQueryParams(conn_, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
  sent = sent && PQpipelineSync(conn_) == 1;
  if (!sent) {
    Status s = connection_error("sending a batch");
    PQexitPipelineMode(conn_);
    return s;
  }
  // One result (then a NULL) per statement sent, BEGIN and COMMIT included, then the sync.
  std::vector<PgResult> results;
  Status first_error;
  const size_t expected = bound.size() + 2;
  for (size_t i = 0; i < expected; ++i) {
    PGresult* res = PQgetResult(conn_);
    if (res == nullptr) {
      if (first_error.ok()) first_error = connection_error("reading a batch's results");
      break;
    }
    PgResult r(res);
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_FATAL_ERROR) {
      if (first_error.ok()) first_error = failure(res, "running a batched statement");
    } else if (st == PGRES_PIPELINE_ABORTED) {
      if (first_error.ok()) first_error = Status::internal("a batched statement was skipped");
    } else if (i > 0 && i + 1 < expected) {
      results.push_back(std::move(r));
    }
    // COMMIT of a transaction that failed answers ROLLBACK.
    if (i + 1 == expected && first_error.ok() && std::string_view(PQcmdStatus(res)) != "COMMIT") {
      first_error = Status::internal("the batch's transaction was rolled back");
    }
    while (PGresult* rest = PQgetResult(conn_)) PQclear(rest);  // the NULL that ends this statement
  }
  if (!lost()) {
    // Drain to the sync point, then leave pipeline mode.
    while (PGresult* res = PQgetResult(conn_)) {
      bool sync = PQresultStatus(res) == PGRES_PIPELINE_SYNC;
      PQclear(res);
      if (sync) break;
    }
    PQexitPipelineMode(conn_);
    // A failed statement leaves the explicit transaction aborted (a sync does not end it).
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) (void)exec_script("ROLLBACK");
  }
  if (!first_error.ok()) return first_error;
  return results;
}

Result<int64_t> PgConnection::exec(const std::string& sql, const std::vector<PgValue>& params) {
  CONFLUX_ASSIGN_OR_RETURN(PgResult r, query(sql, params));
  return r.affected_rows();
}

Status PgConnection::exec_script(const std::string& sql) {
  PGresult* res = PQexec(conn_, sql.c_str());
  if (res == nullptr) return connection_error("executing SQL");
  PgResult result(res);
  ExecStatusType st = PQresultStatus(res);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && st != PGRES_EMPTY_QUERY) {
    return failure(res, "executing SQL");
  }
  return Status();
}

}  // namespace conflux::service
