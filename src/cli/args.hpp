// A small command-line parser for the flow binary and the `conflux` tool: declared options
// (with help text), `--name value` and `--name=value`, flags, repeated options, positional
// arguments, and a --help page. Errors name the option that is wrong.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "conflux/status.hpp"

namespace conflux::cli {

struct OptionSpec {
  std::string name;          // without the leading dashes
  std::string metavar;       // "N", "TAG"; empty for a flag
  std::string help;
  bool repeated = false;     // may be given several times
  std::string default_text;  // shown in --help
};

struct CommandSpec {
  std::string usage;        // "run [OPTIONS]"
  std::string description;  // one paragraph
  std::vector<OptionSpec> options;
  std::vector<std::string> positionals;  // names, for usage and checks
  int min_positionals = 0;
  int max_positionals = 0;
};

class ParsedArgs {
 public:
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  // The last value given for `name`, or `fallback`.
  std::string get(const std::string& name, const std::string& fallback = "") const;
  const std::vector<std::string>& all(const std::string& name) const;
  const std::vector<std::string>& positionals() const { return positionals_; }
  bool help() const { return help_; }

  // Parses an integer option; the error names the option.
  Result<int64_t> get_int(const std::string& name, int64_t fallback) const;

 private:
  friend Result<ParsedArgs> parse_args(const CommandSpec&, const std::vector<std::string>&);
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positionals_;
  bool help_ = false;
};

// Parses `args` (the words after the command name) against `spec`.
Result<ParsedArgs> parse_args(const CommandSpec& spec, const std::vector<std::string>& args);

// The --help page of a command.
std::string render_help(const std::string& program, const CommandSpec& spec);

}  // namespace conflux::cli
