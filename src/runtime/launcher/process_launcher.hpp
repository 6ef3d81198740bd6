// ProcessLauncher: each attempt is a child process of the runtime (the default). Output arrives on
// pipes; @timeout and stops are signals to the task's process group.
#pragma once

#include <list>

#include "runtime/launcher/task_launcher.hpp"

namespace conflux {

class ProcessLauncher final : public TaskLauncher {
 public:
  std::string_view name() const override { return "local"; }
  bool remote() const override { return false; }
  std::vector<Result<std::unique_ptr<LaunchedTask>>> submit(const std::vector<TaskLaunch>& launches,
                                                             const std::vector<TaskOutput>& outputs) override;
  void wait_set(std::vector<pollfd>& fds, std::chrono::milliseconds& max_wait) override;
  void update() override;

  class Process;

 private:
  std::list<Process*> live_;  // tasks whose process has not been reaped; owned by the scheduler
};

}  // namespace conflux
