// Large-blob gzip: members (gzip_members) with both engines, and the parallel sink and source.
#include "datastore/parallel_gzip.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>

#include "datastore/ds_test_util.hpp"
#include "datastore/gzip_codec.hpp"
#include "datastore/gzip_members.hpp"
#include "datastore/isal_library.hpp"

namespace conflux {
namespace {

// Text-like content (compresses) and xorshift bytes (does not).
std::string compressible(size_t n) {
  std::string s;
  s.reserve(n);
  for (size_t i = 0; s.size() < n; ++i) s += "row " + std::to_string(i % 977) + ", ";
  s.resize(n);
  return s;
}
std::string random_bytes(size_t n, uint64_t seed) {
  std::string s(n, '\0');
  uint64_t x = seed | 1;
  for (char& c : s) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

std::vector<DeflateEngine> engines() {
  std::vector<DeflateEngine> out{DeflateEngine::kZlib};
  if (isal::available()) out.push_back(DeflateEngine::kIsal);
  return out;
}

// ISA-L comes with the build dependencies (scripts/install-deps.sh): the fast path is tested.
TEST(GzipMemberTest, IsalIsAvailableWhereConfluxIsBuilt) { EXPECT_TRUE(isal::available()); }

TEST(GzipMemberTest, RoundTripsWithEitherEngine) {
  for (DeflateEngine engine : engines()) {
    for (const std::string& content : {std::string(), std::string("x"), compressible(300000),
                                       random_bytes(200000, 3), std::string(1 << 20, '\0')}) {
      MemberBuffer member = gzip_member(content, engine);
      std::optional<uint32_t> size = gzip_member_size(member.view().substr(0, kGzipMemberHeaderSize));
      ASSERT_TRUE(size.has_value());
      EXPECT_EQ(*size, member.size);
      // Either engine reads what either wrote, and so does zlib's plain gunzip.
      for (DeflateEngine reader : engines()) {
        Result<MemberBuffer> back = gunzip_member(member.view(), reader);
        ASSERT_TRUE(back.ok()) << back.status().to_string();
        EXPECT_EQ(back->view(), content);
      }
      EXPECT_EQ(gunzip(member.view()).value(), content);
    }
  }
}

TEST(GzipMemberTest, IncompressibleContentIsStoredNotGrown) {
  const std::string content = random_bytes(1 << 20, 5);
  for (DeflateEngine engine : engines()) {
    MemberBuffer member = gzip_member(content, engine);
    const size_t blocks = content.size() / 65535 + 1;  // stored blocks cost 5 bytes each
    EXPECT_EQ(member.size, kGzipMemberHeaderSize + content.size() + 5 * blocks + kGzipMemberTrailerSize);
  }
  MemberBuffer text = gzip_member(compressible(1 << 20));
  EXPECT_LT(text.size, (1u << 20) / 4);
}

TEST(GzipMemberTest, DamageIsCorruptionNotGarbage) {
  const std::string content = compressible(100000);
  MemberBuffer member = gzip_member(content);
  for (DeflateEngine engine : engines()) {
    MemberBuffer crc_bad = gzip_member(content);
    crc_bad.data[crc_bad.size - 8] ^= 1;  // CRC-32
    EXPECT_EQ(gunzip_member(crc_bad.view(), engine).status().code(), StatusCode::kCorruption);
    MemberBuffer body_bad = gzip_member(content);
    body_bad.data[kGzipMemberHeaderSize + 40] ^= 0x55;
    EXPECT_EQ(gunzip_member(body_bad.view(), engine).status().code(), StatusCode::kCorruption);
    EXPECT_EQ(gunzip_member(member.view().substr(0, 25), engine).status().code(),
              StatusCode::kCorruption);
  }
  // Another writer's gzip header is not taken for ours.
  const std::string plain = gzip_compress(content).value();
  EXPECT_FALSE(gzip_member_size(std::string_view(plain).substr(0, kGzipMemberHeaderSize)));
}

std::string sink_all(const std::string& content, size_t chunk, int threads, size_t piece) {
  StringSink out;
  ParallelGzipSink gz(out, ParallelGzipOptions{.chunk_size = chunk, .threads = threads});
  for (size_t i = 0; i < content.size(); i += piece) {
    gz.write(content.data() + i, std::min(piece, content.size() - i));
  }
  EXPECT_TRUE(gz.finish().ok());
  return out.take();
}

std::string source_all(std::string_view compressed, int threads, size_t piece) {
  ParallelGunzipSource in(std::make_unique<StringViewSource>(compressed), threads);
  Result<std::string> all = testing::read_all(in, piece);
  EXPECT_TRUE(all.ok()) << all.status().to_string();
  return all.ok() ? *all : std::string();
}

TEST(ParallelGzipTest, RoundTripsAtChunkBoundaries) {
  const size_t chunk = 4096;
  const std::string text = compressible(10 * chunk + 123) + random_bytes(3 * chunk, 7);
  for (size_t n : {size_t{0}, size_t{1}, chunk - 1, chunk, chunk + 1, 3 * chunk, text.size()}) {
    const std::string content = text.substr(0, n);
    for (int threads : {1, 2, 4}) {
      const std::string packed = sink_all(content, chunk, threads, 1000);
      EXPECT_EQ(source_all(packed, threads, 777), content) << n << " bytes, " << threads << " threads";
      EXPECT_EQ(gunzip(packed).value(), content);
    }
  }
}

TEST(ParallelGzipTest, OneMemberPerChunkInOrder) {
  const size_t chunk = 10000;
  const std::string content = compressible(5 * chunk + 1);
  const std::string packed = sink_all(content, chunk, 3, 3333);
  size_t members = 0;
  std::string_view rest = packed;
  while (!rest.empty()) {
    std::optional<uint32_t> size = gzip_member_size(rest.substr(0, kGzipMemberHeaderSize));
    ASSERT_TRUE(size.has_value()) << "member " << members;
    Result<MemberBuffer> m = gunzip_member(rest.substr(0, *size));
    ASSERT_TRUE(m.ok());
    EXPECT_EQ(m->view(), std::string_view(content).substr(members * chunk, chunk));
    rest.remove_prefix(*size);
    ++members;
  }
  EXPECT_EQ(members, 6u);
}

TEST(ParallelGzipTest, SourceReadsAnyGzipAfterOrInsteadOfMembers) {
  const std::string a = compressible(50000);
  const std::string b = "tail written by another gzip";
  // Only another writer's gzip; our members then zlib's member then zero padding, as Python allows.
  EXPECT_EQ(source_all(gzip_compress(a).value(), 2, 4096), a);
  const std::string mixed = sink_all(a, 8192, 2, 5000) + gzip_compress(b).value() + std::string(7, '\0');
  EXPECT_EQ(source_all(mixed, 2, 4096), a + b);
  EXPECT_EQ(gunzip(mixed).value(), a + b);
}

TEST(ParallelGzipTest, TruncatedOrDamagedStreamIsAnError) {
  const std::string packed = sink_all(compressible(100000), 8192, 2, 100000);
  for (size_t cut : {packed.size() - 1, packed.size() / 2, size_t{10}}) {
    ParallelGunzipSource in(std::make_unique<StringViewSource>(std::string_view(packed).substr(0, cut)), 2);
    std::string buf(1 << 16, '\0');
    Status status;
    while (status.ok()) {
      Result<size_t> n = in.read(buf.data(), buf.size());
      if (!n.ok()) status = n.status();
      else if (*n == 0) break;
    }
    EXPECT_EQ(status.code(), StatusCode::kCorruption) << "cut at " << cut;
  }
  std::string damaged = packed;
  damaged[packed.size() / 2] ^= 0x20;
  EXPECT_FALSE(gunzip(damaged).ok());
}

TEST(ParallelGzipTest, PythonGzipReadsTheMembers) {
  if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
  const std::string content = compressible(3 << 20) + random_bytes(1 << 20, 9);
  dstest::TempDir dir;
  const std::string path = (dir.path() / "blob.gz").string();
  dstest::write_file(path, sink_all(content, 1 << 20, 2, 1 << 16));
  dstest::write_file(path + ".raw", content);
  bool ok = false;
  const std::string same = dstest::run_command(
      "/usr/bin/python3 -c 'import gzip,sys; "
      "print(gzip.open(sys.argv[1]).read() == open(sys.argv[2], \"rb\").read())' '" + path + "' '" +
          path + ".raw'",
      &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(same, "True");
}

}  // namespace
}  // namespace conflux
