// open_database: the Database named by `conflux service --db`: a file path or sqlite:///path
// (SQLite), or postgresql://... (not built yet: a NotSupported error saying so).
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
};

// Opens (and for SQLite creates the parent directory of) the database. Does not migrate.
Result<std::unique_ptr<Database>> open_database(const DatabaseSpec& spec);

}  // namespace conflux::service
