// conflux::Value: construction, equality, dict/set semantics, copy-on-write, repr and JSON.
#include "conflux/value.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

namespace conflux {
namespace {

NdArray make_array(std::string dtype, std::vector<int64_t> shape, const void* data, size_t nbytes) {
  NdArray a;
  a.dtype = std::move(dtype);
  a.shape = std::move(shape);
  a.data.assign(static_cast<const char*>(data), nbytes);
  return a;
}

// A 1-D array of `v`, or of the given shape ({} is 0-d).
template <class T>
Value array_of(std::string dtype, std::vector<T> v,
               std::optional<std::vector<int64_t>> shape = std::nullopt) {
  std::vector<int64_t> dims = shape ? *shape : std::vector<int64_t>{static_cast<int64_t>(v.size())};
  return Value::ndarray(make_array(std::move(dtype), dims, v.data(), v.size() * sizeof(T)));
}

TEST(ValueTest, KindsAndAccessors) {
  EXPECT_TRUE(Value().is_none());
  EXPECT_TRUE(Value(nullptr).is_none());
  EXPECT_TRUE(Value(true).as_bool());
  EXPECT_EQ(Value(42).as_int(), 42);
  EXPECT_EQ(Value(uint8_t{200}).as_int(), 200);
  EXPECT_EQ(Value(3.5f).as_float(), 3.5);
  EXPECT_EQ(Value("héllo").as_str(), "héllo");
  EXPECT_EQ(Value(std::string_view("sv")).as_str(), "sv");
  EXPECT_EQ(Value::bytes(std::string("\0\1", 2)).as_bytes(), std::string("\0\1", 2));
  EXPECT_EQ(Value(Bytes{"ab"}).as_bytes(), "ab");
  EXPECT_TRUE(Value::list({1, "two"}).is_list());
  EXPECT_TRUE(Value::tuple({}).is_tuple());
  EXPECT_TRUE(Value::set({1, 1, 2}).is_set());
  EXPECT_EQ(Value::set({1, 1, 2}).as_set().size(), 2u);
  EXPECT_TRUE(Value::frozenset({1}).is_frozenset());
  EXPECT_EQ(Value::dict({{"a", 1}}).get("a")->as_int(), 1);
  EXPECT_EQ(Value::dict({{"a", 1}}).get("b"), nullptr);
  EXPECT_EQ(Value(5).get("a"), nullptr);
  // uint64 above INT64_MAX becomes a big int.
  Value big = Value(std::numeric_limits<uint64_t>::max());
  EXPECT_TRUE(big.is_big_int());
  EXPECT_EQ(big.int_to_string(), "18446744073709551615");
}

TEST(ValueTest, BigInts) {
  struct Case {
    const char* decimal;
    bool big;
  };
  const Case cases[] = {{"0", false},
                        {"-1", false},
                        {"9223372036854775807", false},
                        {"-9223372036854775808", false},
                        {"9223372036854775808", true},
                        {"-9223372036854775809", true},
                        {"1180591620717411303424", true},
                        {"-1180591620717411303424", true},
                        {"340282366920938463463374607431768211456", true}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.decimal);
    auto v = Value::int_from_decimal(c.decimal);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->is_big_int(), c.big);
    EXPECT_EQ(v->int_to_string(), c.decimal);
    if (c.big) {
      EXPECT_EQ(Value::int_from_le_bytes(v->big_int_bytes()), *v);
    }
  }
  // 2**70 as pickle stores it (LONG1, 9 bytes).
  Value two70 = Value::int_from_le_bytes(std::string("\0\0\0\0\0\0\0\0\x40", 9));
  EXPECT_EQ(two70.int_to_string(), "1180591620717411303424");
  // Redundant sign bytes are normalized away.
  EXPECT_EQ(Value::int_from_le_bytes(std::string("\x05\0\0", 3)), Value(5));
  EXPECT_EQ(Value::int_from_le_bytes(std::string("\xff\xff", 2)), Value(-1));
  EXPECT_FALSE(Value::int_from_decimal("12a").ok());
  EXPECT_FALSE(Value::int_from_decimal(std::string(5000, '9')).ok());  // Python's limit
}

