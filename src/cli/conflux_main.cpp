// Entry point of the `conflux` command: global options (accepted before or after the command),
// the effective configuration, and dispatch to the commands in conflux_commands/.
#include <iostream>
#include <string>
#include <vector>

#include "cli/conflux_commands/tool.hpp"

namespace conflux::cli::tool {

namespace {

struct ToolCommand {
  const char* name;
  const char* summary;
  int (*fn)(ToolContext&);
};

const std::vector<ToolCommand>& tool_commands() {
  static const std::vector<ToolCommand> commands = {
      {"flows", "List the flows with runs in the namespace.", flows_command},
      {"runs", "List the runs of a flow, newest first (--tag to filter).", runs_command},
      {"show", "Summarise a flow, run, step, task or artifact.", show_command},
      {"dump", "Print the artifacts of a task or step.", dump_command},
      {"logs", "Print the output of a task or step.", logs_command},
      {"card", "List the cards of a task or step, or print one (card list|get).", card_command},
      {"tag", "Add, remove, replace or list the user tags of runs.", tag_command},
      {"gc", "Delete old runs by a retention policy and the blobs no run uses.", gc_command},
      {"export", "Write runs, with their data and metadata, into a bundle file.", export_command},
      {"import", "Bring the runs of a bundle into this datastore and metadata.", import_command},
      {"configure", "Show the effective configuration (configure show).", configure_command},
      {"version", "Print the Conflux version.", version_command},
      {"service", "Run the metadata service (metaflow-service's REST API) and its web UI.", service_command},
      {"ui", "Serve the web UI for this datastore's local runs (no service needed).", ui_command},
      {"task-run", "Run one task attempt on a cluster node (started by launchers).", task_run_command},
  };
  return commands;
}

void print_usage(std::ostream& out) {
  out << "Usage: conflux [GLOBAL OPTIONS] COMMAND [OPTIONS]\n\n"
         "Inspect the runs of Conflux and Metaflow flows (local or S3 datastore, local metadata or the\n"
         "metadata service), manage their tags, delete old runs (gc), move runs between datastores\n"
         "(export, import), run the metadata service, and see runs in the web UI (ui).\n\n"
         "Global options (also accepted after the command):\n"
         "  --datastore-root DIR   Use the datastore in DIR/.metaflow (default: "
         "$METAFLOW_DATASTORE_SYSROOT_LOCAL,\n"
         "                         the config file, or the nearest .metaflow above the working "
         "directory)\n"
         "  --datastore KIND       local or s3 (default: $METAFLOW_DEFAULT_DATASTORE, else local;\n"
         "                         s3 reads $METAFLOW_DATASTORE_SYSROOT_S3, see docs/s3.md)\n"
         "  --namespace NS         Look at the objects tagged NS (default: user:<username>)\n"
         "  --all-namespaces       Look at every object (Metaflow's namespace(None))\n"
         "  --help                 Show this message and exit.\n\n"
         "Commands:\n";
  for (const ToolCommand& c : tool_commands()) {
    std::string name = c.name;
    out << "  " << name << std::string(name.size() < 12 ? 12 - name.size() : 1, ' ') << c.summary << "\n";
  }
  out << "\nRun 'conflux COMMAND --help' for the options of a command. Exit codes: 0 success, "
         "1 error, 2 usage error.\n";
}

// Removes the global options from `args` into `flags`. Usage error for a missing value.
Status take_global_flags(std::vector<std::string>& args, GlobalFlags& flags) {
  std::vector<std::string> rest;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      rest.insert(rest.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    std::optional<std::string>* target = nullptr;
    std::string name = arg;
    std::optional<std::string> inline_value;
    if (size_t eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    if (name == "--datastore-root") target = &flags.datastore_root;
    if (name == "--namespace") target = &flags.namespace_tag;
    if (name == "--datastore") target = &flags.datastore;
    if (target != nullptr) {
      if (inline_value) {
        *target = *inline_value;
      } else if (i + 1 < args.size()) {
        *target = args[++i];
      } else {
        return Status::invalid_argument("option " + name + " requires a value");
      }
      if (target->value().empty()) {
        return Status::invalid_argument("option " + name + " requires a non-empty value");
      }
      continue;
    }
    if (arg == "--all-namespaces") {
      flags.all_namespaces = true;
      continue;
    }
    rest.push_back(arg);
  }
  if (flags.all_namespaces && flags.namespace_tag) {
    return Status::invalid_argument("give either --namespace or --all-namespaces, not both");
  }
  args = std::move(rest);
  return Status();
}

int main_impl(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  ToolContext ctx;
  if (Status s = take_global_flags(args, ctx.flags); !s.ok()) {
    std::cerr << "conflux: " << s.message() << "\nRun 'conflux --help' for usage.\n";
    return kExitUsage;
  }
  if (args.empty()) {
    print_usage(std::cerr);
    return kExitUsage;
  }
  const std::string& first = args.front();
  if (first == "--help" || first == "-h" || first == "help") {
    print_usage(std::cout);
    return kExitOk;
  }
  if (first == "--version") args.front() = "version";
  if (args.front().starts_with("-")) {
    std::cerr << "conflux: no such global option: " << args.front()
              << "\nRun 'conflux --help' for usage.\n";
    return kExitUsage;
  }
  ctx.command = args.front();
  ctx.args.assign(args.begin() + 1, args.end());
  const ToolCommand* command = nullptr;
  for (const ToolCommand& c : tool_commands()) {
    if (ctx.command == c.name) command = &c;
  }
  if (command == nullptr) {
    std::cerr << "conflux: no such command '" << ctx.command << "'.\n\n";
    print_usage(std::cerr);
    return kExitUsage;
  }
  Result<EffectiveConfig> config = resolve_config(ctx.flags);
  if (!config.ok()) return fail(ctx, config.status());
  ctx.config = std::move(config).value();
  return command->fn(ctx);
}

}  // namespace

}  // namespace conflux::cli::tool

int main(int argc, char** argv) { return conflux::cli::tool::main_impl(argc, argv); }
