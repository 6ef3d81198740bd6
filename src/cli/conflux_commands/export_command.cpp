// `conflux export FLOW/RUN... --to BUNDLE`: runs with their artifacts, logs and metadata in one
// file that `conflux import` reads into another datastore (docs/operations.md).
#include <iostream>

#include "cli/backends.hpp"
#include "cli/conflux_commands/tool.hpp"
#include "transfer/bundle_export.hpp"

namespace conflux::cli::tool {

int export_command(ToolContext& ctx) {
  CommandSpec spec;
  spec.usage = "export FLOW/RUN_ID... --to BUNDLE.tar";
  spec.description =
      "Write runs (their task files, logs, the values they reference and their metadata) into one "
      "bundle file for `conflux import`. The file appears only once it is complete.";
  spec.options = {{"to", "FILE", "The bundle to write.", false, ""}};
  spec.positionals = {"RUN"};
  spec.min_positionals = 1;
  spec.max_positionals = 1 << 20;
  int code = 0;
  std::optional<ParsedArgs> args = parse_command(ctx, spec, &code);
  if (!args) return code;
  if (!args->has("to")) return usage_error(ctx, Status::invalid_argument("give the bundle to write with --to FILE"));
  for (const std::string& run : args->positionals()) {
    Result<Pathspec> path = parse_pathspec_arg(run, 2, 2, "FLOW/RUN_ID");
    if (!path.ok()) return usage_error(ctx, path.status());
  }
  Result<Backends> backends = open_backends(ctx);
  if (!backends.ok()) return fail(ctx, backends.status());
  transfer::ExportSource source;
  source.stores.datastore = backends->storage.get();
  StorageBackend* local = local_metadata_storage(*backends);
  source.stores.metadata_storage = local != nullptr ? local : backends->storage.get();
  source.stores.metadata = &backends->metadata();
  source.ds_type = backends->datastore;
  source.ds_root = backends->ds_root;
  Result<transfer::ExportReport> report = transfer::export_runs(
      source, args->positionals(), args->get("to"), [](const std::string& line) { std::cerr << line << "\n"; });
  if (!report.ok()) return fail(ctx, report.status());
  std::cout << "Exported " << report->runs << " run(s) (" << report->files << " files, " << report->blobs
            << " blobs, " << report->bytes << " bytes) to " << args->get("to") << "\n";
  return kExitOk;
}

}  // namespace conflux::cli::tool
