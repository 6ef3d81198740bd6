// The `conflux` tool's effective configuration, Metaflow's way: flags, then environment
// variables, then the config file (~/.metaflowconfig/config.json, or $METAFLOW_HOME, with
// $METAFLOW_PROFILE selecting config_<profile>.json), then defaults.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

#include "cli/backends.hpp"
#include "cli/flow_cli.hpp"
#include "cli/conflux_commands/tool.hpp"
#include "cli/s3_backend.hpp"
#include "datastore/datastore_root.hpp"

namespace conflux::cli::tool {

namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

std::filesystem::path config_file_path() {
  std::filesystem::path dir;
  if (auto home = env("METAFLOW_HOME")) {
    dir = *home;
  } else {
    dir = std::filesystem::path(env("HOME").value_or("/")) / ".metaflowconfig";
  }
  if (auto profile = env("METAFLOW_PROFILE")) return dir / ("config_" + *profile + ".json");
  return dir / "config.json";
}

// The string keys of the config file; empty if it does not exist.
Result<nlohmann::json> read_config(const std::filesystem::path& path, bool* exists) {
  std::error_code ec;
  *exists = std::filesystem::is_regular_file(path, ec);
  if (!*exists) return nlohmann::json::object();
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return Status::io_error("cannot read the config file " + path.string());
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::invalid_argument("the config file " + path.string() +
                                    " is not a JSON object");
  }
  return j;
}

std::optional<std::string> config_value(const nlohmann::json& config, const char* key) {
  auto it = config.find(key);
  if (it == config.end() || !it->is_string() || it->get<std::string>().empty()) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

}  // namespace

Result<EffectiveConfig> resolve_config(const GlobalFlags& flags) {
  EffectiveConfig c;
  std::error_code ec;
  c.cwd = std::filesystem::current_path(ec);
  if (ec) return Status::io_error("cannot read the working directory: " + ec.message());
  c.config_file = config_file_path();
  CONFLUX_ASSIGN_OR_RETURN(nlohmann::json config, read_config(c.config_file, &c.config_file_exists));
  std::string from_file = "config file (" + c.config_file.string() + ")";

  // Datastore root.
  std::string sysroot_source;
  if (flags.datastore_root) {
    c.sysroot = *flags.datastore_root;
    sysroot_source = "--datastore-root";
  } else if (auto e = env("METAFLOW_DATASTORE_SYSROOT_LOCAL")) {
    c.sysroot = *e;
    sysroot_source = "environment (METAFLOW_DATASTORE_SYSROOT_LOCAL)";
  } else if (auto f = config_value(config, "METAFLOW_DATASTORE_SYSROOT_LOCAL")) {
    c.sysroot = *f;
    sysroot_source = from_file;
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
  if (auto e = env("METAFLOW_DEFAULT_METADATA")) {
    c.metadata = {*e, "environment (METAFLOW_DEFAULT_METADATA)"};
  } else if (auto f = config_value(config, "METAFLOW_DEFAULT_METADATA")) {
    c.metadata = {*f, from_file};
  } else {
    c.metadata = {"local", "default"};
  }

  // User name (Metaflow's get_username).
  if (auto e = env("METAFLOW_USER")) {
    c.username = {*e, "environment (METAFLOW_USER)"};
  } else if (auto f = config_value(config, "METAFLOW_USER")) {
    c.username = {*f, from_file};
  } else {
    std::string account = process_account_name();
    c.username = !account.empty()
                     ? Setting{account, "the process's account (no METAFLOW_USER, SUDO_USER, USERNAME, USER or LOGNAME)"}
                     : Setting{"unknown", "default (no METAFLOW_USER, SUDO_USER, USERNAME, USER or LOGNAME)"};
    for (const char* var : {"SUDO_USER", "USERNAME", "USER", "LOGNAME"}) {
      if (auto value = env(var)) {
        c.username = {*value, std::string("environment (") + var + ")"};
        break;
      }
    }
  }

  // Namespace.
  if (flags.all_namespaces) {
    c.ns = {"None", "--all-namespaces (every run is visible)"};
    c.global_namespace = true;
  } else if (flags.namespace_tag) {
    c.ns = {*flags.namespace_tag, "--namespace"};
  } else if (auto token = env("METAFLOW_PRODUCTION_TOKEN")) {
    c.ns = {default_namespace(c.username.value, *token).tag(),
            "default (environment METAFLOW_PRODUCTION_TOKEN)"};
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
    // A metadata service client (METAFLOW_SERVICE_URL) over the datastore, opened as the flow
    // binary opens them; the client owns both.
    GlobalOptions global;
    global.datastore_root = ctx.flags.datastore_root.value_or("");
    global.datastore = ctx.flags.datastore.value_or("");
    global.metadata = "service";
    CONFLUX_ASSIGN_OR_RETURN(Backends b, open_backends(global, options.username));
    return Client::adopt(std::move(b.service), std::move(b.storage), *options.ns, b.root);
  }
  CONFLUX_ASSIGN_OR_RETURN(std::string kind, datastore_kind(ctx.flags.datastore.value_or("")));
  if (kind == "s3") {
    std::string root = ctx.flags.datastore_root.value_or("");
    CONFLUX_ASSIGN_OR_RETURN(options.storage, open_s3_storage(root.starts_with("s3://") ? root : ""));
  }
  return Client::open(options);
}

}  // namespace conflux::cli::tool
