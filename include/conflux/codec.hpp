// Codec<T>: how a C++ artifact type maps to a Python value, and the pickle entry points.
//
// Every artifact a flow stores goes through here. Codec<T> converts T <-> conflux::Value
// (value.hpp); write_pickle/read_pickle convert Value <-> pickle protocol 4 bytes, the format
// Metaflow stores ("pickle-v4") and Python's pickle.loads reads. The mapping:
//
//   bool -> bool               integers -> int (range-checked when read)   float/double -> float
//   std::string -> str (UTF-8) conflux::Bytes -> bytes                     std::optional<T> -> None|T
//   std::vector<T> -> list     std::map/unordered_map<K,V> -> dict         std::set/unordered_set -> set
//   std::pair/std::tuple -> tuple                                          nlohmann::json -> natural value
//   std::vector<double|float|intN_t|uintN_t> -> numpy.ndarray (1-D; reading also accepts a list)
//   structs declared with CONFLUX_STRUCT(Type, field, ...) -> dict {"field": ...}
//   conflux::Value -> itself
//
// Each Codec<T> provides
//   static Value to_value(const T&);
//   static Result<T> from_value(const Value&);  // errors name the expected and actual types
//   static std::string python_type();           // str(type(x)) as Metaflow records it
// and, when the Python type depends on the value (optional, Value, json),
//   static std::string python_type(const T&);   // use python_type_of(x) to get either
//
// Large numeric arrays never take a detour through Value: encode_pickle() of a numeric vector
// writes the pickle header and then hands the vector's own memory to the sink in a single
// write; decode_pickle() of a numeric vector lets the reader deliver the array payload straight
// into the vector's memory through a LargeBytesSink (below), so a 256 MiB array costs 256 MiB.
//
// Reading is safe on untrusted input: nothing is ever executed, only whitelisted Python globals
// (numpy arrays/dtypes/scalars, Metaflow's ForeachFrame and MetaflowExceptionWrapper, set,
// frozenset, bytearray, OrderedDict, _codecs.encode) are accepted, and any other global fails
// with NotSupported "unsupported Python type 'pandas.core.frame.DataFrame' (only standard types
// can be read)". Truncated or corrupt input fails with Corruption.
//
// All functions are thread-compatible: concurrent calls on distinct sinks/sources are safe.
//
// Example:
//   struct Point { double x; double y; };
//   CONFLUX_STRUCT(Point, x, y)              // at namespace scope, in Point's namespace
//   conflux::StringSink sink;
//   CONFLUX_RETURN_IF_ERROR(conflux::encode_pickle(Point{1, 2}, sink));
//   conflux::StringViewSource source(sink.str());
//   CONFLUX_ASSIGN_OR_RETURN(Point p, conflux::decode_pickle<Point>(source));
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "conflux/byte_stream.hpp"
#include "conflux/status.hpp"
#include "conflux/value.hpp"

