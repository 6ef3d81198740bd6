// Console: the runtime's Metaflow-style live output. Every line starts with the local time
// ("2026-11-29 07:04:36.828 "), task lines with "[run/step/task (pid N)] ". Lines are written
// whole and flushed at once so that output of concurrent tasks never interleaves mid-line.
// Used by the runtime's single scheduling thread.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace conflux {

class Console {
 public:
  explicit Console(FILE* out = stdout) : out_(out) {}

  // "<time> <text>"
  void line(std::string_view text);
  // "<time> [<task>] <text>", where `task` is "run/step/id (pid N)" or "run/step/id".
  void task_line(std::string_view task, std::string_view text);

 private:
  FILE* out_;
};

// The local time as "%Y-%m-%d %H:%M:%S.mmm".
std::string local_timestamp();

}  // namespace conflux
