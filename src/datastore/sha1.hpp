// Sha1: incremental SHA-1, the content address of CAS blobs (Metaflow's choice; not for security).
//
// Our own implementation rather than OpenSSL's: every task hashes what it stores, and linking
// libcrypto costs each task process about 200 page faults before main() (its 17,000 relocations),
// a third of a trivial task's start-up. On x86-64 CPUs with the SHA extensions the compression
// runs on them (as OpenSSL's does, about 2 GB/s); elsewhere a portable version does.
//
// Not thread-safe: one Sha1 per stream. Different instances may be used concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "conflux/status.hpp"

namespace conflux {

class Sha1 {
 public:
  Sha1();

  void update(const void* data, size_t n);
  void update(std::string_view s) { update(s.data(), s.size()); }

  // The 40-character lowercase hex digest of everything passed to update(). REQUIRES: called once.
  Result<std::string> hex_digest();

  // Digest of one buffer.
  static Result<std::string> hex_of(std::string_view data);

 private:
  uint32_t state_[5];
  unsigned char block_[64];
  size_t block_used_ = 0;
  uint64_t total_ = 0;  // bytes
  bool finished_ = false;
};

namespace sha1_internal {
// The block compression functions, exposed so that tests check both on this machine.
using CompressFn = void (*)(uint32_t state[5], const unsigned char* blocks, size_t count);
void compress_portable(uint32_t state[5], const unsigned char* blocks, size_t count);
// nullptr unless this CPU has the SHA extensions (and SSSE3/SSE4.1).
CompressFn compress_with_sha_extensions();
}  // namespace sha1_internal

}  // namespace conflux
