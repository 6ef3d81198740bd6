// `conflux dump FLOW/RUN_ID/STEP[/TASK_ID]`: the artifacts of tasks, in the flow binary's `dump`
// format (Metaflow's), or as JSON.
#include <algorithm>
#include <iostream>
#include <set>

#include "cli/conflux_commands/tool.hpp"
#include "cli/text_format.hpp"

namespace conflux::cli::tool {

int dump_command(ToolContext& ctx) {
  CommandSpec spec;
  spec.usage = "dump FLOW/RUN_ID/STEP[/TASK_ID] [OPTIONS]";
  spec.description = "Print the artifacts of a task, or of every task of a step.";
  spec.options = {
      {"include", "NAMES", "Only these artifacts (comma-separated).", false, ""},
      {"max-value-size", "BYTES", "Do not show values larger than this.", false, "1000"},
      {"private", "", "Also show internal artifacts (names starting with '_').", false, ""},
      {"json", "", "Print JSON for scripts: {pathspec: {artifact: value}}.", false, ""},
  };
  spec.positionals = {"FLOW/RUN_ID/STEP[/TASK_ID]"};
  spec.min_positionals = spec.max_positionals = 1;
  int code = 0;
  std::optional<ParsedArgs> args = parse_command(ctx, spec, &code);
  if (!args) return code;
  Result<int64_t> max_size = args->get_int("max-value-size", 1000);
  if (!max_size.ok()) return usage_error(ctx, max_size.status());
  Result<Pathspec> path =
      parse_pathspec_arg(args->positionals()[0], 3, 4, "FLOW/RUN_ID/STEP[/TASK_ID]");
  if (!path.ok()) return usage_error(ctx, path.status());
  std::set<std::string> include = split_names(args->get("include"));
  bool show_private = args->has("private");
  bool as_json = args->has("json");

  Result<Client> client = open_client(ctx);
  if (!client.ok()) return fail(ctx, client.status());
  std::vector<Task> tasks;
  if (path->depth == 4) {
    Result<Task> task = client->task(path->to_string());
    if (!task.ok()) return fail(ctx, task.status());
    tasks.push_back(*task);
  } else {
    Result<Step> step = client->step(path->to_string());
    if (!step.ok()) return fail(ctx, step.status());
    Result<std::vector<Task>> all = step->tasks();
    if (!all.ok()) return fail(ctx, all.status());
    if (all->empty()) return fail(ctx, Status::not_found("Step '" + step->pathspec() + "' has no tasks"));
    tasks = std::move(*all);
  }

  nlohmann::ordered_json json_out = nlohmann::ordered_json::object();
  for (const Task& task : tasks) {
    Result<std::vector<DataArtifact>> artifacts = task.all_artifacts();
    if (!artifacts.ok()) return fail(ctx, artifacts.status());
    if (artifacts->empty()) {
      return fail(ctx, Status::not_found("Task '" + task.pathspec() +
                                         "' has no completed attempt (no artifacts)"));
    }
    if (!as_json) {
      std::cerr << "Dumping output of run_id=" << task.path().run_id << " step="
                << task.path().step << " task_id=" << task.id() << "\n";
    }
    nlohmann::ordered_json task_json = nlohmann::ordered_json::object();
    for (const DataArtifact& a : *artifacts) {
      bool wanted = !include.empty() ? include.count(a.name()) > 0 : (show_private || !a.is_private());
      if (!wanted) continue;
      bool too_large = a.size() == 0 || static_cast<int64_t>(a.size()) > *max_size;
      if (too_large && !as_json) {
        std::cout << a.name() << " [size: " << a.size() << " type: " << a.type()
                  << "] = < artifact too large >\n";
        continue;
      }
      Result<std::unique_ptr<ByteSource>> source = a.open();
      if (!source.ok()) return fail(ctx, source.status());
      Result<Value> value = read_pickle(**source);
      if (!value.ok()) {
        // A Python-only type (or an unreadable blob): say so instead of failing the whole dump.
        if (value.status().code() != StatusCode::kNotSupported &&
            value.status().code() != StatusCode::kCorruption) {
          return fail(ctx, value.status());
        }
        std::string why = value.status().message();
        if (as_json) {
          task_json[a.name()] = {{"$error", why}};
        } else {
          std::cout << a.name() << " [size: " << a.size() << " type: " << a.type() << "] = < "
                    << why << " >\n";
        }
        continue;
      }
      if (as_json) {
        task_json[a.name()] = nlohmann::ordered_json::parse(value->to_json().dump());
      } else {
        std::cout << a.name() << " [size: " << a.size() << " type: " << a.type()
                  << "] = " << python_str(*value) << "\n";
      }
    }
    if (as_json) json_out[task.pathspec()] = task_json;
  }
  if (as_json) std::cout << json_out.dump(2) << "\n";
  return kExitOk;
}

}  // namespace conflux::cli::tool
