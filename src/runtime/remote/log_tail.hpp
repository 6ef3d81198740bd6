// LogTail: follows one of a remote task's mflog files in the datastore (task-run uploads them
// while the task runs, each upload the whole file so far) and echoes the complete lines that are
// new since the last look. Launchers of remote engines show live output with it.
#pragma once

#include <functional>
#include <string_view>

#include "datastore/task_datastore.hpp"

namespace conflux {

class LogTail {
 public:
  // Reads the attempt's log of `stream` (source "task") and echoes each new complete line's text.
  void pump(TaskDataStore& ds, int attempt, LogStream stream, const std::function<void(std::string_view)>& echo);

 private:
  size_t offset_ = 0;
};

}  // namespace conflux
