#include "task/input_attempts.hpp"

#include <algorithm>
#include <charconv>

namespace conflux {

std::string format_input_attempts(const std::vector<int>& attempts, size_t max_size) {
  if (attempts.empty() || std::all_of(attempts.begin(), attempts.end(), [](int a) { return a < 0; })) return "";
  if (std::all_of(attempts.begin(), attempts.end(), [&](int a) { return a == attempts.front(); })) {
    return "all:" + std::to_string(attempts.front());
  }
  std::string out;
  for (size_t i = 0; i < attempts.size(); ++i) {
    if (i > 0) out += ',';
    if (attempts[i] >= 0) out += std::to_string(attempts[i]);
    if (out.size() > max_size) return "";
  }
  return out;
}

namespace {

Result<int> parse_attempt(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) {
    return Status::invalid_argument("'" + std::string(text) + "' is not an attempt number");
  }
  return value;
}

}  // namespace

Result<std::vector<int>> parse_input_attempts(std::string_view text, size_t input_count) {
  if (text.empty()) return std::vector<int>(input_count, kUnknownAttempt);
  if (text.starts_with("all:")) {
    CONFLUX_ASSIGN_OR_RETURN(int attempt, parse_attempt(text.substr(4)));
    return std::vector<int>(input_count, attempt);
  }
  std::vector<int> out;
  while (true) {
    const size_t comma = text.find(',');
    const std::string_view entry = text.substr(0, comma);
    if (entry.empty()) {
      out.push_back(kUnknownAttempt);
    } else {
      CONFLUX_ASSIGN_OR_RETURN(int attempt, parse_attempt(entry));
      out.push_back(attempt);
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  if (out.size() != input_count) {
    return Status::invalid_argument(std::to_string(out.size()) + " attempts for " + std::to_string(input_count) +
                                    " input paths");
  }
  return out;
}

}  // namespace conflux
