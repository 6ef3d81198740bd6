// The `conflux` command (operator and user tool): shared pieces of its commands. The effective
// configuration (flags > environment > ~/.metaflowconfig/config.json > defaults), opening a
// Client on it, aligned tables, time formats, and error reporting with the tool's exit codes:
// 0 success, 1 an error, 2 a usage error (bad option, missing argument, malformed pathspec).
//
// Like the rest of src/cli this is where flags, environment variables and config files are read;
// the client library below receives plain values. Single-threaded.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/args.hpp"
#include "cli/backends.hpp"
#include "cli/settings.hpp"
#include "cli/text_format.hpp"
#include "conflux/client.hpp"

namespace conflux::cli::tool {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

// Options accepted before or after the command.
struct GlobalFlags {
  std::optional<std::string> datastore_root;  // --datastore-root DIR (the directory holding .metaflow)
  std::optional<std::string> datastore;       // --datastore local|s3
  std::optional<std::string> namespace_tag;   // --namespace NS
  bool all_namespaces = false;                // --all-namespaces
};

struct EffectiveConfig {
  std::filesystem::path config_file;
  bool config_file_exists = false;
  std::optional<std::string> sysroot;  // the datastore sysroot, when configured
  Setting datastore_root;              // the .metaflow directory
  Setting metadata;                    // "local"
  Setting username;
  Setting ns;                          // "user:alice", or "None" for the global namespace
  bool global_namespace = false;
  std::filesystem::path cwd;
};

struct ToolContext {
  std::string command;            // "runs"
  std::vector<std::string> args;  // the words after the command, global flags removed
  GlobalFlags flags;
  EffectiveConfig config;
};

// Reads the environment and the config file. Error if the config file is not valid JSON.
Result<EffectiveConfig> resolve_config(const GlobalFlags& flags);
Result<Client> open_client(const ToolContext& ctx);
// The raw datastore and metadata of the command's settings, for commands that change the
// datastore itself (gc, export, import) rather than read it through a Client.
Result<Backends> open_backends(const ToolContext& ctx);
// Where local metadata keeps its files: the datastore itself, or the local .metaflow of an S3
// datastore; nullptr when the metadata is the service's.
StorageBackend* local_metadata_storage(Backends& backends);

// Parses the command's options; on --help prints the help page and sets *exit_code = 0; on a
// usage error prints it and sets *exit_code = 2. Returns nullopt in both cases.
std::optional<ParsedArgs> parse_command(const ToolContext& ctx, const CommandSpec& spec,
                                        int* exit_code);

// "conflux <command>: <code name>: <message>" on stderr; returns 1 (2 for a usage error).
int fail(const ToolContext& ctx, const Status& status);
int usage_error(const ToolContext& ctx, const Status& status);
// Parses a pathspec argument with `min_depth`..`max_depth` components; a usage error otherwise.
Result<Pathspec> parse_pathspec_arg(const std::string& text, int min_depth, int max_depth,
                                    const std::string& form);

// "2026-11-29 06:17:36" (UTC) for people; "2026-11-29T06:17:36.074Z" for JSON.
std::string human_time(ClientTime t);
std::string iso_time(ClientTime t);
nlohmann::ordered_json json_time(const std::optional<ClientTime>& t);

// A task's state for people: "successful", "failed" (finished unsuccessfully, or its latest
// attempt reported attempt_ok False) or "unfinished" (running, or killed before recording).
Result<std::string> task_status(const Task& task);
// A run's state from its end task: "successful", "failed" or "unfinished".
Result<std::string> run_status(const Run& run);

// Commands (one file each).
int flows_command(ToolContext& ctx);
int runs_command(ToolContext& ctx);
int show_command(ToolContext& ctx);
int dump_command(ToolContext& ctx);
int logs_command(ToolContext& ctx);
int card_command(ToolContext& ctx);
int tag_command(ToolContext& ctx);
int gc_command(ToolContext& ctx);
int export_command(ToolContext& ctx);
int import_command(ToolContext& ctx);
int configure_command(ToolContext& ctx);
int version_command(ToolContext& ctx);
int service_command(ToolContext& ctx);
int ui_command(ToolContext& ctx);
int task_run_command(ToolContext& ctx);

}  // namespace conflux::cli::tool
