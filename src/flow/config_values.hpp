// Config values: read a config's JSON or TOML text, and pick each config's value when a run
// starts (the command line, else its default file, else its default value).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "conflux/flow_spec_types.hpp"
#include "conflux/status.hpp"

namespace conflux {

// A config's value must fit on a task's command line, which carries it to every task.
inline constexpr size_t kMaxConfigBytes = 64 * 1024;

// One --config NAME FILE (is_file) or --config-value NAME TEXT from the command line.
struct ConfigArgument {
  std::string name;
  bool is_file = false;
  std::string text;  // the file's path, or the value itself
};

// Parses `text` as `format` (kAuto: TOML if `origin` ends in ".toml", else JSON). Errors name the
// config, where the text came from (`origin`: a file or "--config-value") and the line and column.
Result<nlohmann::json> parse_config_text(std::string_view config, std::string_view text, ConfigFormat format,
                                         std::string_view origin);

// nlohmann::json's exception text without its "[json.exception.type_error.302] " prefix.
std::string json_error_text(std::string_view what);

// Reads and parses the file `path`; a missing or unreadable file is an error naming it.
Result<nlohmann::json> read_config_file(std::string_view config, const std::filesystem::path& path,
                                        ConfigFormat format);

// The value of every config in `configs`: the argument that names it, else its default file,
// else its default value, else null (an error if it is required). An argument for a config the
// flow does not declare, or two for one config, is an error.
Result<ConfigValues> resolve_configs(const std::vector<ConfigDescription>& configs,
                                     const std::vector<ConfigArgument>& given);

}  // namespace conflux
