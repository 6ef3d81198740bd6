// The safe reader: protocol 0-5 opcodes, refusal of arbitrary globals, and robustness against
// truncated, corrupt, deeply nested, self-referencing and size-lying input.
#include <gtest/gtest.h>

#include <random>

#include "codec_test_util.hpp"
#include "conflux/codec.hpp"

namespace conflux {
namespace {

using testing::from_hex;
using testing::load_json;

// Hands out at most `chunk` bytes per read and does not know its size, like a network stream.
class TrickleSource final : public ByteSource {
 public:
  TrickleSource(std::string_view data, size_t chunk) : data_(data), chunk_(chunk) {}
  Result<size_t> read(void* buf, size_t n) override {
    size_t k = std::min({n, chunk_, data_.size() - pos_});
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::string_view data_;
  size_t chunk_;
  size_t pos_ = 0;
};

Result<Value> read(std::string_view bytes) { return read_pickle_from_string(bytes); }

std::string repr_of(std::string_view bytes) {
  auto v = read(bytes);
  return v.ok() ? v->python_repr() : "ERROR: " + v.status().to_string();
}

// All pickles of the fixtures.
std::vector<std::pair<std::string, std::string>> all_fixture_pickles() {
  std::vector<std::pair<std::string, std::string>> out;
  auto doc = load_json("python_pickles.json");
  for (const char* section : {"cases", "metaflow"}) {
    for (const auto& c : doc[section]) {
      out.emplace_back(c["name"].get<std::string>(), from_hex(c["pickle_hex"].get<std::string>()));
    }
  }
  auto artifacts = load_json("artifact_values.json");
  for (const auto& a : artifacts["artifacts"]) {
    out.emplace_back(a["name"].get<std::string>(), from_hex(a["pickle_hex"].get<std::string>()));
  }
  return out;
}

TEST(PickleReaderTest, TextProtocolOpcodes) {
  struct Case {
    std::string pickle;
    const char* repr;
  };
  const Case cases[] = {
      {"I42\n.", "42"},
      {"I01\n.", "True"},
      {"I00\n.", "False"},
      {"I123456789012345678901234567890\n.", "123456789012345678901234567890"},
      {"L-99999999999999999999L\n.", "-99999999999999999999"},
      {"F2.5\n.", "2.5"},
      {"Finf\n.", "inf"},
      {"S'it\\'s \\x41\\n'\n.", "\"it's A\\n\""},
      {"Vcaf\\u00e9 \\U0001f600\n.", "'caf\xc3\xa9 \xf0\x9f\x98\x80'"},
      {"(lp0\nI1\naI2\na.", "[1, 2]"},
      {"(dp0\nVa\np1\nI1\nsg1\nI2\ns.", "{'a': 2}"},  // GET of a str key replaces the value
      {"(I1\nI2\ntp0\n.", "(1, 2)"},
      {"(I1\nS'x'\nd.", "{1: 'x'}"},
      {"c__builtin__\nset\n((lI1\naI2\natR.", "{1, 2}"},
      {"c_codecs\nencode\n(V\\u00ff\nS'latin1'\ntR.", "b'\\xff'"},
      {"(I3\nc__builtin__\nfrozenset\no.", "ERROR"},  // OBJ: class must come first
      {"(c__builtin__\nfrozenset\n(I3\nltR.", "ERROR"},  // REDUCE below a MARK fence
      {"(c__builtin__\nfrozenset\n(lI3\naI4\nao.", "frozenset({3, 4})"},
      {"(i__builtin__\nset\n.", "set()"},
      {"N(1I5\n.", "5"},   // POP_MARK discards the marked items
      {"I5\n(0.", "5"},    // POP of a MARK
      {"I5\n2\x86.", "(5, 5)"},  // DUP
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.pickle);
    std::string got = repr_of(c.pickle);
    if (std::string(c.repr) == "ERROR") {
      EXPECT_TRUE(got.starts_with("ERROR")) << got;
    } else {
      EXPECT_EQ(got, c.repr);
    }
  }
}

TEST(PickleReaderTest, BinaryOpcodes) {
  struct Case {
    std::string pickle;
    const char* repr;
  };
  using namespace std::string_literals;
  const Case cases[] = {
      {"\x80\x02K\xff."s, "255"},
      {"\x80\x02M\x00\x01."s, "256"},
      {"\x80\x02J\xff\xff\xff\xff."s, "-1"},
      {"\x80\x02\x8a\x00."s, "0"},
      {"\x80\x02\x8b\x09\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xc0."s, "-1180591620717411303424"},
      {"\x80\x02G\x3f\xf8\x00\x00\x00\x00\x00\x00."s, "1.5"},
      {"\x80\x03U\x03" "abc."s, "'abc'"},
      {"\x80\x03T\x02\x00\x00\x00\xe9x."s, "'\xc3\xa9x'"},
      {"\x80\x03X\x02\x00\x00\x00\xc3\xa9."s, "'\xc3\xa9'"},
      {"\x80\x04\x8d\x01\x00\x00\x00\x00\x00\x00\x00z."s, "'z'"},
      {"\x80\x03" "C\x02\x00\x01."s, "b'\\x00\\x01'"},
      {"\x80\x04\x8e\x01\x00\x00\x00\x00\x00\x00\x00z."s, "b'z'"},
      {"\x80\x05\x96\x01\x00\x00\x00\x00\x00\x00\x00z."s, "b'z'"},  // bytearray reads as bytes
      {"\x80\x04\x8f(K\x01K\x01K\x02\x90."s, "{1, 2}"},
      {"\x80\x04(K\x01\x91."s, "frozenset({1})"},
      {"\x80\x02]q\x00(K\x01h\x00" "e."s, "ERROR"},  // list containing itself
      {"\x80\x02K\x01q\x07K\x02h\x07\x86."s, "(2, 1)"},
      {"\x80\x02K\x01r\x00\x00\x01\x00j\x00\x00\x01\x00\x85."s, "(1,)"},  // sparse memo index
      {"\x80\x04}(K\x01K\x02K\x01K\x03u."s, "{1: 3}"},
      {"\x80\x04\x8c\x0b" "collections\x8c\x0bOrderedDict\x93)R}b."s, "{}"},
      {"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00K\x07\x94."s, "7"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(repr_of(c.pickle));
    std::string got = repr_of(c.pickle);
    if (std::string(c.repr) == "ERROR") {
      EXPECT_TRUE(got.starts_with("ERROR")) << got;
    } else {
      EXPECT_EQ(got, c.repr);
    }
  }
}

TEST(PickleReaderTest, SharedReferencesStayShared) {
  // [x, x, (x,)] with x = [1, 2]: x is filled after being memoized, so every reference must see
  // the items (value semantics would leave copies empty).
  auto doc = load_json("python_pickles.json");
  for (const auto& c : doc["cases"]) {
    if (!c["name"].get<std::string>().starts_with("shared_p")) continue;
    auto v = read(from_hex(c["pickle_hex"].get<std::string>()));
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->python_repr(), "[[1, 2], [1, 2], ([1, 2],)]");
  }
}

TEST(PickleReaderTest, MaliciousGlobalsAreRefusedByName) {
  using namespace std::string_literals;
  struct Case {
    std::string pickle;
    const char* type;
  };
  const Case cases[] = {
      {"cos\nsystem\n(S'touch /tmp/conflux-pwned'\ntR.", "os.system"},
      {"cposix\nsystem\n(S'touch /tmp/conflux-pwned'\ntR.", "posix.system"},
      {"(S'touch /tmp/conflux-pwned'\nios\nsystem\n.", "os.system"},  // INST
      {"\x80\x04\x8c\x08" "builtins\x8c\x04" "eval\x93\x8c\x04None\x85R."s, "builtins.eval"},
      {"\x80\x04\x8c\nsubprocess\x8c\x05Popen\x93\x8c\x02ls\x85\x81."s, "subprocess.Popen"},
      {"\x80\x04\x8c\x11pandas.core.frame\x94\x8c\tDataFrame\x94\x93\x94)\x81\x94."s,
       "pandas.core.frame.DataFrame"},
      {"ccopy_reg\n_reconstructor\n(c__main__\nFoo\nc__builtin__\nobject\nNtR."s,
       "copy_reg._reconstructor"},
      {"\x80\x04\x8c\x08" "builtins\x8c\x07getattr\x93."s, "builtins.getattr"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.type);
    auto v = read(c.pickle);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.status().code(), StatusCode::kNotSupported);
    EXPECT_EQ(v.status().message(), "unsupported Python type '" + std::string(c.type) +
                                        "' (only standard types can be read)");
  }
  EXPECT_FALSE(std::filesystem::exists("/tmp/conflux-pwned"));
  // Whitelisted classes cannot be called in unexpected ways either.
  auto v = read("\x80\x04\x8c\x05numpy\x8c\x07ndarray\x93)R."s);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kNotSupported);
}

