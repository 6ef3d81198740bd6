// Test helpers for the PostgreSQL backend: the URL of the throwaway cluster the ctest fixture
// `service_pg` started (tests/service/pg/pg-start.sh), and PgTestDatabase, a fresh database on
// it for one test, dropped when the object goes away, so every test starts from an empty schema
// (run and task ids from 1) like a fresh SQLite file.
//
// Thread safety: pg_test_server_url() is safe anywhere; a PgTestDatabase belongs to one test.
#pragma once

#include <memory>
#include <string>

#include "conflux/status.hpp"

namespace conflux::testing {

// $CONFLUX_TEST_PG_URL, else the URL in the file $CONFLUX_TEST_PG_URL_FILE (written by the
// fixture). Empty when neither is set (PostgreSQL tests then skip); an error when the file is
// named but missing (the fixture failed).
Result<std::string> pg_test_server_url();

class PgTestDatabase {
 public:
  // CREATE DATABASE conflux_test_<pid>_<n> on the server of `server_url`.
  static Result<std::unique_ptr<PgTestDatabase>> create(const std::string& server_url);
  ~PgTestDatabase();  // DROP DATABASE ... WITH (FORCE)
  PgTestDatabase(const PgTestDatabase&) = delete;
  PgTestDatabase& operator=(const PgTestDatabase&) = delete;

  // postgresql://... of the new database.
  const std::string& url() const { return url_; }

 private:
  PgTestDatabase(std::string server_url, std::string name, std::string url)
      : server_url_(std::move(server_url)), name_(std::move(name)), url_(std::move(url)) {}
  std::string server_url_, name_, url_;
};

}  // namespace conflux::testing
