// Online backup of the service's SQLite database (`conflux service backup`): a consistent copy
// taken while the service keeps serving (SQLite's VACUUM INTO reads one snapshot; writers are not
// blocked in WAL mode), written next to the destination and renamed into place once it passes
// an integrity check, so a backup file that exists is complete.
//
// Thread safety: a function of its arguments.
#pragma once

#include <string>

#include "conflux/status.hpp"

namespace conflux::service {

// AlreadyExists if `destination` exists; NotFound if `database` does not.
Status backup_sqlite(const std::string& database, const std::string& destination);

}  // namespace conflux::service