TEST(PickleReaderTest, UnsupportedFeatures) {
  using namespace std::string_literals;
  const std::string cases[] = {
      "Pabc\n.",                           // PERSID
      "\x80\x02N\x51."s,                   // BINPERSID
      "\x80\x02\x82\x01."s,                // EXT1
      "\x80\x05\x97."s,                    // NEXT_BUFFER
      "\x80\x06N."s,                       // protocol 6
  };
  for (const std::string& p : cases) {
    auto v = read(p);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.status().code(), StatusCode::kNotSupported) << v.status().to_string();
  }
}

TEST(PickleReaderTest, CorruptInputIsCorruption) {
  using namespace std::string_literals;
  const std::string cases[] = {
      "",                                 // empty
      "\x80\x04"s,                        // no STOP
      "\x80\x04."s,                       // STOP on an empty stack
      "\x80\x04\xff."s,                   // invalid opcode
      "\x80\x04" "a."s,                      // APPEND with nothing
      "\x80\x04K\x01" "a."s,                 // APPEND to an int
      "\x80\x04(e."s,                     // APPENDS without a list
      "\x80\x04" "e."s,                      // APPENDS without MARK
      "\x80\x04}(K\x01u."s,               // odd SETITEMS
      "\x80\x04}]K\x01s."s,               // unhashable key
      "\x80\x04h\x05."s,                  // memo key missing
      "\x80\x04\x8c\x02\xff\xfe."s,       // str not UTF-8
      "\x80\x04K\x01K\x02\x93."s,         // STACK_GLOBAL with ints
      "\x80\x04K\x01(\x85."s,             // TUPLE1 across a MARK
      "\x80\x04\x8b\xff\xff\xff\xff."s,   // negative LONG4 size
      "I12x\n.",                          // bad INT
      "Fabc\n.",                          // bad FLOAT
      "S'abc\n.",                         // bad STRING
      "gxyz\n.",                          // bad memo index
  };
  for (const std::string& p : cases) {
    SCOPED_TRACE(testing::to_hex(p));
    auto v = read(p);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.status().code(), StatusCode::kCorruption) << v.status().to_string();
  }
}