TEST(ValueTest, EqualityIsKindStrict) {
  EXPECT_EQ(Value(1), Value(int64_t{1}));
  EXPECT_NE(Value(1), Value(1.0));
  EXPECT_NE(Value(1), Value(true));
  EXPECT_NE(Value::list({1}), Value::tuple({1}));
  EXPECT_EQ(Value(NAN), Value(NAN));
  EXPECT_EQ(Value(0.0), Value(-0.0));
  EXPECT_EQ(Value(0.0).hash(), Value(-0.0).hash());
  EXPECT_EQ(Value::dict({{"a", 1}, {"b", 2}}), Value::dict({{"b", 2}, {"a", 1}}));
  EXPECT_NE(Value::dict({{"a", 1}}), Value::dict({{"a", 2}}));
  EXPECT_EQ(Value::set({1, 2, 3}), Value::set({3, 2, 1}));
  EXPECT_EQ(Value::set({1, 2}).hash(), Value::set({2, 1}).hash());
  EXPECT_NE(Value::set({1}), Value::frozenset({1}));
}

TEST(ValueTest, DictKeepsInsertionOrderAndReplacesInPlace) {
  Dict d;
  for (int i = 0; i < 100; ++i) d.set(Value("k" + std::to_string(i)), i);  // beyond the index threshold
  d.set(Value("k5"), "five");
  d.set(Value(7), "int key");
  d.set(Value::tuple({1, "t"}), "tuple key");
  ASSERT_EQ(d.size(), 102u);
  EXPECT_EQ(d.items()[5].second.as_str(), "five");
  EXPECT_EQ(d.find("k99")->as_int(), 99);
  EXPECT_EQ(d.find(Value(7))->as_str(), "int key");
  EXPECT_EQ(d.find(Value::tuple({1, "t"}))->as_str(), "tuple key");
  EXPECT_EQ(d.find(Value(7.0)), nullptr);
  EXPECT_EQ(d.items().back().first, Value::tuple({1, "t"}));
  Dict copy = d;  // copies keep a working index
  copy.set(Value("new"), 1);
  EXPECT_EQ(copy.find("new")->as_int(), 1);
  EXPECT_EQ(d.find("new"), nullptr);
}

TEST(ValueTest, CopyOnWrite) {
  Value a = Value::list({1, 2});
  Value b = a;
  b.mutable_items().push_back(3);
  EXPECT_EQ(a.items().size(), 2u);
  EXPECT_EQ(b.items().size(), 3u);
  Value d = Value::dict({{"x", 1}});
  Value e = d;
  e.mutable_dict().set(Value("y"), 2);
  EXPECT_EQ(d.as_dict().size(), 1u);
  EXPECT_EQ(e.as_dict().size(), 2u);
}

TEST(ValueTest, Hashability) {
  EXPECT_TRUE(Value::tuple({1, "a", Value::frozenset({2})}).is_hashable());
  EXPECT_FALSE(Value::tuple({Value::list()}).is_hashable());
  EXPECT_FALSE(Value::dict({}).is_hashable());
  EXPECT_TRUE(Value::foreach_frame("s", "v", 1, 0, "x").is_hashable());
}

