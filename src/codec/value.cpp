// conflux::Value core: construction, accessors, copy-on-write, equality, hashing, Dict and Set.
#include "conflux/value.hpp"

#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>

#include "codec/big_int.hpp"
#include "codec/ndarray.hpp"
#include "codec/python_globals.hpp"
#include "codec/value_access.hpp"

namespace conflux {
namespace {

// Dicts and sets scan linearly up to this size, then keep a hash index.
constexpr size_t kIndexThreshold = 8;

const char* kind_name(ValueKind k) {
  switch (k) {
    case ValueKind::kNone: return "None";
    case ValueKind::kBool: return "bool";
    case ValueKind::kInt: return "int";
    case ValueKind::kBigInt: return "big int";
    case ValueKind::kFloat: return "float";
    case ValueKind::kStr: return "str";
    case ValueKind::kBytes: return "bytes";
    case ValueKind::kList: return "list";
    case ValueKind::kTuple: return "tuple";
    case ValueKind::kDict: return "dict";
    case ValueKind::kSet: return "set";
    case ValueKind::kFrozenSet: return "frozenset";
    case ValueKind::kNdArray: return "ndarray";
    case ValueKind::kObject: return "object";
    case ValueKind::kGlobal: return "global";
  }
  return "?";
}

// A programmer error (an accessor of the wrong kind): report and abort, like a failed CHECK.
[[noreturn]] void kind_mismatch(ValueKind have, const char* want) {
  std::fprintf(stderr, "conflux::Value: %s accessor used on a %s value\n", want, kind_name(have));
  std::abort();
}

inline size_t mix(size_t h) {
  // splitmix64 finalizer: spreads small ints across the table.
  uint64_t z = h + 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return static_cast<size_t>(z ^ (z >> 31));
}

inline size_t combine(size_t seed, size_t h) { return mix(seed ^ (h + 0x9e3779b9 + (seed << 6))); }

bool float_equal(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

}  // namespace

// --- Construction -------------------------------------------------------------------------------

Value::Value(const char* s) : Value(std::string(s)) {}
Value::Value(std::string s) { *this = str(std::move(s)); }
Value::Value(std::string_view s) : Value(std::string(s)) {}
Value::Value(const Bytes& b) { *this = bytes(b.data); }

Value Value::str(std::string utf8) {
  return ValueAccess::make(ValueKind::kStr, std::make_shared<std::string>(std::move(utf8)));
}
Value Value::bytes(std::string data) {
  return ValueAccess::make(ValueKind::kBytes, std::make_shared<std::string>(std::move(data)));
}
Value Value::list(std::vector<Value> items) {
  return ValueAccess::make(ValueKind::kList, std::make_shared<std::vector<Value>>(std::move(items)));
}
Value Value::tuple(std::vector<Value> items) {
  return ValueAccess::make(ValueKind::kTuple,
                           std::make_shared<std::vector<Value>>(std::move(items)));
}
Value Value::dict(Dict d) {
  return ValueAccess::make(ValueKind::kDict, std::make_shared<Dict>(std::move(d)));
}
Value Value::dict(std::initializer_list<std::pair<Value, Value>> items) { return dict(Dict(items)); }

Value Value::set(std::vector<Value> items) {
  auto s = std::make_shared<Set>();
  for (auto& item : items) s->insert(std::move(item));
  return ValueAccess::make(ValueKind::kSet, std::move(s));
}
Value Value::frozenset(std::vector<Value> items) {
  Value v = set(std::move(items));
  v.kind_ = ValueKind::kFrozenSet;
  return v;
}
Value Value::ndarray(NdArray array) {
  return ValueAccess::make(ValueKind::kNdArray, std::make_shared<NdArray>(std::move(array)));
}
Value Value::object(PyObject object) {
  return ValueAccess::make(ValueKind::kObject, std::make_shared<PyObject>(std::move(object)));
}
Value Value::global(std::string module, std::string name) {
  auto o = std::make_shared<PyObject>();
  o->module = std::move(module);
  o->name = std::move(name);
  return ValueAccess::make(ValueKind::kGlobal, std::move(o));
}

Value Value::int_from_le_bytes(std::string_view twos_complement_le) {
  int64_t i;
  if (big_int::to_int64(twos_complement_le, &i)) return Value(i);
  return ValueAccess::make(ValueKind::kBigInt,
                           std::make_shared<std::string>(big_int::normalize(twos_complement_le)));
}

Result<Value> Value::int_from_decimal(std::string_view text) {
  CONFLUX_ASSIGN_OR_RETURN(std::string le, big_int::from_decimal(text));
  return int_from_le_bytes(le);
}

Value Value::from_uint64(uint64_t u) {
  if (u <= static_cast<uint64_t>(INT64_MAX)) return Value(static_cast<int64_t>(u));
  return int_from_le_bytes(big_int::from_uint64(u));
}

Value Value::foreach_frame(std::string step, std::string var, int64_t num_splits, int64_t index,
                           Value value) {
  PyObject o;
  o.module = "__main__";
  o.name = "ForeachFrame";
  o.construct = PyObject::Construct::kNewObj;
  o.args = {Value::str(std::move(step)), Value::str(std::move(var)), Value(num_splits),
            Value(index), std::move(value)};
  return object(std::move(o));
}

Value Value::exception_wrapper(std::string exception, std::string type,
                               std::optional<std::string> stacktrace) {
  PyObject o;
  o.module = "metaflow.exception";
  o.name = "MetaflowExceptionWrapper";
  o.construct = PyObject::Construct::kReduce;
  o.args = {Value()};
  o.state = Value::dict({{"exception", Value::str(std::move(exception))},
                         {"type", Value::str(std::move(type))},
                         {"stacktrace", stacktrace ? Value::str(std::move(*stacktrace)) : Value()}});
  return object(std::move(o));
}

// --- Accessors ----------------------------------------------------------------------------------

bool Value::as_bool() const {
  if (kind_ != ValueKind::kBool) kind_mismatch(kind_, "as_bool");
  return scalar_.b;
}
int64_t Value::as_int() const {
  if (kind_ != ValueKind::kInt) kind_mismatch(kind_, "as_int");
  return scalar_.i;
}
double Value::as_float() const {
  if (kind_ != ValueKind::kFloat) kind_mismatch(kind_, "as_float");
  return scalar_.f;
}
const std::string& Value::as_str() const {
  if (kind_ != ValueKind::kStr) kind_mismatch(kind_, "as_str");
  return *static_cast<const std::string*>(heap_.get());
}
const std::string& Value::as_bytes() const {
  if (kind_ != ValueKind::kBytes) kind_mismatch(kind_, "as_bytes");
  return *static_cast<const std::string*>(heap_.get());
}
const std::string& Value::big_int_bytes() const {
  if (kind_ != ValueKind::kBigInt) kind_mismatch(kind_, "big_int_bytes");
  return *static_cast<const std::string*>(heap_.get());
}
std::string Value::int_to_string() const {
  if (kind_ == ValueKind::kInt) return std::to_string(scalar_.i);
  return big_int::to_string(big_int_bytes());
}
const std::vector<Value>& Value::items() const {
  if (kind_ != ValueKind::kList && kind_ != ValueKind::kTuple) kind_mismatch(kind_, "items");
  return *static_cast<const std::vector<Value>*>(heap_.get());
}
const Dict& Value::as_dict() const {
  if (kind_ != ValueKind::kDict) kind_mismatch(kind_, "as_dict");
  return *static_cast<const Dict*>(heap_.get());
}
const Set& Value::as_set() const {
  if (kind_ != ValueKind::kSet && kind_ != ValueKind::kFrozenSet) kind_mismatch(kind_, "as_set");
  return *static_cast<const Set*>(heap_.get());
}
const NdArray& Value::as_ndarray() const {
  if (kind_ != ValueKind::kNdArray) kind_mismatch(kind_, "as_ndarray");
  return *static_cast<const NdArray*>(heap_.get());
}
const PyObject& Value::as_object() const {
  if (kind_ != ValueKind::kObject && kind_ != ValueKind::kGlobal) kind_mismatch(kind_, "as_object");
  return *static_cast<const PyObject*>(heap_.get());
}

const Value* Value::get(std::string_view key) const {
  if (kind_ != ValueKind::kDict) return nullptr;
  return as_dict().find(key);
}

// Copy-on-write: a payload shared with another Value is cloned before it is handed out.
template <class T>
static T& unshare(std::shared_ptr<void>& heap) {
  if (heap.use_count() > 1) heap = std::make_shared<T>(*static_cast<const T*>(heap.get()));
  return *static_cast<T*>(heap.get());
}

std::vector<Value>& Value::mutable_items() {
  if (kind_ != ValueKind::kList && kind_ != ValueKind::kTuple) kind_mismatch(kind_, "mutable_items");
  return unshare<std::vector<Value>>(heap_);
}
Dict& Value::mutable_dict() {
  if (kind_ != ValueKind::kDict) kind_mismatch(kind_, "mutable_dict");
  return unshare<Dict>(heap_);
}
Set& Value::mutable_set() {
  if (kind_ != ValueKind::kSet && kind_ != ValueKind::kFrozenSet) kind_mismatch(kind_, "mutable_set");
  return unshare<Set>(heap_);
}
NdArray& Value::mutable_ndarray() {
  if (kind_ != ValueKind::kNdArray) kind_mismatch(kind_, "mutable_ndarray");
  return unshare<NdArray>(heap_);
}
PyObject& Value::mutable_object() {
  if (kind_ != ValueKind::kObject) kind_mismatch(kind_, "mutable_object");
  return unshare<PyObject>(heap_);
}

bool Value::is_hashable() const {
  switch (kind_) {
    case ValueKind::kList:
    case ValueKind::kDict:
    case ValueKind::kSet:
    case ValueKind::kNdArray:
      return false;
    case ValueKind::kTuple:
      for (const Value& v : items()) {
        if (!v.is_hashable()) return false;
      }
      return true;
    case ValueKind::kObject: {
      // A namedtuple hashes its fields; other objects hash by identity in Python.
      const PyObject& o = as_object();
      if (!pyglobals::namedtuple_fields(o.module, o.name).empty()) {
        for (const Value& v : o.args) {
          if (!v.is_hashable()) return false;
        }
      }
      return true;
    }
    default:
      return true;
  }
}

// --- Python type names ---------------------------------------------------------------------------

std::string Value::python_type_name() const {
  switch (kind_) {
    case ValueKind::kNone: return "NoneType";
    case ValueKind::kBool: return "bool";
    case ValueKind::kInt:
    case ValueKind::kBigInt: return "int";
    case ValueKind::kFloat: return "float";
    case ValueKind::kStr: return "str";
    case ValueKind::kBytes: return "bytes";
    case ValueKind::kList: return "list";
    case ValueKind::kTuple: return "tuple";
    case ValueKind::kDict: return "dict";
    case ValueKind::kSet: return "set";
    case ValueKind::kFrozenSet: return "frozenset";
    case ValueKind::kNdArray: return "numpy.ndarray";
    case ValueKind::kObject: {
      const PyObject& o = as_object();
      if (o.module == "builtins") return o.name;
      return o.module + "." + o.name;
    }
    case ValueKind::kGlobal: return "type";
  }
  return "object";
}

std::string Value::python_type() const { return "<class '" + python_type_name() + "'>"; }

// --- Equality and hashing -----------------------------------------------------------------------

bool operator==(const Value& a, const Value& b) {
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case ValueKind::kNone: return true;
    case ValueKind::kBool: return a.scalar_.b == b.scalar_.b;
    case ValueKind::kInt: return a.scalar_.i == b.scalar_.i;
    case ValueKind::kFloat: return float_equal(a.scalar_.f, b.scalar_.f);
    default: break;
  }
  if (a.heap_ == b.heap_) return true;
  switch (a.kind_) {
    case ValueKind::kBigInt:
    case ValueKind::kStr:
    case ValueKind::kBytes:
      return *static_cast<const std::string*>(a.heap_.get()) ==
             *static_cast<const std::string*>(b.heap_.get());
    case ValueKind::kList:
    case ValueKind::kTuple:
      return a.items() == b.items();
    case ValueKind::kDict: return a.as_dict() == b.as_dict();
    case ValueKind::kSet:
    case ValueKind::kFrozenSet: return a.as_set() == b.as_set();
    case ValueKind::kNdArray: return a.as_ndarray() == b.as_ndarray();
    case ValueKind::kObject:
    case ValueKind::kGlobal: return a.as_object() == b.as_object();
    default: return false;
  }
}

size_t Value::hash() const {
  size_t seed = static_cast<size_t>(kind_) * 0x100000001b3ull;
  switch (kind_) {
    case ValueKind::kNone: return mix(seed);
    case ValueKind::kBool: return mix(seed + (scalar_.b ? 1 : 2));
    case ValueKind::kInt: return mix(seed ^ static_cast<size_t>(scalar_.i));
    case ValueKind::kFloat: {
      double f = scalar_.f;
      if (f == 0) f = 0;  // -0.0 == 0.0
      if (std::isnan(f)) return mix(seed + 7);
      return mix(seed ^ std::bit_cast<uint64_t>(f));
    }
    case ValueKind::kBigInt:
    case ValueKind::kStr:
    case ValueKind::kBytes:
      return combine(seed, std::hash<std::string_view>()(*static_cast<const std::string*>(heap_.get())));
    case ValueKind::kList:
    case ValueKind::kTuple:
      for (const Value& v : items()) seed = combine(seed, v.hash());
      return seed;
    case ValueKind::kDict: {  // order-insensitive, like equality
      size_t sum = 0;
      for (const auto& [k, v] : as_dict()) sum += combine(k.hash(), v.hash());
      return combine(seed, sum);
    }
    case ValueKind::kSet:
    case ValueKind::kFrozenSet: {
      size_t sum = 0;
      for (const Value& v : as_set()) sum += v.hash();
      return combine(seed, sum);
    }
    case ValueKind::kNdArray: {
      const NdArray& a = as_ndarray();
      seed = combine(seed, std::hash<std::string_view>()(a.dtype));
      return combine(seed, std::hash<std::string_view>()(a.data));
    }
    case ValueKind::kObject:
    case ValueKind::kGlobal: {
      const PyObject& o = as_object();
      seed = combine(seed, std::hash<std::string_view>()(o.module));
      seed = combine(seed, std::hash<std::string_view>()(o.name));
      for (const Value& v : o.args) seed = combine(seed, v.hash());
      return combine(seed, o.state.hash());
    }
  }
  return seed;
}

// --- Dict and Set ---------------------------------------------------------------------------------

Dict::Dict(std::initializer_list<Item> items) {
  for (const auto& [k, v] : items) set(k, v);
}

std::optional<size_t> Dict::index_of(const Value& key) const {
  if (index_.empty()) {
    for (size_t i = 0; i < items_.size(); ++i) {
      if (items_[i].first == key) return i;
    }
    return std::nullopt;
  }
  auto [begin, end] = index_.equal_range(key.hash());
  for (auto it = begin; it != end; ++it) {
    if (items_[it->second].first == key) return it->second;
  }
  return std::nullopt;
}

const Value* Dict::find(const Value& key) const {
  auto i = index_of(key);
  return i ? &items_[*i].second : nullptr;
}

Value* Dict::find(const Value& key) {
  auto i = index_of(key);
  return i ? &items_[*i].second : nullptr;
}

const Value* Dict::find(std::string_view str_key) const {
  if (index_.empty()) {  // avoid building a Value for the common small struct-like dict
    for (const auto& item : items_) {
      if (item.first.is_str() && item.first.as_str() == str_key) return &item.second;
    }
    return nullptr;
  }
  return find(Value(str_key));
}

void Dict::set(Value key, Value value) {
  if (auto i = index_of(key)) {
    items_[*i].second = std::move(value);
    return;
  }
  items_.emplace_back(std::move(key), std::move(value));
  if (!index_.empty()) {
    index_.emplace(items_.back().first.hash(), items_.size() - 1);
  } else if (items_.size() >= kIndexThreshold) {
    index_.reserve(items_.size() * 2);
    for (size_t i = 0; i < items_.size(); ++i) index_.emplace(items_[i].first.hash(), i);
  }
}

bool operator==(const Dict& a, const Dict& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [k, v] : a) {
    const Value* other = b.find(k);
    if (other == nullptr || !(*other == v)) return false;
  }
  return true;
}