TEST(PickleReaderTest, EveryTruncationIsAnErrorNotACrash) {
  int checked = 0;
  for (const auto& [name, bytes] : all_fixture_pickles()) {
    if (bytes.size() > 20000) continue;  // keep the quadratic loop fast
    for (size_t n = 0; n < bytes.size(); ++n) {
      auto v = read(std::string_view(bytes).substr(0, n));
      ASSERT_FALSE(v.ok()) << name << " truncated to " << n;
      ASSERT_EQ(v.status().code(), StatusCode::kCorruption) << name << ": " << v.status().to_string();
      ++checked;
    }
  }
  EXPECT_GT(checked, 20000);
}

TEST(PickleReaderTest, RandomCorruptionNeverCrashes) {
  std::mt19937 rng(1234);
  auto pickles = all_fixture_pickles();
  int ok = 0, failed = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string bytes = pickles[rng() % pickles.size()].second;
    if (bytes.size() > 5000) continue;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      size_t pos = rng() % bytes.size();
      switch (rng() % 3) {
        case 0: bytes[pos] = static_cast<char>(rng()); break;
        case 1: bytes.erase(pos, 1); break;
        default: bytes.insert(pos, 1, static_cast<char>(rng())); break;
      }
      if (bytes.empty()) break;
    }
    auto v = read(bytes);
    if (v.ok()) {
      ++ok;
      (void)v->python_repr();  // whatever came out must be usable
      (void)v->to_tagged_json();
      auto again = write_pickle_to_string(*v);
      (void)again;
    } else {
      ++failed;
    }
  }
  EXPECT_GT(failed, 0);
  std::printf("[ info ] corrupted pickles: %d decoded, %d refused\n", ok, failed);
}

TEST(PickleReaderTest, ChunkedSourcesGiveTheSameValues) {
  for (const auto& [name, bytes] : all_fixture_pickles()) {
    SCOPED_TRACE(name);
    auto whole = read(bytes);
    ASSERT_TRUE(whole.ok());
    for (size_t chunk : {1, 7, 4096}) {
      TrickleSource source(bytes, chunk);
      auto v = read_pickle(source);
      ASSERT_TRUE(v.ok()) << v.status().to_string();
      EXPECT_EQ(*v, *whole);
    }
  }
}

TEST(PickleReaderTest, DeepNestingIsRefusedWithoutCrashing) {
  for (size_t depth : {1000, 1001, 300000}) {
    SCOPED_TRACE(depth);
    // [[[...]]] built with EMPTY_LIST ... APPEND ...
    std::string p = "\x80\x04";
    p.append(depth, ']');
    p.append(depth - 1, 'a');
    p += '.';
    auto v = read(p);
    if (depth <= static_cast<size_t>(kMaxValueDepth)) {
      ASSERT_TRUE(v.ok()) << v.status().to_string();
    } else {
      ASSERT_FALSE(v.ok());
      EXPECT_NE(v.status().message().find("nests deeper"), std::string::npos);
    }
    // Truncated before STOP: the half-built structure must be released iteratively.
    auto t = read(std::string_view(p).substr(0, p.size() - 2));
    EXPECT_FALSE(t.ok());
  }
  // Deep tuples used as a dict key.
  std::string p = "\x80\x04}N";
  for (int i = 0; i < 100000; ++i) p += "\x85";
  p += "K\x01s.";
  auto v = read(p);
  ASSERT_FALSE(v.ok());
  // A deep structure that is popped and discarded.
  std::string q = "\x80\x04";
  q.append(200000, ']');
  q.append(199999, 'a');
  q += "0N.";
  auto w = read(q);
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w->is_none());
}

