#include "cli/args.hpp"

#include <charconv>
#include <sstream>

namespace conflux::cli {

std::string ParsedArgs::get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() || it->second.empty() ? fallback : it->second.back();
}

const std::vector<std::string>& ParsedArgs::all(const std::string& name) const {
  static const std::vector<std::string> empty;
  auto it = values_.find(name);
  return it == values_.end() ? empty : it->second;
}

Result<int64_t> ParsedArgs::get_int(const std::string& name, int64_t fallback) const {
  if (!has(name)) return fallback;
  std::string text = get(name);
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size()) {
    return Status::invalid_argument("--" + name + ": expected an integer, got '" + text + "'");
  }
  return value;
}

Result<ParsedArgs> parse_args(const CommandSpec& spec, const std::vector<std::string>& args) {
  ParsedArgs parsed;
  auto find = [&](const std::string& name) -> const OptionSpec* {
    for (const auto& o : spec.options) {
      if (o.name == name) return &o;
    }
    return nullptr;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      parsed.help_ = true;
      continue;
    }
    if (arg.size() > 2 && arg.compare(0, 2, "--") == 0) {
      std::string name = arg.substr(2);
      std::optional<std::string> value;
      if (size_t eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      const OptionSpec* option = find(name);
      if (!option) {
        return Status::invalid_argument("no such option: --" + name +
                                        " (see --help for the options)");
      }
      if (option->metavar.empty()) {
        if (value) return Status::invalid_argument("option --" + name + " does not take a value");
        parsed.values_[name].push_back("true");
        continue;
      }
      if (!value) {
        if (i + 1 >= args.size()) {
          return Status::invalid_argument("option --" + name + " requires a value (" +
                                          option->metavar + ")");
        }
        value = args[++i];
      }
      auto& slot = parsed.values_[name];
      if (!option->repeated) slot.clear();
      slot.push_back(*value);
      continue;
    }
    parsed.positionals_.push_back(arg);
  }
  if (parsed.help_) return parsed;
  int n = static_cast<int>(parsed.positionals_.size());
  if (n > spec.max_positionals) {
    return Status::invalid_argument("unexpected argument '" + parsed.positionals_[spec.max_positionals] + "'");
  }
  if (n < spec.min_positionals) {
    return Status::invalid_argument("missing argument " + spec.positionals[n]);
  }
  return parsed;
}

std::string render_help(const std::string& program, const CommandSpec& spec) {
  std::ostringstream out;
  out << "Usage: " << program << " " << spec.usage << "\n\n";
  if (!spec.description.empty()) out << spec.description << "\n\n";
  out << "Options:\n";
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& o : spec.options) {
    std::string left = "--" + o.name + (o.metavar.empty() ? "" : " " + o.metavar);
    std::string right = o.help;
    if (!o.default_text.empty()) right += " [default: " + o.default_text + "]";
    if (o.repeated) right += " (may be repeated)";
    rows.emplace_back(left, right);
  }
  rows.emplace_back("--help", "Show this message and exit.");
  size_t width = 0;
  for (const auto& [left, right] : rows) width = std::max(width, left.size());
  for (const auto& [left, right] : rows) {
    out << "  " << left << std::string(width - left.size() + 2, ' ') << right << "\n";
  }
  return out.str();
}

}  // namespace conflux::cli
