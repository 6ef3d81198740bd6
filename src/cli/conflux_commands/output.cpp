// The `conflux` tool's output helpers: errors and exit codes, tables, times, run/task states.
#include <algorithm>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli/conflux_commands/tool.hpp"

namespace conflux::cli::tool {

namespace {

std::string render_time(ClientTime t, bool iso) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::ostringstream out;
  out << std::put_time(&tm, iso ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S");
  if (iso) out << "." << std::setw(3) << std::setfill('0') << (ms - secs * 1000LL) << "Z";
  return out.str();
}

}  // namespace

int fail(const ToolContext& ctx, const Status& status) {
  std::cerr << "conflux " << ctx.command << ": " << status_code_name(status.code()) << ": "
            << status.message() << "\n";
  return kExitError;
}

int usage_error(const ToolContext& ctx, const Status& status) {
  std::cerr << "conflux " << ctx.command << ": " << status.message() << "\n"
            << "Run 'conflux " << ctx.command << " --help' for usage.\n";
  return kExitUsage;
}

std::optional<ParsedArgs> parse_command(const ToolContext& ctx, const CommandSpec& spec,
                                        int* exit_code) {
  Result<ParsedArgs> args = parse_args(spec, ctx.args);
  if (!args.ok()) {
    *exit_code = usage_error(ctx, args.status());
    return std::nullopt;
  }
  if (args->help()) {
    std::cout << render_help("conflux [GLOBAL OPTIONS]", spec);
    std::cout << "\nGlobal options: --datastore-root DIR, --namespace NS, --all-namespaces "
                 "(see 'conflux --help').\n";
    *exit_code = kExitOk;
    return std::nullopt;
  }
  return std::move(args).value();
}

Result<Pathspec> parse_pathspec_arg(const std::string& text, int min_depth, int max_depth,
                                    const std::string& form) {
  Result<Pathspec> p = Pathspec::parse(text);
  if (!p.ok() || p->depth < min_depth || p->depth > max_depth) {
    return Status::invalid_argument("invalid pathspec '" + text + "': expected " + form);
  }
  return p;
}

std::string human_time(ClientTime t) { return render_time(t, false); }
std::string iso_time(ClientTime t) { return render_time(t, true); }

nlohmann::ordered_json json_time(const std::optional<ClientTime>& t) {
  return t ? nlohmann::ordered_json(iso_time(*t)) : nlohmann::ordered_json(nullptr);
}

Result<std::string> task_status(const Task& task) {
  CONFLUX_ASSIGN_OR_RETURN(bool successful, task.successful());
  if (successful) return std::string("successful");
  CONFLUX_ASSIGN_OR_RETURN(bool finished, task.finished());
  if (finished) return std::string("failed");
  // Not finished: a failed attempt says so in its attempt_ok metadata.
  CONFLUX_ASSIGN_OR_RETURN(int attempt, task.current_attempt());
  CONFLUX_ASSIGN_OR_RETURN(std::vector<MetadataEntry> rows, task.metadata());
  for (const MetadataEntry& row : rows) {
    if (row.name == "attempt_ok" && row.attempt == attempt && row.value == "False") {
      return std::string("failed");
    }
  }
  return std::string("unfinished");
}

Result<std::string> run_status(const Run& run) {
  Result<Task> end = run.end_task();
  if (!end.ok()) {
    if (end.status().is_not_found()) return std::string("unfinished");
    return end.status();
  }
  return task_status(*end);
}

}  // namespace conflux::cli::tool
