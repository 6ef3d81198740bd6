#include "datastore/sha1.hpp"

#include <openssl/evp.h>
#include <openssl/opensslv.h>

namespace conflux {

namespace {

const EVP_MD* sha1_md() {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
  // An explicit fetch once, instead of the implicit (locked) fetch EVP_sha1() costs on every init.
  static const EVP_MD* md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA1", nullptr);
    return fetched != nullptr ? fetched : EVP_sha1();
  }();
  return md;
#else
  return EVP_sha1();
#endif
}

}  // namespace

Sha1::Sha1() : ctx_(EVP_MD_CTX_new()) {
  ok_ = ctx_ != nullptr && EVP_DigestInit_ex(ctx_, sha1_md(), nullptr) == 1;
}

Sha1::~Sha1() { EVP_MD_CTX_free(ctx_); }

void Sha1::update(const void* data, size_t n) {
  if (ok_ && n > 0) ok_ = EVP_DigestUpdate(ctx_, data, n) == 1;
}

Result<std::string> Sha1::hex_digest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!ok_ || EVP_DigestFinal_ex(ctx_, md, &len) != 1 || len != 20) {
    ok_ = false;
    return Status::internal("SHA-1 computation failed (OpenSSL)");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(40, '0');
  for (unsigned int i = 0; i < len; ++i) {
    out[2 * i] = kHex[md[i] >> 4];
    out[2 * i + 1] = kHex[md[i] & 0xf];
  }
  return out;
}

Result<std::string> Sha1::hex_of(std::string_view data) {
  Sha1 h;
  h.update(data);
  return h.hex_digest();
}

}  // namespace conflux
