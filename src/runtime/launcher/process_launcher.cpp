#include "runtime/launcher/process_launcher.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>

namespace conflux {

class ProcessLauncher::Process final : public LaunchedTask {
 public:
  Process(ProcessLauncher& owner, ChildProcess child, TaskOutput output)
      : owner_(owner), child_(std::move(child)), output_(std::move(output)) {}
  ~Process() override {
    owner_.live_.remove(this);
    if (!end_) child_.signal_group(SIGKILL);  // never leave an orphan behind
  }

  std::string where() const override { return "pid " + std::to_string(child_.pid()); }
  std::optional<TaskEnd> end() const override { return end_; }
  void stop(bool force) override {
    if (!end_) child_.signal_group(force ? SIGKILL : SIGTERM);
  }

  void add_fds(std::vector<pollfd>& fds, bool& awaiting_exit) const {
    if (child_.stdout_fd() >= 0) fds.push_back({child_.stdout_fd(), POLLIN, 0});
    if (child_.stderr_fd() >= 0) fds.push_back({child_.stderr_fd(), POLLIN, 0});
    if (child_.stdout_fd() < 0 && child_.stderr_fd() < 0) awaiting_exit = true;
  }

  // Reads what is available; once both pipes are closed, reaps the process.
  void update() {
    char buf[65536];
    for (int which = 0; which < 2; ++which) {
      int fd = which == 0 ? child_.stdout_fd() : child_.stderr_fd();
      LogCapture* capture = which == 0 ? output_.out : output_.err;
      if (fd < 0) continue;
      while (true) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n > 0) {
          capture->feed(std::string_view(buf, static_cast<size_t>(n)));
          if (n < static_cast<ssize_t>(sizeof(buf))) break;
          continue;
        }
        if (n == 0) {
          capture->finish();
          which == 0 ? child_.close_stdout() : child_.close_stderr();
        }
        break;  // EAGAIN or EOF
      }
    }
    if (!end_ && child_.stdout_fd() < 0 && child_.stderr_fd() < 0) {
      if (auto exit = child_.poll_exit()) end_ = TaskEnd{*exit, false, false, true, ""};
    }
  }

 private:
  ProcessLauncher& owner_;
  ChildProcess child_;
  TaskOutput output_;
  std::optional<TaskEnd> end_;
};

std::vector<Result<std::unique_ptr<LaunchedTask>>> ProcessLauncher::submit(const std::vector<TaskLaunch>& launches,
                                                                            const std::vector<TaskOutput>& outputs) {
  std::vector<Result<std::unique_ptr<LaunchedTask>>> results;
  for (size_t i = 0; i < launches.size(); ++i) {
    auto child = ChildProcess::start(launches[i].argv, launches[i].env);
    if (!child.ok()) {
      results.push_back(child.status());
      continue;
    }
    auto process = std::make_unique<Process>(*this, std::move(child).value(), outputs[i]);
    live_.push_back(process.get());
    results.push_back(std::unique_ptr<LaunchedTask>(std::move(process)));
  }
  return results;
}

void ProcessLauncher::wait_set(std::vector<pollfd>& fds, std::chrono::milliseconds& max_wait) {
  bool awaiting_exit = false;
  for (const Process* p : live_) p->add_fds(fds, awaiting_exit);
  // A process whose pipes are closed but which has not exited yet: check again soon.
  if (awaiting_exit) max_wait = std::min(max_wait, std::chrono::milliseconds(1));
}

void ProcessLauncher::update() {
  for (Process* p : live_) p->update();
}

}  // namespace conflux
