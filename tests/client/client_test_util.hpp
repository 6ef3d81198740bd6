// Helpers of the client tests: the golden Metaflow tree extracted into a temporary directory.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include "conflux/client.hpp"
#include "testutil/testutil.hpp"

namespace conflux::testing {

// Extracts tests/data/metaflow-local/metaflow-tree.tar.gz (only `members`, e.g. ".metaflow/LinearFlow",
// when given) into `dir`; returns `dir`/.metaflow.
inline std::filesystem::path extract_golden_tree(const std::filesystem::path& dir,
                                                 const std::vector<std::string>& members = {}) {
  const char* tar = std::filesystem::exists("/usr/bin/tar") ? "/usr/bin/tar" : "/bin/tar";
  std::vector<std::string> argv = {tar, "-xzf", test_data("metaflow-local/metaflow-tree.tar.gz").string(),
                                   "-C", dir.string()};
  argv.insert(argv.end(), members.begin(), members.end());
  CommandResult r = run_command(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return dir / ".metaflow";
}

// The golden tree extracted once into the build tree and shared, read-only, by the tests of
// every process (creating its 2345 files per test is slow on a loaded machine). Tests that write
// extract their own copy.
inline std::filesystem::path shared_golden_tree() {
  namespace fs = std::filesystem;
  fs::path tarball = test_data("metaflow-local/metaflow-tree.tar.gz");
  fs::path base = fs::path(CONFLUX_BUILD_DIR) / "tests" / "client";
  fs::path tree = base / ("golden-" + std::to_string(fs::file_size(tarball)) + "-" +
                          std::to_string(fs::last_write_time(tarball).time_since_epoch().count()));
  if (fs::exists(tree / ".metaflow")) return tree / ".metaflow";
  fs::path staging = base / ("golden-staging-" + std::to_string(::getpid()));
  fs::create_directories(staging);
  extract_golden_tree(staging);
  std::error_code ec;
  fs::rename(staging, tree, ec);  // atomic; another process may have won
  if (ec) fs::remove_all(staging, ec);
  return tree / ".metaflow";
}

// A client on `root` in namespace `ns`.
inline Client open_client(const std::filesystem::path& root, Namespace ns) {
  ClientOptions options;
  options.datastore_root = root;
  options.username = "tester";
  options.ns = std::move(ns);
  Result<Client> client = Client::open(options);
  EXPECT_TRUE(client.ok()) << client.status().to_string();
  return std::move(client).value();
}

// The Status of a Status or Result.
inline Status status_of(const Status& s) { return s; }
template <class T>
Status status_of(const Result<T>& r) {
  return r.status();
}

// Asserts `expr` (a Result or Status) failed with `expected_code` and a message containing `text`.
#define EXPECT_ERROR(expr, expected_code, text)                                            \
  do {                                                                                     \
    ::conflux::Status conflux_s_ = ::conflux::testing::status_of(expr);                    \
    EXPECT_EQ(conflux_s_.code(), expected_code) << conflux_s_.to_string();                 \
    EXPECT_NE(conflux_s_.message().find(text), std::string::npos) << conflux_s_.message(); \
  } while (0)

}  // namespace conflux::testing
