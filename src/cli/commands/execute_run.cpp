// The part of `run` and `resume` after option parsing: open the datastore, run, report.
#include <cctype>
#include <fstream>
#include <iostream>

#include "cli/backends.hpp"
#include "cli/run_options.hpp"
#include "runtime/launcher/launcher_registry.hpp"
#include "runtime/local_run.hpp"
#include "runtime/remote/remote_task.hpp"
#include "runtime/resume.hpp"

extern "C" char** environ;

namespace conflux::cli {

namespace {

// CONFLUX_SLURM_PARTITION=x -> settings["slurm"]["partition"] = "x", for each registered engine.
std::map<std::string, std::map<std::string, std::string>> engine_settings() {
  std::map<std::string, std::map<std::string, std::string>> settings;
  for (const LauncherKind& kind : launcher_kinds()) {
    std::string prefix = "CONFLUX_";
    for (char c : kind.decorator) prefix += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    prefix += "_";
    for (char** e = environ; *e; ++e) {
      std::string entry(*e);
      size_t eq = entry.find('=');
      if (eq == std::string::npos || entry.rfind(prefix, 0) != 0) continue;
      std::string key = entry.substr(prefix.size(), eq - prefix.size());
      for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      settings[kind.decorator][key] = entry.substr(eq + 1);
    }
  }
  return settings;
}

}  // namespace

std::vector<std::string> task_global_options(const FlowCommandContext& ctx, const Backends& backends) {
  std::vector<std::string> options = {"--quiet", "--datastore", backends.datastore, "--datastore-root",
                                      backends.datastore == "s3" ? backends.ds_root : backends.sysroot.string()};
  for (const auto& spec : ctx.global.decospecs) options.insert(options.end(), {"--with", spec});
  if (!ctx.global.metadata.empty()) options.insert(options.end(), {"--metadata", ctx.global.metadata});
  // @project: tasks resolve the same branch (for their tags and current()).
  if (ctx.global.project.branch) options.insert(options.end(), {"--branch", *ctx.global.project.branch});
  if (ctx.global.project.production) options.push_back("--production");
  // Every task builds its graph with the run's configs (a resumed run's are the origin's).
  for (const auto& [name, value] : ctx.flow->config_values) {
    options.insert(options.end(),
                   {"--config-value", name, value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
  }
  return options;
}

void forward_settings(std::map<std::string, std::string>& env, const std::string& username) {
  for (const char* key : kForwardedSettings) {
    if (auto value = metaflow_setting(key)) env[key] = *value;
  }
  env["METAFLOW_USER"] = username;
}

namespace {

LocalRunOptions local_run_options(const FlowCommandContext& ctx, const RunOptions& options, const Backends& backends) {
  LocalRunOptions run;
  run.tags = options.tags;
  run.max_workers = options.max_workers;
  run.max_num_splits = options.max_num_splits;
  run.max_log_size_bytes = options.max_log_size_mb << 20;
  run.username = options.username;
  run.namespace_name = options.namespace_name;
  run.program_name = ctx.program_name;
  run.ds_root = backends.ds_root;
  // Each task is this same binary, pointed at the same datastore, with the same decorators.
  std::error_code ec;
  std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  run.task_command_prefix = {ec ? std::string("/proc/self/exe") : self};
  for (std::string& option : task_global_options(ctx, backends)) run.task_command_prefix.push_back(std::move(option));
  if (ctx.project) run.extra_system_tags = ctx.project->system_tags();
  run.engine_settings = engine_settings();
  forward_settings(run.task_env, options.username);
  if (auto manifest = metaflow_setting("CONFLUX_RUNNER_MANIFEST")) run.runner_manifest = *manifest;
  // Local metadata with an S3 datastore lives in this machine's .metaflow: tasks here write it
  // there, remote tasks' copies come back to it.
  if (backends.datastore != "local" && !backends.service) {
    run.task_env["METAFLOW_DATASTORE_SYSROOT_LOCAL"] = backends.metadata_root.parent_path().string();
    run.local_metadata_root = backends.metadata_root.string();
  }
  return run;
}

int report(const LocalRunResult& result, Console& console) {
  if (result.status.ok()) {
    console.line("Done!");
    return 0;
  }
  if (result.status.code() == StatusCode::kCancelled) {
    std::cerr << "    Run interrupted:\n    " << result.status.message() << "\n\n";
    return 130;
  }
  std::cerr << "    Step failure:\n    " << result.status.message() << "\n\n";
  return 1;
}

std::function<void(const std::string&)> run_id_writer(const std::string& file) {
  return [file](const std::string& run_id) {
    if (file.empty()) return;
    std::ofstream out(file);
    out << run_id;
  };
}

}  // namespace

int execute_run(FlowCommandContext& ctx, RunOptions options) {
  auto backends = open_backends(ctx.global, ctx.username);
  if (!backends.ok()) return fail("Datastore error", backends.status());
  LocalRunOptions run = local_run_options(ctx, options, *backends);
  Console console;
  LocalRunResult result = run_local(*ctx.graph, *backends->storage, backends->metadata(), *backends->local,
                                    *options.parameters, run, console, run_id_writer(options.run_id_file));
  return report(result, console);
}

Result<std::string> origin_run_or_latest(Backends& backends, const std::string& flow, std::string origin_run_id) {
  if (!origin_run_id.empty()) return origin_run_id;
  // Like Metaflow: the run `run` started last in this datastore.
  CONFLUX_ASSIGN_OR_RETURN(auto latest, backends.local->read_latest_run(flow));
  if (!latest) return Status::not_found("no previous run of " + flow + " found; give --origin-run-id");
  return *latest;
}

int execute_resume(FlowCommandContext& ctx, RunOptions options, std::string origin_run_id, std::string step,
                   std::set<std::string> changed) {
  auto backends = open_backends(ctx.global, ctx.username);
  if (!backends.ok()) return fail("Datastore error", backends.status());
  auto origin = origin_run_or_latest(*backends, ctx.flow->name, std::move(origin_run_id));
  if (!origin.ok()) return fail("Nothing to resume", origin.status());
  origin_run_id = *origin;
  LocalRunOptions run = local_run_options(ctx, options, *backends);
  Console console;
  ResumeOptions resume{origin_run_id, step, std::move(changed), options.parameters.get()};
  LocalRunResult result = resume_local(*ctx.graph, *backends->storage, backends->metadata(), run, resume, console,
                                       run_id_writer(options.run_id_file));
  return report(result, console);
}

}  // namespace conflux::cli
