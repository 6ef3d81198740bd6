// Helpers shared by the codec tests: hex, fixture loading, file-backed sinks/sources, and a
// runner for /usr/bin/python3 (tests that need it skip when it or numpy is missing).
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "conflux/byte_stream.hpp"
#include "conflux/status.hpp"
#include "testutil/testutil.hpp"

namespace conflux::testing {

inline std::string from_hex(std::string_view hex) {
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

inline std::string to_hex(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

inline nlohmann::json load_json(const std::string& name) {
  return nlohmann::json::parse(read_file(std::filesystem::path(CONFLUX_TEST_DATA_DIR) / "codec" / name));
}

// Writes to a file descriptor, one write(2) per call (so large writes are not copied).
class FdSink final : public ByteSink {
 public:
  explicit FdSink(const std::filesystem::path& path)
      : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644)) {
    if (fd_ < 0) status_ = Status::io_error("open " + path.string());
  }
  ~FdSink() override {
    if (fd_ >= 0) ::close(fd_);
  }
  void write(const void* data, size_t n) override {
    const char* p = static_cast<const char*>(data);
    while (status_.ok() && n > 0) {
      ssize_t k = ::write(fd_, p, n);
      if (k < 0) {
        status_ = Status::io_error("write failed");
        return;
      }
      p += k;
      n -= static_cast<size_t>(k);
    }
  }
  Status status() const override { return status_; }

 private:
  int fd_;
  Status status_;
};

class FdSource final : public ByteSource {
 public:
  explicit FdSource(const std::filesystem::path& path) : fd_(::open(path.c_str(), O_RDONLY)) {
    struct stat st {};
    if (fd_ >= 0 && ::fstat(fd_, &st) == 0) size_ = static_cast<uint64_t>(st.st_size);
  }
  ~FdSource() override {
    if (fd_ >= 0) ::close(fd_);
  }
  Result<size_t> read(void* buf, size_t n) override {
    if (fd_ < 0) return Status::io_error("open failed");
    ssize_t k = ::read(fd_, buf, n);
    if (k < 0) return Status::io_error("read failed");
    pos_ += static_cast<uint64_t>(k);
    return static_cast<size_t>(k);
  }
  std::optional<uint64_t> remaining() const override { return size_ - pos_; }

 private:
  int fd_;
  uint64_t size_ = 0;
  uint64_t pos_ = 0;
};

inline constexpr const char* kPython = "/usr/bin/python3";

// True if /usr/bin/python3 with numpy is available.
inline bool have_python_numpy() {
  static const bool ok = [] {
    if (::access(kPython, X_OK) != 0) return false;
    return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
  }();
  return ok;
}

// Runs `script` with /usr/bin/python3 and the given arguments; returns its stdout, or nullopt if
// it failed.
inline std::optional<std::string> run_python(const std::string& script, const std::string& args,
                                             const std::filesystem::path& dir) {
  auto script_path = dir / "script.py";
  {
    std::ofstream out(script_path);
    out << script;
  }
  std::string cmd = std::string(kPython) + " " + script_path.string() + " " + args;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string output;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) output.append(buf, n);
  int rc = ::pclose(pipe);
  if (rc != 0) return std::nullopt;
  return output;
}

}  // namespace conflux::testing
