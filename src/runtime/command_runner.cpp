#include "runtime/command_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace conflux {

std::string find_program(const std::string& program) {
  if (program.find('/') != std::string::npos) return access(program.c_str(), X_OK) == 0 ? program : "";
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t colon = dirs.find(':', start);
    if (colon == std::string::npos) colon = dirs.size();
    std::string dir = dirs.substr(start, colon - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = colon + 1;
  }
  return "";
}

Result<CommandResult> run_command(const std::vector<std::string>& argv, const std::string& input,
                                  std::chrono::milliseconds limit) {
  if (argv.empty()) return Status::invalid_argument("run_command: empty command");
  std::string program = find_program(argv[0]);
  if (program.empty()) return Status::not_found("'" + argv[0] + "' was not found on PATH");
  int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    std::string why = strerror(errno);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) {
      if (fd >= 0) close(fd);
    }
    return Status::io_error("pipe: " + why);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  std::vector<std::string> args = argv;
  std::vector<char*> argvp;
  for (auto& a : args) argvp.push_back(a.data());
  argvp.push_back(nullptr);
  // Its own process group: Ctrl-C at the terminal must not kill an sbatch halfway (the job would
  // exist with an id nobody knows); the runtime decides what to cancel.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, program.c_str(), &actions, &attr, argvp.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(in_pipe[1]);
    close(out_pipe[0]);
    close(err_pipe[0]);
    return Status::io_error("cannot start " + program + ": " + strerror(rc));
  }
  signal(SIGPIPE, SIG_IGN);  // a helper that exits without reading its input must not kill us
  fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
  CommandResult result;
  size_t written = 0;
  int fds[3] = {in_pipe[1], out_pipe[0], err_pipe[0]};
  if (input.empty()) {
    close(fds[0]);
    fds[0] = -1;
  }
  auto deadline = std::chrono::steady_clock::now() + limit;
  bool timed_out = false;
  while (fds[1] >= 0 || fds[2] >= 0) {
    pollfd p[3];
    int n = 0;
    int which[3];
    if (fds[0] >= 0) { p[n] = {fds[0], POLLOUT, 0}; which[n++] = 0; }
    if (fds[1] >= 0) { p[n] = {fds[1], POLLIN, 0}; which[n++] = 1; }
    if (fds[2] >= 0) { p[n] = {fds[2], POLLIN, 0}; which[n++] = 2; }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    int ready = poll(p, n, static_cast<int>(left.count()));
    if (ready < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      if (!p[i].revents) continue;
      int w = which[i];
      if (w == 0) {
        ssize_t k = write(fds[0], input.data() + written, input.size() - written);
        if (k > 0) written += static_cast<size_t>(k);
        if (k < 0 && errno != EAGAIN) written = input.size();  // the reader is gone
        if (written == input.size()) {
          close(fds[0]);
          fds[0] = -1;
        }
        continue;
      }
      char buf[16384];
      ssize_t k = read(fds[w], buf, sizeof(buf));
      if (k > 0) {
        (w == 1 ? result.out : result.err).append(buf, static_cast<size_t>(k));
      } else if (k == 0 || errno != EINTR) {
        close(fds[w]);
        fds[w] = -1;
      }
    }
  }
  for (int fd : fds) {
    if (fd >= 0) close(fd);
  }
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return Status::deadline_exceeded("'" + argv[0] + "' did not finish within " +
                                     std::to_string(limit.count() / 1000) + " s");
  }
  if (WIFSIGNALED(status)) {
    result.exit.signal = WTERMSIG(status);
  } else {
    result.exit.exit_code = WEXITSTATUS(status);
  }
  return result;
}

}  // namespace conflux
