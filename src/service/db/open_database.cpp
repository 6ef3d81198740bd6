#include "service/db/open_database.hpp"

#include <filesystem>
#include <system_error>

#include "service/db/sqlite_database.hpp"

namespace conflux::service {

Result<std::unique_ptr<Database>> open_database(const DatabaseSpec& spec) {
  std::string_view url = spec.url;
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return Status::not_supported("--db " + std::string(url.substr(0, url.find(':'))) +
                                 "://...: this conflux is not built with PostgreSQL yet; use a SQLite path");
  }
  std::string path(url);
  if (url.starts_with("sqlite://")) {
    path = std::string(url.substr(std::string_view("sqlite://").size()));  // sqlite:///abs -> /abs
    if (path.empty()) return Status::invalid_argument("--db sqlite://: missing the file path");
  } else if (url.find("://") != std::string_view::npos) {
    return Status::invalid_argument("--db " + std::string(url) + ": unknown scheme (use a path, sqlite:///path or postgresql://...)");
  }
  std::filesystem::path file(path);
  if (file.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) return Status::io_error("cannot create the directory '" + file.parent_path().string() + "': " + ec.message());
  }
  SqliteOptions options;
  options.path = file;
  options.on_operation = spec.on_operation;
  CONFLUX_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDatabase> db, SqliteDatabase::open(options));
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace conflux::service
