#include "runtime/slurm/slurm_client.hpp"

#include <unistd.h>

#include "runtime/command_runner.hpp"

namespace conflux {

namespace {

// Single-quotes one word for the login host's shell.
std::string shell_quote(const std::string& word) {
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  return line.empty() ? text : line;
}

std::string joined(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ",") + id;
  return out;
}

}  // namespace

Result<std::unique_ptr<SlurmClient>> SlurmClient::open(std::string login_host, std::string ssh_config) {
  std::unique_ptr<SlurmClient> client(new SlurmClient());
  client->login_host_ = std::move(login_host);
  client->ssh_config_ = std::move(ssh_config);
  if (client->login_host_.empty()) {
    if (find_program("sbatch").empty()) {
      return Status::not_found(
          "sbatch was not found on PATH: install Slurm's client commands (Debian: slurm-client), or submit "
          "through a login host with @slurm(login_host=...) or CONFLUX_SLURM_LOGIN_HOST");
    }
    return client;
  }
  if (find_program("ssh").empty()) {
    return Status::not_found("ssh was not found on PATH (Debian: openssh-client); it is needed to reach the login host " +
                             client->login_host_);
  }
  char dir[] = "/tmp/conflux-ssh-XXXXXX";
  if (!mkdtemp(dir)) return Status::io_error("cannot create a directory for the ssh connection");
  client->control_dir_ = dir;
  // One round trip now: a wrong host, key or host key fails here, before anything is submitted.
  auto probe = client->run({"true"});
  if (!probe.ok()) return probe.status();
  if (!probe->exit.ok()) {
    return Status::unavailable("cannot reach the Slurm login host " + client->login_host_ + " with ssh: " +
                               first_line(probe->err));
  }
  return client;
}

SlurmClient::~SlurmClient() {
  if (control_dir_.empty()) return;
  std::vector<std::string> exit = {"ssh", "-o", "ControlPath=" + (control_dir_ / "master").string()};
  if (!ssh_config_.empty()) exit.insert(exit.begin() + 1, {"-F", ssh_config_});
  exit.insert(exit.end(), {"-O", "exit", login_host_});
  (void)run_command(exit, "", std::chrono::seconds(10));
  std::error_code ec;
  std::filesystem::remove_all(control_dir_, ec);
}

Result<CommandResult> SlurmClient::run(const std::vector<std::string>& argv, const std::string& input) {
  if (login_host_.empty()) return run_command(argv, input);
  std::vector<std::string> ssh = {"ssh"};
  if (!ssh_config_.empty()) ssh.insert(ssh.end(), {"-F", ssh_config_});
  ssh.insert(ssh.end(), {"-o", "BatchMode=yes", "-o", "ControlMaster=auto", "-o",
                         "ControlPath=" + (control_dir_ / "master").string(), "-o", "ControlPersist=300",
                         login_host_, "--"});
  std::string remote;
  for (const auto& a : argv) remote += (remote.empty() ? "" : " ") + shell_quote(a);
  ssh.push_back(remote);
  return run_command(ssh, input);
}

Result<std::string> SlurmClient::sbatch(const std::string& script) {
  ++counts_.sbatch;
  CONFLUX_ASSIGN_OR_RETURN(CommandResult r, run({"sbatch", "--parsable"}, script));
  if (!r.exit.ok()) {
    std::string message = r.err.empty() ? r.out : r.err;
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return Status::failed_precondition("Slurm refused the job (sbatch on " + where() + ", " + r.exit.describe() +
                                       "): " + message);
  }
  std::string id = r.out.substr(0, r.out.find_first_of(";\n"));  // "<id>" or "<id>;<cluster>"
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
    return Status::internal("sbatch printed no job id: '" + r.out + "'");
  }
  return id;
}

Result<std::map<std::string, SlurmJobState>> SlurmClient::squeue(const std::vector<std::string>& job_ids) {
  ++counts_.squeue;
  CONFLUX_ASSIGN_OR_RETURN(CommandResult r, run({"squeue", "-h", "-r", "-t", "all", "-j", joined(job_ids), "-o", "%i|%T|%r"}));
  if (!r.exit.ok()) {
    // Every listed job was purged from slurmctld: squeue fails with "Invalid job id specified".
    if (r.err.find("Invalid job id") != std::string::npos) return std::map<std::string, SlurmJobState>();
    return Status::unavailable("squeue failed on " + where() + " (" + r.exit.describe() + "): " + first_line(r.err));
  }
  return parse_squeue(r.out);
}

Status SlurmClient::scancel(const std::vector<std::string>& job_ids) {
  if (job_ids.empty()) return Status();
  ++counts_.scancel;
  std::vector<std::string> argv = {"scancel"};
  argv.insert(argv.end(), job_ids.begin(), job_ids.end());
  CONFLUX_ASSIGN_OR_RETURN(CommandResult r, run(argv));
  // Jobs that ended meanwhile are not a failure to cancel.
  bool only_finished = r.err.find("already completing or completed") != std::string::npos ||
                       r.err.find("Invalid job id") != std::string::npos;
  if (!r.exit.ok() && !only_finished) return Status::unavailable("scancel failed on " + where() + ": " + first_line(r.err));
  return Status();
}

}  // namespace conflux
