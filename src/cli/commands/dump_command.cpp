// `dump RUN/STEP[/TASK]`: print the artifacts of tasks, as Metaflow's dump does, or as JSON.
#include <iostream>
#include <set>

#include <nlohmann/json.hpp>

#include "cli/backends.hpp"
#include "cli/flow_cli.hpp"
#include "cli/text_format.hpp"
#include "client/task_path.hpp"
#include "conflux/codec.hpp"
#include "datastore/content_addressed_store.hpp"
#include "datastore/task_datastore.hpp"

namespace conflux::cli {

int dump_command(FlowCommandContext& ctx) {
  CommandSpec spec;
  spec.usage = "dump RUN/STEP[/TASK] [OPTIONS]";
  spec.description = "Print the artifacts of a task, or of every task of a step.";
  spec.options = {
      {"include", "NAMES", "Only these artifacts (comma-separated).", false, ""},
      {"max-value-size", "BYTES", "Do not show values larger than this.", false, "1000"},
      {"private", "", "Also show internal artifacts (names starting with '_').", false, ""},
      {"json", "", "Print JSON for scripts: {pathspec: {artifact: value}}.", false, ""},
  };
  spec.positionals = {"RUN/STEP[/TASK]"};
  spec.min_positionals = spec.max_positionals = 1;
  auto args = parse_args(spec, ctx.args);
  if (!args.ok()) return fail("Bad option", args.status());
  if (args->help()) {
    std::cout << render_help(ctx.program, spec);
    return 0;
  }
  auto max_size = args->get_int("max-value-size", 1000);
  if (!max_size.ok()) return fail("Bad option", max_size.status());
  std::set<std::string> include = split_names(args->get("include"));
  bool show_private = args->has("private");
  bool as_json = args->has("json");

  auto backends = open_backends(ctx.global, ctx.username);
  if (!backends.ok()) return fail("Datastore error", backends.status());
  auto tasks = resolve_task_path(*backends->storage, ctx.flow->name, args->positionals().front());
  if (!tasks.ok()) return fail("Bad path", tasks.status());

  ContentAddressedStore cas(*backends->storage, ctx.flow->name);
  nlohmann::ordered_json json_out = nlohmann::ordered_json::object();
  for (const TaskRef& task : *tasks) {
    TaskDataStore ds(*backends->storage, task.flow, task.run_id, task.step, task.task_id);
    auto attempt = ds.latest_done_attempt();
    if (!attempt.ok()) return fail("Task not finished", attempt.status().with_context(task.pathspec()));
    auto index = ds.load_index(*attempt);
    if (!index.ok()) return fail("Datastore error", index.status());
    std::vector<const ArtifactEntry*> entries;
    for (const auto& e : index->artifacts) {
      if (!include.empty() ? !include.count(e.name) : (!show_private && !e.name.empty() && e.name[0] == '_')) continue;
      entries.push_back(&e);
    }
    std::sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return a->name < b->name; });
    if (!as_json) {
      std::cerr << "Dumping output of run_id=" << task.run_id << " step=" << task.step
                << " task_id=" << task.task_id << "\n";
    }
    nlohmann::ordered_json task_json = nlohmann::ordered_json::object();
    for (const ArtifactEntry* e : entries) {
      bool too_large = e->info.size == 0 || static_cast<int64_t>(e->info.size) > *max_size;
      if (too_large && !as_json) {
        std::cout << e->name << " [size: " << e->info.size << " type: " << e->info.type
                  << "] = < artifact too large >\n";
        continue;
      }
      auto bytes = cas.load_all(e->sha);
      if (!bytes.ok()) return fail("Datastore error", bytes.status().with_context("artifact '" + e->name + "'"));
      auto value = read_pickle_from_string(*bytes);
      if (!value.ok()) {
        // A Python-only type: say so instead of failing the whole dump.
        std::string why = value.status().message();
        if (as_json) {
          task_json[e->name] = {{"$error", why}};
        } else {
          std::cout << e->name << " [size: " << e->info.size << " type: " << e->info.type << "] = < " << why << " >\n";
        }
        continue;
      }
      if (as_json) {
        task_json[e->name] = nlohmann::ordered_json::parse(value->to_json().dump());
      } else {
        std::cout << e->name << " [size: " << e->info.size << " type: " << e->info.type
                  << "] = " << python_str(*value) << "\n";
      }
    }
    if (as_json) json_out[task.pathspec()] = task_json;
  }
  if (as_json) std::cout << json_out.dump(2) << "\n";
  return 0;
}

}  // namespace conflux::cli