std::optional<size_t> Set::index_of(const Value& item) const {
  if (index_.empty()) {
    for (size_t i = 0; i < items_.size(); ++i) {
      if (items_[i] == item) return i;
    }
    return std::nullopt;
  }
  auto [begin, end] = index_.equal_range(item.hash());
  for (auto it = begin; it != end; ++it) {
    if (items_[it->second] == item) return it->second;
  }
  return std::nullopt;
}

bool Set::contains(const Value& item) const { return index_of(item).has_value(); }

bool Set::insert(Value item) {
  if (index_of(item)) return false;
  items_.push_back(std::move(item));
  if (!index_.empty()) {
    index_.emplace(items_.back().hash(), items_.size() - 1);
  } else if (items_.size() >= kIndexThreshold) {
    index_.reserve(items_.size() * 2);
    for (size_t i = 0; i < items_.size(); ++i) index_.emplace(items_[i].hash(), i);
  }
  return true;
}

bool operator==(const Set& a, const Set& b) {
  if (a.size() != b.size()) return false;
  for (const Value& v : a) {
    if (!b.contains(v)) return false;
  }
  return true;
}

// --- NdArray --------------------------------------------------------------------------------------

size_t NdArray::itemsize() const {
  auto d = ndarray::lookup(dtype);
  return d ? d->itemsize : 0;
}

uint64_t NdArray::element_count() const {
  auto n = ndarray::element_count(shape);
  return n.ok() ? *n : 0;
}

}  // namespace conflux
