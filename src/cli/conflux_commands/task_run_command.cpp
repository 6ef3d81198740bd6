// `conflux task-run`: the program a cluster node runs for one task attempt (docs/remote-tasks.md).
// It reads the task's description (a JSON line written by the launcher), opens the datastore it
// names (a shared directory, or S3 with the node's own credentials), and hands over to
// task_run(), which fetches the code package, runs the step and records its logs and exit.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/conflux_commands/tool.hpp"
#include "cli/s3_backend.hpp"
#include "datastore/local_storage.hpp"
#include "package/package_cache.hpp"
#include "runtime/remote/task_run.hpp"

namespace conflux::cli::tool {

namespace {

// Line `index` (0-based) of `in`.
Result<std::string> nth_line(std::istream& in, int64_t index, const std::string& source) {
  std::string line;
  for (int64_t i = 0; std::getline(in, line); ++i) {
    if (i == index) return line;
  }
  return Status::invalid_argument(source + " has no task at index " + std::to_string(index));
}

// A storage backend rooted at `root` (a directory, or s3://bucket/prefix).
Result<std::unique_ptr<StorageBackend>> open_storage(const std::string& type, const std::string& root) {
  if (type == "local") return std::unique_ptr<StorageBackend>(std::make_unique<LocalStorage>(root));
  if (type == "s3") {
    CONFLUX_ASSIGN_OR_RETURN(std::unique_ptr<S3Storage> s3, open_s3_storage(root));
    return std::unique_ptr<StorageBackend>(std::move(s3));
  }
  return Status::invalid_argument("unknown datastore type '" + type + "' (local or s3)");
}

}  // namespace

int task_run_command(ToolContext& ctx) {
  CommandSpec spec;
  spec.usage = "task-run (--tasks FILE [--index N] | --task JSON) [OPTIONS]";
  spec.description =
      "Run one task attempt on this node: fetch the flow's code package from the datastore (cached per "
      "node), run the task's step, store its logs and exit record in the datastore, and exit with the "
      "task's exit code. Cluster launchers (Slurm, Kubernetes) and deployed workflows (Argo Workflows, AWS Step "
      "Functions) start this; a deployed task's id, input paths and parameters are worked out here. It needs only "
      "the datastore and, if the run uses it, the metadata service.";
  spec.options = {
      {"tasks", "FILE", "Task descriptions, one JSON line each ('-': standard input).", false, ""},
      {"index", "N", "Which line of --tasks to run (a job array's element).", false, "0"},
      {"task", "JSON", "One task description.", false, ""},
      {"engine-id", "ID", "The engine's id of this attempt (\"slurm 77_3\", \"kubernetes job ...\"), for the exit record.", false, ""},
      {"package-cache", "DIR", "Where extracted code packages are kept, private to this user (default: "
                               "$CONFLUX_PACKAGE_CACHE, /var/cache/conflux/packages/<uid> or "
                               "$TMPDIR/conflux-packages-<uid>).", false, ""},
  };
  int code = 0;
  std::optional<ParsedArgs> args = parse_command(ctx, spec, &code);
  if (!args) return code;

  std::string text;
  if (args->has("task")) {
    text = args->get("task");
  } else if (args->has("tasks")) {
    auto index = args->get_int("index", 0);
    if (!index.ok()) return usage_error(ctx, index.status());
    std::string file = args->get("tasks");
    Result<std::string> line = Status::internal("");
    if (file == "-") {
      line = nth_line(std::cin, *index, "standard input");
    } else {
      std::ifstream in(file);
      if (!in) return fail(ctx, Status::not_found("cannot read the task file " + file));
      line = nth_line(in, *index, file);
    }
    if (!line.ok()) return fail(ctx, line.status());
    text = *line;
  } else {
    return usage_error(ctx, Status::invalid_argument("give --tasks FILE or --task JSON"));
  }
  auto task = RemoteTask::from_json(text);
  if (!task.ok()) return fail(ctx, task.status());
  // The settings the runtime forwarded (S3 endpoint, region, profile, service) are task-run's
  // own too: it reads the package and writes logs in the same datastore as the task.
  for (const char* name : kForwardedSettings) {
    if (auto it = task->env.find(name); it != task->env.end()) setenv(name, it->second.c_str(), 1);
  }

  auto storage = open_storage(task->ds_type, task->ds_root);
  if (!storage.ok()) return fail(ctx, storage.status().with_context("cannot open the task's datastore"));
  TaskRunEnvironment env;
  env.storage = storage->get();
  env.engine_id = args->get("engine-id");
  env.package_cache = args->has("package-cache") ? std::filesystem::path(args->get("package-cache")) : default_package_cache();
  std::string code_url = task->code_url, code_ds = task->code_ds;
  env.fetch_package = [code_url, code_ds]() -> Result<std::string> {
    std::filesystem::path url(code_url);
    CONFLUX_ASSIGN_OR_RETURN(auto where, open_storage(code_ds, url.parent_path().string()));
    return where->load(url.filename().string());
  };
  return task_run(*task, env);
}

}  // namespace conflux::cli::tool