namespace conflux {

// ---------------------------------------------------------------------------------------------
// Pickle streams of Values

// Receives large bytes payloads (numpy array data) directly into the consumer's memory while a
// pickle is read, so the decoded Value never holds a second copy.
//
// When the reader meets a bytes payload (BINBYTES, BINBYTES8, BYTEARRAY8) of at least
// threshold() bytes it calls begin_large_bytes(size) *before* reading it. If that returns
// memory, the reader fills exactly `size` bytes there straight from the ByteSource (no
// intermediate buffer) and the Value gets a placeholder: an empty bytes object, or, when the
// payload is an ndarray's data (the normal case), an NdArray with `detached == true` and its
// dtype and shape. Returning nullptr declines; the payload then stays in the Value as usual.
// The memory must stay valid until read_pickle returns. Codec<std::vector<double>> and the other
// numeric vectors use this via decode_pickle(); other consumers may too.
class LargeBytesSink {
 public:
  static constexpr size_t kDefaultThreshold = size_t{256} << 10;
  virtual ~LargeBytesSink() = default;
  // Payloads shorter than this are never offered.
  virtual size_t threshold() const { return kDefaultThreshold; }
  // Called when a payload of `size` bytes begins; returns `size` writable bytes or nullptr.
  virtual void* begin_large_bytes(uint64_t size) = 0;
};

struct ReadOptions {
  // Optional; not owned.
  LargeBytesSink* large_bytes = nullptr;
};

// Writes `value` as a protocol 4 pickle, framed and memoized the way CPython does (simple
// values come out byte-identical to pickle.dumps(x, protocol=4)). Fails with InvalidArgument for
// a str that is not UTF-8, an unhashable dict key/set item, nesting beyond kMaxValueDepth or a
// detached ndarray; with the sink's error if the sink failed.
Status write_pickle(const Value& value, ByteSink& sink);
// Reads one pickle (protocols 0-5) from `source`, stopping after its STOP opcode.
Result<Value> read_pickle(ByteSource& source, const ReadOptions& options = {});
// In-memory conveniences.
Result<std::string> write_pickle_to_string(const Value& value);
Result<Value> read_pickle_from_string(std::string_view bytes);

// ---------------------------------------------------------------------------------------------
// Codec<T>

// Specialise for your own types, or declare structs with CONFLUX_STRUCT.
template <class T>
struct Codec;

namespace detail {

// "expected <expected>, got <python type of actual>" (InvalidArgument).
Status type_error(std::string_view expected, const Value& actual);
Result<int64_t> int_from_value(const Value& v, int64_t lo, int64_t hi, std::string_view cpp_type);
Result<uint64_t> uint_from_value(const Value& v, uint64_t hi, std::string_view cpp_type);
Result<double> float_from_value(const Value& v);
Result<std::string> str_from_value(const Value& v);
Result<Bytes> bytes_from_value(const Value& v);
// For containers: REQUIRES the matching kind or returns a type error.
Status expect_sequence(const Value& v, std::string_view expected);  // list or tuple
Status expect_dict(const Value& v);
Status expect_set(const Value& v);  // set, frozenset, list or tuple
Status expect_tuple(const Value& v, size_t size);  // tuple or list of exactly `size`
Status missing_field(std::string_view field, std::string_view type_name);
std::string index_context(size_t i);          // "[3]"
std::string key_context(const Value& key);    // "['name']"
std::string field_context(std::string_view field, std::string_view type_name);

// Element types that map to numpy arrays.
template <class T>
concept NumericElement = (std::integral<T> && !std::same_as<T, bool>) ||
                         std::same_as<T, float> || std::same_as<T, double>;

enum class NumericType : uint8_t {
  kInt8, kUInt8, kInt16, kUInt16, kInt32, kUInt32, kInt64, kUInt64, kFloat32, kFloat64,
};

template <NumericElement T>
constexpr NumericType numeric_type_of() {
  if constexpr (std::is_floating_point_v<T>) {
    return sizeof(T) == 4 ? NumericType::kFloat32 : NumericType::kFloat64;
  } else if constexpr (sizeof(T) == 1) {
    return std::is_signed_v<T> ? NumericType::kInt8 : NumericType::kUInt8;
  } else if constexpr (sizeof(T) == 2) {
    return std::is_signed_v<T> ? NumericType::kInt16 : NumericType::kUInt16;
  } else if constexpr (sizeof(T) == 4) {
    return std::is_signed_v<T> ? NumericType::kInt32 : NumericType::kUInt32;
  } else {
    static_assert(sizeof(T) == 8, "no numpy dtype for this element type");
    return std::is_signed_v<T> ? NumericType::kInt64 : NumericType::kUInt64;
  }
}
// "int32", "uint8", "float64", ...
std::string_view numeric_type_name(NumericType t);

// Where a decoded numeric array goes: resize(n) makes room for exactly n elements and returns
// their memory, or nullptr if that allocation failed.
class NumericBuffer {
 public:
  virtual ~NumericBuffer() = default;
  virtual void* resize(size_t n) = 0;
};

template <class Vector>
class VectorBuffer final : public NumericBuffer {
 public:
  explicit VectorBuffer(Vector& v) : v_(v) {}
  void* resize(size_t n) override {
    try {
      v_.resize(n);
    } catch (...) {  // bad_alloc/length_error on absurd sizes in corrupt input
      return nullptr;
    }
    return v_.data();
  }

