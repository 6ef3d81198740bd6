// BearerAuth: optional bearer-token authentication of the service. Tokens come from a file (one
// per line; blank lines and lines starting with '#' are ignored). A request is allowed when its
// Authorization header is "Bearer <token>" for one of them, compared in constant time. Tokens
// are never logged or echoed.
//
// Thread safety: immutable after load; allows() is safe to call concurrently.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "conflux/status.hpp"

namespace conflux::service {

class BearerAuth {
 public:
  // Error if the file cannot be read or holds no token.
  static Result<BearerAuth> load(const std::filesystem::path& token_file);
  explicit BearerAuth(std::vector<std::string> tokens) : tokens_(std::move(tokens)) {}
  // `authorization` is the header's value (empty if absent).
  bool allows(std::string_view authorization) const;

 private:
  std::vector<std::string> tokens_;
};

}  // namespace conflux::service
