#include "service/pg/pg_test_database.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>

namespace conflux::testing {

namespace {

// Runs one statement on the server's maintenance database (CREATE/DROP DATABASE cannot be
// prepared or run inside a transaction).
Status admin_exec(const std::string& server_url, const std::string& sql) {
  PGconn* conn = PQconnectdb(server_url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = PQerrorMessage(conn);
    PQfinish(conn);
    return Status::unavailable("connecting to the test PostgreSQL " + server_url + ": " + message);
  }
  PGresult* res = PQexec(conn, sql.c_str());
  Status s;
  if (PQresultStatus(res) != PGRES_COMMAND_OK) s = Status::internal(sql + ": " + PQresultErrorMessage(res));
  PQclear(res);
  PQfinish(conn);
  return s;
}

}  // namespace

Result<std::string> pg_test_server_url() {
  if (const char* url = std::getenv("CONFLUX_TEST_PG_URL"); url != nullptr && *url != '\0') return std::string(url);
  const char* file = std::getenv("CONFLUX_TEST_PG_URL_FILE");
  if (file == nullptr || *file == '\0') return std::string();
  std::ifstream in(file);
  std::string url;
  if (!in || !std::getline(in, url) || url.empty()) {
    return Status::unavailable(std::string("no PostgreSQL URL in ") + file +
                               " (did the service_pg fixture, tests/service/pg/pg-start.sh, fail?)");
  }
  return url;
}

Result<std::unique_ptr<PgTestDatabase>> PgTestDatabase::create(const std::string& server_url) {
  static std::atomic<int> counter{0};
  std::string name = "conflux_test_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
  CONFLUX_RETURN_IF_ERROR(admin_exec(server_url, "CREATE DATABASE " + name));
  // Same server and user, the new database: replace the path of postgresql://.../<db>[?...].
  size_t query = server_url.find('?');
  std::string base = server_url.substr(0, query);
  size_t slash = base.find('/', base.find("://") + 3);
  std::string url = (slash == std::string::npos ? base : base.substr(0, slash)) + "/" + name +
                    (query == std::string::npos ? "" : server_url.substr(query));
  return std::unique_ptr<PgTestDatabase>(new PgTestDatabase(server_url, name, url));
}

PgTestDatabase::~PgTestDatabase() { (void)admin_exec(server_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)"); }

}  // namespace conflux::testing
