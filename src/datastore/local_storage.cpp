#include "datastore/local_storage.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "datastore/process_id.hpp"
#include "datastore/random_bits.hpp"
#include "datastore/storage_key.hpp"

namespace conflux {

namespace {

constexpr std::string_view kTempPrefix = ".cfxtmp-";
constexpr size_t kWriteBufferSize = 128 * 1024;

Status errno_status(int err, std::string_view op, std::string_view path) {
  std::string msg = std::string(op) + " '" + std::string(path) + "': " + std::strerror(err);
  switch (err) {
    case ENOENT:
      return Status::not_found(std::move(msg));
    case EEXIST:
      return Status::already_exists(std::move(msg));
    default:
      return Status::io_error(std::move(msg));
  }
}

std::string_view parent_of(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

// mkdir -p. Tries the leaf first: in the common case one parent is missing, not the whole chain.
Status make_dirs(std::string_view dir) {
  if (dir.empty()) return Status();
  std::string path(dir);
  if (::mkdir(path.c_str(), 0777) == 0 || errno == EEXIST) return Status();
  if (errno != ENOENT) return errno_status(errno, "mkdir", path);
  CONFLUX_RETURN_IF_ERROR(make_dirs(parent_of(dir)));
  if (::mkdir(path.c_str(), 0777) == 0 || errno == EEXIST) return Status();
  return errno_status(errno, "mkdir", path);
}

// Creates a fresh temporary file in `dir` (creating `dir` if needed). Returns the fd; sets `*path`.
Result<int> create_temp(std::string_view dir, std::string* path) {
  static std::atomic<uint64_t> counter{0};
  const std::string pid = std::to_string(current_pid());
  bool made_dirs = false;
  for (int tries = 0; tries < 100; ++tries) {
    *path = std::string(dir);
    *path += '/';
    *path += kTempPrefix;
    *path += pid;
    *path += '-';
    *path += std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
    int fd = ::open(path->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) return fd;
    if (errno == EEXIST) continue;  // stale temp of a dead process with a recycled pid
    if (errno == ENOENT && !made_dirs) {
      CONFLUX_RETURN_IF_ERROR(make_dirs(dir));
      made_dirs = true;
      continue;
    }
    return errno_status(errno, "create", *path);
  }
  return Status::io_error("could not create a temporary file in '" + std::string(dir) + "'");
}

int write_all(int fd, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return 0;
}

int rename_no_replace(const char* from, const char* to) {
#ifdef RENAME_NOREPLACE
  if (::renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return errno;
#endif
  // Filesystems without RENAME_NOREPLACE: link() fails with EEXIST atomically.
  if (::link(from, to) != 0) return errno;
  ::unlink(from);
  return 0;
}

// Moves `tmp` to `final_path`; removes `tmp` on failure.
Status publish(const std::string& tmp, const std::string& final_path, bool overwrite) {
  bool made_dirs = false;
  while (true) {
    int err = 0;
    if (overwrite) {
      if (::rename(tmp.c_str(), final_path.c_str()) != 0) err = errno;
    } else {
      err = rename_no_replace(tmp.c_str(), final_path.c_str());
    }
    if (err == 0) return Status();
    if (err == ENOENT && !made_dirs) {  // commit_as() into a directory that does not exist yet
      made_dirs = true;
      Status s = make_dirs(parent_of(final_path));
      if (s.ok()) continue;
      ::unlink(tmp.c_str());
      return s;
    }
    ::unlink(tmp.c_str());
    if (err == EEXIST) return Status::already_exists("'" + final_path + "' already exists");
    return errno_status(err, "rename to", final_path);
  }
}

class LocalWriter final : public StorageWriter {
 public:
  LocalWriter(const LocalStorage& storage, std::string key, bool overwrite, int fd, std::string tmp)
      : storage_(storage),
        key_(std::move(key)),
        overwrite_(overwrite),
        fd_(fd),
        tmp_(std::move(tmp)) {}

  ~LocalWriter() override {
    if (fd_ >= 0) ::close(fd_);
    if (!done_) ::unlink(tmp_.c_str());
  }

  const std::string& key() const override { return key_; }

  void write(const void* data, size_t n) override {
    if (done_ || !status_.ok() || n == 0) return;
    const char* p = static_cast<const char*>(data);
    if (buffer_.size() + n <= kWriteBufferSize) {
      if (buffer_.capacity() == 0) buffer_.reserve(n >= 4096 ? kWriteBufferSize : 4096);
      buffer_.append(p, n);
      return;
    }
    if (!flush()) return;
    if (n >= kWriteBufferSize) {
      if (int err = write_all(fd_, p, n)) status_ = errno_status(err, "write", tmp_);
      return;
    }
    buffer_.append(p, n);
  }

  Status status() const override { return status_; }

  Status commit_as(std::string_view key) override {
    if (done_) return Status::failed_precondition("writer for '" + key_ + "' already committed");
    CONFLUX_RETURN_IF_ERROR(check_storage_key(key));
    flush();
    if (::close(fd_) != 0 && status_.ok()) status_ = errno_status(errno, "close", tmp_);
    fd_ = -1;
    done_ = true;
    if (!status_.ok()) {
      ::unlink(tmp_.c_str());
      return status_;
    }
    return publish(tmp_, storage_.full_path(key), overwrite_);
  }

 private:
  bool flush() {
    if (buffer_.empty()) return status_.ok();
    if (int err = write_all(fd_, buffer_.data(), buffer_.size())) {
      status_ = errno_status(err, "write", tmp_);
    }
    buffer_.clear();
    return status_.ok();
  }

  const LocalStorage& storage_;
  const std::string key_;
  const bool overwrite_;
  int fd_;
  const std::string tmp_;
  std::string buffer_;
  Status status_;
  bool done_ = false;
};

class LocalSource final : public ByteSource {
 public:
  LocalSource(int fd, std::string path, uint64_t size)
      : fd_(fd), path_(std::move(path)), left_(size) {}
  ~LocalSource() override { ::close(fd_); }
  LocalSource(const LocalSource&) = delete;
  LocalSource& operator=(const LocalSource&) = delete;

  Result<size_t> read(void* buf, size_t n) override {
    while (true) {
      ssize_t r = ::read(fd_, buf, n);
      if (r >= 0) {
        left_ -= std::min<uint64_t>(left_, static_cast<uint64_t>(r));
        return static_cast<size_t>(r);
      }
      if (errno != EINTR) return errno_status(errno, "read", path_);
    }
  }

  std::optional<uint64_t> remaining() const override { return left_; }

 private:
  int fd_;
  std::string path_;
  uint64_t left_;  // file size at open minus bytes read
};

std::chrono::system_clock::time_point modified_time(const struct stat& st) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
}

// A name in `dir` that list() never shows, for a file or directory on its way out.
std::string hidden_name(std::string_view dir) {
  return std::string(dir) + "/" + std::string(kTempPrefix) + "gc-" + std::to_string(current_pid()) +
         "-" + std::to_string(random_u64());
}

// Appends the regular files below `dir` (whose key is `key`) to `out`.
Status walk_tree(const std::string& dir, const std::string& key, std::vector<ObjectInfo>* out) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return Status();
    return errno_status(errno, "opendir", dir);
  }
  std::vector<std::string> subdirs;
  while (true) {
    errno = 0;
    struct dirent* e = ::readdir(d);
    if (e == nullptr) break;
    std::string_view name(e->d_name);
    if (name == "." || name == ".." || name.starts_with(kTempPrefix)) continue;
    struct stat st;
    // Links are not followed: a datastore holds files and folders, and a link could loop or lead
    // out of the root.
    if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // vanished meanwhile
    std::string child_key = key.empty() ? std::string(name) : key + "/" + std::string(name);
    if (S_ISDIR(st.st_mode)) {
      subdirs.push_back(std::move(child_key));
    } else if (S_ISREG(st.st_mode)) {
      out->push_back(ObjectInfo{std::move(child_key), static_cast<uint64_t>(st.st_size), modified_time(st)});
    }
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) return errno_status(err, "readdir", dir);
  // The root is `dir` without `key` (and without the '/' before it, when key is not empty).
  const std::string root = key.empty() ? dir + "/" : dir.substr(0, dir.size() - key.size());
  for (const std::string& sub : subdirs) CONFLUX_RETURN_IF_ERROR(walk_tree(root + sub, sub, out));
  return Status();
}

}  // namespace

