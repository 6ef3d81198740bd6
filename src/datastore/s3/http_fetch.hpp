// One plain HTTP request through libcurl (loaded on first use), for the credential endpoints of
// the AWS credential chain (STS, the container credentials endpoint, instance metadata). Not for
// S3 itself (S3Client signs, retries and streams).
//
// Thread safety: safe to call from many threads.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "conflux/status.hpp"

namespace conflux {

struct HttpReply {
  long status = 0;
  std::string body;
};

// Unavailable if the endpoint cannot be reached within `timeout` (connect and transfer).
Result<HttpReply> http_fetch(const std::string& method, const std::string& url,
                             const std::vector<std::pair<std::string, std::string>>& headers,
                             const std::string& body, std::chrono::milliseconds timeout);

}  // namespace conflux
