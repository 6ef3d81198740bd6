// The flow binary's commands: name, one-line summary, handler. Add a command here.
#include "cli/flow_cli.hpp"

namespace conflux::cli {

const std::vector<CommandEntry>& flow_commands() {
  static const std::vector<CommandEntry> commands = {
      // name, summary, handler, needs a valid graph, hidden
      {"run", "Run the flow locally.", run_command, true, false},
      {"resume", "Resume a failed run from its failed step (or a given one).", resume_command, true, false},
      {"show", "Show the structure of the flow.", show_command, false, false},
      {"check", "Check that the flow is valid.", check_command, false, false},
      {"output-dot", "Print the flow's graph in Graphviz DOT.", output_dot_command, true, false},
      {"output-raw", "Print the flow's graph as Metaflow's _graph_info.", output_raw_command, true, false},
      {"dump", "Print the artifacts of a task or step.", dump_command, false, false},
      {"logs", "Print the output of a task or step.", logs_command, false, false},
      {"tag", "Add, remove, replace or list the tags of runs.", tag_command, false, false},
      {"package", "Show (or --store) the code package a cluster run ships.", package_command, false, false},
      {"version", "Print the Conflux version.", version_command, false, false},
      {"argo-workflows", "Deploy the flow to Argo Workflows (create, trigger, list-runs, terminate, delete).",
       argo_workflows_command, true, false},
      {"step-functions", "Compile the flow for AWS Step Functions and AWS Batch (create).", step_functions_command,
       true, false},
      {"step", "Internal: run one task attempt.", step_command, true, true},
      {"init", "Internal: register a deployed run and store its parameters.", init_command, true, true},
  };
  return commands;
}

}  // namespace conflux::cli
