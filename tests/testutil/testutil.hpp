// Test helpers: a temporary directory per test, running a command and capturing its output,
// reading files. Tests use real processes and real files, never mocks.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "conflux/byte_stream.hpp"
#include "conflux/status.hpp"

namespace conflux::testing {

// A fresh directory, removed when the object goes away: under the system's temporary directory,
// or under /dev/shm when asked for memory (many small files: on some machines a disk-backed /tmp
// takes seconds to create the 2,300 files of a golden tree) and it is writable.
class TempDir {
 public:
  enum class Where { kTemp, kMemory };
  explicit TempDir(Where where = Where::kTemp);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;  // 128 + signal if killed
  std::string out;
  std::string err;
};

// Runs argv (no shell) with `env` added to the environment, in `cwd` if given.
CommandResult run_command(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env = {},
                          const std::filesystem::path& cwd = {});

// Starts argv (no shell) in the background, stdout and stderr to the file `output`, with `env`
// added to the environment; returns its pid (the caller waits for it).
pid_t spawn_command(const std::vector<std::string>& argv, const std::filesystem::path& output,
                    const std::map<std::string, std::string>& env = {});

std::string read_file(const std::filesystem::path& path);
// Everything a source yields, read `chunk` bytes at a time; its first error otherwise.
inline Result<std::string> read_all(ByteSource& in, size_t chunk = 100000) {
  std::string out, buf(chunk, '\0');
  while (true) {
    CONFLUX_ASSIGN_OR_RETURN(size_t n, in.read(buf.data(), buf.size()));
    if (n == 0) return out;
    out.append(buf.data(), n);
  }
}
void write_file(const std::filesystem::path& path, const std::string& text);

// Path of a binary built into the build tree, e.g. build_path("examples/hello").
std::filesystem::path build_path(const std::string& relative);
// Path of a file under tests/data.
std::filesystem::path test_data(const std::string& relative);

}  // namespace conflux::testing
