// conflux::Value: a dynamic, Python-like value, the common currency of the artifact codec.
//
// A Value is what a pickle holds once decoded, and what a C++ artifact becomes before it is
// pickled: None, bool, int (int64, or arbitrary precision), float, str (UTF-8), bytes, list,
// tuple, dict (insertion-ordered, any hashable key), set, frozenset, a numpy ndarray (dtype,
// shape, raw little-endian data), a whitelisted Python object (e.g. Metaflow's ForeachFrame
// namedtuple or MetaflowExceptionWrapper: module, class name, constructor args, state) and a
// reference to a whitelisted class (kGlobal, e.g. `numpy.ndarray` itself).
//
// Semantics are value semantics: copying a Value is cheap (heap payloads are shared and
// reference counted) and mutating one through a mutable_*() accessor copies a shared payload
// first (copy-on-write), so no other Value ever observes the change. Equality is structural and
// kind-strict: Value(1) != Value(1.0) != Value(true), a list never equals a tuple; dicts and
// sets compare without regard to order, as in Python; NaN equals NaN so that round trips compare
// equal. Dict keys and set items use the same equality.
//
// Thread safety: const member functions may be called concurrently; a Value that is being
// mutated must not be accessed by another thread (like std::string).
//
// Example:
//   conflux::Value v = conflux::Value::dict({{"a", 1}, {"b", conflux::Value::list({1, "two"})}});
//   v.python_repr();   // "{'a': 1, 'b': [1, 'two']}"
//   v.as_dict().find("a")->as_int();  // 1
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "conflux/status.hpp"

namespace conflux {

// Python `bytes`, as a C++ artifact type (std::string maps to Python `str`).
struct Bytes {
  std::string data;
  bool operator==(const Bytes&) const = default;
};

enum class ValueKind : uint8_t {
  kNone,
  kBool,
  kInt,        // fits in int64
  kBigInt,     // Python int outside int64 (never holds a value that fits in int64)
  kFloat,
  kStr,
  kBytes,
  kList,
  kTuple,
  kDict,
  kSet,
  kFrozenSet,
  kNdArray,
  kObject,     // an instance of a whitelisted Python class
  kGlobal,     // a whitelisted Python class/function itself
};

class Dict;
class Set;
struct NdArray;
struct PyObject;

// Deepest nesting of containers read_pickle accepts and write_pickle writes. Python's own
// pickler stops near its recursion limit (1000) too.
inline constexpr int kMaxValueDepth = 1000;

class Value {
 public:
  // --- Construction ---------------------------------------------------------------------------
  Value() = default;                                            // None
  Value(std::nullptr_t) {}                                      // NOLINT: None
  Value(bool b) : kind_(ValueKind::kBool) { scalar_.b = b; }    // NOLINT
  template <std::integral I>
    requires(!std::same_as<I, bool>)
  Value(I i) {  // NOLINT: int (a uint64 above INT64_MAX becomes a big int)
    if constexpr (std::is_unsigned_v<I> && sizeof(I) >= sizeof(int64_t)) {
      if (i > static_cast<uint64_t>(INT64_MAX)) {
        *this = from_uint64(static_cast<uint64_t>(i));
        return;
      }
    }
    kind_ = ValueKind::kInt;
    scalar_.i = static_cast<int64_t>(i);
  }
  template <std::floating_point F>
  Value(F f) : kind_(ValueKind::kFloat) {  // NOLINT
    scalar_.f = static_cast<double>(f);
  }
  Value(const char* s);       // NOLINT: str
  Value(std::string s);       // NOLINT: str
  Value(std::string_view s);  // NOLINT: str
  Value(const Bytes& b);      // NOLINT: bytes

  static Value none() { return Value(); }
  static Value str(std::string utf8);
  static Value bytes(std::string data);
  static Value list(std::vector<Value> items = {});
  static Value tuple(std::vector<Value> items = {});
  static Value dict(Dict d);
  static Value dict(std::initializer_list<std::pair<Value, Value>> items);
  // Duplicates are dropped (the first occurrence is kept).
  static Value set(std::vector<Value> items = {});
  static Value frozenset(std::vector<Value> items = {});
  static Value ndarray(NdArray array);
  static Value object(PyObject object);
  // A reference to the Python class or function `module.name`.
  static Value global(std::string module, std::string name);
  // An int from little-endian two's complement bytes (pickle LONG1/LONG4 payload); the result is
  // kInt when it fits in int64.
  static Value int_from_le_bytes(std::string_view twos_complement_le);
  // An int from decimal text ("-123", "1180591620717411303424"); kInt when it fits in int64.
  // At most 4300 digits, Python's own default limit.
  static Result<Value> int_from_decimal(std::string_view text);
  static Value from_uint64(uint64_t u);
  // The natural Python value of a JSON document: null->None, numbers->int/float, string->str,
  // array->list, object->dict.
  static Value from_json(const nlohmann::json& j);

