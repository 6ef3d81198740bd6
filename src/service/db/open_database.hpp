// open_database: the Database named by `conflux service --db`: a file path or sqlite:///path
// (SQLite), or postgresql://... / postgres://... (PostgreSQL through libpq; the URL's own
// parameters such as sslmode, sslrootcert or connect_timeout are passed to libpq).
//
// Thread safety: a pure factory.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "service/db/database.hpp"

namespace conflux::service {

struct DatabaseSpec {
  std::string url;  // as given
  std::function<void(std::string_view op, double seconds)> on_operation;  // metrics; may be empty
  int pool_size = 0;  // PostgreSQL connections at most (0: the backend's default)
};

// Opens (and for SQLite creates the parent directory of) the database. Does not migrate.
// For PostgreSQL, connects once, so a wrong URL or an unreachable server is reported here.
Result<std::unique_ptr<Database>> open_database(const DatabaseSpec& spec);

// `url` with any password replaced by "***" (user:***@host, password=***): what logs and errors show.
std::string redact_db_url(std::string_view url);

}  // namespace conflux::service
