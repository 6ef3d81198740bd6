// Reading Slurm's view of jobs: `squeue -h -r -t all -o '%i|%T|%r'` (one array element per line,
// finished jobs included while slurmctld remembers them), and what each state means for a task.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace conflux {

struct SlurmJobState {
  std::string state;   // PENDING, RUNNING, COMPLETED, TIMEOUT, ...
  std::string reason;  // squeue's %r
};

// Job id ("77", "77_3") -> state. Lines that do not parse are skipped.
std::map<std::string, SlurmJobState> parse_squeue(std::string_view output);

enum class SlurmPhase { kQueued, kRunning, kEnded };
SlurmPhase slurm_phase(std::string_view state);

// For a job that ended without task-run's exit record: why, and whether a retry can help.
struct SlurmVerdict {
  std::string reason;
  bool retryable = true;
  bool timed_out = false;
};
SlurmVerdict slurm_verdict(const SlurmJobState& job);

}  // namespace conflux
