// `conflux tag add|remove|replace|list`: a run's user tags (Metaflow's Run.add_tag & co. and
// `tag list`). System tags cannot be removed; adding one is a no-op, as in Metaflow.
#include <iostream>

#include "cli/conflux_commands/tool.hpp"

namespace conflux::cli::tool {

namespace {

nlohmann::ordered_json run_tags_json(const Run& run) {
  return {{"pathspec", run.pathspec()}, {"user_tags", run.user_tags()},
          {"system_tags", run.system_tags()}};
}

void print_run_tags(const Run& run, bool as_json) {
  if (as_json) {
    std::cout << run_tags_json(run).dump(2) << "\n";
    return;
  }
  print_fields(std::cout, {{"Run", run.pathspec()},
                           {"Tags", run.user_tags().empty() ? "-" : join(run.user_tags(), ", ")},
                           {"System tags", join(run.system_tags(), ", ")}});
}

int list_tags(ToolContext& ctx, const Client& client, const Pathspec& path, bool as_json) {
  if (path.depth == 2) {
    Result<Run> run = client.run(path.to_string());
    if (!run.ok()) return fail(ctx, run.status());
    print_run_tags(*run, as_json);
    return kExitOk;
  }
  Result<Flow> flow = client.flow(path.flow);
  if (!flow.ok()) return fail(ctx, flow.status());
  Result<std::vector<Run>> runs = flow->runs();
  if (!runs.ok()) return fail(ctx, runs.status());
  nlohmann::ordered_json json = nlohmann::ordered_json::array();
  std::vector<std::vector<std::string>> rows;
  for (const Run& run : *runs) {
    json.push_back(run_tags_json(run));
    rows.push_back({run.id(), run.user_tags().empty() ? "-" : join(run.user_tags(), ","),
                    join(run.system_tags(), ",")});
  }
  if (as_json) {
    std::cout << json.dump(2) << "\n";
  } else {
    print_table(std::cout, {"RUN ID", "TAGS", "SYSTEM TAGS"}, rows);
  }
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
  Status status;
  if (action == "add") {
    status = run->add_tags(tags);
  } else if (action == "remove") {
    status = run->remove_tags(tags);
  } else {
    status = run->replace_tag(tags[0], tags[1]);
  }
  if (!status.ok()) return fail(ctx, status);
  print_run_tags(*run, as_json);
  return kExitOk;
}

}  // namespace conflux::cli::tool