 private:
  Vector& v_;
};

Value numeric_array_to_value(NumericType t, const void* data, size_t n);
Status numeric_array_from_value(const Value& v, NumericType t, NumericBuffer& out);
Status write_numeric_array_pickle(NumericType t, const void* data, size_t n, ByteSink& sink);
Status read_numeric_array_pickle(ByteSource& source, NumericType t, NumericBuffer& out);

template <class T>
inline constexpr bool kIsNumericVector = false;
template <NumericElement T, class A>
inline constexpr bool kIsNumericVector<std::vector<T, A>> = true;

template <class T>
inline constexpr bool kIsOptional = false;
template <class T>
inline constexpr bool kIsOptional<std::optional<T>> = true;

// A struct field declared with CONFLUX_STRUCT.
template <class S, class M>
struct Field {
  const char* name;
  M S::*member;
};

template <class T>
concept HasStructFields = requires(const T* p) { conflux_struct_fields(p); };

template <class T>
std::string_view integer_type_name() {
  return numeric_type_name(numeric_type_of<T>());
}

}  // namespace detail

// The Python type of a particular value (NoneType for an empty optional, etc.).
template <class T>
std::string python_type_of(const T& v) {
  if constexpr (requires { Codec<T>::python_type(v); }) {
    return Codec<T>::python_type(v);
  } else {
    return Codec<T>::python_type();
  }
}

template <>
struct Codec<bool> {
  static Value to_value(bool v) { return Value(v); }
  static Result<bool> from_value(const Value& v) {
    if (!v.is_bool()) return detail::type_error("bool", v);
    return v.as_bool();
  }
  static std::string python_type() { return "<class 'bool'>"; }
};

template <class T>
  requires(std::integral<T> && !std::same_as<T, bool>)
struct Codec<T> {
  static Value to_value(T v) { return Value(v); }
  static Result<T> from_value(const Value& v) {
    if constexpr (std::is_signed_v<T>) {
      CONFLUX_ASSIGN_OR_RETURN(int64_t x, detail::int_from_value(v, std::numeric_limits<T>::min(),
                                                                 std::numeric_limits<T>::max(),
                                                                 detail::integer_type_name<T>()));
      return static_cast<T>(x);
    } else {
      CONFLUX_ASSIGN_OR_RETURN(uint64_t x, detail::uint_from_value(v, std::numeric_limits<T>::max(),
                                                                   detail::integer_type_name<T>()));
      return static_cast<T>(x);
    }
  }
  static std::string python_type() { return "<class 'int'>"; }
};

// Reading accepts a Python float or int.
template <std::floating_point T>
struct Codec<T> {
  static Value to_value(T v) { return Value(static_cast<double>(v)); }
  static Result<T> from_value(const Value& v) {
    CONFLUX_ASSIGN_OR_RETURN(double x, detail::float_from_value(v));
    return static_cast<T>(x);
  }
  static std::string python_type() { return "<class 'float'>"; }
};

template <>
struct Codec<std::string> {
  static Value to_value(const std::string& v) { return Value::str(v); }
  static Result<std::string> from_value(const Value& v) { return detail::str_from_value(v); }
  static std::string python_type() { return "<class 'str'>"; }
};

template <>
struct Codec<Bytes> {
  static Value to_value(const Bytes& v) { return Value::bytes(v.data); }
  static Result<Bytes> from_value(const Value& v) { return detail::bytes_from_value(v); }
  static std::string python_type() { return "<class 'bytes'>"; }
};

template <>
struct Codec<Value> {
  static Value to_value(const Value& v) { return v; }
  static Result<Value> from_value(const Value& v) { return v; }
  static std::string python_type() { return "<class 'object'>"; }
  static std::string python_type(const Value& v) { return v.python_type(); }
};

// JSON documents map to their natural Python value; reading renders any Value with to_json().
template <>
struct Codec<nlohmann::json> {
  static Value to_value(const nlohmann::json& v);
  static Result<nlohmann::json> from_value(const Value& v);
  static std::string python_type() { return "<class 'object'>"; }
  static std::string python_type(const nlohmann::json& v);
};

template <class T>
struct Codec<std::optional<T>> {
  static Value to_value(const std::optional<T>& v) {
    return v ? Codec<T>::to_value(*v) : Value();
  }
  static Result<std::optional<T>> from_value(const Value& v) {
    if (v.is_none()) return std::optional<T>();
    CONFLUX_ASSIGN_OR_RETURN(T x, Codec<T>::from_value(v));
    return std::optional<T>(std::move(x));
  }
  static std::string python_type() { return Codec<T>::python_type(); }
  static std::string python_type(const std::optional<T>& v) {
    return v ? python_type_of(*v) : std::string("<class 'NoneType'>");
  }
};

// A list (reading also accepts a tuple).
template <class T, class A>
  requires(!detail::NumericElement<T>)
struct Codec<std::vector<T, A>> {
  static Value to_value(const std::vector<T, A>& v) {
    std::vector<Value> items;
    items.reserve(v.size());
    for (const auto& x : v) items.push_back(Codec<T>::to_value(x));
    return Value::list(std::move(items));
  }
  static Result<std::vector<T, A>> from_value(const Value& v) {
    CONFLUX_RETURN_IF_ERROR(detail::expect_sequence(v, "list"));
    std::vector<T, A> out;
    out.reserve(v.items().size());
    for (size_t i = 0; i < v.items().size(); ++i) {
      auto x = Codec<T>::from_value(v.items()[i]);
      if (!x.ok()) return x.status().with_context(detail::index_context(i));
      out.push_back(std::move(*x));
    }
    return out;
  }
  static std::string python_type() { return "<class 'list'>"; }
};

// A 1-D numpy array of the matching dtype (reading also accepts other numeric dtypes that
// convert exactly, and lists/tuples of numbers).
template <detail::NumericElement T, class A>
struct Codec<std::vector<T, A>> {
  static Value to_value(const std::vector<T, A>& v) {
    return detail::numeric_array_to_value(detail::numeric_type_of<T>(), v.data(), v.size());
  }
  static Result<std::vector<T, A>> from_value(const Value& v) {
    std::vector<T, A> out;
    detail::VectorBuffer<std::vector<T, A>> buffer(out);
    CONFLUX_RETURN_IF_ERROR(
        detail::numeric_array_from_value(v, detail::numeric_type_of<T>(), buffer));
    return out;
  }
  static std::string python_type() { return "<class 'numpy.ndarray'>"; }
};

namespace detail {
template <class Map>
struct MapCodec {
  using K = typename Map::key_type;
  using V = typename Map::mapped_type;
  static Value to_value(const Map& m) {
    Dict d;
    d.reserve(m.size());
    for (const auto& [k, v] : m) d.set(Codec<K>::to_value(k), Codec<V>::to_value(v));
    return Value::dict(std::move(d));
  }
  static Result<Map> from_value(const Value& v) {
    CONFLUX_RETURN_IF_ERROR(expect_dict(v));
    Map out;
    for (const auto& [key, val] : v.as_dict()) {
      auto k = Codec<K>::from_value(key);
      if (!k.ok()) return k.status().with_context("key " + key_context(key));
      auto x = Codec<V>::from_value(val);
      if (!x.ok()) return x.status().with_context(key_context(key));
      out.emplace(std::move(*k), std::move(*x));
    }
    return out;
  }
  static std::string python_type() { return "<class 'dict'>"; }
};
}  // namespace detail
template <class K, class V, class C, class A>
struct Codec<std::map<K, V, C, A>> : detail::MapCodec<std::map<K, V, C, A>> {};
template <class K, class V, class H, class E, class A>
struct Codec<std::unordered_map<K, V, H, E, A>>
    : detail::MapCodec<std::unordered_map<K, V, H, E, A>> {};

// A Python set (reading also accepts a frozenset, list or tuple).
namespace detail {
template <class SetT>
struct SetCodec {
  using T = typename SetT::value_type;
  static Value to_value(const SetT& s) {
    std::vector<Value> items;
    items.reserve(s.size());
    for (const auto& x : s) items.push_back(Codec<T>::to_value(x));
    return Value::set(std::move(items));
  }
  static Result<SetT> from_value(const Value& v) {
    CONFLUX_RETURN_IF_ERROR(expect_set(v));
    const std::vector<Value>& items = v.is_set() || v.is_frozenset() ? v.as_set().items() : v.items();
    SetT out;
    for (size_t i = 0; i < items.size(); ++i) {
      auto x = Codec<T>::from_value(items[i]);
      if (!x.ok()) return x.status().with_context("set item " + std::to_string(i));
      out.insert(std::move(*x));
    }
    return out;
  }
  static std::string python_type() { return "<class 'set'>"; }
};
}  // namespace detail
template <class T, class C, class A>
struct Codec<std::set<T, C, A>> : detail::SetCodec<std::set<T, C, A>> {};
template <class T, class H, class E, class A>
struct Codec<std::unordered_set<T, H, E, A>> : detail::SetCodec<std::unordered_set<T, H, E, A>> {};

// A tuple (reading also accepts a list of the right length).
template <class... Ts>
struct Codec<std::tuple<Ts...>> {
  static Value to_value(const std::tuple<Ts...>& t) {
    return std::apply(
        [](const Ts&... x) { return Value::tuple({Codec<Ts>::to_value(x)...}); }, t);
  }
  static Result<std::tuple<Ts...>> from_value(const Value& v) {
    CONFLUX_RETURN_IF_ERROR(detail::expect_tuple(v, sizeof...(Ts)));
    return from_items(v.items(), std::index_sequence_for<Ts...>());
  }
  static std::string python_type() { return "<class 'tuple'>"; }

