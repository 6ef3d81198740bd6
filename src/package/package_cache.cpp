#include "package/package_cache.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "datastore/gzip_codec.hpp"
#include "datastore/sha1.hpp"
#include "package/tar_archive.hpp"

namespace conflux {

namespace {

bool usable_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  return !ec && access(dir.c_str(), W_OK) == 0;
}

bool valid_sha(const std::string& sha) {
  if (sha.size() != 40) return false;
  for (char c : sha) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// An exclusive flock held for the object's lifetime. Filesystems without flock (some Lustre and
// NFS mounts: ENOSYS, ENOLCK, EOPNOTSUPP) get no lock: concurrent extractions then each use their
// own temporary directory and the first rename wins, which is still correct, only slower.
class FileLock {
 public:
  static Result<FileLock> acquire(const std::filesystem::path& path) {
    int fd = open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) return Status::io_error("cannot open the package lock " + path.string() + ": " + strerror(errno));
    while (flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      if (errno == ENOSYS || errno == ENOLCK || errno == EOPNOTSUPP) break;
      std::string why = strerror(errno);
      close(fd);
      return Status::io_error("cannot lock " + path.string() + ": " + why);
    }
    return FileLock(fd);
  }
  FileLock(FileLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  ~FileLock() {
    if (fd_ >= 0) close(fd_);  // closing releases the flock
  }

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

Status extract(const std::string& tgz, const std::filesystem::path& into) {
  CONFLUX_ASSIGN_OR_RETURN(std::string tar, gunzip(tgz));
  CONFLUX_ASSIGN_OR_RETURN(std::vector<TarEntry> entries, read_tar(tar));
  for (const TarEntry& e : entries) {
    std::filesystem::path path = into / e.path;
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) return Status::io_error("cannot create " + path.parent_path().string() + ": " + ec.message());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(e.data.data(), static_cast<std::streamsize>(e.data.size()));
    out.close();
    if (!out) return Status::io_error("cannot write " + path.string());
    std::filesystem::permissions(path, static_cast<std::filesystem::perms>(e.mode & 0777), ec);
    if (ec) return Status::io_error("cannot set the mode of " + path.string());
  }
  return Status();
}

// The cache holds programs we run: it must be ours and writable by nobody else.
Status check_private(const std::filesystem::path& dir) {
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) return Status::io_error("cannot stat the package cache " + dir.string());
  if (st.st_uid != getuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
    return Status::failed_precondition("refusing the package cache " + dir.string() +
                                       ": it must belong to this user and not be writable by others "
                                       "(set CONFLUX_PACKAGE_CACHE to a private directory)");
  }
  return Status();
}

}  // namespace

std::filesystem::path default_package_cache() {
  if (const char* dir = std::getenv("CONFLUX_PACKAGE_CACHE"); dir && *dir) return dir;
  // Per node (local disk) and per user.
  std::filesystem::path system = "/var/cache/conflux/packages/" + std::to_string(getuid());
  if (usable_dir(system)) return system;
  return std::filesystem::temp_directory_path() / ("conflux-packages-" + std::to_string(getuid()));
}

Result<CachedPackage> cached_package(const std::filesystem::path& cache, const std::string& sha,
                                     const std::function<Result<std::string>()>& fetch) {
  if (!valid_sha(sha)) return Status::invalid_argument("'" + sha + "' is not a code package sha (40 hex digits)");
  std::error_code ec;
  bool created = !std::filesystem::exists(cache, ec);
  std::filesystem::create_directories(cache, ec);
  if (ec) return Status::io_error("cannot create the package cache " + cache.string() + ": " + ec.message());
  if (created) std::filesystem::permissions(cache, std::filesystem::perms::owner_all, ec);
  CONFLUX_RETURN_IF_ERROR(check_private(cache));
  CachedPackage result;
  result.dir = cache / sha;
  if (std::filesystem::is_directory(result.dir)) return result;  // fast path: no lock needed
  CONFLUX_ASSIGN_OR_RETURN(FileLock lock, FileLock::acquire(cache / (sha + ".lock")));
  if (std::filesystem::is_directory(result.dir)) return result;  // another task extracted it meanwhile
  CONFLUX_ASSIGN_OR_RETURN(std::string tgz, fetch());
  CONFLUX_ASSIGN_OR_RETURN(std::string actual, Sha1::hex_of(tgz));
  if (actual != sha) {
    return Status::corruption("the code package's content has sha " + actual + ", expected " + sha +
                              " (corrupted download or wrong URL)");
  }
  char host[128] = {};
  gethostname(host, sizeof(host) - 1);
  std::filesystem::path tmp = cache / (sha + ".tmp-" + host + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(tmp, ec);
  Status extracted = extract(tgz, tmp);
  if (!extracted.ok()) {
    std::filesystem::remove_all(tmp, ec);
    return extracted.with_context("cannot extract the code package " + sha);
  }
  std::filesystem::rename(tmp, result.dir, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove_all(tmp, ignored);
    // Another node sharing this cache (no working flock) published it first: same bytes, fine.
    if (std::filesystem::is_directory(result.dir)) return result;
    return Status::io_error("cannot publish the code package in " + result.dir.string() + ": " + ec.message());
  }
  result.fetched = true;
  return result;
}

}  // namespace conflux
