// BearerAuth: optional bearer-token authentication of the service. Tokens come from a file, one
// per line: "TOKEN", or "NAME TOKEN" to name who holds it (blank lines and lines starting with '#'
// are ignored). A request is allowed when its Authorization header is "Bearer <token>" for one of
// them, compared in constant time; its principal (for the audit log) is the token's name, or
// "token #N" (its rank in the file) for an unnamed one. Tokens are never logged or echoed.
//
// Thread safety: immutable after load; allows() is safe to call concurrently.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conflux/status.hpp"

namespace conflux::service {

class BearerAuth {
 public:
  // Error if the file cannot be read or holds no token.
  static Result<BearerAuth> load(const std::filesystem::path& token_file);
  struct Token {
    std::string principal;
    std::string secret;
  };
  explicit BearerAuth(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}
  // `authorization` is the header's value (empty if absent). The principal of a valid token.
  std::optional<std::string> principal(std::string_view authorization) const;
  bool allows(std::string_view authorization) const { return principal(authorization).has_value(); }

 private:
  std::vector<Token> tokens_;
};

}  // namespace conflux::service
