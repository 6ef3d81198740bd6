// The `conflux` tool's effective configuration, Metaflow's way: flags, then environment
// variables, then the config file (~/.metaflowconfig/config.json, or $METAFLOW_HOME, with
// $METAFLOW_PROFILE selecting config_<profile>.json), then defaults.
#include <system_error>

#include "cli/backends.hpp"
#include "cli/flow_cli.hpp"
#include "cli/conflux_commands/tool.hpp"
#include "cli/s3_backend.hpp"
#include "datastore/datastore_root.hpp"

namespace conflux::cli::tool {

Result<EffectiveConfig> resolve_config(const GlobalFlags& flags) {
  EffectiveConfig c;
  std::error_code ec;
  c.cwd = std::filesystem::current_path(ec);
  if (ec) return Status::io_error("cannot read the working directory: " + ec.message());
  c.config_file = settings_file_path();
  CONFLUX_RETURN_IF_ERROR(load_settings());
  c.config_file_exists = settings_file_exists();

  // Datastore root.
  std::string sysroot_source;
  if (flags.datastore_root) {
    c.sysroot = *flags.datastore_root;
    sysroot_source = "--datastore-root";
  } else if (auto s = find_setting("METAFLOW_DATASTORE_SYSROOT_LOCAL")) {
    c.sysroot = s->value;
    sysroot_source = s->source;
  }
  if (c.sysroot) {
    std::filesystem::path root = find_datastore_root(c.cwd, std::string_view(*c.sysroot));
    c.datastore_root = {std::filesystem::absolute(root, ec).string(), sysroot_source};
  } else {
    std::filesystem::path root = find_datastore_root(c.cwd, std::nullopt);
    bool found = std::filesystem::is_directory(root, ec);
    c.datastore_root = {root.string(), found ? "default (the nearest .metaflow above the working "
                                               "directory)"
                                             : "default (none found above the working directory)"};
  }

  // Metadata provider.
  c.metadata = find_setting("METAFLOW_DEFAULT_METADATA").value_or(Setting{"local", "default"});
  c.username = resolve_username();

  // Namespace.
  if (flags.all_namespaces) {
    c.ns = {"None", "--all-namespaces (every run is visible)"};
    c.global_namespace = true;
  } else if (flags.namespace_tag) {
    c.ns = {*flags.namespace_tag, "--namespace"};
  } else if (auto token = find_setting("METAFLOW_PRODUCTION_TOKEN")) {
    c.ns = {default_namespace(c.username.value, token->value).tag(),
            "default (production token from " + token->source + ")"};
  } else {
    c.ns = {default_namespace(c.username.value).tag(), "default (user:<username>)"};
  }
  return c;
}

Result<Client> open_client(const ToolContext& ctx) {
  ClientOptions options;
  options.datastore_root = ctx.config.datastore_root.value;
  options.metadata = ctx.config.metadata.value;
  options.username = ctx.config.username.value;
  options.ns = ctx.config.global_namespace ? Namespace::global() : Namespace::of(ctx.config.ns.value);
  if (options.metadata == "service") {
    options.service_url = metaflow_setting("METAFLOW_SERVICE_URL").value_or("");
    CONFLUX_ASSIGN_OR_RETURN(options.service_headers, service_headers_from_settings());
  }
  CONFLUX_ASSIGN_OR_RETURN(options.datastore, datastore_kind(ctx.flags.datastore.value_or("")));
  if (options.datastore == "s3") {
    std::string root = ctx.flags.datastore_root.value_or("");
    CONFLUX_ASSIGN_OR_RETURN(options.s3, s3_options_from_settings(root.starts_with("s3://") ? root : ""));
  }
  return Client::open(options);
}

Result<Backends> open_backends(const ToolContext& ctx) {
  GlobalOptions global;
  global.datastore_root = ctx.flags.datastore_root.value_or("");
  global.datastore = ctx.flags.datastore.value_or("");
  return cli::open_backends(global, ctx.config.username.value);
}

StorageBackend* local_metadata_storage(Backends& backends) {
  if (backends.service) return nullptr;
  return backends.own_metadata_storage ? backends.own_metadata_storage.get() : backends.storage.get();
}

}  // namespace conflux::cli::tool
