#include "runtime/slurm/slurm_job.hpp"

#include <cmath>
#include <cstdio>

namespace conflux {

namespace {

constexpr const char* kHeredocEnd = "CONFLUX_TASKS_END";

}  // namespace

Result<SlurmOptions> slurm_options(const nlohmann::json& attributes, const std::map<std::string, std::string>& settings) {
  SlurmOptions o;
  auto text = [&](const char* key, std::string& out) -> Status {
    if (attributes.contains(key) && !attributes[key].is_null()) {
      if (!attributes[key].is_string()) return Status::invalid_argument(std::string("@slurm ") + key + " must be a string");
      out = attributes[key].get<std::string>();
    } else if (auto it = settings.find(key); it != settings.end()) {
      out = it->second;
    }
    return Status();
  };
  CONFLUX_RETURN_IF_ERROR(text("partition", o.partition));
  CONFLUX_RETURN_IF_ERROR(text("account", o.account));
  CONFLUX_RETURN_IF_ERROR(text("qos", o.qos));
  CONFLUX_RETURN_IF_ERROR(text("constraint", o.constraint));
  CONFLUX_RETURN_IF_ERROR(text("login_host", o.login_host));
  CONFLUX_RETURN_IF_ERROR(text("conflux", o.conflux));
  CONFLUX_RETURN_IF_ERROR(text("workdir", o.workdir));
  // sbatch_options: a list, or one string of space-separated options.
  nlohmann::json extra;
  if (attributes.contains("sbatch_options") && !attributes["sbatch_options"].is_null()) {
    extra = attributes["sbatch_options"];
  } else if (auto it = settings.find("sbatch_options"); it != settings.end()) {
    extra = it->second;
  }
  if (extra.is_string()) {
    std::string s = extra.get<std::string>();
    size_t start = 0;
    while (start < s.size()) {
      size_t space = s.find(' ', start);
      if (space == std::string::npos) space = s.size();
      if (space > start) o.sbatch_options.push_back(s.substr(start, space - start));
      start = space + 1;
    }
  } else if (extra.is_array()) {
    for (const auto& v : extra) {
      if (!v.is_string()) return Status::invalid_argument("@slurm sbatch_options must be a list of strings");
      o.sbatch_options.push_back(v.get<std::string>());
    }
  } else if (!extra.is_null()) {
    return Status::invalid_argument("@slurm sbatch_options must be a list of strings");
  }
  for (const auto& opt : o.sbatch_options) {
    if (opt.rfind("-", 0) != 0) {
      return Status::invalid_argument("@slurm sbatch_options: '" + opt +
                                      "' is not an sbatch option; give each option with its value as one word, "
                                      "e.g. --partition=gpu or --exclusive");
    }
    for (const char* owned : {"--array", "--output", "--error", "--job-name", "--parsable", "--wrap", "--requeue",
                              "--signal", "-a", "-o", "-e", "-J"}) {
      std::string_view o2(opt);
      std::string_view name(owned);
      bool short_form = name.size() == 2;
      if (short_form ? o2.substr(0, 2) == name : (o2 == name || o2.rfind(std::string(name) + "=", 0) == 0)) {
        return Status::invalid_argument("@slurm sbatch_options: " + std::string(owned) + " is set by Conflux and cannot be overridden");
      }
    }
    if (opt.find('\n') != std::string::npos) return Status::invalid_argument("@slurm sbatch_options: an option cannot contain a newline");
  }
  for (const std::string* v : {&o.partition, &o.account, &o.qos, &o.constraint, &o.workdir, &o.conflux}) {
    if (v->find('\n') != std::string::npos) return Status::invalid_argument("@slurm options cannot contain newlines");
  }
  if (o.conflux.empty()) return Status::invalid_argument("@slurm conflux must name the conflux command on the nodes");
  if (!o.login_host.empty() && (o.login_host.front() == '-' || o.login_host.find_first_of(" \t\n") != std::string::npos)) {
    return Status::invalid_argument("@slurm login_host '" + o.login_host + "' is not a host name");
  }
  return o;
}

std::string slurm_time(int64_t seconds) {
  if (seconds < 1) seconds = 1;
  int64_t days = seconds / 86400;
  int64_t h = seconds % 86400 / 3600, m = seconds % 3600 / 60, s = seconds % 60;
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%lld-%02lld:%02lld:%02lld", static_cast<long long>(days), static_cast<long long>(h),
                static_cast<long long>(m), static_cast<long long>(s));
  return buf;
}

std::string slurm_job_name(const std::string& text) {
  std::string out;
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    out += ok ? c : '_';
  }
  if (out.size() > 100) out.resize(100);
  return out;
}

std::vector<std::string> sbatch_options(const SlurmJob& job) {
  const SlurmOptions& o = job.options;
  std::vector<std::string> opts = {"--job-name=" + job.name, "--no-requeue", "--nodes=1", "--ntasks=1"};
  opts.push_back("--cpus-per-task=" + std::to_string(static_cast<int64_t>(std::ceil(job.resources.cpu))));
  opts.push_back("--mem=" + std::to_string(job.resources.memory_mb) + "M");  // always: else a job takes the whole node
  if (job.resources.gpu > 0) opts.push_back("--gres=gpu:" + std::to_string(job.resources.gpu));
  if (job.resources.disk_mb > 0) opts.push_back("--tmp=" + std::to_string(job.resources.disk_mb) + "M");
  if (job.time_limit_seconds > 0) opts.push_back("--time=" + slurm_time(job.time_limit_seconds));
  if (!o.partition.empty()) opts.push_back("--partition=" + o.partition);
  if (!o.account.empty()) opts.push_back("--account=" + o.account);
  if (!o.qos.empty()) opts.push_back("--qos=" + o.qos);
  if (!o.constraint.empty()) opts.push_back("--constraint=" + o.constraint);
  opts.push_back("--chdir=" + o.workdir);
  bool array = job.tasks.size() > 1;
  opts.push_back(std::string("--output=conflux-%x-") + (array ? "%A_%a" : "%j") + ".out");
  if (array) {
    std::string range = "--array=0-" + std::to_string(job.tasks.size() - 1);
    if (job.max_parallel > 0) range += "%" + std::to_string(job.max_parallel);
    opts.push_back(range);
  }
  for (const auto& extra : o.sbatch_options) opts.push_back(extra);
  return opts;
}

std::string sbatch_script(const SlurmJob& job) {
  std::string s = "#!/bin/bash\n# Generated by Conflux: runs one task per array element with `conflux task-run`.\n";
  for (const auto& opt : sbatch_options(job)) s += "#SBATCH " + opt + "\n";
  std::string conflux = job.options.conflux;
  // Single-quote the command path for the shell (the only value that is not in the here-document).
  std::string quoted = "'";
  for (char c : conflux) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted += "'";
  s += "engine_id=\"slurm ${SLURM_ARRAY_JOB_ID:-$SLURM_JOB_ID}${SLURM_ARRAY_TASK_ID:+_$SLURM_ARRAY_TASK_ID}\"\n";
  s += "exec " + quoted + " task-run --engine-id \"$engine_id\" --tasks - --index \"${SLURM_ARRAY_TASK_ID:-0}\" <<'" +
       kHeredocEnd + "'\n";
  for (const auto& line : job.tasks) s += line + "\n";
  s += std::string(kHeredocEnd) + "\n";
  return s;
}

}  // namespace conflux
