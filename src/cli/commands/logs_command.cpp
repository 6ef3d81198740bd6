// `logs RUN/STEP[/TASK]`: print the captured stdout/stderr of tasks (Metaflow's `logs`).
#include <iostream>

#include "cli/backends.hpp"
#include "cli/flow_cli.hpp"
#include "client/task_path.hpp"
#include "datastore/mflog.hpp"
#include "datastore/task_datastore.hpp"

namespace conflux::cli {

int logs_command(FlowCommandContext& ctx) {
  CommandSpec spec;
  spec.usage = "logs RUN/STEP[/TASK] [OPTIONS]";
  spec.description = "Print the output a task wrote (stdout, then stderr).";
  spec.options = {
      {"stdout", "", "Only standard output.", false, ""},
      {"stderr", "", "Only standard error.", false, ""},
      {"attempt", "N", "The attempt to show (default: the latest).", false, ""},
      {"timestamps", "", "Prefix each line with its time (UTC).", false, ""},
  };
  spec.positionals = {"RUN/STEP[/TASK]"};
  spec.min_positionals = spec.max_positionals = 1;
  auto args = parse_args(spec, ctx.args);
  if (!args.ok()) return fail("Bad option", args.status());
  if (args->help()) {
    std::cout << render_help(ctx.program, spec);
    return 0;
  }
  bool want_out = args->has("stdout") || !args->has("stderr");
  bool want_err = args->has("stderr") || !args->has("stdout");
  auto attempt_arg = args->get_int("attempt", -1);
  if (!attempt_arg.ok()) return fail("Bad option", attempt_arg.status());
  if (args->has("attempt") && (*attempt_arg < 0 || *attempt_arg >= TaskDataStore::kMaxAttempts)) {
    return fail("Bad option", Status::invalid_argument("--attempt must be between 0 and 5"));
  }

  auto backends = open_backends(ctx.global, ctx.username);
  if (!backends.ok()) return fail("Datastore error", backends.status());
  auto tasks = resolve_task_path(*backends->storage, ctx.flow->name, args->positionals().front());
  if (!tasks.ok()) return fail("Bad path", tasks.status());

  for (const TaskRef& task : *tasks) {
    TaskDataStore ds(*backends->storage, task.flow, task.run_id, task.step, task.task_id);
    int attempt = static_cast<int>(*attempt_arg);
    if (attempt < 0) {
      auto latest = ds.latest_attempt();
      if (!latest.ok()) return fail("Datastore error", latest.status());
      if (!*latest) continue;  // never started
      attempt = **latest;
    }
    std::cerr << "Dumping logs of run_id=" << task.run_id << " step=" << task.step << " task_id=" << task.task_id
              << "\n";
    for (LogStream stream : {LogStream::kStdout, LogStream::kStderr}) {
      if ((stream == LogStream::kStdout && !want_out) || (stream == LogStream::kStderr && !want_err)) continue;
      auto runtime_log = ds.load_log(attempt, "runtime", stream);
      auto task_log = ds.load_log(attempt, "task", stream);
      if (!runtime_log.ok()) return fail("Datastore error", runtime_log.status());
      if (!task_log.ok()) return fail("Datastore error", task_log.status());
      std::vector<MflogLine> lines = merge_mflogs({*runtime_log, *task_log});
      if (lines.empty()) continue;
      std::cerr << log_stream_name(stream) << "\n";
      for (const MflogLine& line : lines) {
        if (args->has("timestamps") && line.structured) std::cout << line.timestamp << " ";
        std::cout << line.msg << "\n";
      }
    }
  }
  return 0;
}

}  // namespace conflux::cli
