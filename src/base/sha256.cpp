#include "base/sha256.hpp"

#include <dlfcn.h>
#include <openssl/evp.h>

#include <mutex>

#include "base/dynamic_library.hpp"

namespace conflux {

namespace {

using DigestFn = int (*)(const void*, size_t, unsigned char*, unsigned int*, const EVP_MD*, ENGINE*);
using Sha256Fn = const EVP_MD* (*)();

struct Libcrypto {
  DigestFn digest = nullptr;
  Sha256Fn sha256 = nullptr;
  Status status;
};

const Libcrypto& libcrypto() {
  static Libcrypto lib;
  static std::once_flag once;
  std::call_once(once, [] {
    // The soname of Debian 12's libssl3 (OpenSSL 3); never unloaded.
    void* handle = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      lib.status = Status::failed_precondition(std::string("SHA-256 needs OpenSSL's libcrypto, which cannot be loaded (") +
                                               dlerror() + "); install it (Debian: apt-get install libssl3)");
      return;
    }
    if (!resolve_symbol(handle, "EVP_Digest", &lib.digest) || !resolve_symbol(handle, "EVP_sha256", &lib.sha256)) {
      lib.status = Status::failed_precondition("the libcrypto.so.3 found lacks EVP_Digest or EVP_sha256");
    }
  });
  return lib;
}

}  // namespace

Result<std::string> sha256_raw(std::string_view data) {
  const Libcrypto& lib = libcrypto();
  CONFLUX_RETURN_IF_ERROR(lib.status);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (lib.digest(data.data(), data.size(), digest, &len, lib.sha256(), nullptr) != 1 || len != 32) {
    return Status::internal("SHA-256 computation failed (OpenSSL)");
  }
  return std::string(reinterpret_cast<const char*>(digest), len);
}

std::string hex_lower(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * bytes.size(), '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kHex[b >> 4];
    out[2 * i + 1] = kHex[b & 0xf];
  }
  return out;
}

Result<std::string> sha256_hex(std::string_view data) {
  CONFLUX_ASSIGN_OR_RETURN(std::string raw, sha256_raw(data));
  return hex_lower(raw);
}

Result<std::string> hmac_sha256(std::string_view key, std::string_view data) {
  constexpr size_t kBlock = 64;
  std::string k(key);
  if (k.size() > kBlock) {
    CONFLUX_ASSIGN_OR_RETURN(k, sha256_raw(k));
  }
  k.resize(kBlock, '\0');
  std::string inner(kBlock, '\0'), outer(kBlock, '\0');
  for (size_t i = 0; i < kBlock; ++i) {
    inner[i] = static_cast<char>(k[i] ^ 0x36);
    outer[i] = static_cast<char>(k[i] ^ 0x5c);
  }
  inner.append(data);
  CONFLUX_ASSIGN_OR_RETURN(std::string inner_hash, sha256_raw(inner));
  outer.append(inner_hash);
  return sha256_raw(outer);
}

}  // namespace conflux