TEST(ValueTest, PythonRepr) {
  struct Case {
    Value v;
    const char* repr;
  };
  const Case cases[] = {
      {Value(), "None"},
      {Value(true), "True"},
      {Value(-12), "-12"},
      {Value(3.25), "3.25"},
      {Value(3.0), "3.0"},
      {Value(1e16), "1e+16"},
      {Value(1e15), "1000000000000000.0"},
      {Value(0.0001), "0.0001"},
      {Value(0.00001), "1e-05"},
      {Value(-1.5e-7), "-1.5e-07"},
      {Value(0.1), "0.1"},
      {Value(1.0 / 3), "0.3333333333333333"},
      {Value(-0.0), "-0.0"},
      {Value(INFINITY), "inf"},
      {Value(-INFINITY), "-inf"},
      {Value(NAN), "nan"},
      {Value(1.7976931348623157e308), "1.7976931348623157e+308"},
      {Value("it's"), "\"it's\""},
      {Value("say \"hi\" it's"), "'say \"hi\" it\\'s'"},
      {Value("tab\there\nnl\\ \x01 \x7f"), "'tab\\there\\nnl\\\\ \\x01 \\x7f'"},
      {Value("hello metaflow \xe2\x9c\x93"), "'hello metaflow \xe2\x9c\x93'"},
      {Value("nbsp\xc2\xa0 zwsp\xe2\x80\x8b"), "'nbsp\\xa0 zwsp\\u200b'"},
      {Value::bytes(std::string("\x00\x01" "binary'", 9)), "b\"\\x00\\x01binary'\""},
      {Value::bytes("\xff\t"), "b'\\xff\\t'"},
      {Value::list({1, "two", 3.0, Value(), true}), "[1, 'two', 3.0, None, True]"},
      {Value::tuple({}), "()"},
      {Value::tuple({1}), "(1,)"},
      {Value::tuple({Value::list({"middle"}), Value()}), "(['middle'], None)"},
      {Value::dict({{"a", 1}, {"b", Value::list({1, 2})}, {"c", Value::dict({{"d", "e"}})}}),
       "{'a': 1, 'b': [1, 2], 'c': {'d': 'e'}}"},
      {Value::dict({}), "{}"},
      {Value::set({1, 2, 3}), "{1, 2, 3}"},
      {Value::set({}), "set()"},
      {Value::frozenset({}), "frozenset()"},
      {Value::frozenset({"a"}), "frozenset({'a'})"},
      {Value::foreach_frame("process", "items", 3, 0, "apple"),
       "ForeachFrame(step='process', var='items', num_splits=3, index=0, value='apple')"},
      {Value::exception_wrapper("boom", "builtins.ValueError", std::nullopt),
       "[no stacktrace]\nbuiltins.ValueError: boom"},
      {Value::global("numpy", "ndarray"), "<class 'numpy.ndarray'>"},
  };
  for (const Case& c : cases) EXPECT_EQ(c.v.python_repr(), c.repr);
}

