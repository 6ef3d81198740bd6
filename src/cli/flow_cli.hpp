// The flow binary's command line: what `./myflow <command>` does. This module (src/cli) is the
// only place that reads flags, environment variables and config files; everything below it
// receives plain options.
#pragma once

#include "conflux/version.hpp"

#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/args.hpp"
#include "cli/settings.hpp"
#include "conflux/flow_spec_types.hpp"
#include "flow/config_values.hpp"
#include "flow/flow_graph.hpp"
#include "flow/lint.hpp"
#include "flow/project.hpp"

namespace conflux::cli {

// Options given before the command, e.g. `./flow --with retry --quiet run`.
struct GlobalOptions {
  std::vector<std::string> decospecs;  // --with
  bool quiet = false;
  std::string datastore_root;          // --datastore-root (a directory that holds .metaflow)
  std::string metadata;                // --metadata local|service
  std::string datastore;               // --datastore local|s3
  ProjectRequest project;              // --branch NAME, --production (@project)
  std::vector<ConfigArgument> configs;  // --config NAME FILE, --config-value NAME VALUE
};

// Everything a command needs: the flow, its analysed graph, and how it was invoked.
struct FlowCommandContext {
  FlowDescription* flow = nullptr;  // mutable: --with attaches decorators
  std::unique_ptr<FlowGraph> graph;
  std::vector<LintProblem> problems;
  std::string program;       // argv[0]
  std::string program_name;  // file name of argv[0]
  GlobalOptions global;
  std::vector<std::string> args;  // the words after the command name
  std::string username;
  // @project's name and branch for run, resume and step (nullopt: the flow has no @project).
  std::optional<ProjectInfo> project;
  // resume of a flow with configs: the run whose configs were read (resume continues it).
  std::string resume_origin_run_id;
};

using CommandFn = int (*)(FlowCommandContext&);

struct CommandEntry {
  const char* name;
  const char* summary;
  CommandFn fn;
  bool needs_valid_graph;
  bool hidden;
};

// The table of the flow binary's commands (one file per command under commands/).
const std::vector<CommandEntry>& flow_commands();

// Commands (commands/*.cpp).
int show_command(FlowCommandContext& ctx);
int check_command(FlowCommandContext& ctx);
int output_dot_command(FlowCommandContext& ctx);
int output_raw_command(FlowCommandContext& ctx);
int version_command(FlowCommandContext& ctx);
int run_command(FlowCommandContext& ctx);
int resume_command(FlowCommandContext& ctx);
int tag_command(FlowCommandContext& ctx);
int step_command(FlowCommandContext& ctx);
int package_command(FlowCommandContext& ctx);
int dump_command(FlowCommandContext& ctx);
int logs_command(FlowCommandContext& ctx);
int init_command(FlowCommandContext& ctx);
int argo_workflows_command(FlowCommandContext& ctx);
int step_functions_command(FlowCommandContext& ctx);

// The config values of the run `resume` continues (its --origin-run-id, else the latest run,
// which it remembers in ctx.resume_origin_run_id so that resume continues that same run).
Result<ConfigValues> resumed_run_configs(FlowCommandContext& ctx);

// Prints lint problems the way `check` does (Metaflow's "Validity checker found an issue").
void print_problems(const std::vector<LintProblem>& problems, std::ostream& err);

// Prints "<headline>:\n    <message>" to stderr and returns the exit code 1.
int fail(const std::string& headline, const Status& status);


}  // namespace conflux::cli
