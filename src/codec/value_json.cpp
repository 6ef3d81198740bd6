// Value <-> JSON: Value::to_json (plain, like json.dumps), Value::to_tagged_json (the lossless
// convention of Metaflow's fixtures) and Value::from_json.
#include <algorithm>
#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "base/float_repr.hpp"
#include "codec/big_int.hpp"
#include "codec/ndarray.hpp"
#include "codec/python_globals.hpp"
#include "codec/repr.hpp"
#include "conflux/value.hpp"

namespace conflux {
namespace {

using nlohmann::json;

constexpr int64_t kMaxSafeJsonInt = int64_t{1} << 53;

// json.dumps's rendering of a non-str dict key.
std::string json_key(const Value& k) {
  switch (k.kind()) {
    case ValueKind::kStr: return k.as_str();
    case ValueKind::kBool: return k.as_bool() ? "true" : "false";
    case ValueKind::kNone: return "null";
    case ValueKind::kFloat: {
      double f = k.as_float();
      if (std::isnan(f)) return "NaN";
      if (std::isinf(f)) return f > 0 ? "Infinity" : "-Infinity";
      return python_float_repr(f);
    }
    default: return k.python_repr();
  }
}

json element_json(const ndarray::DtypeInfo& d, const char* p) {
  switch (d.kind) {
    case ndarray::ElementKind::kBool: return json(*p != 0);
    case ndarray::ElementKind::kInt: return json(ndarray::element_as_int64(d, p));
    case ndarray::ElementKind::kUInt: return json(ndarray::element_as_uint64(d, p));
    case ndarray::ElementKind::kFloat: return json(ndarray::element_as_double(d, p));
  }
  return json();
}

// numpy's tolist(): nested lists following the shape.
json ndarray_json(const NdArray& a) {
  auto d = ndarray::lookup(a.dtype);
  if (!d || a.detached || a.data.size() != a.nbytes()) return json();
  if (a.shape.empty()) return element_json(*d, a.data.data());
  uint64_t flat = 0;
  auto rec = [&](auto& self, size_t axis) -> json {
    json arr = json::array();
    for (int64_t i = 0; i < a.shape[axis]; ++i) {
      if (axis + 1 == a.shape.size()) {
        arr.push_back(element_json(*d, a.data.data() + (flat++) * d->itemsize));
      } else {
        arr.push_back(self(self, axis + 1));
      }
    }
    return arr;
  };
  return rec(rec, 0);
}

int kind_rank(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kBool:
    case ValueKind::kInt:
    case ValueKind::kBigInt:
    case ValueKind::kFloat: return 0;
    case ValueKind::kStr: return 1;
    case ValueKind::kBytes: return 2;
    case ValueKind::kTuple: return 3;
    default: return 4 + static_cast<int>(v.kind());
  }
}

double number_of(const Value& v) {
  switch (v.kind()) {
    case ValueKind::kBool: return v.as_bool() ? 1 : 0;
    case ValueKind::kInt: return static_cast<double>(v.as_int());
    case ValueKind::kBigInt: return big_int::to_double(v.big_int_bytes());
    default: return v.as_float();
  }
}

// Python's `<` for what sorted() meets in sets; values Python cannot order go by kind.
bool python_less(const Value& a, const Value& b) {
  int ra = kind_rank(a), rb = kind_rank(b);
  if (ra != rb) return ra < rb;
  switch (ra) {
    case 0:
      if (a.is_int() && b.is_int()) return a.as_int() < b.as_int();
      return number_of(a) < number_of(b);
    case 1: return a.as_str() < b.as_str();
    case 2: return a.as_bytes() < b.as_bytes();
    case 3:
      return std::lexicographical_compare(a.items().begin(), a.items().end(), b.items().begin(),
                                          b.items().end(), python_less);
    default: return a.python_repr() < b.python_repr();
  }
}

}  // namespace

