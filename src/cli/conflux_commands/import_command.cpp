// `conflux import BUNDLE`: the runs of a bundle from `conflux export`, into this datastore and
// metadata (docs/operations.md).
#include <iostream>

#include "cli/backends.hpp"
#include "cli/conflux_commands/tool.hpp"
#include "transfer/bundle_import.hpp"

namespace conflux::cli::tool {

int import_command(ToolContext& ctx) {
  CommandSpec spec;
  spec.usage = "import BUNDLE.tar [--json]";
  spec.description =
      "Bring the runs of a bundle written by `conflux export` into the configured datastore (local "
      "or S3) and metadata (local or the service). Runs keep their ids unless an id is taken here "
      "by another run (then they get a new one); runs already imported are skipped. A truncated "
      "bundle, or one of an unknown format version, is refused before anything is written.";
  spec.options = {{"json", "", "Print JSON for scripts.", false, ""}};
  spec.positionals = {"BUNDLE"};
  spec.min_positionals = spec.max_positionals = 1;
  int code = 0;
  std::optional<ParsedArgs> args = parse_command(ctx, spec, &code);
  if (!args) return code;
  Result<Backends> backends = open_backends(ctx);
  if (!backends.ok()) return fail(ctx, backends.status());
  transfer::ImportTarget target;
  target.datastore = backends->storage.get();
  target.ds_type = backends->datastore;
  target.ds_root = backends->ds_root;
  target.service = backends->service.get();
  target.local_metadata_storage = local_metadata_storage(*backends);
  const bool as_json = args->has("json");
  Result<std::vector<transfer::ImportedRun>> runs =
      transfer::import_bundle(target, args->positionals()[0], [&](const std::string& line) {
        if (!as_json) std::cerr << line << "\n";
      });
  if (!runs.ok()) return fail(ctx, runs.status());
  if (as_json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& r : *runs) out.push_back({{"source", r.source}, {"target", r.target}, {"outcome", r.outcome}});
    std::cout << out.dump(2) << "\n";
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : *runs) rows.push_back({r.source, r.target, r.outcome});
    print_table(std::cout, {"BUNDLE RUN", "RUN HERE", "OUTCOME"}, rows);
  }
  return kExitOk;
}

}  // namespace conflux::cli::tool
