// Real pickles written by Python: Metaflow's own artifacts (artifact_values.json, the whole
// fixture tree) and the values of gen_python_pickles.py, decoded and compared with what Python
// printed for them; then re-encoded and compared with the original bytes.
#include <gtest/gtest.h>

#include <set>

#include "codec_test_util.hpp"
#include "conflux/codec.hpp"

namespace conflux {
namespace {

using testing::from_hex;
using testing::load_json;
using testing::to_hex;

// Artifacts whose CPython pickle reuses interned strings through the memo (BINGET), which our
// writer cannot know about; everything else must be byte-identical.
bool uses_string_memo(const std::string& hex) {
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    if (hex.compare(i, 2, "68") == 0) return true;  // crude but conservative: a BINGET byte
  }
  return false;
}

TEST(MetaflowArtifactsTest, EveryArtifactDecodesToPythonsView) {
  auto doc = load_json("artifact_values.json");
  ASSERT_EQ(doc["artifacts"].size(), 19u);
  for (const auto& a : doc["artifacts"]) {
    SCOPED_TRACE(a["name"].get<std::string>());
    auto v = read_pickle_from_string(from_hex(a["pickle_hex"].get<std::string>()));
    ASSERT_TRUE(v.ok()) << v.status().to_string();
    EXPECT_EQ(v->to_tagged_json().dump(), a["tagged_json"].dump());
    EXPECT_EQ(v->python_repr(), a["repr"].get<std::string>());
    EXPECT_EQ(v->python_type(), a["info"]["type"].get<std::string>());
    // Python's json has unbounded ints; ours renders ints beyond uint64 as strings.
    if (!a["json"].is_null() && !v->is_big_int()) EXPECT_EQ(v->to_json().dump(), a["json"].dump());
  }
}

TEST(MetaflowArtifactsTest, ReencodingIsByteIdenticalToMetaflow) {
  auto doc = load_json("artifact_values.json");
  int identical = 0;
  for (const auto& a : doc["artifacts"]) {
    SCOPED_TRACE(a["name"].get<std::string>());
    std::string original = from_hex(a["pickle_hex"].get<std::string>());
    auto v = read_pickle_from_string(original);
    ASSERT_TRUE(v.ok());
    auto again = write_pickle_to_string(*v);
    ASSERT_TRUE(again.ok()) << again.status().to_string();
    // _foreach_stack of NestedForeachFlow reuses the ForeachFrame class via BINGET, which we do
    // too; all 19 artifacts come out identical.
    EXPECT_EQ(to_hex(*again), a["pickle_hex"].get<std::string>());
    identical += *again == original;
  }
  EXPECT_EQ(identical, 19);
}

TEST(MetaflowArtifactsTest, CatchFlowExceptionWrapper) {
  auto doc = load_json("python_pickles.json");
  const nlohmann::json* err = nullptr;
  for (const auto& c : doc["metaflow"]) {
    // `err` and `_catch_exception` are the same blob; the tree lists it once.
    if (c["name"].get<std::string>().starts_with("CatchFlow/") &&
        c["python_type"].get<std::string>().find("MetaflowExceptionWrapper") != std::string::npos) {
      err = &c;
    }
  }
  ASSERT_NE(err, nullptr);
  std::string original = from_hex((*err)["pickle_hex"].get<std::string>());
  auto v = read_pickle_from_string(original);
  ASSERT_TRUE(v.ok()) << v.status().to_string();
  ASSERT_TRUE(v->is_object());
  EXPECT_EQ(v->python_type(), "<class 'metaflow.exception.MetaflowExceptionWrapper'>");
  const PyObject& o = v->as_object();
  EXPECT_EQ(o.state.get("type")->as_str(), "builtins.ValueError");
  EXPECT_EQ(o.state.get("exception")->as_str(), "deliberate failure caught by @catch");
  EXPECT_TRUE(o.state.get("stacktrace")->as_str().starts_with("Traceback (most recent call last)"));
  EXPECT_EQ(v->python_repr(), (*err)["repr"].get<std::string>());
  // Writing it back gives Metaflow's bytes.
  auto again = write_pickle_to_string(*v);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(to_hex(*again), to_hex(original));
  // And the helper builds the same thing.
  Value built = Value::exception_wrapper(o.state.get("exception")->as_str(), "builtins.ValueError",
                                         o.state.get("stacktrace")->as_str());
  EXPECT_EQ(built, *v);
}

TEST(MetaflowArtifactsTest, EveryBlobInTheFixtureTreeDecodes) {
  auto doc = load_json("python_pickles.json");
  ASSERT_GT(doc["metaflow"].size(), 100u);
  int identical = 0, total = 0;
  for (const auto& c : doc["metaflow"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    std::string original = from_hex(c["pickle_hex"].get<std::string>());
    auto v = read_pickle_from_string(original);
    ASSERT_TRUE(v.ok()) << v.status().to_string();
    EXPECT_EQ(v->python_type(), c["python_type"].get<std::string>());
    EXPECT_EQ(v->python_repr(), c["repr"].get<std::string>());
    EXPECT_EQ(v->to_tagged_json().dump(), c["tagged_json"].dump());
    auto again = write_pickle_to_string(*v);
    ASSERT_TRUE(again.ok());
    auto back = read_pickle_from_string(*again);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, *v);
    ++total;
    identical += *again == original;
    if (!uses_string_memo(c["pickle_hex"].get<std::string>())) EXPECT_EQ(to_hex(*again), to_hex(original));
  }
  std::printf("[ info ] %d of %d Metaflow blobs re-encode byte-identically\n", identical, total);
}

TEST(PythonPicklesTest, EveryCaseDecodesToPythonsView) {
  auto doc = load_json("python_pickles.json");
  for (const auto& c : doc["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    auto v = read_pickle_from_string(from_hex(c["pickle_hex"].get<std::string>()));
    ASSERT_TRUE(v.ok()) << v.status().to_string();
    std::string name = c["name"].get<std::string>();
    // Documented lossy mappings: numpy scalars become plain numbers, OrderedDict a dict and
    // bytearray bytes; their tagged JSON still matches.
    bool lossy = name.starts_with("np_scalar") || name.starts_with("ordered_dict") ||
                 name.starts_with("bytearray");
    if (!lossy) {
      EXPECT_EQ(v->python_type(), c["python_type"].get<std::string>());
      if (!c["repr"].is_null()) EXPECT_EQ(v->python_repr(), c["repr"].get<std::string>());
    }
    EXPECT_EQ(v->to_tagged_json().dump(), c["tagged_json"].dump());
    // Our own pickle of the value reads back equal.
    auto again = write_pickle_to_string(*v);
    ASSERT_TRUE(again.ok()) << again.status().to_string();
    auto back = read_pickle_from_string(*again);
    ASSERT_TRUE(back.ok()) << back.status().to_string();
    EXPECT_EQ(*back, *v);
  }
}

TEST(PythonPicklesTest, NumpyArraysKeepDtypeAndShape) {
  auto doc = load_json("python_pickles.json");
  struct Want {
    const char* name;
    const char* dtype;
    std::vector<int64_t> shape;
  };
  const Want wants[] = {
      {"np_f8_p4", "<f8", {4}},        {"np_i8", "<i8", {5}},          {"np_f4_2x2", "<f4", {2, 2}},
      {"np_u1", "|u1", {6}},           {"np_b1", "|b1", {3}},          {"np_be_f8", "<f8", {2}},
      {"np_fortran_2x3", "<i8", {2, 3}}, {"np_0d", "<f8", {}},         {"np_empty_2d", "<f8", {0, 3}},
      {"np_i8_p5", "<i8", {4}},        {"np_arange3_p2", "<f8", {3}},       {"np_f2", "<f2", {2}},
  };
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& c : doc["cases"]) by_name[c["name"].get<std::string>()] = c;
  for (const Want& w : wants) {
    SCOPED_TRACE(w.name);
    ASSERT_TRUE(by_name.count(w.name));
    auto v = read_pickle_from_string(from_hex(by_name[w.name]["pickle_hex"].get<std::string>()));
    ASSERT_TRUE(v.ok()) << v.status().to_string();
    ASSERT_TRUE(v->is_ndarray());
    EXPECT_EQ(v->as_ndarray().dtype, w.dtype);
    EXPECT_EQ(v->as_ndarray().shape, w.shape);
  }
  // Big-endian and Fortran-ordered data is converted to little-endian C order.
  auto be = read_pickle_from_string(from_hex(by_name["np_be_f8"]["pickle_hex"].get<std::string>()));
  auto doubles = Codec<std::vector<double>>::from_value(*be);
  ASSERT_TRUE(doubles.ok());
  EXPECT_EQ(*doubles, (std::vector<double>{1.0, 2.5}));
  auto f = read_pickle_from_string(from_hex(by_name["np_fortran_2x3"]["pickle_hex"].get<std::string>()));
  EXPECT_EQ(f->to_json().dump(), "[[0,1,2],[3,4,5]]");
}

TEST(PythonPicklesTest, PythonWrittenArraysDecodeIntoVectors) {
  auto doc = load_json("python_pickles.json");
  for (const auto& c : doc["cases"]) {
    std::string name = c["name"].get<std::string>();
    std::string bytes = from_hex(c["pickle_hex"].get<std::string>());
    if (name == "np_f8_p4" || name == "np_f8_p0" || name == "np_f8_p2" || name == "np_f8_p5") {
      SCOPED_TRACE(name);
      auto v = from_pickle<std::vector<double>>(bytes);
      ASSERT_TRUE(v.ok()) << v.status().to_string();
      EXPECT_EQ(*v, (std::vector<double>{0.5, 0.25, 0.125, 0.0}));
    }
    if (name == "np_i8" || name == "np_i8_p5") {
      SCOPED_TRACE(name);
      auto v = from_pickle<std::vector<int64_t>>(bytes);
      ASSERT_TRUE(v.ok()) << v.status().to_string();
      EXPECT_EQ((*v)[3], 3);
    }
    if (name == "np_f8_big_p5") {  // protocol 5, BYTEARRAY8 payload outside frames
      auto v = from_pickle<std::vector<double>>(bytes);
      ASSERT_TRUE(v.ok()) << v.status().to_string();
      ASSERT_EQ(v->size(), 9000u);
      EXPECT_EQ((*v)[8999], 8999.0);
    }
  }
}

TEST(PythonPicklesTest, UnsupportedTypesAreRefusedByName) {
  auto doc = load_json("python_pickles.json");
  const std::map<std::string, std::string> expected = {
      {"collections.Counter", "unsupported Python type 'collections.Counter'"},
      {"datetime.datetime", "unsupported Python type 'datetime.datetime'"},
      {"decimal.Decimal", "unsupported Python type 'decimal.Decimal'"},
      {"__main__.Thing", "unsupported Python type '__main__.Thing'"},
      {"builtins.complex", "unsupported Python type 'builtins.complex'"},
      {"numpy.dtype[complex128]", "unsupported numpy dtype '<c16'"},
  };
  ASSERT_EQ(doc["refused"].size(), expected.size());
  for (const auto& c : doc["refused"]) {
    std::string name = c["name"].get<std::string>();
    SCOPED_TRACE(name);
    auto v = read_pickle_from_string(from_hex(c["pickle_hex"].get<std::string>()));
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.status().code(), StatusCode::kNotSupported);
    EXPECT_NE(v.status().message().find(expected.at(name)), std::string::npos) << v.status().message();
  }
}

}  // namespace
}  // namespace conflux
