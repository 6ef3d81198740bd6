// The options of `run` and `resume` once parsed and validated, and the call into the runtime.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cli/flow_cli.hpp"
#include "conflux/flow_base.hpp"

namespace conflux::cli {

struct Backends;

struct RunOptions {
  std::vector<std::string> tags;
  int64_t max_workers = 16;
  int64_t max_num_splits = 100;
  int64_t max_log_size_mb = 10;
  std::string run_id_file;
  std::string namespace_name;
  std::string username;
  // A flow object whose parameter members hold the run's values.
  std::unique_ptr<FlowBase> parameters;
};

CommandSpec run_command_spec(const FlowDescription& flow);
// One option per flow parameter (--alpha FLOAT), for `run` and `resume`.
std::vector<OptionSpec> parameter_option_specs(const FlowDescription& flow);
Result<RunOptions> parse_run_options(FlowCommandContext& ctx, const ParsedArgs& args);

// Runs the flow with the local runtime; returns the process exit code.
int execute_run(FlowCommandContext& ctx, RunOptions options);
// The run to resume: `origin_run_id`, or when empty the run `run` started last in this datastore.
Result<std::string> origin_run_or_latest(Backends& backends, const std::string& flow, std::string origin_run_id);

// Resumes `origin_run_id` (empty: the latest run) from `step` (empty: from its failures). With
// `changed` parameter names, options.parameters holds their new values.
int execute_resume(FlowCommandContext& ctx, RunOptions options, std::string origin_run_id, std::string step,
                   std::set<std::string> changed = {});

}  // namespace conflux::cli
