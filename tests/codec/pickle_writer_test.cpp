// The writer against CPython itself (/usr/bin/python3 with numpy): byte-identical output for
// simple values, and every pickle we write loads in Python as the right type and value and
// passes pickletools' checks.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "codec_test_util.hpp"
#include "conflux/codec.hpp"

struct Sample {
  double x = 0;
  std::string label;
};
CONFLUX_STRUCT(Sample, x, label)

namespace conflux {
namespace {

using testing::have_python_numpy;
using testing::run_python;
using testing::TempDir;
using testing::to_hex;

// Defines the Metaflow classes our pickles name, so stock Python can load them.
constexpr const char* kPythonPrelude = R"PY(
import json, pickle, sys, types
from collections import namedtuple
import numpy as np
ForeachFrame = namedtuple("ForeachFrame", ["step", "var", "num_splits", "index", "value"])
class MetaflowExceptionWrapper(Exception):
    def __init__(self, exc=None):
        pass
    def __reduce__(self):
        return MetaflowExceptionWrapper, (None,), self.__dict__
    def __setstate__(self, state):
        self.__dict__ = state
    def __repr__(self):
        st = self.__dict__.get("stacktrace")
        return st if st else "[no stacktrace]\n%s: %s" % (self.type, self.exception)
MetaflowExceptionWrapper.__module__ = "metaflow.exception"
mod = types.ModuleType("metaflow.exception")
mod.MetaflowExceptionWrapper = MetaflowExceptionWrapper
sys.modules["metaflow"] = types.ModuleType("metaflow")
sys.modules["metaflow.exception"] = mod

def tagged(v):  # the tagged_json convention of Metaflow's fixtures
    if isinstance(v, bool) or v is None or isinstance(v, (str, float)):
        return v
    if isinstance(v, int):
        return v if abs(v) < 2**53 else {"$int": str(v)}
    if isinstance(v, tuple) and hasattr(v, "_fields"):
        return {"$namedtuple": type(v).__name__, "fields": {f: tagged(getattr(v, f)) for f in v._fields}}
    if isinstance(v, tuple):
        return {"$tuple": [tagged(x) for x in v]}
    if isinstance(v, list):
        return [tagged(x) for x in v]
    if isinstance(v, (set, frozenset)):
        return {"$set": [tagged(x) for x in sorted(v, key=lambda x: (str(type(x)), x))]}
    if isinstance(v, bytes):
        return {"$bytes_hex": v.hex()}
    if isinstance(v, dict):
        return {str(k): tagged(x) for k, x in v.items()}
    return {"$repr": repr(v)}
)PY";

Value range_list(int n, bool as_str) {
  std::vector<Value> items;
  for (int i = 0; i < n; ++i) items.push_back(as_str ? Value(std::to_string(i)) : Value(i));
  return Value::list(std::move(items));
}

Value range_dict(int n) {
  Dict d;
  for (int i = 0; i < n; ++i) d.set(Value(std::to_string(i)), i);
  return Value::dict(std::move(d));
}

template <class T>
Value array(std::string dtype, std::vector<T> v, std::vector<int64_t> shape) {
  NdArray a;
  a.dtype = std::move(dtype);
  a.shape = std::move(shape);
  a.data.assign(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  return Value::ndarray(std::move(a));
}

struct IdentityCase {
  const char* python;
  Value value;
};

std::vector<IdentityCase> identity_cases() {
  std::vector<double> big(100000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<double>(i);
  std::vector<Value> ints;
  for (int i = 0; i < 1000; ++i) ints.push_back(i);
  return {
      {"None", Value()},
      {"True", Value(true)},
      {"False", Value(false)},
      {"0", Value(0)},
      {"255", Value(255)},
      {"256", Value(256)},
      {"65535", Value(65535)},
      {"65536", Value(65536)},
      {"-1", Value(-1)},
      {"-2**31", Value(INT32_MIN)},
      {"2**31", Value(int64_t{1} << 31)},
      {"2**63-1", Value(INT64_MAX)},
      {"-2**63", Value(INT64_MIN)},
      {"2**64", Value::int_from_decimal("18446744073709551616").value()},
      {"-2**70", Value::int_from_decimal("-1180591620717411303424").value()},
      {"10**100", Value::int_from_decimal("1" + std::string(100, '0')).value()},
      {"2**3000", Value::int_from_le_bytes(std::string(375, '\0') + "\x01")},
      {"0.0", Value(0.0)},
      {"-1.5", Value(-1.5)},
      {"1e300", Value(1e300)},
      {"float('inf')", Value(INFINITY)},
      {"''", Value("")},
      {"'a'", Value("a")},
      {"'x'*255", Value(std::string(255, 'x'))},
      {"'x'*256", Value(std::string(256, 'x'))},
      {"'h\\u00e9llo \\u2713\\U0001F600'", Value("h\xc3\xa9llo \xe2\x9c\x93\xf0\x9f\x98\x80")},
      {"'y'*70000", Value(std::string(70000, 'y'))},
      {"b''", Value::bytes("")},
      {"bytes(300)", Value::bytes(std::string(300, '\0'))},
      {"bytes(70000)", Value::bytes(std::string(70000, '\0'))},
      {"[]", Value::list()},
      {"[1]", Value::list({1})},
      {"[1, 2]", Value::list({1, 2})},
      {"list(range(1000))", Value::list(ints)},
      {"list(range(1001))", range_list(1001, false)},
      {"list(range(2500))", range_list(2500, false)},
      {"[str(i) for i in range(20000)]", range_list(20000, true)},
      {"()", Value::tuple()},
      {"(1,)", Value::tuple({1})},
      {"(1, 2)", Value::tuple({1, 2})},
      {"(1, 2, 3)", Value::tuple({1, 2, 3})},
      {"(1, 2, 3, 4)", Value::tuple({1, 2, 3, 4})},
      {"{}", Value::dict({})},
      {"{'a': 1}", Value::dict({{"a", 1}})},
      {"{'a': 1, 'b': 2}", Value::dict({{"a", 1}, {"b", 2}})},
      {"{str(i): i for i in range(1000)}", range_dict(1000)},
      {"{str(i): i for i in range(2345)}", range_dict(2345)},
      {"{1: 'x', (1, 2): None, 2.5: b'z'}",
       Value::dict({{1, "x"}, {Value::tuple({1, 2}), Value()}, {2.5, Value::bytes("z")}})},
      {"set()", Value::set()},
      {"{1}", Value::set({1})},
      {"set(range(1000))", Value::set(ints)},
      {"frozenset()", Value::frozenset()},
      {"frozenset({1, 2})", Value::frozenset({1, 2})},
      {"{'a': [1, (2, 3)], 'b': {'c': None}}",
       Value::dict({{"a", Value::list({1, Value::tuple({2, 3})})}, {"b", Value::dict({{"c", Value()}})}})},
      {"np.arange(6.0)", array<double>("<f8", {0, 1, 2, 3, 4, 5}, {6})},
      {"np.arange(5)", array<int64_t>("<i8", {0, 1, 2, 3, 4}, {5})},
      {"np.ones((2, 2), 'f4')", array<float>("<f4", {1, 1, 1, 1}, {2, 2})},
      {"np.ones((1, 2, 1, 2), 'i2')", array<int16_t>("<i2", {1, 1, 1, 1}, {1, 2, 1, 2})},
      {"np.array([1, 2], 'i4')", array<int32_t>("<i4", {1, 2}, {2})},
      {"np.array([True, False])", array<uint8_t>("|b1", {1, 0}, {2})},
      {"np.arange(3, dtype='u1')", array<uint8_t>("|u1", {0, 1, 2}, {3})},
      {"np.array(3.5)", array<double>("<f8", {3.5}, {})},
      {"np.arange(100000.0)", array<double>("<f8", big, {100000})},
      {"[ForeachFrame('process', 'items', 3, 0, 'apple')]",
       Value::list({Value::foreach_frame("process", "items", 3, 0, "apple")})},
      {"[ForeachFrame('outer', 'letters', 2, 0, 'x'), ForeachFrame('inner', 'numbers', 2, 0, '1')]",
       Value::list({Value::foreach_frame("outer", "letters", 2, 0, "x"),
                    Value::foreach_frame("inner", "numbers", 2, 0, "1")})},
  };
}

TEST(PickleWriterTest, ByteIdenticalToCPython) {
  if (!have_python_numpy()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy";
  TempDir dir;
  auto cases = identity_cases();
  std::string exprs;
  for (const auto& c : cases) exprs += std::string(c.python) + "\n";
  {
    std::ofstream out(dir.path() / "exprs.txt");
    out << exprs;
  }
  std::string script = std::string(kPythonPrelude) + R"PY(
for line in open(sys.argv[1]):
    print(pickle.dumps(eval(line), protocol=4).hex())
)PY";
  auto output = run_python(script, (dir.path() / "exprs.txt").string(), dir.path());
  ASSERT_TRUE(output.has_value());
  std::istringstream lines(*output);
  for (const auto& c : cases) {
    std::string expected;
    std::getline(lines, expected);
    SCOPED_TRACE(c.python);
    auto ours = write_pickle_to_string(c.value);
    ASSERT_TRUE(ours.ok()) << ours.status().to_string();
    std::string hex = to_hex(*ours);
    if (hex != expected) {  // print where they diverge, not two huge strings
      size_t at = 0;
      while (at < hex.size() && at < expected.size() && hex[at] == expected[at]) ++at;
      ADD_FAILURE() << "differs at byte " << at / 2 << ": ours ..." << hex.substr(at, 40)
                    << " cpython ..." << expected.substr(at, 40);
    }
  }
}

// One pickle written by us, and what Python must see when it loads it.
struct LoadCase {
  std::string name;
  std::string pickle;
  Value value;  // its python_repr()/python_type() are what Python must print
};

template <class T>
LoadCase load_case(std::string name, const T& v) {
  auto bytes = to_pickle(v);
  EXPECT_TRUE(bytes.ok()) << name;
  auto value = read_pickle_from_string(*bytes);
  EXPECT_TRUE(value.ok()) << name;
  return {std::move(name), *bytes, *value};
}

TEST(PickleWriterTest, PythonLoadsEveryTypeWeWrite) {
  if (!have_python_numpy()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy";
  std::vector<double> big(200000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<double>(i) * 0.5;
  std::vector<LoadCase> cases = {
      load_case("bool", true),
      load_case("int8", int8_t{-5}),
      load_case("uint64", std::numeric_limits<uint64_t>::max()),
      load_case("int64_min", std::numeric_limits<int64_t>::min()),
      load_case("double", 3.25),
      load_case("float", 0.1f),
      load_case("string", std::string("h\xc3\xa9llo \xe2\x9c\x93 'q' \"dq\" \\ \n")),
      load_case("bytes", Bytes{std::string("\x00\x01\xff'", 4)}),
      load_case("vector_string", std::vector<std::string>{"a", "b"}),
      load_case("vector_bool", std::vector<bool>{true, false}),
      load_case("vector_double", std::vector<double>{1.5, 2.0, -0.25}),
      load_case("vector_double_big", big),
      load_case("vector_double_empty", std::vector<double>{}),
      load_case("vector_float", std::vector<float>{0.5f, 1e-7f}),
      load_case("vector_int64", std::vector<int64_t>{1, -2, 3}),
      load_case("vector_int32", std::vector<int32_t>{-1, 7}),
      load_case("vector_int16", std::vector<int16_t>{-300}),
      load_case("vector_int8", std::vector<int8_t>{-128, 127}),
      load_case("vector_uint8", std::vector<uint8_t>{0, 255}),
      load_case("vector_uint16", std::vector<uint16_t>{65535}),
      load_case("vector_uint32", std::vector<uint32_t>{4294967295u}),
      load_case("vector_uint64", std::vector<uint64_t>{18446744073709551615ull}),
      load_case("map", std::map<std::string, std::vector<int32_t>>{{"a", {1, 2}}, {"b", {}}}),
      load_case("unordered_map", std::unordered_map<int, std::string>{{1, "one"}}),
      load_case("set", std::set<std::string>{"x", "y"}),
      load_case("optional_none", std::optional<int>()),
      load_case("optional_value", std::optional<int>(3)),
      load_case("pair", std::pair<std::string, double>("p", 0.5)),
      load_case("tuple", std::tuple<int, std::string, bool, std::optional<double>>(1, "t", false, {})),
      load_case("json", nlohmann::json::parse(R"({"k": [1, 2.5, null, "s"], "big": 18446744073709551615})")),
      load_case("struct", std::vector<Sample>{{1.5, "a"}, {-2, "b"}}),
      load_case("big_int", Value::int_from_decimal("-1180591620717411303424").value()),
      load_case("frozenset", Value::frozenset({Value::tuple({1, "a"}), 2})),
      load_case("foreach_stack", Value::list({Value::foreach_frame("process", "items", 3, 0, "apple"),
                                              Value::foreach_frame("inner", "n", 2, 1, 5)})),
      load_case("exception", Value::exception_wrapper("boom", "builtins.ValueError", std::nullopt)),
      load_case("exception_trace",
                Value::exception_wrapper("boom", "builtins.ValueError", "Traceback...\nValueError: boom\n")),
      load_case("matrix", array<double>("<f8", {1, 2, 3, 4, 5, 6}, {2, 3})),
      load_case("bool_array", array<uint8_t>("|b1", {1, 0, 1}, {3})),
      load_case("nested", Value::dict({{"arrays", Value::list({array<int32_t>("<i4", {1}, {1}),
                                                                array<double>("<f8", {2}, {1})})},
                                       {"t", Value::tuple({Value(), Value::set({1})})}})),
  };
  TempDir dir;
  for (const auto& c : cases) {
    std::ofstream out(dir.path() / (c.name + ".pkl"), std::ios::binary);
    out << c.pickle;
  }
  std::string script = std::string(kPythonPrelude) + R"PY(
import glob, io, os, pickletools
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.pkl"))):
    with open(path, "rb") as f:
        data = f.read()
    v = pickle.loads(data)
    info = {"name": os.path.basename(path)[:-4], "type": str(type(v)), "repr": repr(v),
            "tagged": tagged(v)}
    # pickletools checks what loads() forgives: dis() fails on a stack or memo misuse, and the
    # stream must open with PROTO 4 and end with its STOP, nothing after it.
    try:
        pickletools.dis(data, out=io.StringIO())
        ops = list(pickletools.genops(data))
        info["proto"] = ops[0][1] if ops[0][0].name == "PROTO" else None
        info["ends_with_stop"] = ops[-1][0].name == "STOP" and ops[-1][2] + 1 == len(data)
    except Exception as e:
        info["pickletools_error"] = str(e)
    if isinstance(v, np.ndarray):
        info["dtype"] = v.dtype.str
        info["shape"] = list(v.shape)
    print(json.dumps(info))
)PY";
  auto output = run_python(script, dir.path().string(), dir.path());
  ASSERT_TRUE(output.has_value()) << "python failed to load our pickles";
  std::map<std::string, nlohmann::json> seen;
  std::istringstream lines(*output);
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line);
    seen[j["name"].get<std::string>()] = j;
  }
  ASSERT_EQ(seen.size(), cases.size());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const auto& j = seen.at(c.name);
    EXPECT_EQ(j["type"].get<std::string>(), c.value.python_type());
    EXPECT_EQ(j["tagged"].dump(), c.value.to_tagged_json().dump());
    EXPECT_FALSE(j.contains("pickletools_error")) << j.value("pickletools_error", "");
    EXPECT_EQ(j.value("proto", nlohmann::json()), 4);
    EXPECT_EQ(j.value("ends_with_stop", false), true);
    // Python orders set items by hash; compare those through the sorted tagged form only.
    if (c.name != "set" && c.name != "frozenset") {
      EXPECT_EQ(j["repr"].get<std::string>(), c.value.python_repr());
    }
    if (c.value.is_ndarray()) {
      EXPECT_EQ(j["dtype"].get<std::string>(), c.value.as_ndarray().dtype);
      EXPECT_EQ(j["shape"].get<std::vector<int64_t>>(), c.value.as_ndarray().shape);
    }
  }
  EXPECT_EQ(seen.at("vector_double_big")["shape"][0], 200000);
}

TEST(PickleWriterTest, LargePythonArraysDecodeIntoVectors) {
  if (!have_python_numpy()) GTEST_SKIP() << "needs /usr/bin/python3 with numpy";
  TempDir dir;
  std::string script = std::string(kPythonPrelude) + R"PY(
d = sys.argv[1]
n = 1 << 20
for name, arr in [("f8", np.arange(n, dtype="<f8") * 0.5), ("i8", np.arange(n, dtype="<i8") - 7),
                  ("f4", np.arange(n, dtype="<f4")), ("f8_p5", np.arange(n, dtype="<f8"))]:
    with open("%s/%s.pkl" % (d, name), "wb") as f:
        pickle.dump(arr, f, protocol=5 if name.endswith("p5") else 4)
print("ok")
)PY";
  auto output = run_python(script, dir.path().string(), dir.path());
  ASSERT_TRUE(output.has_value());
  constexpr size_t kN = size_t{1} << 20;
  {
    testing::FdSource source(dir.path() / "f8.pkl");
    auto v = decode_pickle<std::vector<double>>(source);
    ASSERT_TRUE(v.ok()) << v.status().to_string();
    ASSERT_EQ(v->size(), kN);
    EXPECT_EQ((*v)[kN - 1], (kN - 1) * 0.5);
  }
  {
    testing::FdSource source(dir.path() / "i8.pkl");
    auto v = decode_pickle<std::vector<int64_t>>(source);
    ASSERT_TRUE(v.ok()) << v.status().to_string();
    EXPECT_EQ((*v)[0], -7);
    EXPECT_EQ((*v)[kN - 1], static_cast<int64_t>(kN) - 8);
  }
  {  // int64 payload into a double vector: converted in place
    testing::FdSource source(dir.path() / "i8.pkl");
    auto v = decode_pickle<std::vector<double>>(source);
    ASSERT_TRUE(v.ok()) << v.status().to_string();
    EXPECT_EQ((*v)[kN - 1], static_cast<double>(kN) - 8);
  }
  {  // float32 payload into a double vector: different element size
    testing::FdSource source(dir.path() / "f4.pkl");
    auto v = decode_pickle<std::vector<double>>(source);
    ASSERT_TRUE(v.ok()) << v.status().to_string();
    ASSERT_EQ(v->size(), kN);
    EXPECT_EQ((*v)[12345], 12345.0);
  }
  {  // protocol 5: numpy's _frombuffer with a BYTEARRAY8 payload
    testing::FdSource source(dir.path() / "f8_p5.pkl");
    auto v = decode_pickle<std::vector<double>>(source);
    ASSERT_TRUE(v.ok()) << v.status().to_string();
    EXPECT_EQ((*v)[kN - 1], static_cast<double>(kN - 1));
  }
}

}  // namespace
}  // namespace conflux
