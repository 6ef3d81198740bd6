// What one sbatch submission asks of Slurm, and the script that carries it.
//
// The script embeds each array element's task (a RemoteTask JSON line) in a quoted here-document,
// which the shell passes on byte for byte: no value is ever re-quoted, whatever it contains. The
// same script works with `sbatch` on PATH and through `ssh login-host sbatch` (sbatch reads the
// script from stdin), so nothing has to be copied to the cluster first.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "conflux/status.hpp"
#include "runtime/launcher/task_launcher.hpp"

namespace conflux {

// The @slurm decorator's attributes, completed with the cluster settings (CONFLUX_SLURM_*).
struct SlurmOptions {
  std::string partition, account, qos, constraint;
  std::vector<std::string> sbatch_options;  // extra options, e.g. "--exclusive", "--nodelist=n1"
  std::string login_host;                   // submit through `ssh login_host`; "" = sbatch on PATH
  std::string conflux = "conflux";          // the conflux command on the nodes
  std::string workdir = "/tmp";             // where jobs start and Slurm writes their output files
};

// Reads @slurm's attributes (null: unset) over `settings` (lower-case names without the
// CONFLUX_SLURM_ prefix). Errors name the attribute.
Result<SlurmOptions> slurm_options(const nlohmann::json& attributes, const std::map<std::string, std::string>& settings);

// Slurm's time format, D-HH:MM:SS (a bare number would mean minutes to Slurm).
std::string slurm_time(int64_t seconds);

struct SlurmJob {
  std::string name;           // --job-name, [A-Za-z0-9_-]
  SlurmOptions options;
  ResourceRequest resources;
  int64_t time_limit_seconds = 0;  // 0: the partition's default
  std::vector<std::string> tasks;  // one RemoteTask JSON line per array element (one: no array)
  int64_t max_parallel = 0;        // an array's %N; 0: no limit
};

// The #SBATCH options of a job, in a stable order.
std::vector<std::string> sbatch_options(const SlurmJob& job);
// The batch script.
std::string sbatch_script(const SlurmJob& job);
// "[A-Za-z0-9_-]" only, at most 100 characters.
std::string slurm_job_name(const std::string& text);

}  // namespace conflux
