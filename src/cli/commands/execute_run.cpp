// The part of `run` after option parsing: open the datastore, run, report.
#include <fstream>
#include <iostream>

#include "cli/backends.hpp"
#include "cli/run_options.hpp"
#include "runtime/local_run.hpp"

namespace conflux::cli {

int execute_run(FlowCommandContext& ctx, RunOptions options) {
  auto backends = open_backends(ctx.global, ctx.username);
  if (!backends.ok()) return fail("Datastore error", backends.status());

  LocalRunOptions run;
  run.tags = options.tags;
  run.max_workers = options.max_workers;
  run.max_num_splits = options.max_num_splits;
  run.max_log_size_bytes = options.max_log_size_mb << 20;
  run.username = options.username;
  run.namespace_name = options.namespace_name;
  run.program_name = ctx.program_name;
  run.ds_root = backends->root.string();
  // Each task is this same binary, pointed at the same datastore, with the same decorators.
  run.task_command_prefix = {"/proc/self/exe", "--quiet", "--datastore-root", backends->sysroot.string()};
  for (const auto& spec : ctx.global.decospecs) {
    run.task_command_prefix.insert(run.task_command_prefix.end(), {"--with", spec});
  }
  std::error_code ec;
  std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (!ec) run.task_command_prefix[0] = self;

  Console console;
  std::string run_id_file = options.run_id_file;
  auto on_run_id = [&run_id_file](const std::string& run_id) {
    if (run_id_file.empty()) return;
    std::ofstream out(run_id_file);
    out << run_id;
  };
  LocalRunResult result = run_local(*ctx.graph, *backends->storage, *backends->metadata, *options.parameters,
                                    run, console, on_run_id);
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

}  // namespace conflux::cli
