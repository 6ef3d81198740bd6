// The options of `run` and `resume` once parsed and validated, and the call into the runtime.
#pragma once

#include <map>
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

// The flow binary's options every task of a run needs, after the binary itself: the datastore,
// the metadata provider, --with decorators, @project's branch, the configs' values.
std::vector<std::string> task_global_options(const FlowCommandContext& ctx, const Backends& backends);
// Adds the settings a task on another machine needs to reach the same datastore and metadata
// service (kForwardedSettings, from the environment or the config file) and METAFLOW_USER.
void forward_settings(std::map<std::string, std::string>& env, const std::string& username);

// Runs the flow with the local runtime; returns the process exit code.
int execute_run(FlowCommandContext& ctx, RunOptions options);
// The run to resume: `origin_run_id`, or when empty the run `run` started last in this datastore.
Result<std::string> origin_run_or_latest(Backends& backends, const std::string& flow, std::string origin_run_id);

// Resumes `origin_run_id` (empty: the latest run) from `step` (empty: from its failures). With
// `changed` parameter names, options.parameters holds their new values.
int execute_resume(FlowCommandContext& ctx, RunOptions options, std::string origin_run_id, std::string step,
                   std::set<std::string> changed = {});

}  // namespace conflux::cli
