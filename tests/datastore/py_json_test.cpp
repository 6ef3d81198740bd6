#include "base/py_json.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace conflux {
namespace {

std::string float_text(double v) {
  std::string out;
  py_json_float(out, v);
  return out;
}

TEST(PyJsonTest, FloatsMatchPythonRepr) {
  // Expected values are Python 3.11's json.dumps output.
  struct Case {
    double value;
    const char* text;
  };
  const Case cases[] = {
      {1795933086.3198743, "1795933086.3198743"},
      {1.0, "1.0"},
      {1e16, "1e+16"},
      {1e15, "1000000000000000.0"},
      {1e-05, "1e-05"},
      {0.0001, "0.0001"},
      {123.456, "123.456"},
      {-0.0, "-0.0"},
      {0.0, "0.0"},
      {0.1, "0.1"},
      {1e22, "1e+22"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {2.5e-7, "2.5e-07"},
      {100.0, "100.0"},
      {-12345.678, "-12345.678"},
  };
  for (const Case& c : cases) EXPECT_EQ(float_text(c.value), c.text);
  EXPECT_EQ(float_text(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(float_text(-std::numeric_limits<double>::infinity()), "-Infinity");
}

TEST(PyJsonTest, StringsAreEscapedLikeEnsureAscii) {
  std::string out;
  py_json_string(out, "a\"b\\c\n\t\x01\x7f\xe2\x9c\x93\xf0\x9f\x98\x80 \xc3\xa9");
  EXPECT_EQ(out, R"("a\"b\\c\n\t\u0001\u007f\u2713\ud83d\ude00 \u00e9")");
  out.clear();
  py_json_string(out, "bad\xff");
  EXPECT_EQ(out, R"("bad\ufffd")");
}

// Bytes that are not well-formed UTF-8 (Python's str cannot hold them) are written as U+FFFD, one
// per byte, so the file stays valid JSON; well-formed text around them is kept.
TEST(PyJsonTest, MalformedUtf8BecomesReplacementCharacters) {
  auto text = [](std::string_view s) {
    std::string out;
    py_json_string(out, s);
    return out;
  };
  EXPECT_EQ(text("a\xff" "b"), R"("a\ufffdb")");
  EXPECT_EQ(text("\xc0\x80"), R"("\ufffd\ufffd")");              // overlong NUL
  EXPECT_EQ(text("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");     // an encoded surrogate
  EXPECT_EQ(text("\xe2\x82"), R"("\ufffd\ufffd")");              // truncated
  EXPECT_EQ(text("\xf0\x9f\x98\x80!"), R"("\ud83d\ude00!")");    // U+1F600 as a pair
  EXPECT_EQ(py_json_dumps(nlohmann::ordered_json{{"k", "\xe2\x82\xac"}}), R"({"k": "\u20ac"})");
}

TEST(PyJsonTest, ObjectsUsePythonSeparators) {
  std::string out;
  PyJsonObject obj(out);
  obj.add_string("s", "x").add_int("i", -3).add_bool("t", true).add_null("n");
  obj.add_strings("l", {"a", "b"}).add_strings("e", {});
  PyJsonObject(obj.key("o")).finish();
  obj.finish();
  EXPECT_EQ(out, R"({"s": "x", "i": -3, "t": true, "n": null, "l": ["a", "b"], "e": [], "o": {}})");
  std::string generic;
  py_json_value(generic,
                nlohmann::ordered_json::parse(R"({"b": [1, "x", null, true, 2.5], "a": {}})"));
  EXPECT_EQ(generic, R"({"b": [1, "x", null, true, 2.5], "a": {}})");
}

}  // namespace
}  // namespace conflux
