// Helpers shared by the datastore and metadata tests: a self-deleting temporary directory, the
// golden Metaflow tree extracted from tests/data, small file helpers and OK assertions.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "conflux/status.hpp"
#include "testutil/testutil.hpp"

#define DS_ASSERT_OK(expr)                                                \
  do {                                                                    \
    ::conflux::Status ds_assert_status_ = (expr);                         \
    ASSERT_TRUE(ds_assert_status_.ok()) << ds_assert_status_.to_string(); \
  } while (0)

#define DS_EXPECT_OK(expr)                                                \
  do {                                                                    \
    ::conflux::Status ds_expect_status_ = (expr);                         \
    EXPECT_TRUE(ds_expect_status_.ok()) << ds_expect_status_.to_string(); \
  } while (0)

namespace conflux::dstest {

// A fresh directory in memory when possible (the golden tree has 2,300 files).
class TempDir : public conflux::testing::TempDir {
 public:
  TempDir() : conflux::testing::TempDir(Where::kMemory) {}
};

using conflux::testing::read_file;
using conflux::testing::write_file;

// Every file under `dir` whose name marks it as an in-flight temporary or a staging leftover.
inline std::vector<std::string> temp_files_under(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  if (!std::filesystem::exists(dir)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with(".cfx")) out.push_back(e.path().string());
  }
  return out;
}

inline size_t count_files_under(const std::filesystem::path& dir) {
  size_t n = 0;
  if (!std::filesystem::exists(dir)) return 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) n += e.is_regular_file();
  return n;
}

// Extracts the golden Metaflow tree into `into`; returns the `.metaflow` directory.
inline std::filesystem::path extract_fixture(const std::filesystem::path& into) {
  const std::string tarball =
      std::string(CONFLUX_TEST_DATA_DIR) + "/metaflow-local/metaflow-tree.tar.gz";
  const std::string cmd = "tar -xzf '" + tarball + "' -C '" + into.string() + "'";
  if (std::system(cmd.c_str()) != 0) return {};
  return into / ".metaflow";
}

// Peak resident set size of this process, in KiB (VmHWM).
inline long peak_rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

// Runs `cmd` and returns its stdout (trailing newline removed); nullopt-like "" plus *ok=false on
// failure.
inline std::string run_command(const std::string& cmd, bool* ok) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) {
    *ok = false;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  *ok = ::pclose(p) == 0;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace conflux::dstest
