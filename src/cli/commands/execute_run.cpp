// The part of `run` and `resume` after option parsing: open the datastore, run, report.
#include <fstream>
#include <iostream>

#include "cli/backends.hpp"
#include "cli/run_options.hpp"
#include "runtime/local_run.hpp"
#include "runtime/resume.hpp"

namespace conflux::cli {

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
  run.task_command_prefix = {ec ? std::string("/proc/self/exe") : self, "--quiet", "--datastore",
                             backends.datastore, "--datastore-root",
                             backends.datastore == "s3" ? backends.ds_root : backends.sysroot.string()};
  for (const auto& spec : ctx.global.decospecs) {
    run.task_command_prefix.insert(run.task_command_prefix.end(), {"--with", spec});
  }
  if (!ctx.global.metadata.empty()) {
    run.task_command_prefix.insert(run.task_command_prefix.end(), {"--metadata", ctx.global.metadata});
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

int execute_resume(FlowCommandContext& ctx, RunOptions options, std::string origin_run_id, std::string step) {
  auto backends = open_backends(ctx.global, ctx.username);
  if (!backends.ok()) return fail("Datastore error", backends.status());
  if (origin_run_id.empty()) {
    // Like Metaflow: the run `run` started last in this datastore.
    auto latest = backends->local->read_latest_run(ctx.flow->name);
    if (!latest.ok()) return fail("Datastore error", latest.status());
    if (!*latest) {
      return fail("Nothing to resume", Status::not_found("no previous run of " + ctx.flow->name +
                                                         " found; give --origin-run-id"));
    }
    origin_run_id = **latest;
  }
  LocalRunOptions run = local_run_options(ctx, options, *backends);
  Console console;
  LocalRunResult result = resume_local(*ctx.graph, *backends->storage, backends->metadata(), run,
                                       ResumeOptions{origin_run_id, step}, console,
                                       run_id_writer(options.run_id_file));
  return report(result, console);
}

}  // namespace conflux::cli
