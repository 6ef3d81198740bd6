#include "codec/big_int.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace conflux::big_int {
namespace {

bool is_negative(std::string_view le) {
  return !le.empty() && (static_cast<unsigned char>(le.back()) & 0x80) != 0;
}

// Magnitude as little-endian 32-bit limbs (no trailing zero limbs).
std::vector<uint32_t> magnitude_limbs(std::string_view le) {
  std::vector<uint8_t> bytes(le.begin(), le.end());
  if (is_negative(le)) {  // two's complement negation: invert, add one
    unsigned carry = 1;
    for (auto& b : bytes) {
      unsigned v = static_cast<uint8_t>(~b) + carry;
      b = static_cast<uint8_t>(v);
      carry = v >> 8;
    }
  }
  std::vector<uint32_t> limbs((bytes.size() + 3) / 4, 0);
  for (size_t i = 0; i < bytes.size(); ++i) limbs[i / 4] |= uint32_t{bytes[i]} << (8 * (i % 4));
  while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
  return limbs;
}

// Two's complement little-endian bytes of sign * magnitude.
std::string from_limbs(const std::vector<uint32_t>& limbs, bool negative) {
  std::string out;
  for (uint32_t limb : limbs) {
    for (int k = 0; k < 4; ++k) out.push_back(static_cast<char>((limb >> (8 * k)) & 0xFF));
  }
  out.push_back('\0');  // room for the sign bit
  if (negative) {
    unsigned carry = 1;
    for (auto& c : out) {
      unsigned v = static_cast<uint8_t>(~static_cast<uint8_t>(c)) + carry;
      c = static_cast<char>(v & 0xFF);
      carry = v >> 8;
    }
  }
  return normalize(out);
}

}  // namespace

std::string normalize(std::string_view le) {
  std::string out(le);
  while (out.size() > 1) {
    auto last = static_cast<unsigned char>(out[out.size() - 1]);
    auto prev = static_cast<unsigned char>(out[out.size() - 2]);
    if ((last == 0x00 && !(prev & 0x80)) || (last == 0xFF && (prev & 0x80))) {
      out.pop_back();
    } else {
      break;
    }
  }
  return out;
}

bool to_int64(std::string_view le, int64_t* out) {
  std::string n = normalize(le);
  if (n.size() > 8) return false;
  uint64_t u = is_negative(n) ? ~uint64_t{0} : 0;  // sign-extend
  for (size_t i = 0; i < n.size(); ++i) {
    u &= ~(uint64_t{0xFF} << (8 * i));
    u |= uint64_t{static_cast<unsigned char>(n[i])} << (8 * i);
  }
  *out = static_cast<int64_t>(u);
  return true;
}

std::string to_string(std::string_view le) {
  std::vector<uint32_t> limbs = magnitude_limbs(le);
  std::string sign = is_negative(le) ? "-" : "";
  if (limbs.empty()) return "0";
  if (limbs.size() > 10000) {
    static const char kHex[] = "0123456789abcdef";
    std::string hex;
    for (size_t i = limbs.size(); i-- > 0;) {
      for (int k = 7; k >= 0; --k) hex.push_back(kHex[(limbs[i] >> (4 * k)) & 0xF]);
    }
    hex.erase(0, std::min(hex.find_first_not_of('0'), hex.size() - 1));
    return sign + "0x" + hex;
  }
  // Repeated division by 10^9; each remainder is nine decimal digits.
  std::vector<uint32_t> chunks;
  while (!limbs.empty()) {
    uint64_t rem = 0;
    for (size_t i = limbs.size(); i-- > 0;) {
      uint64_t cur = (rem << 32) | limbs[i];
      limbs[i] = static_cast<uint32_t>(cur / 1000000000u);
      rem = cur % 1000000000u;
    }
    chunks.push_back(static_cast<uint32_t>(rem));
    while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
  }
  std::string out = sign + std::to_string(chunks.back());
  for (size_t i = chunks.size() - 1; i-- > 0;) {
    std::string part = std::to_string(chunks[i]);
    out.append(9 - part.size(), '0');
    out += part;
  }
  return out;
}

double to_double(std::string_view le) {
  std::vector<uint32_t> limbs = magnitude_limbs(le);
  double d = 0;
  for (size_t i = limbs.size(); i-- > 0;) d = d * 4294967296.0 + limbs[i];
  return is_negative(le) ? -d : d;
}

Result<std::string> from_decimal(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return Status::invalid_argument("empty integer literal");
  if (text.size() > kMaxDecimalDigits) {
    return Status::not_supported("integer literal has " + std::to_string(text.size()) +
                                 " digits; at most " + std::to_string(kMaxDecimalDigits) +
                                 " are supported (Python's own limit)");
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      return Status::invalid_argument("invalid integer literal '" + std::string(text) + "'");
    }
  }
  std::vector<uint32_t> limbs;
  for (size_t pos = 0; pos < text.size();) {
    size_t n = std::min<size_t>(9, text.size() - pos);
    uint32_t chunk = 0;
    uint32_t scale = 1;
    for (size_t k = 0; k < n; ++k) {
      chunk = chunk * 10 + static_cast<uint32_t>(text[pos + k] - '0');
      scale *= 10;
    }
    pos += n;
    uint64_t carry = chunk;  // limbs = limbs * scale + chunk
    for (auto& limb : limbs) {
      uint64_t cur = uint64_t{limb} * scale + carry;
      limb = static_cast<uint32_t>(cur);
      carry = cur >> 32;
    }
    if (carry) limbs.push_back(static_cast<uint32_t>(carry));
  }
  while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
  return from_limbs(limbs, negative && !limbs.empty());
}

std::string from_uint64(uint64_t u) {
  std::vector<uint32_t> limbs;
  if (u) limbs.push_back(static_cast<uint32_t>(u));
  if (u >> 32) limbs.push_back(static_cast<uint32_t>(u >> 32));
  return from_limbs(limbs, false);
}

}  // namespace conflux::big_int
