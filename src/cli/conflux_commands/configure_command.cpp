// `conflux configure show`: the effective configuration and where each value comes from.
#include <iostream>

#include "cli/conflux_commands/tool.hpp"

namespace conflux::cli::tool {

int configure_command(ToolContext& ctx) {
  CommandSpec spec;
  spec.usage = "configure show [--json]";
  spec.description =
      "Show the effective configuration: the datastore root, metadata provider, user name and "
      "namespace, and where each comes from (flags > environment > config file > defaults). The "
      "config file is ~/.metaflowconfig/config.json (or $METAFLOW_HOME/config.json, "
      "config_$METAFLOW_PROFILE.json); its keys METAFLOW_DATASTORE_SYSROOT_LOCAL, "
      "METAFLOW_DEFAULT_METADATA and METAFLOW_USER are read.";
  spec.options = {{"json", "", "Print JSON for scripts.", false, ""}};
  spec.positionals = {"ACTION"};
  spec.min_positionals = spec.max_positionals = 1;
  int code = 0;
  std::optional<ParsedArgs> args = parse_command(ctx, spec, &code);
  if (!args) return code;
  if (args->positionals()[0] != "show") {
    return usage_error(ctx, Status::invalid_argument("unknown action '" + args->positionals()[0] +
                                                     "' (only 'show')"));
  }
  const EffectiveConfig& c = ctx.config;
  std::string file_state = c.config_file_exists ? "found" : "not found";
  if (args->has("json")) {
    auto setting = [](const Setting& s) {
      return nlohmann::ordered_json{{"value", s.value}, {"source", s.source}};
    };
    nlohmann::ordered_json j = {
        {"datastore_root", setting(c.datastore_root)},
        {"metadata", setting(c.metadata)},
        {"username", setting(c.username)},
        {"namespace", setting(c.ns)},
        {"config_file", {{"path", c.config_file.string()}, {"exists", c.config_file_exists}}}};
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  print_table(std::cout, {"SETTING", "VALUE", "SOURCE"},
              {{"datastore root", c.datastore_root.value, c.datastore_root.source},
               {"metadata provider", c.metadata.value, c.metadata.source},
               {"username", c.username.value, c.username.source},
               {"namespace", c.ns.value, c.ns.source},
               {"config file", c.config_file.string(), file_state}});
  return kExitOk;
}

}  // namespace conflux::cli::tool
