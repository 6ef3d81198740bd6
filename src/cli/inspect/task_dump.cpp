#include "cli/inspect/task_dump.hpp"

#include <algorithm>
#include <ostream>

#include <nlohmann/json.hpp>

#include "cli/text_format.hpp"
#include "client/client_backends.hpp"
#include "conflux/codec.hpp"
#include "datastore/content_addressed_store.hpp"
#include "datastore/task_datastore.hpp"

namespace conflux::cli {

namespace {

std::string header(const ArtifactEntry& e) {
  return e.name + " [size: " + std::to_string(e.info.size) + " type: " + e.info.type + "]";
}

}  // namespace

std::vector<OptionSpec> dump_option_specs() {
  return {
      {"include", "NAMES", "Only these artifacts (comma-separated).", false, ""},
      {"max-value-size", "BYTES", "Do not show values larger than this.", false, "1000"},
      {"private", "", "Also show internal artifacts (names starting with '_').", false, ""},
      {"json", "", "Print JSON for scripts: {pathspec: {artifact: value}}.", false, ""},
  };
}

Result<DumpOptions> dump_options(const ParsedArgs& args) {
  DumpOptions options;
  CONFLUX_ASSIGN_OR_RETURN(options.max_value_size, args.get_int("max-value-size", 1000));
  options.include = split_names(args.get("include"));
  options.show_private = args.has("private");
  options.as_json = args.has("json");
  return options;
}

Status dump_tasks(const Client& client, const std::vector<Task>& tasks, const DumpOptions& options,
                  std::ostream& out, std::ostream& err) {
  nlohmann::ordered_json json_out = nlohmann::ordered_json::object();
  for (const Task& task : tasks) {
    const Pathspec& p = task.path();
    TaskDataStore ds(client_detail::client_storage(client), p.flow, p.run_id, p.step, p.task_id);
    Result<int> attempt = ds.latest_done_attempt();
    if (!attempt.ok()) {
      if (attempt.status().is_not_found()) {
        return Status::not_found("Task '" + task.pathspec() + "' has no finished attempt (no artifacts yet)");
      }
      return attempt.status().with_context("task '" + task.pathspec() + "'");
    }
    CONFLUX_ASSIGN_OR_RETURN(ArtifactIndex index, ds.load_index(*attempt));
    std::vector<const ArtifactEntry*> entries;
    for (const ArtifactEntry& e : index.artifacts) {
      bool is_private = !e.name.empty() && e.name[0] == '_';
      bool wanted = !options.include.empty() ? options.include.count(e.name) > 0
                                             : (options.show_private || !is_private);
      if (wanted) entries.push_back(&e);
    }
    std::sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return a->name < b->name; });
    if (!options.as_json) {
      err << "Dumping output of run_id=" << p.run_id << " step=" << p.step << " task_id=" << p.task_id << "\n";
    }
    ContentAddressedStore cas(client_detail::client_storage(client), p.flow);
    nlohmann::ordered_json task_json = nlohmann::ordered_json::object();
    for (const ArtifactEntry* e : entries) {
      bool too_large = e->info.size == 0 || static_cast<int64_t>(e->info.size) > options.max_value_size;
      if (too_large && !options.as_json) {
        out << header(*e) << " = < artifact too large >\n";
        continue;
      }
      Result<std::string> bytes = cas.load_all(e->sha);
      if (!bytes.ok()) {
        return bytes.status().with_context("artifact '" + e->name + "' of task '" + task.pathspec() + "'");
      }
      Result<Value> value = read_pickle_from_string(*bytes);
      if (!value.ok()) {
        // A Python-only type (or an unreadable blob): say so instead of failing the whole dump.
        StatusCode code = value.status().code();
        if (code != StatusCode::kNotSupported && code != StatusCode::kCorruption) return value.status();
        if (options.as_json) {
          task_json[e->name] = {{"$error", value.status().message()}};
        } else {
          out << header(*e) << " = < " << value.status().message() << " >\n";
        }
        continue;
      }
      if (options.as_json) {
        task_json[e->name] = nlohmann::ordered_json::parse(value->to_json().dump());
      } else {
        out << header(*e) << " = " << python_str(*value) << "\n";
      }
    }
    if (options.as_json) json_out[task.pathspec()] = std::move(task_json);
  }
  if (options.as_json) out << json_out.dump(2) << "\n";
  return Status();
}

}  // namespace conflux::cli
