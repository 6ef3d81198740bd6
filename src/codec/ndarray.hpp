// numpy dtype knowledge shared by the pickle reader/writer, repr and the numeric codecs: the
// dtypes Conflux handles (bool, signed/unsigned integers of 1-8 bytes, float16/32/64), element
// decoding, byte order and memory order conversion.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "conflux/status.hpp"

namespace conflux::ndarray {

enum class ElementKind : uint8_t { kBool, kInt, kUInt, kFloat };

struct DtypeInfo {
  ElementKind kind;
  size_t itemsize;
  std::string_view str;   // normalized dtype.str: "<f8", "|u1", ...
  std::string_view name;  // numpy's name: "float64", "uint8", ...
  std::string_view code;  // numpy's dtype reduce argument: "f8", "u1", ...
};

// Looks up a normalized dtype.str ("<f8", "|b1"); nullopt if unsupported.
std::optional<DtypeInfo> lookup(std::string_view dtype_str);
// From numpy's pickled form: type code ("f8", "i4", "b1", "u1"...) and byte order ('<', '>',
// '|', '='). Sets *swap when the data is big-endian and must be byte-swapped.
std::optional<DtypeInfo> from_code(std::string_view code, std::string_view byte_order, bool* swap);

double element_as_double(const DtypeInfo& d, const char* p);
// REQUIRES: an integer or bool dtype.
int64_t element_as_int64(const DtypeInfo& d, const char* p);
uint64_t element_as_uint64(const DtypeInfo& d, const char* p);

// prod(shape), or an error if a dimension is negative or the product overflows.
Result<uint64_t> element_count(std::span<const int64_t> shape);

void byteswap(std::string& data, size_t itemsize);
// Reorders Fortran-order (column-major) data into C order.
std::string fortran_to_c(std::string_view data, std::span<const int64_t> shape, size_t itemsize);

}  // namespace conflux::ndarray
