#include "deploy/yaml_writer.hpp"

#include <regex>

namespace conflux {

namespace {

using oj = nlohmann::ordered_json;

// Plain (unquoted) only when YAML 1.1 and 1.2 both read the text back as the same string.
std::string scalar(const oj& v) {
  if (!v.is_string()) return v.dump();
  const std::string& s = v.get_ref<const std::string&>();
  static const std::regex plain("[A-Za-z_/][A-Za-z0-9_./-]*");
  static const std::regex keyword(
      "(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)");
  if (std::regex_match(s, plain) && !std::regex_match(s, keyword)) return s;
  return v.dump(-1, ' ', false, oj::error_handler_t::replace);
}

bool is_block(const oj& v) { return (v.is_object() || v.is_array()) && !v.empty(); }

void emit(const oj& v, int indent, std::string& out) {
  std::string pad(static_cast<size_t>(indent), ' ');
  if (v.is_object()) {
    for (const auto& [key, value] : v.items()) {
      out += pad + scalar(oj(key)) + ":";
      if (is_block(value)) {
        out += "\n";
        // Sequences under a key sit at the key's indentation, as kubectl writes them.
        emit(value, value.is_array() ? indent : indent + 2, out);
      } else {
        out += " " + (value.is_object() ? std::string("{}") : value.is_array() ? std::string("[]") : scalar(value)) + "\n";
      }
    }
  } else if (v.is_array()) {
    for (const auto& item : v) {
      if (!is_block(item)) {
        out += pad + "- " + (item.is_object() ? std::string("{}") : item.is_array() ? std::string("[]") : scalar(item)) + "\n";
        continue;
      }
      std::string nested;
      emit(item, indent + 2, nested);
      // The item's first line shares the dash.
      out += pad + "- " + nested.substr(static_cast<size_t>(indent) + 2);
    }
  }
}

}  // namespace

std::string to_yaml(const std::vector<nlohmann::ordered_json>& documents) {
  std::string out;
  for (size_t i = 0; i < documents.size(); ++i) {
    if (i) out += "---\n";
    emit(documents[i], 0, out);
  }
  return out;
}

}  // namespace conflux
