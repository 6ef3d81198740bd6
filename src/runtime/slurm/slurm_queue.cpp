#include "runtime/slurm/slurm_queue.hpp"

namespace conflux {

std::map<std::string, SlurmJobState> parse_squeue(std::string_view output) {
  std::map<std::string, SlurmJobState> jobs;
  size_t start = 0;
  while (start < output.size()) {
    size_t nl = output.find('\n', start);
    if (nl == std::string_view::npos) nl = output.size();
    std::string_view line = output.substr(start, nl - start);
    start = nl + 1;
    size_t a = line.find('|');
    if (a == std::string_view::npos || a == 0) continue;
    size_t b = line.find('|', a + 1);
    std::string id(line.substr(0, a));
    while (!id.empty() && id.front() == ' ') id.erase(0, 1);
    SlurmJobState s;
    s.state = std::string(line.substr(a + 1, b == std::string_view::npos ? std::string_view::npos : b - a - 1));
    if (b != std::string_view::npos) s.reason = std::string(line.substr(b + 1));
    // "CANCELLED by 0" is how some versions print a cancelled state.
    if (size_t space = s.state.find(' '); space != std::string::npos) s.state.resize(space);
    jobs[id] = s;
  }
  return jobs;
}

SlurmPhase slurm_phase(std::string_view state) {
  if (state == "RUNNING" || state == "COMPLETING" || state == "STAGE_OUT" || state == "SIGNALING") {
    return SlurmPhase::kRunning;
  }
  for (std::string_view ended : {"COMPLETED", "FAILED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "BOOT_FAIL",
                                 "PREEMPTED", "DEADLINE", "CANCELLED", "SPECIAL_EXIT", "REVOKED"}) {
    if (state == ended) return SlurmPhase::kEnded;
  }
  // PENDING, CONFIGURING, REQUEUED, SUSPENDED, holds, and states newer Slurms may add: still
  // Slurm's. Waiting is safe: a job that leaves the queue is resolved by its exit record.
  return SlurmPhase::kQueued;
}

SlurmVerdict slurm_verdict(const SlurmJobState& job) {
  const std::string& s = job.state;
  std::string detail = job.reason.empty() || job.reason == "None" ? "" : ", " + job.reason;
  if (s == "TIMEOUT") return {"Slurm stopped the job at its time limit (TIMEOUT" + detail + ").", true, true};
  if (s == "OUT_OF_MEMORY") return {"Slurm killed the job: out of memory (OUT_OF_MEMORY" + detail + "). Raise @resources(memory=...).", true, false};
  if (s == "NODE_FAIL") return {"The job's node failed (NODE_FAIL" + detail + ").", true, false};
  if (s == "BOOT_FAIL") return {"The job's node failed to boot (BOOT_FAIL" + detail + ").", true, false};
  if (s == "PREEMPTED") return {"The job was preempted (PREEMPTED" + detail + ").", true, false};
  if (s == "DEADLINE") return {"The job missed its deadline (DEADLINE" + detail + ").", true, false};
  if (s == "CANCELLED") {
    return {"The job was cancelled outside the runtime (CANCELLED" + detail + "), so it is not retried.", false, false};
  }
  if (s == "FAILED") {
    return {"The job failed before conflux task-run recorded an exit (FAILED" + detail +
                "). Look at the job's Slurm output file (<workdir>/conflux-<job name>-<id>.out on the node): the "
                "conflux command may be missing there (CONFLUX_SLURM_CONFLUX), or the node cannot reach the "
                "datastore.",
            true, false};
  }
  return {"The job ended (" + s + detail + ") without an exit record from conflux task-run.", true, false};
}

}  // namespace conflux
