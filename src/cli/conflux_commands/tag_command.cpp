// `conflux tag add|remove|replace|list`: a run's user tags (Metaflow's Run.add_tag & co. and
// `tag list`). The change and the printing are shared with the flow binary's `tag`
// (cli/inspect/run_tags).
#include <iostream>

#include "cli/conflux_commands/tool.hpp"
#include "cli/inspect/run_tags.hpp"

namespace conflux::cli::tool {

namespace {

int list_tags(ToolContext& ctx, const Client& client, const Pathspec& path, bool as_json) {
  if (path.depth == 2) {
    Result<Run> run = client.run(path.to_string());
    if (!run.ok()) return fail(ctx, run.status());
    print_run_tags(*run, as_json, std::cout);
    return kExitOk;
  }
  Result<Flow> flow = client.flow(path.flow);
  if (!flow.ok()) return fail(ctx, flow.status());
  Result<std::vector<Run>> runs = flow->runs();
  if (!runs.ok()) return fail(ctx, runs.status());
  print_runs_tags(*runs, as_json, /*system_tags=*/true, std::cout);
  return kExitOk;
}

}  // namespace

int tag_command(ToolContext& ctx) {
  CommandSpec spec;
  spec.usage =
      "tag add FLOW/RUN_ID TAG... | tag remove FLOW/RUN_ID TAG... | "
      "tag replace FLOW/RUN_ID OLD NEW | tag list FLOW[/RUN_ID]  [--json]";
  spec.description =
      "Change or list the user tags of runs. A tag is 1 to 500 characters of UTF-8; a run has at "
      "most 50 user tags; system tags (user:, runtime:, ...) cannot be removed.";
  spec.options = {{"json", "", "Print JSON for scripts.", false, ""}};
  spec.positionals = {"ACTION", "PATHSPEC", "TAG"};
  spec.min_positionals = 2;
  spec.max_positionals = 1 << 20;
  int code = 0;
  std::optional<ParsedArgs> args = parse_command(ctx, spec, &code);
  if (!args) return code;
  const std::vector<std::string>& pos = args->positionals();
  const std::string& action = pos[0];
  std::vector<std::string> tags(pos.begin() + 2, pos.end());
  bool as_json = args->has("json");

  if (action == "list") {
    if (!tags.empty()) {
      return usage_error(ctx, Status::invalid_argument("tag list takes one FLOW or FLOW/RUN_ID"));
    }
    Result<Pathspec> path = parse_pathspec_arg(pos[1], 1, 2, "FLOW or FLOW/RUN_ID");
    if (!path.ok()) return usage_error(ctx, path.status());
    Result<Client> client = open_client(ctx);
    if (!client.ok()) return fail(ctx, client.status());
    return list_tags(ctx, *client, *path, as_json);
  }
  if (action != "add" && action != "remove" && action != "replace") {
    return usage_error(ctx, Status::invalid_argument("unknown action '" + action +
                                                     "' (add, remove, replace or list)"));
  }
  Result<Pathspec> path = parse_pathspec_arg(pos[1], 2, 2, "FLOW/RUN_ID");
  if (!path.ok()) return usage_error(ctx, path.status());
  if (tags.empty()) {
    return usage_error(ctx, Status::invalid_argument("tag " + action + " needs at least one TAG"));
  }
  if (action == "replace" && tags.size() != 2) {
    return usage_error(ctx, Status::invalid_argument("tag replace takes exactly OLD and NEW"));
  }
  Result<Client> client = open_client(ctx);
  if (!client.ok()) return fail(ctx, client.status());
  Result<Run> run = client->run(path->to_string());
  if (!run.ok()) return fail(ctx, run.status());
  std::vector<std::string> add, remove;
  if (action == "add") add = tags;
  if (action == "remove") remove = tags;
  if (action == "replace") {
    remove = {tags[0]};
    add = {tags[1]};
  }
  Status status = change_run_tags(*run, add, remove);
  if (!status.ok()) return fail(ctx, status);
  print_run_tags(*run, as_json, std::cout);
  return kExitOk;
}

}  // namespace conflux::cli::tool
