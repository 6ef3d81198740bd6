// `tag add|remove|replace|list`: user tags of this flow's runs (Metaflow's `tag` command). The
// change and the printing are shared with `conflux tag` (cli/inspect/run_tags); limits are
// Metaflow's (system tags are immutable, 50 tags of at most 500 characters).
#include <iostream>

#include "cli/backends.hpp"
#include "cli/flow_cli.hpp"
#include "cli/inspect/run_tags.hpp"

namespace conflux::cli {

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
      {"json", "", "Print JSON for scripts.", false, ""},
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
  const std::string& flow = ctx.flow->name;

  if (action == "list") {
    // Like Metaflow's `tag list`: your runs, or every run with --all.
    Client client = attach_client(*backends, args->has("all") ? Namespace::global() : Namespace::user(ctx.username));
    std::vector<Run> runs;
    if (args->has("run-id")) {
      Result<Run> run = client.in_namespace(Namespace::global()).run(flow + "/" + args->get("run-id"));
      if (!run.ok()) return fail("Not found", run.status());
      runs.push_back(*run);
    } else {
      Result<Flow> f = client.flow(flow);
      if (!f.ok() && !f.status().is_not_found()) return fail("Datastore error", f.status());
      if (f.ok()) {
        Result<std::vector<Run>> all = f->runs();
        if (!all.ok()) return fail("Datastore error", all.status());
        runs = std::move(*all);
      }
    }
    print_runs_tags(runs, args->has("json"), !args->has("hide-system-tags"), std::cout);
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
  Result<Run> run = attach_client(*backends, Namespace::global()).run(flow + "/" + run_id);
  if (!run.ok()) return fail("Not found", run.status());
  Status changed = change_run_tags(*run, to_add, to_remove);
  if (!changed.ok()) return fail("Cannot change tags", changed);
  print_run_tags(*run, args->has("json"), std::cout);
  return 0;
}

}  // namespace conflux::cli
