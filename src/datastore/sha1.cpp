#include "datastore/sha1.hpp"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace conflux {

namespace sha1_internal {

namespace {

uint32_t rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

uint32_t load_be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

}  // namespace

// FIPS 180-4, section 6.1.2.
void compress_portable(uint32_t state[5], const unsigned char* blocks, size_t count) {
  for (; count > 0; --count, blocks += 64) {
    uint32_t w[80];
    for (int t = 0; t < 16; ++t) w[t] = load_be32(blocks + 4 * t);
    for (int t = 16; t < 80; ++t) w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3], e = state[4];
    for (int t = 0; t < 80; ++t) {
      uint32_t f, k;
      if (t < 20) {
        f = (b & c) | (~b & d), k = 0x5a827999;
      } else if (t < 40) {
        f = b ^ c ^ d, k = 0x6ed9eba1;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d), k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d, k = 0xca62c1d6;
      }
      const uint32_t temp = rotl(a, 5) + f + e + k + w[t];
      e = d, d = c, c = rotl(b, 30), b = a, a = temp;
    }
    state[0] += a, state[1] += b, state[2] += c, state[3] += d, state[4] += e;
  }
}

#if defined(__x86_64__)

namespace {

// Four rounds; the round function (0-3) must be an immediate.
__attribute__((target("sha,sse4.1,ssse3"))) inline __m128i rounds4(__m128i abcd, __m128i e, int function) {
  switch (function) {
    case 0: return _mm_sha1rnds4_epu32(abcd, e, 0);
    case 1: return _mm_sha1rnds4_epu32(abcd, e, 1);
    case 2: return _mm_sha1rnds4_epu32(abcd, e, 2);
    default: return _mm_sha1rnds4_epu32(abcd, e, 3);
  }
}

// The 80 rounds as 20 groups of four. Group g uses message words W[g] (four 32-bit words, kept
// in msg[g % 4]); W[t] for t >= 4 is msg2(msg1(W[t-4], W[t-3]) ^ W[t-2], W[t-1]), computed in
// three steps interleaved with the rounds, each as soon as its inputs exist.
__attribute__((target("sha,sse4.1,ssse3"))) void compress_sha_ni(uint32_t state[5], const unsigned char* blocks,
                                                                   size_t count) {
  const __m128i byte_swap = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
  __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(state)), 0x1b);
  __m128i e0 = _mm_set_epi32(static_cast<int>(state[4]), 0, 0, 0);
  for (; count > 0; --count, blocks += 64) {
    const __m128i abcd_before = abcd;
    const __m128i e_before = e0;
    __m128i msg[4];
    for (int i = 0; i < 4; ++i) {
      msg[i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blocks + 16 * i)), byte_swap);
    }
    __m128i e = _mm_add_epi32(e0, msg[0]);
    __m128i saved = abcd;  // the state before the last group: the next group's E comes from it
    abcd = rounds4(abcd, e, 0);
#pragma GCC unroll 19
    for (int g = 1; g < 20; ++g) {
      e = _mm_sha1nexte_epu32(saved, msg[g % 4]);
      saved = abcd;
      if (g >= 3 && g <= 18) msg[(g + 1) % 4] = _mm_sha1msg2_epu32(msg[(g + 1) % 4], msg[g % 4]);  // W[g+1]
      abcd = rounds4(abcd, e, g / 5);
      if (g >= 1 && g <= 16) msg[(g + 3) % 4] = _mm_sha1msg1_epu32(msg[(g + 3) % 4], msg[g % 4]);  // for W[g+3]
      if (g >= 2 && g <= 17) msg[(g + 2) % 4] = _mm_xor_si128(msg[(g + 2) % 4], msg[g % 4]);       // for W[g+2]
    }
    e0 = _mm_sha1nexte_epu32(saved, e_before);
    abcd = _mm_add_epi32(abcd, abcd_before);
  }
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state), _mm_shuffle_epi32(abcd, 0x1b));
  state[4] = static_cast<uint32_t>(_mm_extract_epi32(e0, 3));
}

bool cpu_has_sha_extensions() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
  const bool ssse3 = (ecx & (1u << 9)) != 0, sse41 = (ecx & (1u << 19)) != 0;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  return ssse3 && sse41 && (ebx & (1u << 29)) != 0;
}

}  // namespace

CompressFn compress_with_sha_extensions() {
  static const bool available = cpu_has_sha_extensions();
  return available ? &compress_sha_ni : nullptr;
}

#else

CompressFn compress_with_sha_extensions() { return nullptr; }

#endif

namespace {

CompressFn best_compress() {
  static const CompressFn fn = compress_with_sha_extensions() ? compress_with_sha_extensions() : &compress_portable;
  return fn;
}

}  // namespace

}  // namespace sha1_internal

Sha1::Sha1() : state_{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0} {}

void Sha1::update(const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  total_ += n;
  if (block_used_ > 0) {
    const size_t take = std::min(n, sizeof(block_) - block_used_);
    std::memcpy(block_ + block_used_, p, take);
    block_used_ += take, p += take, n -= take;
    if (block_used_ < sizeof(block_)) return;
    sha1_internal::best_compress()(state_, block_, 1);
    block_used_ = 0;
  }
  if (n >= 64) {
    sha1_internal::best_compress()(state_, p, n / 64);
    p += n / 64 * 64;
    n %= 64;
  }
  std::memcpy(block_, p, n);
  block_used_ = n;
}

Result<std::string> Sha1::hex_digest() {
  if (finished_) return Status::internal("Sha1::hex_digest called twice");
  finished_ = true;
  // Padding: 0x80, zeros to 56 mod 64, then the length in bits, big-endian.
  const uint64_t bits = total_ * 8;
  unsigned char pad[72] = {0x80};
  const size_t pad_len = (block_used_ < 56 ? 56 : 120) - block_used_;
  for (int i = 0; i < 8; ++i) pad[pad_len + i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
  const uint64_t total = total_;
  update(pad, pad_len + 8);
  total_ = total;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(40, '0');
  for (int i = 0; i < 5; ++i) {
    for (int j = 0; j < 4; ++j) {
      const unsigned byte = (state_[i] >> (24 - 8 * j)) & 0xff;
      out[8 * i + 2 * j] = kHex[byte >> 4];
      out[8 * i + 2 * j + 1] = kHex[byte & 0xf];
    }
  }
  return out;
}

Result<std::string> Sha1::hex_of(std::string_view data) {
  Sha1 h;
  h.update(data);
  return h.hex_digest();
}

}  // namespace conflux