LocalStorage::LocalStorage(const std::filesystem::path& root) : root_(root.string()) {
  while (root_.size() > 1 && root_.back() == '/') root_.pop_back();
}

std::string LocalStorage::full_path(std::string_view key) const {
  std::string p;
  p.reserve(root_.size() + 1 + key.size());
  p += root_;
  if (!key.empty()) {
    p += '/';
    p += key;
  }
  return p;
}

bool LocalStorage::is_temp_name(std::string_view name) { return name.starts_with(kTempPrefix); }

Result<bool> LocalStorage::exists(std::string_view key) {
  CONFLUX_RETURN_IF_ERROR(check_storage_key(key));
  const std::string path = full_path(key);
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return S_ISREG(st.st_mode);
  if (errno == ENOENT || errno == ENOTDIR) return false;
  return errno_status(errno, "stat", path);
}

Result<uint64_t> LocalStorage::size(std::string_view key) {
  CONFLUX_RETURN_IF_ERROR(check_storage_key(key));
  const std::string path = full_path(key);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return errno_status(errno, "stat", path);
  if (!S_ISREG(st.st_mode)) return Status::not_found("'" + path + "' is not a file");
  return static_cast<uint64_t>(st.st_size);
}

Result<std::string> LocalStorage::load(std::string_view key) {
  CONFLUX_RETURN_IF_ERROR(check_storage_key(key));
  const std::string path = full_path(key);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status(errno, "open", path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status s = errno_status(errno, "stat", path);
    ::close(fd);
    return s;
  }
  // Ask for one byte more than the size: a short read of a regular file means end of file, so a
  // small file costs a single read().
  std::string out;
  size_t cap = static_cast<size_t>(st.st_size) + 1;
  out.resize(cap);
  size_t len = 0;
  while (true) {
    ssize_t r = ::read(fd, out.data() + len, cap - len);
    if (r < 0) {
      if (errno == EINTR) continue;
      Status s = errno_status(errno, "read", path);
      ::close(fd);
      return s;
    }
    if (r == 0) break;
    len += static_cast<size_t>(r);
    if (len < cap) break;
    cap *= 2;  // the file grew while we read it
    out.resize(cap);
  }
  ::close(fd);
  out.resize(len);
  return out;
}

