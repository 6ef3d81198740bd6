// Large numeric arrays: the payload goes straight between vector memory and the sink/source
// (checked by pointer), and a 64 MiB round trip through a file runs at memory/disk speed.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>

#include "codec_test_util.hpp"
#include "conflux/codec.hpp"

namespace conflux {
namespace {

// Remembers every write it gets, discarding the data (except small pieces).
class RecordingSink final : public ByteSink {
 public:
  void write(const void* data, size_t n) override {
    writes.emplace_back(data, n);
    total += n;
    if (n < 4096) small.append(static_cast<const char*>(data), n);
  }
  std::vector<std::pair<const void*, size_t>> writes;
  uint64_t total = 0;
  std::string small;
};

// Reads from memory and remembers where each read went.
class RecordingSource final : public ByteSource {
 public:
  explicit RecordingSource(std::string_view data) : inner_(data) {}
  Result<size_t> read(void* buf, size_t n) override {
    auto r = inner_.read(buf, n);
    if (r.ok() && *r > 0) reads.emplace_back(buf, *r);
    return r;
  }
  std::optional<uint64_t> remaining() const override { return inner_.remaining(); }
  std::vector<std::pair<void*, size_t>> reads;

 private:
  StringViewSource inner_;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST(LargeArrayTest, EncodeHandsVectorMemoryToTheSink) {
  std::vector<double> v(1 << 20, 1.25);
  RecordingSink sink;
  ASSERT_TRUE(encode_pickle(v, sink).ok());
  bool direct = false;
  for (const auto& [ptr, n] : sink.writes) {
    direct |= ptr == static_cast<const void*>(v.data()) && n == v.size() * sizeof(double);
  }
  EXPECT_TRUE(direct) << "the payload was copied instead of written from the vector";
  EXPECT_LT(sink.total - v.size() * sizeof(double), 256u);  // header + trailer only
}

TEST(LargeArrayTest, DecodeReadsStraightIntoVectorMemory) {
  std::vector<double> v(1 << 20);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i);
  auto bytes = to_pickle(v);
  ASSERT_TRUE(bytes.ok());
  RecordingSource source(*bytes);
  auto back = decode_pickle<std::vector<double>>(source);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, v);
  // Bytes that arrived directly in the result's memory, i.e. without a staging copy.
  const char* begin = reinterpret_cast<const char*>(back->data());
  const char* end = begin + back->size() * sizeof(double);
  uint64_t direct = 0;
  for (const auto& [ptr, n] : source.reads) {
    if (static_cast<const char*>(ptr) >= begin && static_cast<const char*>(ptr) < end) direct += n;
  }
  EXPECT_GT(direct, v.size() * sizeof(double) - 64 * 1024);
}

TEST(LargeArrayTest, RoundTrip64MiBThroughAFile) {
  constexpr size_t kCount = (size_t{64} << 20) / sizeof(double);
  std::vector<double> v(kCount);
  for (size_t i = 0; i < kCount; ++i) v[i] = static_cast<double>(i) * 0.25;
  testing::TempDir dir;
  auto path = dir.path() / "big.pkl";
  const double mib = static_cast<double>(kCount * sizeof(double)) / (1 << 20);

  auto t0 = std::chrono::steady_clock::now();
  {
    testing::FdSink sink(path);
    ASSERT_TRUE(encode_pickle(v, sink).ok());
  }
  double encode_file = seconds_since(t0);

  t0 = std::chrono::steady_clock::now();
  testing::FdSource source(path);
  auto back = decode_pickle<std::vector<double>>(source);
  double decode_file = seconds_since(t0);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  ASSERT_EQ(back->size(), kCount);
  EXPECT_EQ(std::memcmp(back->data(), v.data(), kCount * sizeof(double)), 0);

  // In memory: encoding into a std::string (one copy, into the string) and decoding from it.
  t0 = std::chrono::steady_clock::now();
  auto bytes = to_pickle(v);
  double encode_mem = seconds_since(t0);
  ASSERT_TRUE(bytes.ok());
  t0 = std::chrono::steady_clock::now();
  auto again = from_pickle<std::vector<double>>(*bytes);
  double decode_mem = seconds_since(t0);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->back(), v.back());

  // The generic Value path, for comparison (one extra copy each way).
  t0 = std::chrono::steady_clock::now();
  auto value = read_pickle_from_string(*bytes);
  auto via_value = Codec<std::vector<double>>::from_value(*value);
  double decode_value = seconds_since(t0);
  ASSERT_TRUE(via_value.ok());

  std::printf("[ info ] 64 MiB vector<double>: encode->file %.0f MiB/s, file->decode %.0f MiB/s, "
              "encode->string %.0f MiB/s, string->decode %.0f MiB/s, via Value %.0f MiB/s\n",
              mib / encode_file, mib / decode_file, mib / encode_mem, mib / decode_mem,
              mib / decode_value);
  RecordProperty("encode_file_mib_s", static_cast<int>(mib / encode_file));
  RecordProperty("decode_file_mib_s", static_cast<int>(mib / decode_file));
  // Sanity bound far below memory bandwidth, so a shared CI machine does not flake.
  EXPECT_LT(encode_file + decode_file, 20.0);
}

TEST(LargeArrayTest, Encode256MiBWithoutCopying) {
  constexpr size_t kCount = (size_t{256} << 20) / sizeof(double);
  std::vector<double> v(kCount, 3.0);
  RecordingSink sink;
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(encode_pickle(v, sink).ok());
  double s = seconds_since(t0);
  EXPECT_EQ(sink.total - kCount * sizeof(double), sink.small.size());  // only the small header/trailer
  std::printf("[ info ] 256 MiB vector<double> encoded to a sink in %.3f ms (no payload copy)\n", s * 1e3);
}

}  // namespace
}  // namespace conflux
