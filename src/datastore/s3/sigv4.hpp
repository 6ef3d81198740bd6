// AWS Signature Version 4 for S3 requests, computed here instead of by libcurl: libcurl 7.88
// (Debian 12) sorts the signed headers as "name:value" lines, so a header whose name extends
// another's (x-amz-server-side-encryption-aws-kms-key-id after x-amz-server-side-encryption) is
// signed out of order and S3 rejects the request.
//
// Thread safety: pure functions (libcrypto is loaded once, thread-safely).
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "conflux/status.hpp"
#include "datastore/s3/s3_config.hpp"

namespace conflux {

struct SigV4Request {
  std::string method;
  std::string canonical_uri;    // the URL's path, already URI-encoded (S3 does not encode twice)
  std::string canonical_query;  // sorted, encoded name=value pairs joined by '&'
  // Every header to sign, host, x-amz-date and x-amz-content-sha256 included (any case, any order).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_hash;  // hex SHA-256 of the body
  std::string region;
  std::string service = "s3";
  std::string amz_date;  // YYYYMMDD'T'HHMMSS'Z', the x-amz-date header's value
};

// The Authorization header's value: "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
// Signature=...".
Result<std::string> sigv4_authorization(const SigV4Request& request, const S3Credentials& credentials);

// The x-amz-date value of `t`.
std::string amz_date(std::chrono::system_clock::time_point t);

}  // namespace conflux
