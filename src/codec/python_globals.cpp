#include "codec/python_globals.hpp"

#include <array>
#include <cstring>
#include <string>

#include "codec/ndarray.hpp"
#include "base/utf8.hpp"
#include "codec/value_access.hpp"

namespace conflux::pyglobals {
namespace {

enum class Kind {
  kReconstruct,   // numpy.core.multiarray._reconstruct
  kNdarrayClass,  // numpy.ndarray
  kDtype,         // numpy.dtype
  kScalar,        // numpy.core.multiarray.scalar
  kFromBuffer,    // numpy.core.numeric._frombuffer
  kForeachFrame,
  kExceptionWrapper,
  kSet,
  kFrozenSet,
  kByteArray,
  kBytes,
  kOrderedDict,
  kCodecsEncode,
};

constexpr std::array<std::string_view, 5> kForeachFrameFields = {"step", "var", "num_splits",
                                                                  "index", "value"};

bool is_builtins(std::string_view module) {
  return module == "builtins" || module == "__builtin__";  // protocol <= 2 writes __builtin__
}

std::optional<Kind> lookup(std::string_view module, std::string_view name) {
  bool multiarray = module == "numpy.core.multiarray" || module == "numpy._core.multiarray";
  if (multiarray && name == "_reconstruct") return Kind::kReconstruct;
  if (multiarray && name == "scalar") return Kind::kScalar;
  if ((module == "numpy.core.numeric" || module == "numpy._core.numeric") && name == "_frombuffer") {
    return Kind::kFromBuffer;
  }
  if (module == "numpy" && name == "ndarray") return Kind::kNdarrayClass;
  if (module == "numpy" && name == "dtype") return Kind::kDtype;
  // Metaflow creates ForeachFrame with namedtuple_with_defaults in metaflow.tuple_util, and the
  // pickle names it after the creating module (__main__ under the Metaflow CLI).
  if (name == "ForeachFrame" && (module == "__main__" || module == "metaflow" ||
                                 module.starts_with("metaflow."))) {
    return Kind::kForeachFrame;
  }
  if (module == "metaflow.exception" && name == "MetaflowExceptionWrapper") {
    return Kind::kExceptionWrapper;
  }
  if (is_builtins(module)) {
    if (name == "set") return Kind::kSet;
    if (name == "frozenset") return Kind::kFrozenSet;
    if (name == "bytearray") return Kind::kByteArray;
    if (name == "bytes") return Kind::kBytes;
  }
  if (module == "collections" && name == "OrderedDict") return Kind::kOrderedDict;
  if (module == "_codecs" && name == "encode") return Kind::kCodecsEncode;
  return std::nullopt;
}

std::string qualified(const PyObject& g) { return g.module + "." + g.name; }

Status bad_args(const PyObject& g, std::string_view what) {
  return Status::corruption("bad arguments to " + qualified(g) + ": " + std::string(what));
}

// A bytes-like argument: bytes (possibly detached) and its detached size if any.
struct BytesArg {
  const Value* value = nullptr;
  std::optional<uint64_t> detached_size;
};

std::optional<BytesArg> bytes_arg(const Value& v, const DetachedPayloads& detached) {
  if (!v.is_bytes()) return std::nullopt;
  BytesArg out{&v, std::nullopt};
  if (!detached.empty()) {
    auto it = detached.find(ValueAccess::identity(v));
    if (it != detached.end()) out.detached_size = it->second;
  }
  return out;
}

struct DtypeResult {
  ndarray::DtypeInfo info;
  bool swap = false;
};

// Interprets a numpy.dtype object built by REDUCE + BUILD.
Result<DtypeResult> dtype_of(const Value& v) {
  if (!v.is_object() || !is_numpy_dtype(v.as_object().module, v.as_object().name)) {
    return Status::corruption("expected a numpy dtype, got " + v.python_type_name());
  }
  const PyObject& d = v.as_object();
  if (d.args.empty() || !d.args[0].is_str()) return Status::corruption("malformed numpy dtype");
  std::string_view code = d.args[0].as_str();
  std::string_view order = "|";
  if (d.state.is_tuple() && d.state.items().size() >= 2 && d.state.items()[1].is_str()) {
    order = d.state.items()[1].as_str();
  }
  DtypeResult out{};
  auto info = ndarray::from_code(code, order, &out.swap);
  if (!info) {
    return Status::not_supported("unsupported numpy dtype '" + std::string(order) +
                                 std::string(code) +
                                 "' (only bool, integer and float arrays can be read)");
  }
  // Structured dtypes carry field names / metadata in the state; numeric ones have None there.
  if (d.state.is_tuple() && d.state.items().size() >= 4 && !d.state.items()[3].is_none()) {
    return Status::not_supported("unsupported numpy dtype: structured arrays cannot be read");
  }
  out.info = *info;
  return out;
}

Result<std::vector<int64_t>> shape_of(const Value& v) {
  if (!v.is_tuple() && !v.is_list()) return Status::corruption("array shape is not a tuple");
  std::vector<int64_t> shape;
  for (const Value& dim : v.items()) {
    if (!dim.is_int() || dim.as_int() < 0) return Status::corruption("bad array dimension");
    shape.push_back(dim.as_int());
  }
  return shape;
}

// Fills `a` from raw data in `order` ('C'/'F'), validating sizes.
Status fill_array(NdArray& a, const DtypeResult& dtype, std::vector<int64_t> shape,
                  bool fortran, const BytesArg& data) {
  CONFLUX_ASSIGN_OR_RETURN(uint64_t count, ndarray::element_count(shape));
  uint64_t size = data.detached_size ? *data.detached_size : data.value->as_bytes().size();
  if (dtype.info.itemsize != 0 && count > UINT64_MAX / dtype.info.itemsize) {
    return Status::corruption("array size overflows");
  }
  if (count * dtype.info.itemsize != size) {
    return Status::corruption("array data has " + std::to_string(size) + " bytes, expected " +
                              std::to_string(count * dtype.info.itemsize));
  }
  a.dtype = std::string(dtype.info.str);
  bool reorder = fortran && shape.size() >= 2;
  if (data.detached_size) {
    if (dtype.swap || reorder) {
      return Status::not_supported(
          "big-endian or Fortran-ordered array cannot be delivered to a LargeBytesSink");
    }
    a.detached = true;
    a.data.clear();
  } else {
    a.data = data.value->as_bytes();
    if (dtype.swap) ndarray::byteswap(a.data, dtype.info.itemsize);
    if (reorder) a.data = ndarray::fortran_to_c(a.data, shape, dtype.info.itemsize);
  }
  a.shape = std::move(shape);
  return Status();
}

// numpy scalar(dtype, raw bytes) -> a plain Python number, as numpy prints it.
Result<Value> numpy_scalar(const PyObject& g, const std::vector<Value>& args) {
  if (args.size() != 2) return bad_args(g, "expected (dtype, bytes)");
  CONFLUX_ASSIGN_OR_RETURN(DtypeResult dtype, dtype_of(args[0]));
  if (!args[1].is_bytes() || args[1].as_bytes().size() != dtype.info.itemsize) {
    return bad_args(g, "scalar data does not match its dtype");
  }
  std::string raw = args[1].as_bytes();
  if (dtype.swap) ndarray::byteswap(raw, dtype.info.itemsize);
  switch (dtype.info.kind) {
    case ndarray::ElementKind::kBool:
      return Value(raw[0] != 0);
    case ndarray::ElementKind::kInt:
      return Value(ndarray::element_as_int64(dtype.info, raw.data()));
    case ndarray::ElementKind::kUInt:
      return Value(ndarray::element_as_uint64(dtype.info, raw.data()));
    case ndarray::ElementKind::kFloat:
      return Value(ndarray::element_as_double(dtype.info, raw.data()));
  }
  return bad_args(g, "unknown dtype");
}

Result<Value> frombuffer(const PyObject& g, const std::vector<Value>& args,
                         const DetachedPayloads& detached) {
  if (args.size() != 4) return bad_args(g, "expected (buffer, dtype, shape, order)");
  auto data = bytes_arg(args[0], detached);
  if (!data) return bad_args(g, "buffer is not bytes");
  CONFLUX_ASSIGN_OR_RETURN(DtypeResult dtype, dtype_of(args[1]));
  CONFLUX_ASSIGN_OR_RETURN(std::vector<int64_t> shape, shape_of(args[2]));
  if (!args[3].is_str()) return bad_args(g, "order is not a str");
  NdArray a;
  CONFLUX_RETURN_IF_ERROR(fill_array(a, dtype, std::move(shape), args[3].as_str() == "F", *data));
  return Value::ndarray(std::move(a));
}

// The items of an iterable argument (set(x), frozenset(x)).
Result<std::vector<Value>> iterable_items(const PyObject& g, const Value& v) {
  if (v.is_list() || v.is_tuple()) return v.items();
  if (v.is_set() || v.is_frozenset()) return v.as_set().items();
  return bad_args(g, "expected an iterable, got " + v.python_type_name());
}

Result<Value> make_set(const PyObject& g, std::vector<Value> args, ValueKind kind) {
  std::vector<Value> items;
  if (args.size() == 1) {
    CONFLUX_ASSIGN_OR_RETURN(items, iterable_items(g, args[0]));
  } else if (!args.empty()) {
    return bad_args(g, "expected at most one argument");
  }
  for (const Value& item : items) {
    if (!is_hashable_bounded(item)) return Status::corruption("unhashable set item " + item.python_type_name());
  }
  return kind == ValueKind::kSet ? Value::set(std::move(items)) : Value::frozenset(std::move(items));
}

// bytes(...)/bytearray(...)/_codecs.encode(...): bytes from (), (bytes,), (str, encoding).
Result<Value> make_bytes(const PyObject& g, const std::vector<Value>& args) {
  if (args.empty()) return Value::bytes("");
  if (args.size() == 1 && args[0].is_bytes()) return args[0];
  if (args.size() == 2 && args[0].is_str() && args[1].is_str()) {
    std::string_view encoding = args[1].as_str();
    if (encoding == "latin1" || encoding == "latin-1" || encoding == "iso-8859-1") {
      auto raw = utf8::to_latin1(args[0].as_str());
      if (!raw) return bad_args(g, "text is not Latin-1");
      return Value::bytes(std::move(*raw));
    }
    if (encoding == "utf-8" || encoding == "utf8" || encoding == "ascii") {
      return Value::bytes(args[0].as_str());
    }
    return bad_args(g, "unsupported encoding '" + std::string(encoding) + "'");
  }
  return bad_args(g, "expected (), (bytes,) or (str, encoding)");
}

Result<Value> make_ordered_dict(const PyObject& g, const std::vector<Value>& args) {
  Dict d;
  if (args.size() == 1 && (args[0].is_list() || args[0].is_tuple())) {
    for (const Value& pair : args[0].items()) {
      if (!(pair.is_tuple() || pair.is_list()) || pair.items().size() != 2 ||
          !is_hashable_bounded(pair.items()[0])) {
        return bad_args(g, "expected (key, value) pairs");
      }
      d.set(pair.items()[0], pair.items()[1]);
    }
  } else if (args.size() == 1 && args[0].is_dict()) {
    d = args[0].as_dict();
  } else if (!args.empty()) {
    return bad_args(g, "expected () or a list of pairs");
  }
  return Value::dict(std::move(d));
}

Result<Value> make_object(const PyObject& g, std::vector<Value> args, PyObject::Construct how) {
  PyObject o;
  o.module = g.module;
  o.name = g.name;
  o.construct = how;
  o.args = std::move(args);
  return Value::object(std::move(o));
}

Status not_callable(const PyObject& g, std::string_view how) {
  return Status::not_supported("cannot " + std::string(how) + " Python type '" + qualified(g) +
                               "' (only standard types can be read)");
}

}  // namespace

Status check_allowed(std::string_view module, std::string_view name) {
  if (lookup(module, name)) return Status();
  return Status::not_supported("unsupported Python type '" + std::string(module) + "." +
                               std::string(name) + "' (only standard types can be read)");
}

std::span<const std::string_view> namedtuple_fields(std::string_view module, std::string_view name) {
  if (lookup(module, name) == Kind::kForeachFrame) return kForeachFrameFields;
  return {};
}

bool is_exception_wrapper(std::string_view module, std::string_view name) {
  return lookup(module, name) == Kind::kExceptionWrapper;
}

bool is_numpy_dtype(std::string_view module, std::string_view name) {
  return module == "numpy" && name == "dtype";
}

Result<Value> reduce(const Value& callable, std::vector<Value> args,
                     const DetachedPayloads& detached) {
  const PyObject& g = callable.as_object();
  auto kind = lookup(g.module, g.name);
  if (!kind) return check_allowed(g.module, g.name);
  switch (*kind) {
    case Kind::kReconstruct: {
      // _reconstruct(ndarray, (0,), b'b'): an empty array that BUILD fills in.
      if (args.size() != 3 || !args[0].is_global() ||
          lookup(args[0].as_object().module, args[0].as_object().name) != Kind::kNdarrayClass) {
        return bad_args(g, "expected (numpy.ndarray, shape, typecode)");
      }
      return Value::ndarray(NdArray{});
    }
    case Kind::kDtype:
      if (args.empty() || !args[0].is_str()) return bad_args(g, "expected a type code");
      return make_object(g, std::move(args), PyObject::Construct::kReduce);
    case Kind::kScalar:
      return numpy_scalar(g, args);
    case Kind::kFromBuffer:
      return frombuffer(g, args, detached);
    case Kind::kForeachFrame:
    case Kind::kExceptionWrapper:
      return make_object(g, std::move(args), PyObject::Construct::kReduce);
    case Kind::kSet:
      return make_set(g, std::move(args), ValueKind::kSet);
    case Kind::kFrozenSet:
      return make_set(g, std::move(args), ValueKind::kFrozenSet);
    case Kind::kByteArray:
    case Kind::kBytes:
    case Kind::kCodecsEncode:
      return make_bytes(g, args);
    case Kind::kOrderedDict:
      return make_ordered_dict(g, args);
    case Kind::kNdarrayClass:
      return not_callable(g, "call");
  }
  return not_callable(g, "call");
}

Result<Value> newobj(const Value& cls, std::vector<Value> args) {
  const PyObject& g = cls.as_object();
  auto kind = lookup(g.module, g.name);
  if (!kind) return check_allowed(g.module, g.name);
  switch (*kind) {
    case Kind::kForeachFrame:
      if (args.size() != kForeachFrameFields.size()) return bad_args(g, "expected 5 fields");
      return make_object(g, std::move(args), PyObject::Construct::kNewObj);
    case Kind::kExceptionWrapper:
      return make_object(g, std::move(args), PyObject::Construct::kNewObj);
    case Kind::kSet:  // set.__new__ then ADDITEMS/BUILD is not what CPython writes; be lenient
      return Value::set();
    case Kind::kOrderedDict:
      return Value::dict(Dict());
    default:
      return not_callable(g, "instantiate");
  }
}

Status build(Value& target, Value state, const DetachedPayloads& detached) {
  if (target.is_ndarray()) {
    NdArray& a = ValueAccess::ndarray(target);
    if (!a.dtype.empty()) return Status::corruption("BUILD applied twice to an ndarray");
    // ndarray.__setstate__((version, shape, dtype, is_fortran, data)); version is optional.
    if (!state.is_tuple()) return Status::corruption("ndarray state is not a tuple");
    std::vector<Value> s = state.items();
    if (s.size() == 5) s.erase(s.begin());
    if (s.size() != 4) return Status::corruption("ndarray state has the wrong length");
    CONFLUX_ASSIGN_OR_RETURN(std::vector<int64_t> shape, shape_of(s[0]));
    CONFLUX_ASSIGN_OR_RETURN(DtypeResult dtype, dtype_of(s[1]));
    bool fortran = s[2].is_bool() ? s[2].as_bool() : (s[2].is_int() && s[2].as_int() != 0);
    if (s[3].is_list()) {
      return Status::not_supported(
          "unsupported numpy array of Python objects (dtype=object); only bool, integer and "
          "float arrays can be read");
    }
    auto data = bytes_arg(s[3], detached);
    if (!data) return Status::corruption("ndarray data is not bytes");
    return fill_array(a, dtype, std::move(shape), fortran, *data);
  }
  if (target.is_object()) {
    PyObject& o = ValueAccess::object(target);
    if (is_exception_wrapper(o.module, o.name) && !state.is_dict()) {
      return Status::corruption("MetaflowExceptionWrapper state is not a dict");
    }
    o.state = std::move(state);
    return Status();
  }
  if (target.is_dict() && (state.is_none() || (state.is_dict() && state.as_dict().empty()))) {
    return Status();  // an OrderedDict without instance attributes
  }
  return Status::corruption("BUILD applied to " + target.python_type_name());
}

bool is_hashable_bounded(const Value& v, int depth) {
  if (depth > kMaxValueDepth) return false;
  switch (v.kind()) {
    case ValueKind::kTuple:
      for (const Value& x : v.items()) {
        if (!is_hashable_bounded(x, depth + 1)) return false;
      }
      return true;
    case ValueKind::kFrozenSet:
      for (const Value& x : v.as_set()) {
        if (!is_hashable_bounded(x, depth + 1)) return false;
      }
      return true;
    case ValueKind::kObject: {
      const PyObject& o = v.as_object();
      if (namedtuple_fields(o.module, o.name).empty()) return true;  // hashed by identity
      for (const Value& x : o.args) {
        if (!is_hashable_bounded(x, depth + 1)) return false;
      }
      return true;
    }
    default:
      return v.is_hashable();  // scalars: true; list/dict/set/ndarray: false
  }
}

std::string dtype_object_name(const PyObject& dtype) {
  auto r = dtype_of(Value::object(dtype));
  if (!r.ok()) return "?";
  return std::string(r->info.name);
}

}  // namespace conflux::pyglobals