Status LocalStorage::save(std::string_view key, std::string_view bytes, bool overwrite) {
  CONFLUX_RETURN_IF_ERROR(check_storage_key(key));
  const std::string path = full_path(key);
  std::string tmp;
  CONFLUX_ASSIGN_OR_RETURN(int fd, create_temp(parent_of(path), &tmp));
  int err = write_all(fd, bytes.data(), bytes.size());
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    return errno_status(err, "write", tmp);
  }
  return publish(tmp, path, overwrite);
}

Status LocalStorage::save_new_directory(std::string_view dir_key, const std::vector<NewFile>& files) {
  CONFLUX_RETURN_IF_ERROR(check_storage_key(dir_key));
  for (const NewFile& f : files) CONFLUX_RETURN_IF_ERROR(check_key_component(f.name, "file name"));
  const std::string path = full_path(dir_key);
  // A fresh temporary directory beside it (random bits: neither a recycled pid's leftovers nor
  // another machine's process on shared storage gets in the way).
  std::string temp;
  bool made_parents = false;
  for (int tries = 0;; ++tries) {
    char suffix[24];
    std::snprintf(suffix, sizeof suffix, "-d%016llx", static_cast<unsigned long long>(random_u64()));
    temp = std::string(parent_of(path)) + "/" + std::string(kTempPrefix) + std::to_string(current_pid()) + suffix;
    if (::mkdir(temp.c_str(), 0777) == 0) break;
    if (errno == EEXIST && tries < 100) continue;
    if (errno == ENOENT && !made_parents) {
      CONFLUX_RETURN_IF_ERROR(make_dirs(parent_of(path)));
      made_parents = true;
      continue;
    }
    return errno_status(errno, "mkdir", temp);
  }
  // Whatever goes wrong, the temporary directory goes.
  auto discard = [&](Status s) {
    for (const NewFile& f : files) ::unlink((temp + "/" + f.name).c_str());
    ::rmdir(temp.c_str());
    return s;
  };
  int dir_fd = ::open(temp.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return discard(errno_status(errno, "open", temp));
  for (const NewFile& f : files) {
    int fd = ::openat(dir_fd, f.name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    int err = fd < 0 ? errno : write_all(fd, f.bytes.data(), f.bytes.size());
    if (fd >= 0 && ::close(fd) != 0 && err == 0) err = errno;
    if (err != 0) {
      ::close(dir_fd);
      return discard(errno_status(err, "write", temp + "/" + f.name));
    }
  }
  ::close(dir_fd);
  int err = 0;
#ifdef RENAME_NOREPLACE
  if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) != 0) err = errno;
  if (err == EINVAL || err == ENOSYS) err = ::rename(temp.c_str(), path.c_str()) == 0 ? 0 : errno;
#else
  // rename() keeps a non-empty directory (ENOTEMPTY); it would replace an empty one, which holds nothing.
  if (::rename(temp.c_str(), path.c_str()) != 0) err = errno;
#endif
  if (err == 0) return Status();
  if (err == EEXIST || err == ENOTEMPTY) return discard(Status::already_exists("'" + path + "' already exists"));
  return discard(errno_status(err, "rename to", path));
}