 private:
  template <size_t... I>
  static Result<std::tuple<Ts...>> from_items(const std::vector<Value>& items,
                                              std::index_sequence<I...>) {
    Status status;
    std::tuple<std::optional<Ts>...> parts;
    auto one = [&](auto index, auto& slot) {
      if (!status.ok()) return;
      using E = typename std::remove_reference_t<decltype(slot)>::value_type;
      auto x = Codec<E>::from_value(items[index]);
      if (!x.ok()) {
        status = x.status().with_context(detail::index_context(index));
      } else {
        slot.emplace(std::move(*x));
      }
    };
    (one(I, std::get<I>(parts)), ...);
    if (!status.ok()) return status;
    return std::tuple<Ts...>(std::move(*std::get<I>(parts))...);
  }
};

template <class A, class B>
struct Codec<std::pair<A, B>> {
  static Value to_value(const std::pair<A, B>& p) {
    return Value::tuple({Codec<A>::to_value(p.first), Codec<B>::to_value(p.second)});
  }
  static Result<std::pair<A, B>> from_value(const Value& v) {
    using Tuple = std::tuple<A, B>;
    CONFLUX_ASSIGN_OR_RETURN(Tuple t, Codec<Tuple>::from_value(v));
    return std::pair<A, B>(std::move(std::get<0>(t)), std::move(std::get<1>(t)));
  }
  static std::string python_type() { return "<class 'tuple'>"; }
};

// Structs declared with CONFLUX_STRUCT: a dict of their fields. Reading requires every field
// except std::optional ones (missing -> nullopt) and ignores extra keys, so a struct can grow.
// REQUIRES: T is default-constructible.
template <detail::HasStructFields T>
struct Codec<T> {
  static Value to_value(const T& v) {
    Dict d;
    std::apply(
        [&](const auto&... f) {
          (d.set(Value(f.name), Codec<field_type<decltype(f)>>::to_value(v.*(f.member))), ...);
        },
        conflux_struct_fields(static_cast<const T*>(nullptr)));
    return Value::dict(std::move(d));
  }
  static Result<T> from_value(const Value& v) {
    const char* type_name = conflux_struct_name(static_cast<const T*>(nullptr));
    if (!v.is_dict()) {
      return detail::type_error("dict", v).with_context(std::string("reading ") + type_name);
    }
    T out{};
    Status status;
    auto one = [&](const auto& f) {
      if (!status.ok()) return;
      using M = field_type<decltype(f)>;
      const Value* x = v.as_dict().find(std::string_view(f.name));
      if (x == nullptr) {
        if constexpr (!detail::kIsOptional<M>) status = detail::missing_field(f.name, type_name);
        return;
      }
      auto r = Codec<M>::from_value(*x);
      if (!r.ok()) {
        status = r.status().with_context(detail::field_context(f.name, type_name));
      } else {
        out.*(f.member) = std::move(*r);
      }
    };
    std::apply([&](const auto&... f) { (one(f), ...); },
               conflux_struct_fields(static_cast<const T*>(nullptr)));
    if (!status.ok()) return status;
    return out;
  }
  static std::string python_type() { return "<class 'dict'>"; }

