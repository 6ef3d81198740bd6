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

}  // namespace conflux
