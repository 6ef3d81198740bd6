#include "flow/config_values.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

namespace conflux {

namespace {

std::string config_error_prefix(std::string_view config, std::string_view origin) {
  return "config '" + std::string(config) + "' (" + std::string(origin) + "): ";
}

bool is_toml(ConfigFormat format, std::string_view origin) {
  if (format != ConfigFormat::kAuto) return format == ConfigFormat::kToml;
  return origin.size() >= 5 && origin.substr(origin.size() - 5) == ".toml";
}

// TOML values as JSON, the way Python's tomllib would hand them to json.dumps: dates and times
// become their ISO text.
// JSON has no inf or nan: such a TOML value is an error naming its key (`path`), never a null
// that tasks would read differently from the runtime.
Result<nlohmann::json> toml_to_json(const toml::node& node, const std::string& path) {
  if (const auto* table = node.as_table()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : *table) {
      std::string name(key.str());
      CONFLUX_ASSIGN_OR_RETURN(out[name], toml_to_json(value, path.empty() ? name : path + "." + name));
    }
    return out;
  }
  if (const auto* array = node.as_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (size_t i = 0; i < array->size(); ++i) {
      CONFLUX_ASSIGN_OR_RETURN(nlohmann::json item, toml_to_json(*array->get(i), path + "[" + std::to_string(i) + "]"));
      out.push_back(std::move(item));
    }
    return out;
  }
  if (const auto* s = node.as_string()) return nlohmann::json(s->get());
  if (const auto* i = node.as_integer()) return nlohmann::json(i->get());
  if (const auto* f = node.as_floating_point()) {
    if (!std::isfinite(f->get())) {
      return Status::invalid_argument("'" + path + "' is " + (std::isnan(f->get()) ? "nan" : "inf") +
                                      ", which JSON cannot hold");
    }
    return nlohmann::json(f->get());
  }
  if (const auto* b = node.as_boolean()) return nlohmann::json(b->get());
  std::ostringstream text;  // date, time, date-time
  if (const auto* d = node.as_date()) text << d->get();
  if (const auto* t = node.as_time()) text << t->get();
  if (const auto* dt = node.as_date_time()) text << dt->get();
  return nlohmann::json(text.str());
}

Result<nlohmann::json> parse_toml(std::string_view config, std::string_view text, std::string_view origin) {
  try {
    toml::table table = toml::parse(text, origin);
    Result<nlohmann::json> value = toml_to_json(table, "");
    if (!value.ok()) return Status::invalid_argument(config_error_prefix(config, origin) + value.status().message());
    return value;
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    return Status::invalid_argument(config_error_prefix(config, origin) + "invalid TOML at line " +
                                    std::to_string(at.line) + ", column " + std::to_string(at.column) + ": " +
                                    std::string(e.description()));
  }
}

Result<nlohmann::json> parse_json(std::string_view config, std::string_view text, std::string_view origin) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::out_of_range& e) {  // a number beyond a double, e.g. 1e999
    return Status::invalid_argument(config_error_prefix(config, origin) + "invalid JSON: " + json_error_text(e.what()));
  } catch (const nlohmann::json::parse_error& e) {
    // Line and column of the byte where parsing stopped.
    size_t line = 1, column = 1;
    for (size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string what = e.what();
    if (size_t colon = what.find(": "); colon != std::string::npos) what = what.substr(colon + 2);
    return Status::invalid_argument(config_error_prefix(config, origin) + "invalid JSON at line " +
                                    std::to_string(line) + ", column " + std::to_string(column) + ": " + what);
  }
}

// A config travels to every task as JSON text on its command line: it must be valid UTF-8 and fit.
Status check_config_value(std::string_view config, std::string_view origin, const nlohmann::json& value) {
  std::string text;
  try {
    text = value.dump();
  } catch (const nlohmann::json::exception&) {
    return Status::invalid_argument(config_error_prefix(config, origin) + "a string in it is not valid UTF-8");
  }
  if (text.size() > kMaxConfigBytes) {
    return Status::invalid_argument(config_error_prefix(config, origin) + "the value is " + std::to_string(text.size()) +
                                    " bytes as JSON; a config holds at most " + std::to_string(kMaxConfigBytes) +
                                    " (keep large data in an artifact)");
  }
  return Status();
}

}  // namespace

std::string json_error_text(std::string_view what) {
  size_t bracket = what.find("] ");
  if (what.rfind("[json.exception", 0) == 0 && bracket != std::string_view::npos) what.remove_prefix(bracket + 2);
  return std::string(what);
}

Result<nlohmann::json> parse_config_text(std::string_view config, std::string_view text, ConfigFormat format,
                                         std::string_view origin) {
  Result<nlohmann::json> value = is_toml(format, origin) ? parse_toml(config, text, origin)
                                                         : parse_json(config, text, origin);
  if (!value.ok()) return value;
  CONFLUX_RETURN_IF_ERROR(check_config_value(config, origin, *value));
  return value;
}

Result<nlohmann::json> read_config_file(std::string_view config, const std::filesystem::path& path,
                                        ConfigFormat format) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::not_found("config '" + std::string(config) + "': no such file: " + path.string());
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return Status::internal("config '" + std::string(config) + "': cannot read " + path.string());
  return parse_config_text(config, text.str(), format, path.string());
}

Result<ConfigValues> resolve_configs(const std::vector<ConfigDescription>& configs,
                                     const std::vector<ConfigArgument>& given) {
  std::map<std::string, const ConfigArgument*> by_name;
  for (const ConfigArgument& arg : given) {
    bool declared = false;
    for (const auto& c : configs) declared = declared || c.name == arg.name;
    if (!declared) {
      std::string names;
      for (const auto& c : configs) names += (names.empty() ? "" : ", ") + c.name;
      return Status::invalid_argument("no config named '" + arg.name + "' in this flow" +
                                      (names.empty() ? std::string(" (it declares none)") : " (its configs: " + names + ")"));
    }
    if (!by_name.emplace(arg.name, &arg).second) {
      return Status::invalid_argument("config '" + arg.name + "' is given twice");
    }
  }
  ConfigValues values;
  for (const ConfigDescription& c : configs) {
    Result<nlohmann::json> value = nlohmann::json();
    if (auto it = by_name.find(c.name); it != by_name.end()) {
      // --config-value is JSON text whatever format the config's files are in (tasks get
      // their configs this way).
      value = it->second->is_file ? read_config_file(c.name, it->second->text, c.format)
                                  : parse_config_text(c.name, it->second->text, ConfigFormat::kJson, "--config-value");
    } else if (!c.default_path.empty()) {
      value = read_config_file(c.name, c.default_path, c.format);
    } else if (c.default_value) {
      Status fits = check_config_value(c.name, "default value", *c.default_value);
      value = fits.ok() ? Result<nlohmann::json>(*c.default_value) : Result<nlohmann::json>(fits);
    } else if (c.required) {
      return Status::invalid_argument("config '" + c.name + "' is required: give --config " + c.name +
                                      " FILE or --config-value " + c.name + " VALUE before the command");
    }
    if (!value.ok()) return value.status();
    values[c.name] = std::move(value).value();
  }
  return values;
}

}  // namespace conflux
