// The schema migrations of the service's database, embedded into the binary at build time from
// src/service/migrations/NNNN_<what>.sql (SQLite) and src/service/migrations/postgres/*.sql
// (PostgreSQL); CMake generates migrations_data.cpp and postgres_migrations_data.cpp. A
// migration is applied once, in version order, and recorded in the schema_version table.
//
// Thread safety: the list is immutable.
#pragma once

#include <string_view>
#include <vector>

namespace conflux::service {

struct Migration {
  int version;            // NNNN from the file name
  std::string_view name;  // the file name
  std::string_view sql;
};

// In ascending version order.
const std::vector<Migration>& sqlite_migrations();
const std::vector<Migration>& postgres_migrations();

}  // namespace conflux::service
