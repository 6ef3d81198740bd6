// run_command(): runs a short-lived helper program (sbatch, squeue, ssh ...) to completion,
// feeding it `input` on stdin and collecting what it prints, with a time limit. The program is
// looked up on PATH. Not for tasks (those are ChildProcess, with live output).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "conflux/status.hpp"
#include "runtime/child_process.hpp"

namespace conflux {

struct CommandResult {
  ChildExit exit;
  std::string out;
  std::string err;
};

// NotFound if the program does not exist; DeadlineExceeded (after killing it) if it runs longer
// than `limit`. A non-zero exit is not an error here: the caller reads `exit`.
Result<CommandResult> run_command(const std::vector<std::string>& argv, const std::string& input = "",
                                  std::chrono::milliseconds limit = std::chrono::seconds(60));

// The full path of `program` on PATH ("" if absent); a name with a '/' is returned if executable.
std::string find_program(const std::string& program);

}  // namespace conflux
