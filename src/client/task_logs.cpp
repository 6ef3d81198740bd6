// Task logs: the runtime's and the task's mflog files of an attempt, merged by time (Metaflow's
// Task.stdout / loglines).
#include "client/client_state.hpp"
#include "datastore/mflog.hpp"
#include "datastore/task_datastore.hpp"

namespace conflux {

Result<std::vector<LogLine>> Task::log_lines(TaskStream stream) const {
  CONFLUX_ASSIGN_OR_RETURN(int attempt, current_attempt());
  const Pathspec& p = path();
  TaskDataStore ds(core_.state->storage(), p.flow, p.run_id, p.step, p.task_id);
  LogStream which = stream == TaskStream::kStdout ? LogStream::kStdout : LogStream::kStderr;
  std::string context = "logs of task '" + pathspec() + "'";
  Result<std::string> runtime_log = ds.load_log(attempt, kMflogRuntimeSource, which);
  if (!runtime_log.ok()) return runtime_log.status().with_context(context);
  Result<std::string> task_log = ds.load_log(attempt, kMflogTaskSource, which);
  if (!task_log.ok()) return task_log.status().with_context(context);
  std::vector<LogLine> out;
  for (MflogLine& line : merge_mflogs({*runtime_log, *task_log})) {
    out.push_back({line.structured ? std::move(line.timestamp) : std::string(),
                   std::move(line.msg)});
  }
  return out;
}

Result<std::string> Task::merged_log(TaskStream stream) const {
  CONFLUX_ASSIGN_OR_RETURN(std::vector<LogLine> lines, log_lines(stream));
  std::string out;
  for (const LogLine& line : lines) {
    out += line.message;
    out += '\n';
  }
  return out;
}

Result<std::string> Task::stdout_log() const { return merged_log(TaskStream::kStdout); }
Result<std::string> Task::stderr_log() const { return merged_log(TaskStream::kStderr); }

}  // namespace conflux
