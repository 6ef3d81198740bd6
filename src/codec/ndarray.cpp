#include "codec/ndarray.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

namespace conflux::ndarray {
namespace {

static_assert(std::endian::native == std::endian::little,
              "Conflux stores numpy data little-endian and assumes a little-endian host");

constexpr std::array<DtypeInfo, 12> kDtypes = {{
    {ElementKind::kBool, 1, "|b1", "bool", "b1"},
    {ElementKind::kInt, 1, "|i1", "int8", "i1"},
    {ElementKind::kUInt, 1, "|u1", "uint8", "u1"},
    {ElementKind::kInt, 2, "<i2", "int16", "i2"},
    {ElementKind::kUInt, 2, "<u2", "uint16", "u2"},
    {ElementKind::kInt, 4, "<i4", "int32", "i4"},
    {ElementKind::kUInt, 4, "<u4", "uint32", "u4"},
    {ElementKind::kInt, 8, "<i8", "int64", "i8"},
    {ElementKind::kUInt, 8, "<u8", "uint64", "u8"},
    {ElementKind::kFloat, 2, "<f2", "float16", "f2"},
    {ElementKind::kFloat, 4, "<f4", "float32", "f4"},
    {ElementKind::kFloat, 8, "<f8", "float64", "f8"},
}};

template <class T>
T load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

double half_to_double(uint16_t h) {
  int exponent = (h >> 10) & 0x1F;
  int mantissa = h & 0x3FF;
  double sign = (h & 0x8000) ? -1.0 : 1.0;
  if (exponent == 0) return sign * std::ldexp(mantissa, -24);
  if (exponent == 31) return mantissa ? std::nan("") : sign * INFINITY;
  return sign * std::ldexp(mantissa + 1024, exponent - 25);
}

}  // namespace

std::optional<DtypeInfo> lookup(std::string_view dtype_str) {
  for (const auto& d : kDtypes) {
    if (d.str == dtype_str) return d;
  }
  return std::nullopt;
}

std::optional<DtypeInfo> from_code(std::string_view code, std::string_view byte_order, bool* swap) {
  *swap = false;
  for (const auto& d : kDtypes) {
    if (d.code != code) continue;
    if (d.itemsize > 1 && byte_order == ">") *swap = true;
    if (byte_order != "<" && byte_order != ">" && byte_order != "|" && byte_order != "=") {
      return std::nullopt;
    }
    return d;
  }
  return std::nullopt;
}

double element_as_double(const DtypeInfo& d, const char* p) {
  switch (d.kind) {
    case ElementKind::kBool:
      return *p ? 1.0 : 0.0;
    case ElementKind::kInt:
      return static_cast<double>(element_as_int64(d, p));
    case ElementKind::kUInt:
      return static_cast<double>(element_as_uint64(d, p));
    case ElementKind::kFloat:
      if (d.itemsize == 2) return half_to_double(load<uint16_t>(p));
      if (d.itemsize == 4) return load<float>(p);
      return load<double>(p);
  }
  return 0;
}

int64_t element_as_int64(const DtypeInfo& d, const char* p) {
  if (d.kind == ElementKind::kUInt || d.kind == ElementKind::kBool) {
    return static_cast<int64_t>(element_as_uint64(d, p));
  }
  switch (d.itemsize) {
    case 1:
      return load<int8_t>(p);
    case 2:
      return load<int16_t>(p);
    case 4:
      return load<int32_t>(p);
    default:
      return load<int64_t>(p);
  }
}

uint64_t element_as_uint64(const DtypeInfo& d, const char* p) {
  if (d.kind == ElementKind::kInt) return static_cast<uint64_t>(element_as_int64(d, p));
  switch (d.itemsize) {
    case 1:
      return load<uint8_t>(p);
    case 2:
      return load<uint16_t>(p);
    case 4:
      return load<uint32_t>(p);
    default:
      return load<uint64_t>(p);
  }
}

Result<uint64_t> element_count(std::span<const int64_t> shape) {
  uint64_t n = 1;
  for (int64_t dim : shape) {
    if (dim < 0) return Status::corruption("negative array dimension " + std::to_string(dim));
    if (dim != 0 && n > UINT64_MAX / static_cast<uint64_t>(dim)) {
      return Status::corruption("array shape overflows");
    }
    n *= static_cast<uint64_t>(dim);
  }
  return n;
}

void byteswap(std::string& data, size_t itemsize) {
  if (itemsize <= 1) return;
  for (size_t i = 0; i + itemsize <= data.size(); i += itemsize) {
    std::reverse(data.begin() + static_cast<std::ptrdiff_t>(i),
                 data.begin() + static_cast<std::ptrdiff_t>(i + itemsize));
  }
}

std::string fortran_to_c(std::string_view data, std::span<const int64_t> shape, size_t itemsize) {
  std::string out(data.size(), '\0');
  size_t ndim = shape.size();
  if (ndim < 2 || data.empty()) return std::string(data);
  // Fortran strides (in elements): the first axis varies fastest.
  std::vector<uint64_t> fstride(ndim, 1);
  for (size_t k = 1; k < ndim; ++k) fstride[k] = fstride[k - 1] * static_cast<uint64_t>(shape[k - 1]);
  std::vector<int64_t> idx(ndim, 0);
  size_t count = data.size() / itemsize;
  for (size_t c = 0; c < count; ++c) {  // c walks C order: the last axis varies fastest
    uint64_t f = 0;
    for (size_t k = 0; k < ndim; ++k) f += static_cast<uint64_t>(idx[k]) * fstride[k];
    std::memcpy(&out[c * itemsize], &data[f * itemsize], itemsize);
    for (size_t k = ndim; k-- > 0;) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

}  // namespace conflux::ndarray
