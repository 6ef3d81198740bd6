// Non-template parts of codec.hpp: the pickle entry points, type-error helpers, numeric array
// conversion (including the large-bytes fast path) and the JSON codec.
#include "conflux/codec.hpp"

#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

#include "codec/big_int.hpp"
#include "codec/ndarray.hpp"
#include "codec/pickle_reader.hpp"
#include "codec/pickle_writer.hpp"

namespace conflux {

Status write_pickle(const Value& value, ByteSink& sink) {
  PickleWriter writer(sink);
  writer.begin();
  CONFLUX_RETURN_IF_ERROR(writer.write_value(value));
  return writer.finish();
}

Result<Value> read_pickle(ByteSource& source, const ReadOptions& options) {
  PickleReader reader(source, options);
  return reader.read();
}

Result<std::string> write_pickle_to_string(const Value& value) {
  std::string out;
  StringSink sink(&out);
  CONFLUX_RETURN_IF_ERROR(write_pickle(value, sink));
  return out;
}

Result<Value> read_pickle_from_string(std::string_view bytes) {
  StringViewSource source(bytes);
  return read_pickle(source);
}

namespace detail {
namespace {

ndarray::DtypeInfo dtype_of(NumericType t) {
  static constexpr std::string_view kStr[] = {"|i1", "|u1", "<i2", "<u2", "<i4",
                                              "<u4", "<i8", "<u8", "<f4", "<f8"};
  return *ndarray::lookup(kStr[static_cast<int>(t)]);
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

Status out_of_range(const std::string& value, std::string_view cpp_type) {
  return Status::invalid_argument("int " + value + " is out of range for " + std::string(cpp_type));
}

// Converts n elements of dtype `src` at `in` to T at `out`. `in` and `out` may be the same memory
// when the item sizes are equal (each element is loaded before its slot is stored).
template <class T>
Status convert_to(const ndarray::DtypeInfo& src, const char* in, size_t n, T* out) {
  if constexpr (std::is_floating_point_v<T>) {
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<T>(ndarray::element_as_double(src, in + i * src.itemsize));
  } else {
    if (src.kind == ndarray::ElementKind::kFloat) {
      return Status::invalid_argument("expected an integer array, got " + std::string(src.name));
    }
    for (size_t i = 0; i < n; ++i) {
      const char* p = in + i * src.itemsize;
      if (src.kind == ndarray::ElementKind::kInt) {
        int64_t x = ndarray::element_as_int64(src, p);
        if (x < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
            (x > 0 && static_cast<uint64_t>(x) > static_cast<uint64_t>(std::numeric_limits<T>::max()))) {
          return out_of_range(std::to_string(x), numeric_type_name(numeric_type_of<T>()))
              .with_context("[" + std::to_string(i) + "]");
        }
        out[i] = static_cast<T>(x);
      } else {
        uint64_t x = ndarray::element_as_uint64(src, p);
        if (x > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
          return out_of_range(std::to_string(x), numeric_type_name(numeric_type_of<T>()))
              .with_context("[" + std::to_string(i) + "]");
        }
        out[i] = static_cast<T>(x);
      }
    }
  }
  return Status();
}

Status convert(const ndarray::DtypeInfo& src, const char* in, size_t n, NumericType t, void* out) {
  switch (t) {
    case NumericType::kInt8: return convert_to(src, in, n, static_cast<int8_t*>(out));
    case NumericType::kUInt8: return convert_to(src, in, n, static_cast<uint8_t*>(out));
    case NumericType::kInt16: return convert_to(src, in, n, static_cast<int16_t*>(out));
    case NumericType::kUInt16: return convert_to(src, in, n, static_cast<uint16_t*>(out));
    case NumericType::kInt32: return convert_to(src, in, n, static_cast<int32_t*>(out));
    case NumericType::kUInt32: return convert_to(src, in, n, static_cast<uint32_t*>(out));
    case NumericType::kInt64: return convert_to(src, in, n, static_cast<int64_t*>(out));
    case NumericType::kUInt64: return convert_to(src, in, n, static_cast<uint64_t*>(out));
    case NumericType::kFloat32: return convert_to(src, in, n, static_cast<float*>(out));
    case NumericType::kFloat64: return convert_to(src, in, n, static_cast<double*>(out));
  }
  return Status::internal("bad numeric type");
}

// One list element -> the target element type, with the same range checks as scalar codecs.
Status store_element(const Value& v, NumericType t, void* out, size_t i) {
  auto store_int = [&](auto* p) -> Status {
    using T = std::remove_pointer_t<decltype(p)>;
    if constexpr (std::is_signed_v<T>) {
      CONFLUX_ASSIGN_OR_RETURN(int64_t x, int_from_value(v, std::numeric_limits<T>::min(),
                                                         std::numeric_limits<T>::max(),
                                                         numeric_type_name(t)));
      p[i] = static_cast<T>(x);
    } else {
      CONFLUX_ASSIGN_OR_RETURN(uint64_t x, uint_from_value(v, std::numeric_limits<T>::max(),
                                                           numeric_type_name(t)));
      p[i] = static_cast<T>(x);
    }
    return Status();
  };
  switch (t) {
    case NumericType::kInt8: return store_int(static_cast<int8_t*>(out));
    case NumericType::kUInt8: return store_int(static_cast<uint8_t*>(out));
    case NumericType::kInt16: return store_int(static_cast<int16_t*>(out));
    case NumericType::kUInt16: return store_int(static_cast<uint16_t*>(out));
    case NumericType::kInt32: return store_int(static_cast<int32_t*>(out));
    case NumericType::kUInt32: return store_int(static_cast<uint32_t*>(out));
    case NumericType::kInt64: return store_int(static_cast<int64_t*>(out));
    case NumericType::kUInt64: return store_int(static_cast<uint64_t*>(out));
    case NumericType::kFloat32: {
      CONFLUX_ASSIGN_OR_RETURN(double x, float_from_value(v));
      static_cast<float*>(out)[i] = static_cast<float>(x);
      return Status();
    }
    case NumericType::kFloat64: {
      CONFLUX_ASSIGN_OR_RETURN(double x, float_from_value(v));
      static_cast<double*>(out)[i] = x;
      return Status();
    }
  }
  return Status::internal("bad numeric type");
}

Status out_of_memory(uint64_t n) {
  return Status::invalid_argument("cannot allocate an array of " + std::to_string(n) + " elements");
}

// Receives the array payload straight into the destination vector (see LargeBytesSink).
class VectorLargeBytesSink final : public LargeBytesSink {
 public:
  VectorLargeBytesSink(NumericBuffer& out, size_t itemsize) : out_(out), itemsize_(itemsize) {}
  void* begin_large_bytes(uint64_t size) override {
    if (data_ != nullptr || size % itemsize_ != 0) return nullptr;
    data_ = out_.resize(static_cast<size_t>(size / itemsize_));
    size_ = size;
    return data_;
  }
  void* data() const { return data_; }
  uint64_t size() const { return size_; }

 private:
  NumericBuffer& out_;
  size_t itemsize_;
  void* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace

std::string_view numeric_type_name(NumericType t) { return dtype_of(t).name; }

Status type_error(std::string_view expected, const Value& actual) {
  return Status::invalid_argument("expected " + std::string(expected) + ", got " +
                                  actual.python_type_name());
}

Result<int64_t> int_from_value(const Value& v, int64_t lo, int64_t hi, std::string_view cpp_type) {
  if (v.is_int()) {
    if (v.as_int() < lo || v.as_int() > hi) return out_of_range(v.int_to_string(), cpp_type);
    return v.as_int();
  }
  if (v.is_big_int()) return out_of_range(v.int_to_string(), cpp_type);
  return type_error("int", v);
}

Result<uint64_t> uint_from_value(const Value& v, uint64_t hi, std::string_view cpp_type) {
  if (v.is_int()) {
    if (v.as_int() < 0 || static_cast<uint64_t>(v.as_int()) > hi) {
      return out_of_range(v.int_to_string(), cpp_type);
    }
    return static_cast<uint64_t>(v.as_int());
  }
  if (v.is_big_int()) {
    const std::string& le = v.big_int_bytes();
    bool fits = (static_cast<unsigned char>(le.back()) & 0x80) == 0 &&
                (le.size() < 9 || (le.size() == 9 && le[8] == 0));
    if (!fits) return out_of_range(v.int_to_string(), cpp_type);
    uint64_t u = 0;
    for (size_t i = 0; i < std::min<size_t>(le.size(), 8); ++i) {
      u |= uint64_t{static_cast<unsigned char>(le[i])} << (8 * i);
    }
    if (u > hi) return out_of_range(v.int_to_string(), cpp_type);
    return u;
  }
  return type_error("int", v);
}

Result<double> float_from_value(const Value& v) {
  if (v.is_float()) return v.as_float();
  if (v.is_int()) return static_cast<double>(v.as_int());
  if (v.is_big_int()) return big_int::to_double(v.big_int_bytes());
  return type_error("float", v);
}

Result<std::string> str_from_value(const Value& v) {
  if (!v.is_str()) return type_error("str", v);
  return v.as_str();
}

Result<Bytes> bytes_from_value(const Value& v) {
  if (!v.is_bytes()) return type_error("bytes", v);
  return Bytes{v.as_bytes()};
}

Status expect_sequence(const Value& v, std::string_view expected) {
  if (v.is_list() || v.is_tuple()) return Status();
  return type_error(expected, v);
}

Status expect_dict(const Value& v) { return v.is_dict() ? Status() : type_error("dict", v); }

Status expect_set(const Value& v) {
  if (v.is_set() || v.is_frozenset() || v.is_list() || v.is_tuple()) return Status();
  return type_error("set", v);
}

Status expect_tuple(const Value& v, size_t size) {
  if (!v.is_tuple() && !v.is_list()) return type_error("tuple", v);
  if (v.items().size() != size) {
    return Status::invalid_argument("expected a tuple of " + std::to_string(size) + " items, got " +
                                    std::to_string(v.items().size()));
  }
  return Status();
}

Status missing_field(std::string_view field, std::string_view type_name) {
  return Status::invalid_argument("missing field '" + std::string(field) + "' in dict for " +
                                  std::string(type_name));
}

std::string index_context(size_t i) { return "[" + std::to_string(i) + "]"; }
std::string key_context(const Value& key) { return "[" + key.python_repr() + "]"; }
std::string field_context(std::string_view field, std::string_view type_name) {
  return std::string(type_name) + "." + std::string(field);
}

Value numeric_array_to_value(NumericType t, const void* data, size_t n) {
  ndarray::DtypeInfo d = dtype_of(t);
  NdArray a;
  a.dtype = std::string(d.str);
  a.shape = {static_cast<int64_t>(n)};
  a.data.assign(static_cast<const char*>(data), n * d.itemsize);
  return Value::ndarray(std::move(a));
}

Status numeric_array_from_value(const Value& v, NumericType t, NumericBuffer& out) {
  if (v.is_ndarray()) {
    const NdArray& a = v.as_ndarray();
    if (a.detached) {
      return Status::invalid_argument("array data was delivered to a LargeBytesSink");
    }
    auto src = ndarray::lookup(a.dtype);
    if (!src) return Status::invalid_argument("unsupported numpy dtype '" + a.dtype + "'");
    if (a.shape.size() != 1) {
      return Status::invalid_argument("expected a 1-D numpy array, got shape " + shape_string(a.shape));
    }
    auto n = static_cast<size_t>(a.shape[0]);
    void* dst = out.resize(n);
    if (dst == nullptr && n > 0) return out_of_memory(n);
    if (src->str == dtype_of(t).str) {
      if (n > 0) std::memcpy(dst, a.data.data(), a.data.size());
      return Status();
    }
    return convert(*src, a.data.data(), n, t, dst);
  }
  if (v.is_list() || v.is_tuple()) {
    const auto& items = v.items();
    void* dst = out.resize(items.size());
    if (dst == nullptr && !items.empty()) return out_of_memory(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      Status s = store_element(items[i], t, dst, i);
      if (!s.ok()) return s.with_context(index_context(i));
    }
    return Status();
  }
  return type_error("numpy.ndarray", v);
}

Status write_numeric_array_pickle(NumericType t, const void* data, size_t n, ByteSink& sink) {
  ndarray::DtypeInfo d = dtype_of(t);
  PickleWriter writer(sink);
  writer.begin();
  const int64_t shape[1] = {static_cast<int64_t>(n)};
  writer.write_ndarray(d, shape, data, static_cast<uint64_t>(n) * d.itemsize);
  return writer.finish();
}

Status read_numeric_array_pickle(ByteSource& source, NumericType t, NumericBuffer& out) {
  ndarray::DtypeInfo target = dtype_of(t);
  VectorLargeBytesSink hook(out, target.itemsize);
  ReadOptions options;
  options.large_bytes = &hook;
  CONFLUX_ASSIGN_OR_RETURN(Value v, read_pickle(source, options));
  if (!v.is_ndarray() || !v.as_ndarray().detached) {
    // Small arrays, lists, or a payload the hook declined: convert from the Value (this
    // overwrites anything the hook received).
    return numeric_array_from_value(v, t, out);
  }
  const NdArray& a = v.as_ndarray();
  if (a.shape.size() != 1) {
    return Status::invalid_argument("expected a 1-D numpy array, got shape " + shape_string(a.shape));
  }
  auto src = ndarray::lookup(a.dtype);
  auto n = static_cast<size_t>(a.shape[0]);
  if (!src || hook.data() == nullptr || a.nbytes() != hook.size()) {
    return Status::internal("large array payload was not delivered as expected");
  }
  if (src->str == target.str) return Status();  // the payload already sits in the vector
  if (src->itemsize == target.itemsize) return convert(*src, static_cast<const char*>(hook.data()), n, t, hook.data());
  // Different element sizes: keep the raw payload aside while converting.
  std::string raw(static_cast<const char*>(hook.data()), hook.size());
  void* dst = out.resize(n);
  if (dst == nullptr && n > 0) return out_of_memory(n);
  return convert(*src, raw.data(), n, t, dst);
}

}  // namespace detail

Value Codec<nlohmann::json>::to_value(const nlohmann::json& v) { return Value::from_json(v); }

Result<nlohmann::json> Codec<nlohmann::json>::from_value(const Value& v) { return v.to_json(); }

std::string Codec<nlohmann::json>::python_type(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: return "<class 'NoneType'>";
    case nlohmann::json::value_t::boolean: return "<class 'bool'>";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return "<class 'int'>";
    case nlohmann::json::value_t::number_float: return "<class 'float'>";
    case nlohmann::json::value_t::string: return "<class 'str'>";
    case nlohmann::json::value_t::array: return "<class 'list'>";
    case nlohmann::json::value_t::object: return "<class 'dict'>";
    case nlohmann::json::value_t::binary: return "<class 'bytes'>";
    default: return "<class 'NoneType'>";
  }
}

}  // namespace conflux
