// Small text helpers shared by the flow binary's commands and the `conflux` command.
#pragma once

#include <iosfwd>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "conflux/value.hpp"

namespace conflux::cli {

// Python's str() of a value, as Metaflow's dump prints it: strings unquoted, the rest as repr().
inline std::string python_str(const Value& v) { return v.is_str() ? v.as_str() : v.python_repr(); }

// "a,b,,c" -> {"a", "b", "c"}: the names of a comma-separated option such as --include.
inline std::set<std::string> split_names(const std::string& text) {
  std::set<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.insert(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// Columns separated by two spaces, padded to the widest cell; a header row first.
void print_table(std::ostream& out, const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows);
// "Key   value" lines with keys padded to the widest.
void print_fields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& rows);
// The items with `separator` between them.
std::string join(const std::vector<std::string>& items, const std::string& separator);

}  // namespace conflux::cli
