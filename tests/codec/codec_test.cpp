// Codec<T>: round trips of every supported C++ type, Python types, and error messages.
#include "conflux/codec.hpp"

#include <gtest/gtest.h>

#include <limits>

#include <nlohmann/json.hpp>

// A struct at global scope and one in a namespace, each declared with one line.
struct Point {
  double x = 0;
  double y = 0;
  bool operator==(const Point&) const = default;
};
CONFLUX_STRUCT(Point, x, y)

namespace model {
struct Config {
  std::string name;
  int32_t shards = 0;
  std::vector<double> weights;
  std::optional<std::string> comment;
  std::map<std::string, Point> anchors;
  std::vector<Point> path;
  bool operator==(const Config&) const = default;
};
CONFLUX_STRUCT(Config, name, shards, weights, comment, anchors, path)
}  // namespace model

namespace conflux {
namespace {

template <class T>
void expect_round_trip(const T& v, const std::string& repr, const std::string& type) {
  auto bytes = to_pickle(v);
  ASSERT_TRUE(bytes.ok()) << bytes.status().to_string();
  auto back = from_pickle<T>(*bytes);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_TRUE(*back == v);
  auto value = read_pickle_from_string(*bytes);
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value->python_repr(), repr);
  EXPECT_EQ(value->python_type(), type);
  EXPECT_EQ(python_type_of(v), type);
  // The Value path and the streaming path agree.
  auto via_value = Codec<T>::from_value(Codec<T>::to_value(v));
  ASSERT_TRUE(via_value.ok());
  EXPECT_TRUE(*via_value == v);
}

TEST(CodecTest, Scalars) {
  expect_round_trip(true, "True", "<class 'bool'>");
  expect_round_trip(int8_t{-128}, "-128", "<class 'int'>");
  expect_round_trip(uint8_t{255}, "255", "<class 'int'>");
  expect_round_trip(int16_t{-32768}, "-32768", "<class 'int'>");
  expect_round_trip(uint16_t{65535}, "65535", "<class 'int'>");
  expect_round_trip(std::numeric_limits<int32_t>::min(), "-2147483648", "<class 'int'>");
  expect_round_trip(std::numeric_limits<uint32_t>::max(), "4294967295", "<class 'int'>");
  expect_round_trip(std::numeric_limits<int64_t>::min(), "-9223372036854775808", "<class 'int'>");
  expect_round_trip(std::numeric_limits<uint64_t>::max(), "18446744073709551615", "<class 'int'>");
  expect_round_trip(42LL, "42", "<class 'int'>");
  expect_round_trip('A', "65", "<class 'int'>");
  expect_round_trip(0.1f, "0.10000000149011612", "<class 'float'>");
  expect_round_trip(-2.5, "-2.5", "<class 'float'>");
  expect_round_trip(std::string("hello \xe2\x9c\x93"), "'hello \xe2\x9c\x93'", "<class 'str'>");
  expect_round_trip(std::string(), "''", "<class 'str'>");
  expect_round_trip(Bytes{std::string("\x00\x01", 2)}, "b'\\x00\\x01'", "<class 'bytes'>");
}

TEST(CodecTest, Containers) {
  expect_round_trip(std::vector<std::string>{"a", "b"}, "['a', 'b']", "<class 'list'>");
  expect_round_trip(std::vector<bool>{true, false}, "[True, False]", "<class 'list'>");
  expect_round_trip(std::vector<std::vector<std::string>>{{"x"}, {}}, "[['x'], []]", "<class 'list'>");
  expect_round_trip(std::map<std::string, int>{{"b", 2}, {"a", 1}}, "{'a': 1, 'b': 2}", "<class 'dict'>");
  expect_round_trip(std::unordered_map<int, std::string>{{7, "seven"}}, "{7: 'seven'}", "<class 'dict'>");
  expect_round_trip(std::map<std::pair<int, std::string>, double>{{{1, "a"}, 0.5}}, "{(1, 'a'): 0.5}",
                    "<class 'dict'>");
  expect_round_trip(std::set<int>{3, 1, 2}, "{1, 2, 3}", "<class 'set'>");
  expect_round_trip(std::unordered_set<std::string>{"only"}, "{'only'}", "<class 'set'>");
  expect_round_trip(std::optional<int>(), "None", "<class 'NoneType'>");
  expect_round_trip(std::optional<int>(5), "5", "<class 'int'>");
  expect_round_trip(std::pair<int, std::string>(1, "x"), "(1, 'x')", "<class 'tuple'>");
  expect_round_trip(std::tuple<int, double, std::string>(1, 2.5, "z"), "(1, 2.5, 'z')", "<class 'tuple'>");
  expect_round_trip(std::tuple<>(), "()", "<class 'tuple'>");
  expect_round_trip(std::vector<std::optional<int>>{1, std::nullopt}, "[1, None]", "<class 'list'>");
}

TEST(CodecTest, NumericVectorsAreNumpyArrays) {
  expect_round_trip(std::vector<double>{1.5, 2.0}, "array([1.5, 2. ])", "<class 'numpy.ndarray'>");
  expect_round_trip(std::vector<double>{}, "array([], dtype=float64)", "<class 'numpy.ndarray'>");
  expect_round_trip(std::vector<float>{0.5f}, "array([0.5], dtype=float32)", "<class 'numpy.ndarray'>");
  expect_round_trip(std::vector<int64_t>{1, 2, 3}, "array([1, 2, 3])", "<class 'numpy.ndarray'>");
  expect_round_trip(std::vector<int32_t>{-1, 7}, "array([-1,  7], dtype=int32)", "<class 'numpy.ndarray'>");
  expect_round_trip(std::vector<int16_t>{-1}, "array([-1], dtype=int16)", "<class 'numpy.ndarray'>");
  expect_round_trip(std::vector<int8_t>{-1}, "array([-1], dtype=int8)", "<class 'numpy.ndarray'>");
  expect_round_trip(std::vector<uint8_t>{0, 255}, "array([  0, 255], dtype=uint8)", "<class 'numpy.ndarray'>");
  expect_round_trip(std::vector<uint16_t>{9}, "array([9], dtype=uint16)", "<class 'numpy.ndarray'>");
  expect_round_trip(std::vector<uint32_t>{9}, "array([9], dtype=uint32)", "<class 'numpy.ndarray'>");
  expect_round_trip(std::vector<uint64_t>{std::numeric_limits<uint64_t>::max()},
                    "array([18446744073709551615], dtype=uint64)", "<class 'numpy.ndarray'>");
  expect_round_trip(std::vector<std::vector<double>>{{1.0}, {}},
                    "[array([1.]), array([], dtype=float64)]", "<class 'list'>");
  expect_round_trip(std::map<std::string, std::vector<int32_t>>{{"a", {1}}},
                    "{'a': array([1], dtype=int32)}", "<class 'dict'>");
}

TEST(CodecTest, NumericVectorsAcceptOtherShapesOfData) {
  auto from = [](const Value& v) { return Codec<std::vector<double>>::from_value(v); };
  auto list = from(Value::list({1, 2.5, Value::int_from_decimal("100000000000000000000").value()}));
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, (std::vector<double>{1, 2.5, 1e20}));
  auto ints = Codec<std::vector<int64_t>>::to_value({1, -2});
  EXPECT_EQ(*from(ints), (std::vector<double>{1, -2}));
  auto as_i32 = Codec<std::vector<int32_t>>::from_value(ints);
  EXPECT_EQ(*as_i32, (std::vector<int32_t>{1, -2}));
  auto as_f32 = Codec<std::vector<float>>::from_value(Codec<std::vector<double>>::to_value({0.5}));
  EXPECT_EQ(*as_f32, (std::vector<float>{0.5f}));
  // Conversions that would lose information are errors.
  auto too_big = Codec<std::vector<int32_t>>::from_value(Codec<std::vector<int64_t>>::to_value({1, 1LL << 40}));
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().message(), "[1]: int 1099511627776 is out of range for int32");
  auto negative = Codec<std::vector<uint8_t>>::from_value(Value::list({1, -1}));
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().message(), "[1]: int -1 is out of range for uint8");
  auto floats = Codec<std::vector<int64_t>>::from_value(Codec<std::vector<double>>::to_value({0.5}));
  ASSERT_FALSE(floats.ok());
  EXPECT_EQ(floats.status().message(), "expected an integer array, got float64");
  NdArray matrix{"<f8", {2, 1}, std::string(16, '\0')};
  auto two_d = from(Value::ndarray(matrix));
  ASSERT_FALSE(two_d.ok());
  EXPECT_EQ(two_d.status().message(), "expected a 1-D numpy array, got shape (2, 1)");
  EXPECT_EQ(from(Value("x")).status().message(), "expected numpy.ndarray, got str");
  EXPECT_EQ(from(Value::list({1, "x"})).status().message(), "[1]: expected float, got str");
}