json Value::to_json() const {
  switch (kind_) {
    case ValueKind::kNone: return json();
    case ValueKind::kBool: return json(as_bool());
    case ValueKind::kInt: return json(as_int());
    case ValueKind::kBigInt: {
      const std::string& le = big_int_bytes();
      bool negative = (static_cast<unsigned char>(le.back()) & 0x80) != 0;
      if (!negative && (le.size() < 9 || (le.size() == 9 && le[8] == 0))) {  // fits in uint64
        uint64_t u = 0;
        for (size_t i = 0; i < std::min<size_t>(le.size(), 8); ++i) {
          u |= uint64_t{static_cast<unsigned char>(le[i])} << (8 * i);
        }
        return json(u);
      }
      return json(int_to_string());
    }
    case ValueKind::kFloat: return json(as_float());
    case ValueKind::kStr: return json(as_str());
    case ValueKind::kBytes: return json(repr::hex(as_bytes()));
    case ValueKind::kList:
    case ValueKind::kTuple: {
      json arr = json::array();
      for (const Value& v : items()) arr.push_back(v.to_json());
      return arr;
    }
    case ValueKind::kSet:
    case ValueKind::kFrozenSet: {
      json arr = json::array();
      for (const Value& v : as_set()) arr.push_back(v.to_json());
      return arr;
    }
    case ValueKind::kDict: {
      json obj = json::object();
      for (const auto& [k, v] : as_dict()) obj[json_key(k)] = v.to_json();
      return obj;
    }
    case ValueKind::kNdArray: return ndarray_json(as_ndarray());
    case ValueKind::kObject: {
      const PyObject& o = as_object();
      if (!pyglobals::namedtuple_fields(o.module, o.name).empty()) {
        json arr = json::array();
        for (const Value& v : o.args) arr.push_back(v.to_json());
        return arr;
      }
      json obj = json::object();
      obj["$type"] = o.module + "." + o.name;
      if (o.state.is_dict()) {
        for (const auto& [k, v] : o.state.as_dict()) obj[json_key(k)] = v.to_json();
      } else if (!o.state.is_none()) {
        obj["state"] = o.state.to_json();
      }
      return obj;
    }
    case ValueKind::kGlobal: return json(python_repr());
  }
  return json();
}

json Value::to_tagged_json() const {
  switch (kind_) {
    case ValueKind::kNone:
    case ValueKind::kBool:
    case ValueKind::kFloat:
    case ValueKind::kStr: return to_json();
    case ValueKind::kInt:
      if (as_int() > -kMaxSafeJsonInt && as_int() < kMaxSafeJsonInt) return json(as_int());
      return json{{"$int", int_to_string()}};
    case ValueKind::kBigInt: return json{{"$int", int_to_string()}};
    case ValueKind::kBytes: return json{{"$bytes_hex", repr::hex(as_bytes())}};
    case ValueKind::kList: {
      json arr = json::array();
      for (const Value& v : items()) arr.push_back(v.to_tagged_json());
      return arr;
    }
    case ValueKind::kTuple: {
      json arr = json::array();
      for (const Value& v : items()) arr.push_back(v.to_tagged_json());
      return json{{"$tuple", std::move(arr)}};
    }
    case ValueKind::kSet:
    case ValueKind::kFrozenSet: {
      std::vector<Value> sorted = as_set().items();
      std::stable_sort(sorted.begin(), sorted.end(), python_less);
      json arr = json::array();
      for (const Value& v : sorted) arr.push_back(v.to_tagged_json());
      return json{{"$set", std::move(arr)}};
    }
    case ValueKind::kDict: {
      json obj = json::object();
      for (const auto& [k, v] : as_dict()) obj[repr::str_of(k)] = v.to_tagged_json();
      return obj;
    }
    case ValueKind::kObject: {
      const PyObject& o = as_object();
      auto fields = pyglobals::namedtuple_fields(o.module, o.name);
      if (!fields.empty() && fields.size() == o.args.size()) {
        json f = json::object();
        for (size_t i = 0; i < fields.size(); ++i) f[std::string(fields[i])] = o.args[i].to_tagged_json();
        return json{{"$namedtuple", o.name}, {"fields", std::move(f)}};
      }
      return json{{"$repr", python_repr()}};
    }
    default: return json{{"$repr", python_repr()}};
  }
}

Value Value::from_json(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
    case json::value_t::discarded: return Value();
    case json::value_t::boolean: return Value(j.get<bool>());
    case json::value_t::number_integer: return Value(j.get<int64_t>());
    case json::value_t::number_unsigned: return from_uint64(j.get<uint64_t>());
    case json::value_t::number_float: return Value(j.get<double>());
    case json::value_t::string: return Value::str(j.get<std::string>());
    case json::value_t::binary: {
      const auto& b = j.get_binary();
      return Value::bytes(std::string(b.begin(), b.end()));
    }
    case json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& x : j) items.push_back(from_json(x));
      return Value::list(std::move(items));
    }
    case json::value_t::object: {
      Dict d;
      d.reserve(j.size());
      for (const auto& [k, x] : j.items()) d.set(Value::str(k), from_json(x));
      return Value::dict(std::move(d));
    }
  }
  return Value();
}

}  // namespace conflux
