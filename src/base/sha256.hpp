// SHA-256 (S3's payload hashes, code package names), from OpenSSL's libcrypto loaded the first
// time it is needed: flow binaries do not link libcrypto (most tasks never hash with SHA-256, and
// linking it costs every process a third of its start-up; see datastore/sha1.hpp). S3 requests
// go through libcurl, which loads libcrypto anyway.
#pragma once

#include <string>
#include <string_view>

#include "conflux/status.hpp"

namespace conflux {

// The 64-character lowercase hex SHA-256 of `data`. FailedPrecondition naming the package if
// libcrypto cannot be loaded.
Result<std::string> sha256_hex(std::string_view data);
// The 32 raw bytes of the SHA-256 of `data`.
Result<std::string> sha256_raw(std::string_view data);
// HMAC-SHA256 (RFC 2104) of `data` under `key`: 32 raw bytes (AWS Signature Version 4).
Result<std::string> hmac_sha256(std::string_view key, std::string_view data);
// Lowercase hex of raw bytes.
std::string hex_lower(std::string_view bytes);

}  // namespace conflux