TEST(ValueTest, NumpyRepr) {
  struct Case {
    Value v;
    const char* repr;
  };
  std::vector<int64_t> big(2000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<int64_t>(i);
  const Case cases[] = {
      {array_of<int64_t>("<i8", {1, 2, 3}), "array([1, 2, 3])"},
      {array_of<int64_t>("<i8", {1, -100}), "array([   1, -100])"},
      {array_of<double>("<f8", {0.5, 0.25, 0.125, 0.0}), "array([0.5  , 0.25 , 0.125, 0.   ])"},
      {array_of<double>("<f8", {1.0, 2.0}), "array([1., 2.])"},
      {array_of<double>("<f8", {1.0 / 3, 2.0}), "array([0.33333333, 2.        ])"},
      {array_of<double>("<f8", {1e-9, 1.0, 1e9}), "array([1.e-09, 1.e+00, 1.e+09])"},
      {array_of<double>("<f8", {1.5e-5, 1.0}), "array([1.5e-05, 1.0e+00])"},
      {array_of<double>("<f8", {NAN, INFINITY, -INFINITY, 1.5}), "array([ nan,  inf, -inf,  1.5])"},
      {array_of<float>("<f4", {0.1f, 1.0f}), "array([0.1, 1. ], dtype=float32)"},
      {array_of<int32_t>("<i4", {1, 2}), "array([1, 2], dtype=int32)"},
      {array_of<uint8_t>("|u1", {0, 255}), "array([  0, 255], dtype=uint8)"},
      {array_of<uint8_t>("|b1", {1, 0}), "array([ True, False])"},
      {array_of<double>("<f8", {}), "array([], dtype=float64)"},
      {array_of<double>("<f8", {3.5}, std::vector<int64_t>{}), "array(3.5)"},
      {array_of<int32_t>("<i4", {7}, std::vector<int64_t>{}), "array(7, dtype=int32)"},
      {array_of<float>("<f4", {1, 1, 1, 1}, std::vector<int64_t>{2, 2}), "array([[1., 1.],\n       [1., 1.]], dtype=float32)"},
      {array_of<int64_t>("<i8", big), "array([   0,    1,    2, ..., 1997, 1998, 1999])"},
  };
  for (const Case& c : cases) EXPECT_EQ(c.v.python_repr(), c.repr);
}

TEST(ValueTest, JsonRenderings) {
  Value v = Value::dict({{"t", Value::tuple({1, "x"})},
                         {"s", Value::set({2, 1})},
                         {"b", Value::bytes("\x01\xff")},
                         {1, "int key"},
                         {Value(true), "bool key"},
                         {"big", Value::int_from_decimal("1180591620717411303424").value()},
                         {"u64", Value(std::numeric_limits<uint64_t>::max())},
                         {"f", 0.5},
                         {"frame", Value::foreach_frame("a", "b", 2, 1, "v")},
                         {"arr", array_of<int64_t>("<i8", {1, 2, 3, 4}, std::vector<int64_t>{2, 2})}});
  EXPECT_EQ(v.to_json().dump(),
            R"J({"1":"int key","arr":[[1,2],[3,4]],"b":"01ff","big":"1180591620717411303424",)J"
            R"J("f":0.5,"frame":["a","b",2,1,"v"],"s":[2,1],"t":[1,"x"],"true":"bool key",)J"
            R"J("u64":18446744073709551615})J");
  EXPECT_EQ(v.to_tagged_json().dump(),
            R"J({"1":"int key","True":"bool key","arr":{"$repr":"array([[1, 2],\n       [3, 4]])"},)J"
            R"J("b":{"$bytes_hex":"01ff"},"big":{"$int":"1180591620717411303424"},"f":0.5,)J"
            R"J("frame":{"$namedtuple":"ForeachFrame","fields":{"index":1,"num_splits":2,"step":"a",)J"
            R"J("value":"v","var":"b"}},"s":{"$set":[1,2]},"t":{"$tuple":[1,"x"]},)J"
            R"J("u64":{"$int":"18446744073709551615"}})J");
  EXPECT_EQ(Value(int64_t{1} << 53).to_tagged_json().dump(), R"J({"$int":"9007199254740992"})J");
  EXPECT_EQ(Value((int64_t{1} << 53) - 1).to_tagged_json().dump(), "9007199254740991");
  Value wrapper = Value::exception_wrapper("boom", "builtins.ValueError", std::nullopt);
  EXPECT_EQ(wrapper.to_json().dump(),
            R"J({"$type":"metaflow.exception.MetaflowExceptionWrapper","exception":"boom",)J"
            R"J("stacktrace":null,"type":"builtins.ValueError"})J");
}

TEST(ValueTest, FromJson) {
  auto j = nlohmann::json::parse(R"({"a": [1, 2.5, "x", null, true], "b": 18446744073709551615})");
  Value v = Value::from_json(j);
  EXPECT_EQ(v.python_repr(), "{'a': [1, 2.5, 'x', None, True], 'b': 18446744073709551615}");
  EXPECT_EQ(v.to_json(), j);
}

TEST(ValueTest, PythonTypes) {
  EXPECT_EQ(Value().python_type(), "<class 'NoneType'>");
  EXPECT_EQ(Value::int_from_decimal("99999999999999999999").value().python_type(), "<class 'int'>");
  EXPECT_EQ(array_of<double>("<f8", {1}).python_type(), "<class 'numpy.ndarray'>");
  EXPECT_EQ(Value::foreach_frame("a", "b", 1, 0, 1).python_type(), "<class '__main__.ForeachFrame'>");
  EXPECT_EQ(Value::frozenset({}).python_type_name(), "frozenset");
}

}  // namespace
}  // namespace conflux
