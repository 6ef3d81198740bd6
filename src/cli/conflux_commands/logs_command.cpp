// `conflux logs FLOW/RUN_ID/STEP[/TASK_ID]`: a task's output, as the flow binary's `logs` prints it.
#include <iostream>

#include "cli/conflux_commands/tool.hpp"

namespace conflux::cli::tool {

int logs_command(ToolContext& ctx) {
  CommandSpec spec;
  spec.usage = "logs FLOW/RUN_ID/STEP[/TASK_ID] [OPTIONS]";
  spec.description = "Print the output a task wrote (stdout, then stderr), or every task of a step.";
  spec.options = {
      {"stdout", "", "Only standard output.", false, ""},
      {"stderr", "", "Only standard error.", false, ""},
      {"attempt", "N", "The attempt to show (default: the latest).", false, ""},
      {"timestamps", "", "Prefix each line with its time (UTC).", false, ""},
  };
  spec.positionals = {"FLOW/RUN_ID/STEP[/TASK_ID]"};
  spec.min_positionals = spec.max_positionals = 1;
  int code = 0;
  std::optional<ParsedArgs> args = parse_command(ctx, spec, &code);
  if (!args) return code;
  bool want_out = args->has("stdout") || !args->has("stderr");
  bool want_err = args->has("stderr") || !args->has("stdout");
  std::optional<int> attempt;
  if (args->has("attempt")) {
    Result<int64_t> n = args->get_int("attempt", 0);
    if (!n.ok()) return usage_error(ctx, n.status());
    if (*n < 0 || *n > 5) {
      return usage_error(ctx, Status::invalid_argument("--attempt must be between 0 and 5"));
    }
    attempt = static_cast<int>(*n);
  }
  Result<Pathspec> path =
      parse_pathspec_arg(args->positionals()[0], 3, 4, "FLOW/RUN_ID/STEP[/TASK_ID]");
  if (!path.ok()) return usage_error(ctx, path.status());

  Result<Client> client = open_client(ctx);
  if (!client.ok()) return fail(ctx, client.status());
  std::vector<Task> tasks;
  if (path->depth == 4) {
    Result<Task> task = client->task(path->to_string(), attempt);
    if (!task.ok()) return fail(ctx, task.status());
    tasks.push_back(*task);
  } else {
    Result<Step> step = client->step(path->to_string());
    if (!step.ok()) return fail(ctx, step.status());
    Result<std::vector<Task>> all = step->tasks();
    if (!all.ok()) return fail(ctx, all.status());
    if (all->empty()) return fail(ctx, Status::not_found("Step '" + step->pathspec() + "' has no tasks"));
    for (const Task& t : *all) {
      if (!attempt) {
        tasks.push_back(t);
        continue;
      }
      Result<Task> at = step->task(t.id(), attempt);
      if (!at.ok()) return fail(ctx, at.status());
      tasks.push_back(*at);
    }
  }

  for (const Task& task : tasks) {
    std::cerr << "Dumping logs of run_id=" << task.path().run_id << " step=" << task.path().step
              << " task_id=" << task.id() << "\n";
    for (TaskStream stream : {TaskStream::kStdout, TaskStream::kStderr}) {
      if ((stream == TaskStream::kStdout && !want_out) ||
          (stream == TaskStream::kStderr && !want_err)) {
        continue;
      }
      Result<std::vector<LogLine>> lines = task.log_lines(stream);
      if (!lines.ok()) return fail(ctx, lines.status());
      if (lines->empty()) continue;
      std::cerr << (stream == TaskStream::kStdout ? "stdout" : "stderr") << "\n";
      for (const LogLine& line : *lines) {
        if (args->has("timestamps") && !line.timestamp.empty()) std::cout << line.timestamp << " ";
        std::cout << line.message << "\n";
      }
    }
  }
  return kExitOk;
}

}  // namespace conflux::cli::tool