 private:
  template <class F>
  struct FieldType;
  template <class S, class M>
  struct FieldType<detail::Field<S, M>> {
    using type = M;
  };
  template <class F>
  using field_type = typename FieldType<std::remove_cvref_t<F>>::type;
};

// ---------------------------------------------------------------------------------------------
// Typed pickle entry points

// Pickles `value`. Numeric vectors stream their memory straight to the sink (no copy).
template <class T>
Status encode_pickle(const T& value, ByteSink& sink) {
  if constexpr (detail::kIsNumericVector<T>) {
    using E = typename T::value_type;
    return detail::write_numeric_array_pickle(detail::numeric_type_of<E>(), value.data(),
                                              value.size(), sink);
  } else {
    return write_pickle(Codec<T>::to_value(value), sink);
  }
}

// Unpickles a T. Numeric vectors receive a large array payload directly into their memory.
template <class T>
Result<T> decode_pickle(ByteSource& source) {
  if constexpr (detail::kIsNumericVector<T>) {
    using E = typename T::value_type;
    T out;
    detail::VectorBuffer<T> buffer(out);
    CONFLUX_RETURN_IF_ERROR(
        detail::read_numeric_array_pickle(source, detail::numeric_type_of<E>(), buffer));
    return out;
  } else {
    CONFLUX_ASSIGN_OR_RETURN(Value v, read_pickle(source));
    return Codec<T>::from_value(v);
  }
}

template <class T>
Result<std::string> to_pickle(const T& value) {
  std::string out;
  StringSink sink(&out);
  CONFLUX_RETURN_IF_ERROR(encode_pickle(value, sink));
  return out;
}

template <class T>
Result<T> from_pickle(std::string_view bytes) {
  StringViewSource source(bytes);
  return decode_pickle<T>(source);
}

}  // namespace conflux

