#include "service/db/sqlite_backup.hpp"

#include <filesystem>
#include <memory>

#include "service/db/sqlite_connection.hpp"

namespace conflux::service {

namespace {

std::string sql_string(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

}  // namespace

Status backup_sqlite(const std::string& database, const std::string& destination) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(database, ec)) return Status::not_found("the database '" + database + "' does not exist");
  if (fs::exists(destination, ec)) {
    return Status::already_exists("'" + destination + "' already exists: choose a new name for the backup");
  }
  const std::string partial = destination + ".partial";
  fs::remove(partial, ec);
  {
    CONFLUX_ASSIGN_OR_RETURN(SqliteConnection * raw, SqliteConnection::open(database, 10000));
    std::unique_ptr<SqliteConnection> source(raw);
    Status copied = source->exec_script("VACUUM INTO " + sql_string(partial));
    if (!copied.ok()) {
      fs::remove(partial, ec);
      return copied.with_context("backing up '" + database + "'");
    }
  }
  {
    CONFLUX_ASSIGN_OR_RETURN(SqliteConnection * raw, SqliteConnection::open(partial, 10000));
    std::unique_ptr<SqliteConnection> copy(raw);
    CONFLUX_ASSIGN_OR_RETURN(Statement check, copy->query("PRAGMA integrity_check", {}));
    CONFLUX_ASSIGN_OR_RETURN(bool row, check.next());
    const std::string verdict = row ? check.text(0) : "";
    if (verdict != "ok") {
      fs::remove(partial, ec);
      return Status::corruption("the backup of '" + database + "' failed its integrity check: " + verdict);
    }
  }
  fs::remove(partial + "-wal", ec);
  fs::remove(partial + "-shm", ec);
  fs::rename(partial, destination, ec);
  if (ec) return Status::io_error("cannot rename '" + partial + "' to '" + destination + "': " + ec.message());
  return Status();
}

}  // namespace conflux::service
