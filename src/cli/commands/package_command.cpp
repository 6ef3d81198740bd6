// `package`: shows what a run on a cluster would ship: the code package's members, its INFO (the
// binary's architecture, glibc and shared-library needs) and what the runner would lack.
// `--store` also saves it in the datastore, as the first remote task of a run does.
#include <iostream>

#include "cli/backends.hpp"
#include "cli/commands/deploy_common.hpp"
#include "cli/flow_cli.hpp"
#include "package/code_package.hpp"

namespace conflux::cli {

int package_command(FlowCommandContext& ctx) {
  CommandSpec spec;
  spec.usage = "package [--store] [--runner-manifest FILE]";
  spec.description =
      "Show the code package a cluster run ships (the flow binary, its source and INFO), and check the "
      "binary's glibc and shared libraries against the runner (default: Debian 12 with Conflux's "
      "runtime libraries; $CONFLUX_RUNNER_MANIFEST or --runner-manifest for another). Exit code 1 if "
      "the runner lacks something.";
  spec.options = {
      {"store", "", "Also store the package in the datastore and print its URL.", false, ""},
      {"runner-manifest", "FILE", "A JSON manifest of the runner: {\"glibc\": \"2.36\", \"libraries\": [...]}.", false, ""},
  };
  auto args = parse_args(spec, ctx.args);
  if (!args.ok()) return fail("Bad option", args.status());
  if (args->help()) {
    std::cout << render_help(ctx.program, spec);
    return 0;
  }
  auto package = build_code_package(flow_code_package_input(ctx));
  if (!package.ok()) return fail("Cannot build the code package", package.status());

  RunnerManifest runner = default_runner_manifest();
  std::string manifest = args->get("runner-manifest", metaflow_setting("CONFLUX_RUNNER_MANIFEST").value_or(""));
  if (!manifest.empty()) {
    auto loaded = load_runner_manifest(manifest);
    if (!loaded.ok()) return fail("Bad runner manifest", loaded.status());
    runner = *loaded;
  }
  std::cout << "Code package of " << ctx.flow->name << ": sha " << package->sha << ", " << package->tgz.size()
            << " bytes (tar.gz)\n";
  for (const auto& m : package->members) std::cout << "  " << m << "\n";
  std::cout << "INFO:\n" << package->info.dump(2) << "\n";
  std::vector<std::string> gaps = runner_gaps(package->elf, runner);
  std::cout << "Runner " << runner.name << ": " << (gaps.empty() ? "provides everything the binary needs" : "lacks:") << "\n";
  for (const auto& g : gaps) std::cout << "  - " << g << "\n";
  if (args->has("store")) {
    auto backends = open_backends(ctx.global, ctx.username);
    if (!backends.ok()) return fail("Datastore error", backends.status());
    auto stored = store_code_package(*backends->storage, ctx.flow->name, backends->ds_root, *package);
    if (!stored.ok()) return fail("Cannot store the code package", stored.status());
    std::cout << (stored->already_stored ? "Already stored at " : "Stored at ") << stored->url << "\n";
  }
  return gaps.empty() ? 0 : 1;
}

}  // namespace conflux::cli
