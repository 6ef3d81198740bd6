#include "service/db/open_database.hpp"

#include <filesystem>
#include <system_error>

#include "service/db/postgres_database.hpp"
#include "service/db/sqlite_database.hpp"

namespace conflux::service {

Result<std::unique_ptr<Database>> open_database(const DatabaseSpec& spec) {
  std::string_view url = spec.url;
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    PostgresOptions options;
    options.url = std::string(url);
    options.on_operation = spec.on_operation;
    if (spec.pool_size > 0) options.pool_size = spec.pool_size;
    Result<std::unique_ptr<PostgresDatabase>> db = PostgresDatabase::open(options);
    if (!db.ok()) return db.status().with_context("--db " + redact_db_url(url));
    return std::unique_ptr<Database>(std::move(*db));
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

std::string redact_db_url(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  size_t start = scheme + 3;
  size_t end = url.find_first_of("/?", start);
  std::string_view authority = url.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  size_t at = authority.rfind('@');
  std::string out(url);
  if (at != std::string_view::npos) {
    size_t colon = authority.substr(0, at).find(':');
    if (colon != std::string_view::npos) out.replace(start + colon + 1, at - colon - 1, "***");
  }
  // A password may also come as a query parameter (postgresql://host/db?password=...).
  for (size_t pos = out.find("password="); pos != std::string::npos; pos = out.find("password=", pos + 1)) {
    size_t value = pos + std::string_view("password=").size();
    size_t stop = out.find('&', value);
    out.replace(value, (stop == std::string::npos ? out.size() : stop) - value, "***");
  }
  return out;
}

}  // namespace conflux::service