TEST(PickleReaderTest, SelfReferencesAndExplosiveSharing) {
  using namespace std::string_literals;
  // A list containing itself via the memo and via DUP.
  EXPECT_FALSE(read("\x80\x04]\x94h\x00" "a."s).ok());
  EXPECT_FALSE(read("\x80\x04]2a."s).ok());
  // A garbage cycle that is dropped before STOP: fine, and (under ASan) not leaked.
  auto g = read("\x80\x04]2a0N."s);
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(g->is_none());
  // x0 = []; x_{i+1} = [x_i, x_i]: 2^80 nodes once expanded.
  std::string p = "\x80\x04]\x94";
  for (int i = 0; i < 80; ++i) {
    p += "]\x94";
    p += "(j" + std::string(reinterpret_cast<const char*>(&i), 4) + "j" +
         std::string(reinterpret_cast<const char*>(&i), 4) + "e";
  }
  p += ".";
  auto v = read(p);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("expand"), std::string::npos) << v.status().to_string();
  // Modest sharing is fine: one string referenced 10000 times.
  std::string s = "\x80\x04\x8c\x03" "abc\x94" "0" "]\x94(";
  for (int i = 0; i < 10000; ++i) s += "h\x00"s;
  s += "e.";
  auto shared = read(s);
  ASSERT_TRUE(shared.ok()) << shared.status().to_string();
  EXPECT_EQ(shared->items().size(), 10000u);
  EXPECT_EQ(shared->items()[9999].as_str(), "abc");
}

TEST(PickleReaderTest, LyingLengthsDoNotAllocate) {
  using namespace std::string_literals;
  // BINBYTES8 claiming 2^60 bytes: known-size sources fail before allocating...
  std::string p = "\x80\x04\x8e\x00\x00\x00\x00\x00\x00\x00\x10xyz."s;
  auto v = read(p);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kCorruption);
  // ...and unknown-size sources allocate only as data arrives.
  TrickleSource source(p, 3);
  auto w = read_pickle(source);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), StatusCode::kCorruption);
  // The same for a numpy array whose payload would go to a LargeBytesSink.
  auto x = from_pickle<std::vector<double>>(p);
  EXPECT_FALSE(x.ok());
}

// Records where large payloads went.
class RecordingLargeBytesSink final : public LargeBytesSink {
 public:
  size_t threshold() const override { return 1000; }
  void* begin_large_bytes(uint64_t size) override {
    buffers.emplace_back(size, '\0');
    return buffers.back().data();
  }
  std::vector<std::string> buffers;
};

TEST(PickleReaderTest, LargeBytesSinkReceivesPayloads) {
  std::string big(5000, 'x');
  big[4999] = 'y';
  Value v = Value::tuple({Value::bytes(big), Value::bytes("small")});
  auto bytes = write_pickle_to_string(v);
  ASSERT_TRUE(bytes.ok());
  StringViewSource source(*bytes);
  RecordingLargeBytesSink sink;
  ReadOptions options;
  options.large_bytes = &sink;
  auto r = read_pickle(source, options);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(sink.buffers.size(), 1u);
  EXPECT_EQ(sink.buffers[0], big);
  EXPECT_EQ(r->items()[0].as_bytes(), "");  // placeholder
  EXPECT_EQ(r->items()[1].as_bytes(), "small");
  // An ndarray payload gives a detached array with its dtype and shape.
  std::vector<double> d(1000, 2.0);
  auto arr = to_pickle(d);
  ASSERT_TRUE(arr.ok());
  StringViewSource source2(*arr);
  RecordingLargeBytesSink sink2;
  options.large_bytes = &sink2;
  auto a = read_pickle(source2, options);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(a->is_ndarray());
  EXPECT_TRUE(a->as_ndarray().detached);
  EXPECT_EQ(a->as_ndarray().shape, std::vector<int64_t>{1000});
  EXPECT_EQ(sink2.buffers[0].size(), 8000u);
  EXPECT_NE(a->python_repr().find("8000 bytes delivered elsewhere"), std::string::npos);
  EXPECT_FALSE(write_pickle_to_string(*a).ok());  // cannot re-pickle without the data
}

}  // namespace
}  // namespace conflux
