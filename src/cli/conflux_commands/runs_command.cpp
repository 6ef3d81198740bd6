// `conflux runs FLOW [--tag T]...`: a flow's runs in the namespace, newest first.
#include <iostream>

#include "cli/conflux_commands/tool.hpp"

namespace conflux::cli::tool {

int runs_command(ToolContext& ctx) {
  CommandSpec spec;
  spec.usage = "runs FLOW [--tag TAG]... [--json]";
  spec.description =
      "List the runs of FLOW in the namespace, newest first. With --tag, only the runs that "
      "have every given tag.";
  spec.options = {{"tag", "TAG", "Only runs with this tag.", true, ""},
                  {"json", "", "Print JSON for scripts.", false, ""}};
  spec.positionals = {"FLOW"};
  spec.min_positionals = spec.max_positionals = 1;
  int code = 0;
  std::optional<ParsedArgs> args = parse_command(ctx, spec, &code);
  if (!args) return code;
  Result<Pathspec> path = parse_pathspec_arg(args->positionals()[0], 1, 1, "FLOW");
  if (!path.ok()) return usage_error(ctx, path.status());

  Result<Client> client = open_client(ctx);
  if (!client.ok()) return fail(ctx, client.status());
  Result<Flow> flow = client->flow(path->flow);
  if (!flow.ok()) return fail(ctx, flow.status());
  Result<std::vector<Run>> runs = flow->runs(args->all("tag"));
  if (!runs.ok()) return fail(ctx, runs.status());

  nlohmann::ordered_json json = nlohmann::ordered_json::array();
  std::vector<std::vector<std::string>> rows;
  for (const Run& run : *runs) {
    // Status and end time both come from the end task: look it up once.
    Result<std::string> status = std::string("unfinished");
    Result<std::optional<ClientTime>> finished = std::optional<ClientTime>();
    Result<Task> end = run.end_task();
    if (end.ok()) {
      status = task_status(*end);
      finished = end->finished_at();
    } else if (!end.status().is_not_found()) {
      return fail(ctx, end.status());
    }
    if (!status.ok()) return fail(ctx, status.status());
    if (!finished.ok()) return fail(ctx, finished.status());
    rows.push_back({run.id(), *status, human_time(run.created_at()),
                    *finished ? human_time(**finished) : "-", run.user_name(),
                    join(run.user_tags(), ",")});
    json.push_back({{"pathspec", run.pathspec()},
                    {"id", run.id()},
                    {"status", *status},
                    {"created_at", iso_time(run.created_at())},
                    {"finished_at", json_time(*finished)},
                    {"user", run.user_name()},
                    {"user_tags", run.user_tags()},
                    {"system_tags", run.system_tags()}});
  }
  if (args->has("json")) {
    std::cout << json.dump(2) << "\n";
  } else if (rows.empty()) {
    std::cerr << "No runs of " << flow->id() << " match the tags given.\n";
  } else {
    print_table(std::cout,
                {"RUN ID", "STATUS", "STARTED (UTC)", "FINISHED (UTC)", "USER", "TAGS"}, rows);
  }
  return kExitOk;
}

}  // namespace conflux::cli::tool
