// Arbitrary-precision integer helpers for Python ints that do not fit in int64.
//
// Big ints are stored as pickle stores them (LONG1/LONG4): little-endian two's complement bytes,
// minimal length. These helpers convert that form to and from decimal text and double; they are
// simple schoolbook algorithms (quadratic), so callers bound the sizes they pass.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "conflux/status.hpp"

namespace conflux::big_int {

// Python's default limit on int <-> decimal string conversion (sys.int_info.default_max_str_digits).
inline constexpr size_t kMaxDecimalDigits = 4300;

// Drops redundant sign-extension bytes ("\x01\x00" -> "\x01", "\xff\xff" -> "\xff").
std::string normalize(std::string_view le);

// True if the value fits in int64; then sets *out.
bool to_int64(std::string_view le, int64_t* out);

// Decimal text, e.g. "-1180591620717411303424". Values wider than ~300k bits are rendered in
// hex ("0x..."/"-0x...") because decimal conversion is quadratic.
std::string to_string(std::string_view le);

// Nearest double (inf when out of range).
double to_double(std::string_view le);

// Parses optional sign and decimal digits (at most kMaxDecimalDigits) into normalized
// little-endian two's complement bytes.
Result<std::string> from_decimal(std::string_view text);

// Little-endian two's complement bytes of a uint64 (normalized).
std::string from_uint64(uint64_t u);

}  // namespace conflux::big_int
