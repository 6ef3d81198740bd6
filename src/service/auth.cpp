#include "service/auth.hpp"

#include <fstream>

namespace conflux::service {

Result<BearerAuth> BearerAuth::load(const std::filesystem::path& token_file) {
  std::ifstream in(token_file);
  if (!in) return Status::io_error("cannot read the auth token file '" + token_file.string() + "'");
  std::vector<std::string> tokens;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    size_t start = 0;
    while (start < line.size() && std::isspace(static_cast<unsigned char>(line[start]))) ++start;
    line = line.substr(start);
    if (line.empty() || line.starts_with("#")) continue;
    tokens.push_back(line);
  }
  if (tokens.empty()) return Status::invalid_argument("the auth token file '" + token_file.string() + "' holds no token");
  return BearerAuth(std::move(tokens));
}

bool BearerAuth::allows(std::string_view authorization) const {
  constexpr std::string_view kPrefix = "Bearer ";
  if (!authorization.starts_with(kPrefix)) return false;
  std::string_view given = authorization.substr(kPrefix.size());
  bool ok = false;
  for (const std::string& token : tokens_) {
    // Constant time in the token's content: no early exit on the first differing byte.
    unsigned char diff = given.size() == token.size() ? 0 : 1;
    for (size_t i = 0; i < token.size(); ++i) {
      diff |= static_cast<unsigned char>(token[i] ^ (i < given.size() ? given[i] : 0));
    }
    ok = ok || diff == 0;
  }
  return ok;
}

}  // namespace conflux::service