  // Metaflow's namedtuple ForeachFrame(step, var, num_splits, index, value), pickled as
  // `__main__.ForeachFrame` with NEWOBJ exactly as Metaflow does.
  static Value foreach_frame(std::string step, std::string var, int64_t num_splits, int64_t index,
                             Value value);
  // metaflow.exception.MetaflowExceptionWrapper with its three attributes; `stacktrace` None
  // when absent. `type` is the exception's qualified name, e.g. "builtins.ValueError".
  static Value exception_wrapper(std::string exception, std::string type,
                                 std::optional<std::string> stacktrace);

  // --- Inspection -----------------------------------------------------------------------------
  ValueKind kind() const { return kind_; }
  bool is_none() const { return kind_ == ValueKind::kNone; }
  bool is_bool() const { return kind_ == ValueKind::kBool; }
  bool is_int() const { return kind_ == ValueKind::kInt; }
  bool is_big_int() const { return kind_ == ValueKind::kBigInt; }
  bool is_integer() const { return is_int() || is_big_int(); }  // any Python int (not bool)
  bool is_float() const { return kind_ == ValueKind::kFloat; }
  bool is_str() const { return kind_ == ValueKind::kStr; }
  bool is_bytes() const { return kind_ == ValueKind::kBytes; }
  bool is_list() const { return kind_ == ValueKind::kList; }
  bool is_tuple() const { return kind_ == ValueKind::kTuple; }
  bool is_dict() const { return kind_ == ValueKind::kDict; }
  bool is_set() const { return kind_ == ValueKind::kSet; }
  bool is_frozenset() const { return kind_ == ValueKind::kFrozenSet; }
  bool is_ndarray() const { return kind_ == ValueKind::kNdArray; }
  bool is_object() const { return kind_ == ValueKind::kObject; }
  bool is_global() const { return kind_ == ValueKind::kGlobal; }
  // True for the kinds Python can use as dict keys / set items (checked recursively).
  bool is_hashable() const;

  // REQUIRES for each accessor: the matching kind (checked; a mismatch aborts).
  bool as_bool() const;
  int64_t as_int() const;
  double as_float() const;
  const std::string& as_str() const;
  const std::string& as_bytes() const;
  // kBigInt: the minimal little-endian two's complement encoding (pickle LONG1 payload).
  const std::string& big_int_bytes() const;
  // kInt/kBigInt: decimal text. Ints longer than ~100k digits are given in hex ("0x...") as
  // decimal conversion is quadratic.
  std::string int_to_string() const;
  // kList/kTuple: the items.
  const std::vector<Value>& items() const;
  const Dict& as_dict() const;
  // kSet/kFrozenSet.
  const Set& as_set() const;
  const NdArray& as_ndarray() const;
  // kObject/kGlobal (a kGlobal has only module and name).
  const PyObject& as_object() const;

  // kDict with a str key `key`: its value, else nullptr (also when this is not a dict).
  const Value* get(std::string_view key) const;

  // Copy-on-write mutable access. REQUIRES: the matching kind.
  std::vector<Value>& mutable_items();  // kList/kTuple
  Dict& mutable_dict();
  Set& mutable_set();  // kSet/kFrozenSet
  NdArray& mutable_ndarray();
  PyObject& mutable_object();

  // --- Python's view of the value -------------------------------------------------------------
  // Qualified type name as Python error messages put it: "int", "str", "list", "NoneType",
  // "numpy.ndarray", "__main__.ForeachFrame", "metaflow.exception.MetaflowExceptionWrapper".
  std::string python_type_name() const;
  // str(type(v)), what Metaflow stores as an artifact's `type`: "<class 'int'>".
  std::string python_type() const;
  // repr(v) as Python prints it (numpy arrays as numpy does, big arrays summarised). Strings
  // escape non-printable characters like Python; the Unicode printability test is approximate
  // (unassigned code points count as printable).
  std::string python_repr() const;
  // Plain JSON, like Python's json.dumps where it works: tuples, sets and frozensets -> arrays,
  // bytes -> lowercase hex string, ndarray -> nested arrays (like .tolist()), ints beyond
  // uint64 -> decimal string, dict keys -> str (non-str keys as json.dumps/repr renders them),
  // ForeachFrame -> array of its fields, other objects -> object of their state/fields plus
  // "$type", classes -> "<class '...'>" string. NaN/inf -> null.
  nlohmann::json to_json() const;
  // Lossless-ish JSON using the tagged_json convention of Metaflow fixtures:
  // {"$tuple": [...]}, {"$set": [...sorted]}, {"$bytes_hex": "..."}, {"$int": "<decimal>"} for
  // |int| >= 2^53, {"$namedtuple": name, "fields": {...}}, dict keys as str(key), and
  // {"$repr": repr(v)} for everything else (arrays, objects).
  nlohmann::json to_tagged_json() const;

