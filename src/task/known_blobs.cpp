#include "task/known_blobs.hpp"

namespace conflux {

std::string format_known_blobs(const std::vector<std::string>& shas) {
  std::string out;
  for (size_t i = 0; i < shas.size() && i < kMaxKnownBlobs; ++i) {
    if (i > 0) out += ',';
    out += shas[i];
  }
  return out;
}

Result<std::vector<std::string>> parse_known_blobs(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view sha = text.substr(0, comma);
    bool ok = sha.size() == 40;
    for (char c : sha) ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    if (!ok) return Status::invalid_argument("'" + std::string(sha) + "' is not a blob sha (40 lowercase hex digits)");
    out.emplace_back(sha);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
  }
  return out;
}

}  // namespace conflux
