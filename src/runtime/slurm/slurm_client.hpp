// SlurmClient: sbatch, squeue and scancel, run either directly (the runtime is on a login node) or
// on a login host through OpenSSH (BatchMode, host keys checked by ssh's own configuration, one
// multiplexed connection for the whole run). Counts its calls for the benchmark.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "conflux/status.hpp"
#include "runtime/command_runner.hpp"
#include "runtime/slurm/slurm_queue.hpp"

namespace conflux {

struct SlurmCallCounts {
  int sbatch = 0;
  int squeue = 0;
  int scancel = 0;
};

class SlurmClient {
 public:
  // `login_host` empty: local commands, which must be on PATH. `ssh_config`: an ssh -F file, or "".
  static Result<std::unique_ptr<SlurmClient>> open(std::string login_host, std::string ssh_config);
  ~SlurmClient();

  // Submits `script` (read by sbatch from stdin) and returns the job id. The error is Slurm's own
  // message.
  Result<std::string> sbatch(const std::string& script);
  // The states of the given jobs (array ids cover every element).
  Result<std::map<std::string, SlurmJobState>> squeue(const std::vector<std::string>& job_ids);
  Status scancel(const std::vector<std::string>& job_ids);

  const SlurmCallCounts& counts() const { return counts_; }
  std::string where() const { return login_host_.empty() ? "this machine" : login_host_; }

 private:
  SlurmClient() = default;
  // Runs a Slurm command locally or through ssh.
  Result<CommandResult> run(const std::vector<std::string>& argv, const std::string& input = "");

  std::string login_host_;
  std::string ssh_config_;
  std::filesystem::path control_dir_;  // the ssh master connection's socket
  SlurmCallCounts counts_;
};

}  // namespace conflux
