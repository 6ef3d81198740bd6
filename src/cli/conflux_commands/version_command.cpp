// `conflux version`: the Conflux version.
#include <iostream>

#include "cli/conflux_commands/tool.hpp"
#include "cli/flow_cli.hpp"

namespace conflux::cli::tool {

int version_command(ToolContext& ctx) {
  CommandSpec spec;
  spec.usage = "version";
  spec.description = "Print the Conflux version.";
  int code = 0;
  std::optional<ParsedArgs> args = parse_command(ctx, spec, &code);
  if (!args) return code;
  std::cout << "conflux " << kConfluxVersion << "\n";
  return kExitOk;
}

}  // namespace conflux::cli::tool