// ---------------------------------------------------------------------------------------------
// CONFLUX_STRUCT(Type, field1, field2, ...) makes Type an artifact type: a Python dict
// {"field1": ..., "field2": ...}. Put it at namespace scope in Type's own namespace, after the
// struct (it declares two functions found by argument-dependent lookup). Fields must have
// Codec support themselves; up to 64 fields.
#define CONFLUX_STRUCT(Type, ...)                                                       \
  [[maybe_unused]] inline auto conflux_struct_fields(const Type*) {                     \
    return std::make_tuple(CONFLUX_DETAIL_FOR_EACH(CONFLUX_DETAIL_FIELD, Type, __VA_ARGS__)); \
  }                                                                                     \
  [[maybe_unused]] inline const char* conflux_struct_name(const Type*) { return #Type; }

#define CONFLUX_DETAIL_FIELD(Type, f) \
  ::conflux::detail::Field<Type, decltype(Type::f)> { #f, &Type::f }

// A comma-separated map over __VA_ARGS__ (C++20 __VA_OPT__ recursion; 4^3 = 64 rescans).
#define CONFLUX_DETAIL_PARENS ()
#define CONFLUX_DETAIL_EXPAND(...) \
  CONFLUX_DETAIL_EXPAND3(CONFLUX_DETAIL_EXPAND3(CONFLUX_DETAIL_EXPAND3(CONFLUX_DETAIL_EXPAND3(__VA_ARGS__))))
#define CONFLUX_DETAIL_EXPAND3(...) \
  CONFLUX_DETAIL_EXPAND2(CONFLUX_DETAIL_EXPAND2(CONFLUX_DETAIL_EXPAND2(CONFLUX_DETAIL_EXPAND2(__VA_ARGS__))))
#define CONFLUX_DETAIL_EXPAND2(...) \
  CONFLUX_DETAIL_EXPAND1(CONFLUX_DETAIL_EXPAND1(CONFLUX_DETAIL_EXPAND1(CONFLUX_DETAIL_EXPAND1(__VA_ARGS__))))
#define CONFLUX_DETAIL_EXPAND1(...) __VA_ARGS__
#define CONFLUX_DETAIL_FOR_EACH(macro, Type, ...) \
  __VA_OPT__(CONFLUX_DETAIL_EXPAND(CONFLUX_DETAIL_FOR_EACH_HELPER(macro, Type, __VA_ARGS__)))
#define CONFLUX_DETAIL_FOR_EACH_HELPER(macro, Type, a1, ...) \
  macro(Type, a1) __VA_OPT__(, CONFLUX_DETAIL_FOR_EACH_AGAIN CONFLUX_DETAIL_PARENS(macro, Type, __VA_ARGS__))
#define CONFLUX_DETAIL_FOR_EACH_AGAIN() CONFLUX_DETAIL_FOR_EACH_HELPER
