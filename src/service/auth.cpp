#include "service/auth.hpp"

#include <fstream>

namespace conflux::service {

Result<BearerAuth> BearerAuth::load(const std::filesystem::path& token_file) {
  std::ifstream in(token_file);
  if (!in) return Status::io_error("cannot read the auth token file '" + token_file.string() + "'");
  std::vector<Token> tokens;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    size_t start = 0;
    while (start < line.size() && std::isspace(static_cast<unsigned char>(line[start]))) ++start;
    line = line.substr(start);
    if (line.empty() || line.starts_with("#")) continue;
    size_t space = line.find_first_of(" \t");
    if (space == std::string::npos) {
      tokens.push_back({"token #" + std::to_string(tokens.size() + 1), line});
    } else {
      size_t secret = line.find_first_not_of(" \t", space);
      if (line.find_first_of(" \t", secret) != std::string::npos) {
        return Status::invalid_argument("the auth token file '" + token_file.string() +
                                        "' has a line of more than two fields (NAME TOKEN)");
      }
      tokens.push_back({line.substr(0, space), line.substr(secret)});
    }
  }
  if (tokens.empty()) return Status::invalid_argument("the auth token file '" + token_file.string() + "' holds no token");
  return BearerAuth(std::move(tokens));
}

std::optional<std::string> BearerAuth::principal(std::string_view authorization) const {
  constexpr std::string_view kPrefix = "Bearer ";
  if (!authorization.starts_with(kPrefix)) return std::nullopt;
  std::string_view given = authorization.substr(kPrefix.size());
  const Token* match = nullptr;
  for (const Token& token : tokens_) {
    // Constant time in the token's content: no early exit on the first differing byte.
    unsigned char diff = given.size() == token.secret.size() ? 0 : 1;
    for (size_t i = 0; i < token.secret.size(); ++i) {
      diff |= static_cast<unsigned char>(token.secret[i] ^ (i < given.size() ? given[i] : 0));
    }
    if (diff == 0 && match == nullptr) match = &token;
  }
  if (match == nullptr) return std::nullopt;
  return match->principal;
}

}  // namespace conflux::service
