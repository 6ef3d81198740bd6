// `tag add|remove|replace|list`: user tags of this flow's runs (Metaflow's `tag` command).
// System tags (user:, runtime:, ...) are immutable; limits are Metaflow's (50 tags of at most
// 500 characters).
#include <algorithm>
#include <iostream>

#include "cli/backends.hpp"
#include "cli/flow_cli.hpp"

namespace conflux::cli {

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

void print_run_tags(const RunRecord& run, bool hide_system) {
  std::cout << "Run " << run.flow_id << "/" << run.run_number << "\n    tags: " << join(run.tags) << "\n";
  if (!hide_system) std::cout << "    system tags: " << join(run.system_tags) << "\n";
}

}  // namespace

int tag_command(FlowCommandContext& ctx) {
  CommandSpec spec;
  spec.usage = "tag add|remove TAG... | tag replace --remove OLD --add NEW | tag list [OPTIONS]";
  spec.description =
      "Change or list the user tags of this flow's runs. add, remove and replace act on --run-id "
      "(default: the latest run).";
  spec.options = {
      {"run-id", "R", "The run to change or list.", false, ""},
      {"add", "TAG", "replace: a tag to add.", true, ""},
      {"remove", "TAG", "replace: a tag to remove.", true, ""},
      {"all", "", "list: every run, not only yours.", false, ""},
      {"hide-system-tags", "", "list: do not show system tags.", false, ""},
  };
  spec.positionals = {"ACTION", "TAG..."};
  spec.min_positionals = 1;
  spec.max_positionals = 1000;
  auto args = parse_args(spec, ctx.args);
  if (!args.ok()) return fail("Bad option", args.status());
  if (args->help()) {
    std::cout << render_help(ctx.program, spec);
    return 0;
  }
  const std::string action = args->positionals().front();
  std::vector<std::string> tags(args->positionals().begin() + 1, args->positionals().end());
  if (action != "add" && action != "remove" && action != "replace" && action != "list") {
    return fail("Bad option", Status::invalid_argument("unknown tag action '" + action +
                                                       "' (use add, remove, replace or list)"));
  }
  auto backends = open_backends(ctx.global, ctx.username);
  if (!backends.ok()) return fail("Datastore error", backends.status());
  MetadataProvider& metadata = backends->metadata();
  const std::string& flow = ctx.flow->name;

  if (action == "list") {
    std::vector<RunRecord> runs;
    if (args->has("run-id")) {
      auto run = metadata.get_run(flow, args->get("run-id"));
      if (!run.ok()) return fail("Not found", run.status());
      runs.push_back(*run);
    } else {
      auto all = metadata.list_runs(flow);
      if (!all.ok()) return fail("Datastore error", all.status());
      std::string mine = "user:" + ctx.username;
      for (const auto& run : *all) {
        bool own = std::find(run.system_tags.begin(), run.system_tags.end(), mine) != run.system_tags.end();
        if (args->has("all") || own) runs.push_back(run);
      }
    }
    for (const auto& run : runs) print_run_tags(run, args->has("hide-system-tags"));
    return 0;
  }

  std::string run_id = args->get("run-id");
  if (run_id.empty()) {
    auto latest = backends->local->read_latest_run(flow);
    if (!latest.ok()) return fail("Datastore error", latest.status());
    if (!*latest) return fail("Not found", Status::not_found("no run of " + flow + " yet; give --run-id"));
    run_id = **latest;
  }
  std::vector<std::string> to_add;
  std::vector<std::string> to_remove;
  if (action == "add") to_add = tags;
  if (action == "remove") to_remove = tags;
  if (action == "replace") {
    to_add = args->all("add");
    to_remove = args->all("remove");
  }
  if (to_add.empty() && to_remove.empty()) {
    return fail("Bad option", Status::invalid_argument("tag " + action + ": give at least one tag"));
  }
  auto updated = metadata.mutate_run_tags(flow, run_id, to_add, to_remove);
  if (!updated.ok()) return fail("Cannot change tags", updated.status());
  print_run_tags(*updated, false);
  return 0;
}

}  // namespace conflux::cli