Result<std::unique_ptr<StorageWriter>> LocalStorage::begin_write(std::string_view key,
                                                                 bool overwrite) {
  CONFLUX_RETURN_IF_ERROR(check_storage_key(key));
  const std::string path = full_path(key);
  std::string tmp;
  CONFLUX_ASSIGN_OR_RETURN(int fd, create_temp(parent_of(path), &tmp));
  return std::unique_ptr<StorageWriter>(
      std::make_unique<LocalWriter>(*this, std::string(key), overwrite, fd, std::move(tmp)));
}

Result<std::unique_ptr<ByteSource>> LocalStorage::open(std::string_view key) {
  CONFLUX_RETURN_IF_ERROR(check_storage_key(key));
  std::string path = full_path(key);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_status(errno, "open", path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status s = errno_status(errno, "stat", path);
    ::close(fd);
    return s;
  }
  return std::unique_ptr<ByteSource>(
      std::make_unique<LocalSource>(fd, std::move(path), static_cast<uint64_t>(st.st_size)));
}

Result<std::vector<ListEntry>> LocalStorage::list(std::string_view prefix) {
  if (!prefix.empty()) CONFLUX_RETURN_IF_ERROR(check_storage_key(prefix));
  const std::string path = full_path(prefix);
  std::vector<ListEntry> out;
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return out;
    return errno_status(errno, "opendir", path);
  }
  while (true) {
    errno = 0;
    struct dirent* e = ::readdir(dir);
    if (e == nullptr) break;
    std::string_view name(e->d_name);
    if (name == "." || name == ".." || is_temp_name(name)) continue;
    bool is_file = e->d_type == DT_REG;
    if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK) {
      struct stat st;
      if (::fstatat(::dirfd(dir), e->d_name, &st, 0) != 0) continue;  // vanished meanwhile
      is_file = S_ISREG(st.st_mode);
    }
    out.push_back(ListEntry{std::string(name), is_file});
  }
  int err = errno;
  ::closedir(dir);
  if (err != 0) return errno_status(err, "readdir", path);
  return out;
}

Status LocalStorage::remove(std::string_view key) {
  CONFLUX_RETURN_IF_ERROR(check_storage_key(key));
  const std::string path = full_path(key);
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return Status();
  return errno_status(errno, "remove", path);
}

}  // namespace conflux

namespace conflux {

Result<std::vector<ObjectInfo>> LocalStorage::list_tree(std::string_view prefix) {
  if (!prefix.empty()) CONFLUX_RETURN_IF_ERROR(check_storage_key(prefix));
  std::vector<ObjectInfo> out;
  CONFLUX_RETURN_IF_ERROR(walk_tree(full_path(prefix), std::string(prefix), &out));
  return out;
}

Status LocalStorage::touch(std::string_view key) {
  CONFLUX_RETURN_IF_ERROR(check_storage_key(key));
  const std::string path = full_path(key);
  if (::utimensat(AT_FDCWD, path.c_str(), nullptr, 0) == 0) return Status();
  return errno_status(errno, "touch", path);
}

Result<bool> LocalStorage::remove_if_older(std::string_view key,
                                           std::chrono::system_clock::time_point cutoff) {
  CONFLUX_RETURN_IF_ERROR(check_storage_key(key));
  const std::string path = full_path(key);
  const std::string hidden = hidden_name(parent_of(path));
  if (::rename(path.c_str(), hidden.c_str()) != 0) {
    if (errno == ENOENT) return false;
    return errno_status(errno, "rename", path);
  }
  struct stat st;
  if (::stat(hidden.c_str(), &st) != 0) return errno_status(errno, "stat", hidden);
  if (modified_time(st) >= cutoff) {
    // Touched before our rename: put it back, unless a writer already published it again.
    int err = rename_no_replace(hidden.c_str(), path.c_str());
    if (err == EEXIST) ::unlink(hidden.c_str());
    else if (err != 0) return errno_status(err, "restore", path);
    return false;
  }
  if (::unlink(hidden.c_str()) != 0) return errno_status(errno, "remove", hidden);
  return true;
}

Status LocalStorage::remove_tree(std::string_view prefix) {
  CONFLUX_RETURN_IF_ERROR(check_storage_key(prefix));
  const std::string path = full_path(prefix);
  const std::string hidden = hidden_name(parent_of(path));
  if (::rename(path.c_str(), hidden.c_str()) != 0) {
    if (errno == ENOENT) return Status();
    return errno_status(errno, "rename", path);
  }
  std::error_code ec;
  std::filesystem::remove_all(hidden, ec);
  if (ec) return Status::io_error("removing '" + hidden + "': " + ec.message());
  return Status();
}

}  // namespace conflux
