#include "cli/settings.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace conflux::cli {

namespace {

struct ConfigFile {
  std::filesystem::path path;
  bool exists = false;
  nlohmann::json values = nlohmann::json::object();
  Status status;
};

// "line L, column C" of byte offset `byte` (1-based, as editors count).
std::string position_of(const std::string& text, size_t byte) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

ConfigFile read_config_file() {
  ConfigFile c;
  c.path = settings_file_path();
  std::error_code ec;
  c.exists = std::filesystem::is_regular_file(c.path, ec);
  if (!c.exists) return c;
  std::ifstream in(c.path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    c.status = Status::io_error("cannot read the config file " + c.path.string());
    return c;
  }
  std::string body = text.str();
  try {
    nlohmann::json parsed = nlohmann::json::parse(body);
    if (!parsed.is_object()) {
      std::string type = parsed.type_name();
      std::string article = std::string("aeiou").find(type[0]) != std::string::npos ? "an " : "a ";
      c.status = Status::invalid_argument("the config file " + c.path.string() +
                                          " must hold a JSON object of settings; it holds " + article + type);
      return c;
    }
    c.values = std::move(parsed);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is one past the offending character.
    c.status = Status::invalid_argument("the config file " + c.path.string() + " is not valid JSON (" +
                                        position_of(body, e.byte > 0 ? e.byte - 1 : 0) + ")");
  }
  return c;
}

const ConfigFile& config_file() {
  static const ConfigFile config = read_config_file();
  return config;
}

}  // namespace

std::optional<std::string> environment_value(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

std::filesystem::path settings_file_path() {
  std::optional<std::string> home = environment_value("METAFLOW_HOME");
  std::filesystem::path dir =
      home ? std::filesystem::path(*home)
           : std::filesystem::path(environment_value("HOME").value_or("/")) / ".metaflowconfig";
  if (auto profile = environment_value("METAFLOW_PROFILE")) return dir / ("config_" + *profile + ".json");
  return dir / "config.json";
}

Status load_settings() { return config_file().status; }

bool settings_file_exists() { return config_file().exists; }

std::optional<Setting> find_setting(const std::string& key) {
  if (auto value = environment_value(key.c_str())) return Setting{*value, "environment (" + key + ")"};
  const ConfigFile& file = config_file();
  auto it = file.values.find(key);
  if (it == file.values.end() || it->is_null()) return std::nullopt;
  std::string value = it->is_string() ? it->get<std::string>() : it->dump();
  if (value.empty()) return std::nullopt;
  return Setting{value, "config file (" + file.path.string() + ")"};
}

std::optional<std::string> metaflow_setting(const std::string& key) {
  std::optional<Setting> s = find_setting(key);
  if (!s) return std::nullopt;
  return s->value;
}

Setting resolve_username() {
  if (auto s = find_setting("METAFLOW_USER")) return *s;
  for (const char* var : {"SUDO_USER", "USERNAME", "USER", "LOGNAME"}) {
    if (auto value = environment_value(var)) return {*value, std::string("environment (") + var + ")"};
  }
  // Nothing set (cron, a container, a batch job): the account the process runs as.
  std::string account = process_account_name();
  if (!account.empty()) {
    return {account, "the process's account (no METAFLOW_USER, SUDO_USER, USERNAME, USER or LOGNAME)"};
  }
  return {"unknown", "default (no METAFLOW_USER, SUDO_USER, USERNAME, USER or LOGNAME, and no account name)"};
}

std::string process_account_name() {
  const passwd* account = getpwuid(geteuid());
  return account && account->pw_name ? account->pw_name : "";
}

}  // namespace conflux::cli
