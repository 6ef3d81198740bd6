// Metaflow's settings, read the same way by both front ends (the flow binary and `conflux`): an
// environment variable, else the config file, else the caller's default. The config file is
// ~/.metaflowconfig/config.json ($METAFLOW_HOME replaces the directory; $METAFLOW_PROFILE=P
// selects config_P.json). It is read once per process; a file that is not a JSON object is an
// error that names the file and the line, returned by load_settings() before any command runs.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "conflux/status.hpp"

namespace conflux::cli {

// A setting and where its value came from ("environment (USER)", "config file (/home/a/...)").
struct Setting {
  std::string value;
  std::string source;
};

// The environment variable `name`, unless unset or empty (an empty value counts as unset).
std::optional<std::string> environment_value(const char* name);

std::filesystem::path settings_file_path();
// Reads the config file (once). InvalidArgument names the file, line and column of bad JSON.
Status load_settings();
bool settings_file_exists();

// The environment variable `key` if set and not empty, else the config file's `key` (a string,
// or the JSON text of another value), else nullopt.
std::optional<Setting> find_setting(const std::string& key);
std::optional<std::string> metaflow_setting(const std::string& key);

// The user name as Metaflow resolves it: METAFLOW_USER (environment or config file), SUDO_USER,
// USERNAME, USER, LOGNAME; if none is set (cron, a container), the process's account name.
Setting resolve_username();
// The name of the account the process runs as (getpwuid); "" if it has none.
std::string process_account_name();

}  // namespace conflux::cli
