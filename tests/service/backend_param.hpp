// The two storage backends the service tests run on, as a gtest value parameter: every test of
// tests/service runs once on a fresh SQLite file (ctest label `unit`) and once on a fresh
// PostgreSQL database (label `postgres`, fixture `service_pg`), named .../sqlite and .../postgres.
//
// Thread safety: call from the test's thread.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "service/db/open_database.hpp"
#include "service/pg/pg_test_database.hpp"

namespace conflux::service {

enum class Backend { kSqlite, kPostgres };

inline std::string backend_test_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "sqlite" : "postgres";
}

#define CONFLUX_INSTANTIATE_BACKENDS(suite) \
  INSTANTIATE_TEST_SUITE_P(Backend, suite,  \
                           ::testing::Values(Backend::kSqlite, Backend::kPostgres), backend_test_name)

// Opens a fresh, migrated database of `backend` (a file in `dir`, or a new PostgreSQL database
// kept alive by `*pg`) and sets `*url` to its --db value. Skips the test when PostgreSQL is not
// configured; the caller returns when IsSkipped() or HasFatalFailure().
inline void open_fresh_database(Backend backend, const std::filesystem::path& dir,
                                std::unique_ptr<conflux::testing::PgTestDatabase>* pg,
                                std::unique_ptr<Database>* db, std::string* url = nullptr) {
  DatabaseSpec spec;
  if (backend == Backend::kPostgres) {
    Result<std::string> server = conflux::testing::pg_test_server_url();
    ASSERT_TRUE(server.ok()) << server.status().to_string();
    if (server->empty()) {
      GTEST_SKIP() << "PostgreSQL tests need the service_pg ctest fixture (or CONFLUX_TEST_PG_URL)";
    }
    auto created = conflux::testing::PgTestDatabase::create(*server);
    ASSERT_TRUE(created.ok()) << created.status().to_string();
    *pg = std::move(*created);
    spec.url = (*pg)->url();
  } else {
    spec.url = (dir / "service.db").string();
  }
  if (url != nullptr) *url = spec.url;
  auto opened = open_database(spec);
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  *db = std::move(*opened);
  auto version = (*db)->migrate();
  ASSERT_TRUE(version.ok()) << version.status().to_string();
}

}  // namespace conflux::service
