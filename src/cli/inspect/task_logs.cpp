#include "cli/inspect/task_logs.hpp"

#include <ostream>

#include "client/client_backends.hpp"
#include "datastore/mflog.hpp"
#include "datastore/task_datastore.hpp"

namespace conflux::cli {

std::vector<OptionSpec> logs_option_specs() {
  return {
      {"stdout", "", "Only standard output.", false, ""},
      {"stderr", "", "Only standard error.", false, ""},
      {"attempt", "N", "The attempt to show (default: the latest).", false, ""},
      {"timestamps", "", "Prefix each line with its time (UTC).", false, ""},
  };
}

Result<LogsOptions> logs_options(const ParsedArgs& args) {
  LogsOptions options;
  options.show_stdout = args.has("stdout") || !args.has("stderr");
  options.show_stderr = args.has("stderr") || !args.has("stdout");
  options.timestamps = args.has("timestamps");
  if (args.has("attempt")) {
    CONFLUX_ASSIGN_OR_RETURN(int64_t n, args.get_int("attempt", 0));
    if (n < 0 || n >= TaskDataStore::kMaxAttempts) {
      return Status::invalid_argument("--attempt must be between 0 and " +
                                      std::to_string(TaskDataStore::kMaxAttempts - 1));
    }
    options.attempt = static_cast<int>(n);
  }
  return options;
}

Status print_task_logs(const Client& client, const std::vector<Task>& tasks, const LogsOptions& options,
                       std::ostream& out, std::ostream& err) {
  for (const Task& task : tasks) {
    const Pathspec& p = task.path();
    TaskDataStore ds(client_detail::client_storage(client), p.flow, p.run_id, p.step, p.task_id);
    int attempt = 0;
    if (options.attempt) {
      attempt = *options.attempt;
    } else {
      Result<std::optional<int>> latest = ds.latest_attempt();
      if (!latest.ok()) return latest.status().with_context("task '" + task.pathspec() + "'");
      if (!*latest) continue;  // never started
      attempt = **latest;
    }
    err << "Dumping logs of run_id=" << p.run_id << " step=" << p.step << " task_id=" << p.task_id << "\n";
    for (LogStream stream : {LogStream::kStdout, LogStream::kStderr}) {
      if (stream == LogStream::kStdout ? !options.show_stdout : !options.show_stderr) continue;
      std::string context = "logs of task '" + task.pathspec() + "'";
      Result<std::string> runtime_log = ds.load_log(attempt, kMflogRuntimeSource, stream);
      if (!runtime_log.ok()) return runtime_log.status().with_context(context);
      Result<std::string> task_log = ds.load_log(attempt, kMflogTaskSource, stream);
      if (!task_log.ok()) return task_log.status().with_context(context);
      std::vector<MflogLine> lines = merge_mflogs({*runtime_log, *task_log});
      if (lines.empty()) continue;
      err << log_stream_name(stream) << "\n";
      for (const MflogLine& line : lines) {
        if (options.timestamps && line.structured) out << line.timestamp << " ";
        out << line.msg << "\n";
      }
    }
  }
  return Status();
}

}  // namespace conflux::cli
