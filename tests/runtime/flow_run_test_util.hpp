// Shared helpers of the runtime's end-to-end tests: run a flow binary against a fresh datastore,
// find its run id, load its artifacts with Python, start it in the background.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "testutil/testutil.hpp"

namespace conflux::testing {

namespace fs = std::filesystem;

class FlowRunTest : public ::testing::Test {
 protected:
  CommandResult run_flow(const std::string& binary, std::vector<std::string> args) {
    std::vector<std::string> argv = {build_path(binary).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, {{"METAFLOW_DATASTORE_SYSROOT_LOCAL", dir_.path().string()}, {"USER", "tester"}});
  }
  fs::path root() const { return dir_.path() / ".metaflow"; }
  static std::string run_id_of(const std::string& out) {
    std::smatch m;
    std::regex re("Workflow starting \\(run-id ([0-9]+)\\)");
    return std::regex_search(out, m, re) ? m[1].str() : "";
  }
  nlohmann::json python_load() {
    auto r = run_command({"/usr/bin/python3", CONFLUX_SOURCE_DIR "/tests/tools/load_artifacts.py", root().string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out.empty() ? "{}" : r.out);
  }
  TempDir dir_;
};

// Starts a flow in the background and returns its pid.
inline pid_t spawn_flow(const std::string& binary, const std::vector<std::string>& args, const fs::path& sysroot,
                        const fs::path& output) {
  std::vector<std::string> argv = {build_path(binary).string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return spawn_command(argv, output, {{"METAFLOW_DATASTORE_SYSROOT_LOCAL", sysroot.string()}});
}

// The pids of processes running `binary` for the datastore `sysroot` (found in their command
// line or environment), so that tests running in parallel do not see each other's processes.
inline std::vector<pid_t> processes_of(const std::string& binary, const fs::path& sysroot) {
  std::vector<pid_t> out;
  fs::path target = fs::canonical(build_path(binary));
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::error_code ec;
    fs::path exe = fs::read_symlink(entry.path() / "exe", ec);
    if (ec || exe != target) continue;
    std::string both = read_file(entry.path() / "cmdline") + read_file(entry.path() / "environ");
    if (both.find(sysroot.string()) != std::string::npos) out.push_back(std::stoi(entry.path().filename().string()));
  }
  return out;
}

inline bool wait_for_text(const fs::path& file, const std::string& text, int seconds) {
  for (int i = 0; i < seconds * 20; ++i) {
    if (read_file(file).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}


}  // namespace conflux::testing
