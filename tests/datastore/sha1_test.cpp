// SHA-1: FIPS 180 test vectors, both compression paths (portable, SHA extensions) on the same
// inputs, and any split of the input into update() calls.
#include "datastore/sha1.hpp"

#include <gtest/gtest.h>

#include <string>

namespace conflux {
namespace {

std::string hex_of(std::string_view data) { return Sha1::hex_of(data).value(); }

TEST(Sha1Test, KnownVectors) {
  EXPECT_EQ(hex_of(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(hex_of("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  EXPECT_EQ(hex_of(std::string(1000000, 'a')), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  // The padding's edge cases: 55, 56, 63 and 64 bytes (one or two final blocks); the digests are
  // Python's hashlib.sha1(b"x" * n).
  EXPECT_EQ(hex_of(std::string(55, 'x')), "cef734ba81a024479e09eb5a75b6ddae62e6abf1");
  EXPECT_EQ(hex_of(std::string(56, 'x')), "901305367c259952f4e7af8323f480d59f81335b");
  EXPECT_EQ(hex_of(std::string(63, 'x')), "0ddc4e0cccd9a12850deb5abb0853a4425559fec");
  EXPECT_EQ(hex_of(std::string(64, 'x')), "bb2fa3ee7afb9f54c6dfb5d021f14b1ffe40c163");
}

// Both compression functions agree on many blocks (the SHA-extension path runs where the CPU
// has them; Conflux's CI machines do).
TEST(Sha1Test, Sha1ExtensionsMatchThePortableCode) {
  sha1_internal::CompressFn fast = sha1_internal::compress_with_sha_extensions();
  if (fast == nullptr) GTEST_SKIP() << "this CPU has no SHA extensions";
  std::string data(64 * 1000, '\0');
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (char& c : data) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = static_cast<char>(x);
  }
  for (size_t blocks : {size_t{1}, size_t{2}, size_t{1000}}) {
    uint32_t a[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
    uint32_t b[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
    sha1_internal::compress_portable(a, reinterpret_cast<const unsigned char*>(data.data()), blocks);
    fast(b, reinterpret_cast<const unsigned char*>(data.data()), blocks);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(a[i], b[i]) << blocks << " blocks, word " << i;
  }
}

TEST(Sha1Test, AnySplitOfTheInputGivesTheSameDigest) {
  std::string data;
  for (int i = 0; i < 5000; ++i) data += static_cast<char>(i * 7);
  const std::string whole = hex_of(data);
  for (size_t piece : {size_t{1}, size_t{3}, size_t{63}, size_t{64}, size_t{65}, size_t{1000}}) {
    Sha1 h;
    for (size_t i = 0; i < data.size(); i += piece) h.update(data.data() + i, std::min(piece, data.size() - i));
    EXPECT_EQ(h.hex_digest().value(), whole) << "pieces of " << piece;
  }
}

}  // namespace
}  // namespace conflux