  friend bool operator==(const Value& a, const Value& b);
  // A hash consistent with operator== for hashable values (0 for unhashable ones).
  size_t hash() const;

 private:
  friend struct ValueAccess;  // pickle reader: in-place construction of shared payloads

  ValueKind kind_ = ValueKind::kNone;
  union {
    bool b;
    int64_t i;
    double f;
  } scalar_{};
  // The payload of heap kinds; its dynamic type is fixed by kind_ (std::string for str, bytes and
  // big ints; std::vector<Value> for list/tuple; Dict; Set; NdArray; PyObject).
  std::shared_ptr<void> heap_;
};

// An insertion-ordered dict. Keys are hashable Values; lookups are O(1) on average.
class Dict {
 public:
  using Item = std::pair<Value, Value>;

  Dict() = default;
  Dict(std::initializer_list<Item> items);

  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const std::vector<Item>& items() const { return items_; }
  std::vector<Item>::const_iterator begin() const { return items_.begin(); }
  std::vector<Item>::const_iterator end() const { return items_.end(); }

  // The value for `key`, or nullptr.
  const Value* find(const Value& key) const;
  const Value* find(std::string_view str_key) const;
  Value* find(const Value& key);
  bool contains(const Value& key) const { return find(key) != nullptr; }
  // Inserts, or replaces the value of an existing key in place (as Python does).
  // REQUIRES: key.is_hashable().
  void set(Value key, Value value);
  void reserve(size_t n) { items_.reserve(n); }

  friend bool operator==(const Dict& a, const Dict& b);  // order-insensitive, like Python

 private:
  friend struct ValueAccess;
  std::optional<size_t> index_of(const Value& key) const;
  std::vector<Item> items_;
  // hash -> item position; built once the dict outgrows a linear scan.
  std::unordered_multimap<size_t, size_t> index_;
};

// The items of a set/frozenset, in insertion order (Python's order is arbitrary).
class Set {
 public:
  Set() = default;
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const std::vector<Value>& items() const { return items_; }
  std::vector<Value>::const_iterator begin() const { return items_.begin(); }
  std::vector<Value>::const_iterator end() const { return items_.end(); }
  bool contains(const Value& item) const;
  // Returns false (and drops `item`) if an equal item is present. REQUIRES: item.is_hashable().
  bool insert(Value item);

  friend bool operator==(const Set& a, const Set& b);  // order-insensitive

 private:
  friend struct ValueAccess;
  std::optional<size_t> index_of(const Value& item) const;
  std::vector<Value> items_;
  std::unordered_multimap<size_t, size_t> index_;  // as in Dict
};

// A numpy ndarray of a numeric dtype, in C order with little-endian elements.
struct NdArray {
  // numpy's dtype.str: "<f8", "<f4", "<i8", "<i4", "<i2", "|i1", "<u8", "<u4", "<u2", "|u1",
  // "|b1", "<f2". Big-endian and Fortran-ordered arrays are converted when read.
  std::string dtype;
  std::vector<int64_t> shape;  // () for a 0-d array
  std::string data;            // itemsize() * element_count() bytes
  // True when read_pickle handed the payload to a LargeBytesSink: `data` is then empty and the
  // payload lives in the sink's memory (see codec.hpp).
  bool detached = false;

  size_t itemsize() const;       // from dtype; 0 for an unknown dtype
  uint64_t element_count() const;
  uint64_t nbytes() const { return itemsize() * element_count(); }
  bool operator==(const NdArray&) const = default;
};

// An instance of a whitelisted Python class, or (kGlobal) the class itself.
struct PyObject {
  // How the instance is built when unpickled: cls.__new__(cls, *args) (NEWOBJ, e.g. a
  // namedtuple) or cls(*args) (REDUCE, e.g. MetaflowExceptionWrapper(None)).
  enum class Construct : uint8_t { kNewObj, kReduce };

  std::string module;
  std::string name;
  Construct construct = Construct::kNewObj;
  std::vector<Value> args;
  Value state;  // applied with BUILD unless None

  bool operator==(const PyObject&) const = default;
};

}  // namespace conflux
