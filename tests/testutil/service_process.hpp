// A `conflux service` child process on a free loopback port, for tests that need the real
// service binary (its stderr goes to a file; killed when the object goes away).
#pragma once

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "testutil/testutil.hpp"

namespace conflux::testing {

// A `conflux service` child process with its stderr in a file.
class ServiceProcess {
 public:
  ServiceProcess(const std::vector<std::string>& args, const std::filesystem::path& log) : log_(log) {
    std::vector<std::string> all = {build_path("bin/conflux").string(), "service", "--port", "0"};
    all.insert(all.end(), args.begin(), args.end());
    pid_ = spawn_command(all, log);
  }
  ~ServiceProcess() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  // The port from the "listening on" line, or 0 if the service did not start within 10 s.
  int port() {
    static const std::regex listening("listening on https?://127\\.0\\.0\\.1:([0-9]+)");
    for (int i = 0; i < 200; ++i) {
      std::smatch m;
      std::string text = read_file(log_);
      if (std::regex_search(text, m, listening)) return std::stoi(m[1]);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 0;
  }
  void signal(int sig) { kill(pid_, sig); }
  // The exit code, or -1 if the process is still running after `timeout`.
  int wait_exit(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }
  std::string log() const { return read_file(log_); }

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

}  // namespace conflux::testing