TEST(CodecTest, Structs) {
  expect_round_trip(Point{1, 2}, "{'x': 1.0, 'y': 2.0}", "<class 'dict'>");
  model::Config c{"run", 4, {0.5, 0.25}, std::nullopt, {{"origin", Point{0, 0}}}, {Point{1, 1}}};
  expect_round_trip(c,
                    "{'name': 'run', 'shards': 4, 'weights': array([0.5 , 0.25]), 'comment': None, "
                    "'anchors': {'origin': {'x': 0.0, 'y': 0.0}}, 'path': [{'x': 1.0, 'y': 1.0}]}",
                    "<class 'dict'>");
  // Missing optional fields are nullopt; extra keys are ignored; ints are accepted as floats.
  Value v = Value::dict({{"name", "n"}, {"shards", 1}, {"weights", Value::list({1})},
                         {"anchors", Value::dict({})}, {"path", Value::list()}, {"extra", 1}});
  auto r = Codec<model::Config>::from_value(v);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->comment, std::nullopt);
  EXPECT_EQ(r->weights, std::vector<double>{1});
}

TEST(CodecTest, ErrorsNameExpectedAndActualTypes) {
  struct Case {
    Status status;
    const char* message;
  };
  const Case cases[] = {
      {Codec<int32_t>::from_value(Value(3000000000LL)).status(), "int 3000000000 is out of range for int32"},
      {Codec<uint64_t>::from_value(Value(-1)).status(), "int -1 is out of range for uint64"},
      {Codec<int64_t>::from_value(Value::int_from_decimal("1180591620717411303424").value()).status(),
       "int 1180591620717411303424 is out of range for int64"},
      {Codec<int>::from_value(Value(true)).status(), "expected int, got bool"},
      {Codec<int>::from_value(Value(1.5)).status(), "expected int, got float"},
      {Codec<bool>::from_value(Value(1)).status(), "expected bool, got int"},
      {Codec<double>::from_value(Value("1")).status(), "expected float, got str"},
      {Codec<std::string>::from_value(Value(1)).status(), "expected str, got int"},
      {Codec<std::string>::from_value(Value::bytes("x")).status(), "expected str, got bytes"},
      {Codec<Bytes>::from_value(Value("x")).status(), "expected bytes, got str"},
      {Codec<std::vector<std::string>>::from_value(Value::list({"a", 1})).status(),
       "[1]: expected str, got int"},
      {Codec<std::vector<std::string>>::from_value(Value::dict({})).status(), "expected list, got dict"},
      {Codec<std::map<std::string, int>>::from_value(Value::dict({{"a", "x"}})).status(),
       "['a']: expected int, got str"},
      {Codec<std::map<int, int>>::from_value(Value::dict({{"a", 1}})).status(),
       "key ['a']: expected int, got str"},
      {Codec<std::set<int>>::from_value(Value(1)).status(), "expected set, got int"},
      {Codec<std::pair<int, int>>::from_value(Value::tuple({1})).status(),
       "expected a tuple of 2 items, got 1"},
      {Codec<std::tuple<int, std::string>>::from_value(Value::tuple({1, 2})).status(),
       "[1]: expected str, got int"},
      {Codec<std::optional<int>>::from_value(Value("x")).status(), "expected int, got str"},
      {Codec<Point>::from_value(Value::dict({{"x", 1.0}})).status(), "missing field 'y' in dict for Point"},
      {Codec<Point>::from_value(Value::dict({{"x", "a"}, {"y", 1.0}})).status(),
       "Point.x: expected float, got str"},
      {Codec<Point>::from_value(Value::list()).status(), "reading Point: expected dict, got list"},
      {Codec<std::vector<double>>::from_value(Value::foreach_frame("a", "b", 1, 0, 1)).status(),
       "expected numpy.ndarray, got __main__.ForeachFrame"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(c.status.code(), StatusCode::kInvalidArgument) << c.message;
    EXPECT_EQ(c.status.message(), c.message);
  }
}

TEST(CodecTest, JsonAndValue) {
  auto j = nlohmann::json::parse(R"({"a": [1, 2.5, "x", null, true], "n": {"m": -3}})");
  auto bytes = to_pickle(j);
  ASSERT_TRUE(bytes.ok());
  auto value = read_pickle_from_string(*bytes);
  EXPECT_EQ(value->python_repr(), "{'a': [1, 2.5, 'x', None, True], 'n': {'m': -3}}");
  auto back = from_pickle<nlohmann::json>(*bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, j);
  EXPECT_EQ(python_type_of(j), "<class 'dict'>");
  EXPECT_EQ(python_type_of(nlohmann::json(1.5)), "<class 'float'>");
  Value v = Value::tuple({1, Value::frozenset({"a"})});
  expect_round_trip(v, "(1, frozenset({'a'}))", "<class 'tuple'>");
}

TEST(CodecTest, WriterRefusesWhatPythonCouldNotLoad) {
  EXPECT_EQ(write_pickle_to_string(Value(std::string("\xff"))).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(to_pickle(std::string("\xc3")).ok());
  Dict bad;
  bad.set(Value::list({1}), 1);
  EXPECT_FALSE(write_pickle_to_string(Value::dict(bad)).ok());
  EXPECT_FALSE(write_pickle_to_string(Value::set({Value::list()})).ok());
  Value deep = Value::list();
  for (int i = 0; i < kMaxValueDepth + 5; ++i) deep = Value::list({deep});
  auto r = write_pickle_to_string(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("nests deeper"), std::string::npos);
  Value ok = Value::list();
  for (int i = 0; i < kMaxValueDepth - 1; ++i) ok = Value::list({ok});
  auto fine = write_pickle_to_string(ok);
  ASSERT_TRUE(fine.ok());
  EXPECT_TRUE(read_pickle_from_string(*fine).ok());
}

TEST(CodecTest, LoneSurrogatesSurviveLikeCPythonsSurrogatepass) {
  Value s = Value::str("a\xed\xb3\xbf");  // U+DCFF, encoded as CPython's surrogatepass does
  auto bytes = write_pickle_to_string(s);
  ASSERT_TRUE(bytes.ok());
  auto back = read_pickle_from_string(*bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, s);
  EXPECT_EQ(back->python_repr(), "'a\\udcff'");
}

}  // namespace
}  // namespace conflux
