// The UI API's query parameters: the allow-list check, `_limit` and the opaque keyset cursors.
#include <charconv>

#include "base/base64.hpp"
#include "service/ui_api/ui_api.hpp"

namespace conflux::service {

std::optional<ApiResponse> ui_check_query(const ApiRequest& req, const std::set<std::string, std::less<>>& fields,
                                          const std::set<std::string, std::less<>>& controls) {
  for (const auto& [key, value] : req.query) {
    if (controls.contains(key)) continue;
    const std::string field = key.substr(0, key.find(':'));
    if (!key.starts_with("_") && fields.contains(field)) continue;
    std::string known;
    for (const std::string& f : fields) known += (known.empty() ? "" : ", ") + f;
    for (const std::string& c : controls) known += (known.empty() ? "" : ", ") + c;
    return ui_error(400, "unknown-parameter",
                    "unknown query parameter '" + key + "' for " + req.path + " (known: " + known + ")");
  }
  return std::nullopt;
}

Result<int64_t> ui_limit(const ApiRequest& req, int64_t fallback, int64_t max) {
  std::optional<std::string> text = req.query_value("_limit");
  if (!text) return fallback;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || end != text->data() + text->size() || n < 1) {
    return Status::invalid_argument("invalid _limit '" + *text + "': expected a positive integer (at most " +
                                    std::to_string(max) + ")");
  }
  return std::min(n, max);
}

std::string ui_encode_cursor(const nlohmann::json& fields) {
  std::string b = base64_encode(fields.dump());
  for (char& c : b) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!b.empty() && b.back() == '=') b.pop_back();
  return b;
}

Result<nlohmann::json> ui_decode_cursor(std::string_view text, std::initializer_list<const char*> int_keys) {
  const Status bad = Status::invalid_argument("malformed cursor '" + std::string(text.substr(0, 80)) +
                                              "': use the links.next of a previous page");
  std::string b(text);
  for (char& c : b) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
  }
  while (b.size() % 4 != 0) b += '=';
  std::optional<std::string> decoded = base64_decode(b);
  if (!decoded) return bad;
  nlohmann::json j = nlohmann::json::parse(*decoded, nullptr, false);
  if (!j.is_object()) return bad;
  for (const char* key : int_keys) {
    if (!j.contains(key) || !j[key].is_number_integer()) return bad;
  }
  return j;
}

}  // namespace conflux::service
