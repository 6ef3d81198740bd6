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

Result<std::string> sha256_hex(std::string_view data) {
  const Libcrypto& lib = libcrypto();
  CONFLUX_RETURN_IF_ERROR(lib.status);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (lib.digest(data.data(), data.size(), digest, &len, lib.sha256(), nullptr) != 1 || len != 32) {
    return Status::internal("SHA-256 computation failed (OpenSSL)");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(64, '0');
  for (unsigned i = 0; i < len; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return out;
}

}  // namespace conflux
