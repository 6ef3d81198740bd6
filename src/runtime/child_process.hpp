// ChildProcess: one task process started by the runtime, with its stdout and stderr on pipes.
//
// The child runs in its own process group so that the runtime can stop it and everything it
// started (a step may spawn helpers) with one signal. Not thread-safe: the runtime's single
// scheduling thread owns every ChildProcess.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "conflux/status.hpp"

namespace conflux {

struct ChildExit {
  int exit_code = 0;   // valid when signal == 0
  int signal = 0;      // the signal that killed the child, 0 if it exited
  bool ok() const { return signal == 0 && exit_code == 0; }
  // "exit code 3", "killed by SIGSEGV (segmentation fault)".
  std::string describe() const;
};

class ChildProcess {
 public:
  // Starts `argv` with the current environment plus `extra_env` (NAME=value overrides).
  static Result<ChildProcess> start(const std::vector<std::string>& argv,
                                    const std::map<std::string, std::string>& extra_env);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // Read ends of the child's stdout and stderr; -1 once closed.
  int stdout_fd() const { return out_fd_; }
  int stderr_fd() const { return err_fd_; }
  void close_stdout();
  void close_stderr();

  // Non-blocking: the exit status if the child has exited (reaps it), else nullopt.
  std::optional<ChildExit> poll_exit();
  // Sends `signal` to the child's whole process group.
  void signal_group(int signal);

 private:
  ChildProcess() = default;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  bool reaped_ = false;
};

}  // namespace conflux
