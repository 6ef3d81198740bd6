// Sha1: incremental SHA-1 (OpenSSL EVP), the content address of CAS blobs.
//
// Not thread-safe: one Sha1 per stream. Different instances may be used concurrently.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "conflux/status.hpp"

struct evp_md_ctx_st;

namespace conflux {

class Sha1 {
 public:
  Sha1();
  ~Sha1();
  Sha1(const Sha1&) = delete;
  Sha1& operator=(const Sha1&) = delete;

  void update(const void* data, size_t n);
  void update(std::string_view s) { update(s.data(), s.size()); }

  // The 40-character lowercase hex digest of everything passed to update(). REQUIRES: called once.
  Result<std::string> hex_digest();

  // Digest of one buffer.
  static Result<std::string> hex_of(std::string_view data);

 private:
  evp_md_ctx_st* ctx_;
  bool ok_;
};

}  // namespace conflux
