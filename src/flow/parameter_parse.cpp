// Parsing of parameter values given on the command line. Strict: the whole text must be a value
// of the declared type, so `--shards 4x` is an error rather than 4.
#include <cerrno>
#include <charconv>
#include <cstdlib>

#include "conflux/parameter.hpp"

namespace conflux::detail {

namespace {

Status type_error(std::string_view name, std::string_view expected, std::string_view text) {
  return Status::invalid_argument("parameter '" + std::string(name) + "': expected " +
                                  std::string(expected) + ", got '" + std::string(text) + "'");
}

}  // namespace

Result<nlohmann::json> parse_parameter_text(std::string_view name, ParameterType type,
                                            std::string_view text, std::string_view separator) {
  switch (type) {
    case ParameterType::kBool: {
      std::string lower(text);
      for (char& c : lower) c = static_cast<char>(::tolower(static_cast<unsigned char>(c)));
      if (lower == "true" || lower == "1" || lower == "yes" || lower == "y" || lower == "t") return nlohmann::json(true);
      if (lower == "false" || lower == "0" || lower == "no" || lower == "n" || lower == "f") return nlohmann::json(false);
      return type_error(name, "a boolean (true or false)", text);
    }
    case ParameterType::kInt: {
      int64_t value = 0;
      const char* end = text.data() + text.size();
      auto [ptr, ec] = std::from_chars(text.data(), end, value);
      if (text.empty() || ec != std::errc() || ptr != end) {
        return type_error(name, ec == std::errc::result_out_of_range ? "a 64-bit integer" : "an integer", text);
      }
      return nlohmann::json(value);
    }
    case ParameterType::kFloat: {
      std::string copy(text);
      char* end = nullptr;
      errno = 0;
      double value = std::strtod(copy.c_str(), &end);
      if (copy.empty() || end != copy.c_str() + copy.size() || errno == ERANGE) {
        return type_error(name, "a number", text);
      }
      return nlohmann::json(value);
    }
    case ParameterType::kString:
      return nlohmann::json(std::string(text));
    case ParameterType::kJson: {
      nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (value.is_discarded()) return type_error(name, "JSON", text);
      return Result<nlohmann::json>(std::move(value));
    }
    case ParameterType::kStringList: {
      nlohmann::json list = nlohmann::json::array();
      std::string_view sep = separator.empty() ? std::string_view(",") : separator;
      size_t start = 0;
      while (true) {
        size_t at = text.find(sep, start);
        list.push_back(std::string(text.substr(start, at == std::string_view::npos ? text.npos : at - start)));
        if (at == std::string_view::npos) break;
        start = at + sep.size();
      }
      return Result<nlohmann::json>(std::move(list));
    }
  }
  return Status::internal("unknown parameter type");
}

std::string choices_text(const nlohmann::json& choices) {
  std::string out;
  for (const auto& c : choices) {
    if (!out.empty()) out += ", ";
    out += c.is_string() ? "'" + c.get<std::string>() + "'" : c.dump();
  }
  return out;
}

Status check_parameter_choice(const ParameterDescription& parameter, const nlohmann::json& value) {
  if (parameter.choices.empty()) return Status();
  auto allowed = [&](const nlohmann::json& v) {
    for (const auto& c : parameter.choices) {
      // 2 and 2.0 are the same choice for a float parameter.
      if (c == v || (c.is_number() && v.is_number() && c.get<double>() == v.get<double>())) return true;
    }
    return false;
  };
  std::vector<nlohmann::json> items;
  if (parameter.type == ParameterType::kStringList && value.is_array()) {
    items.assign(value.begin(), value.end());
  } else {
    items.push_back(value);
  }
  for (const auto& item : items) {
    if (!allowed(item)) {
      std::string shown = item.is_string() ? "'" + item.get<std::string>() + "'" : item.dump();
      return Status::invalid_argument("invalid value for --" + parameter.name + ": " + shown + " is not one of " +
                                      choices_text(parameter.choices));
    }
  }
  return Status();
}

}  // namespace conflux::detail
