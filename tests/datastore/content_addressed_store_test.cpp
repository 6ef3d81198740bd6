#include "datastore/content_addressed_store.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "datastore/ds_test_util.hpp"
#include "datastore/gzip_codec.hpp"
#include "datastore/gzip_members.hpp"
#include "datastore/local_storage.hpp"
#include "datastore/sha1.hpp"

namespace conflux {
namespace {

using dstest::read_file;
using dstest::temp_files_under;
using dstest::TempDir;

constexpr std::string_view kGzipMeta = R"({"cas_raw": false, "cas_version": 1})";
constexpr std::string_view kRawMeta = R"({"cas_raw": true, "cas_version": 1})";

std::string pattern(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    s[i] = static_cast<char>((x >> 24) % 16 + 'a');  // compressible but not trivially
  }
  return s;
}

std::string sha_of(std::string_view data) { return *Sha1::hex_of(data); }

std::string drain(ByteSource& src) {
  std::string out;
  char buf[65536];
  while (true) {
    Result<size_t> n = src.read(buf, sizeof(buf));
    EXPECT_TRUE(n.ok()) << n.status().to_string();
    if (!n.ok() || *n == 0) break;
    out.append(buf, *n);
  }
  return out;
}

class CasTest : public ::testing::Test {
 protected:
  std::filesystem::path blob_path(std::string_view sha) {
    return dir_.path() / "Flow/data" / std::string(sha.substr(0, 2)) / std::string(sha);
  }
  TempDir dir_;
  LocalStorage storage_{dir_.path()};
};

TEST_F(CasTest, SmallBlobIsGzipWithMetaflowMeta) {
  ContentAddressedStore cas(storage_, "Flow");
  const std::string data = pattern(5000, 1);
  Result<CasSaveResult> r = cas.save_bytes(data);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->sha, sha_of(data));
  EXPECT_EQ(r->size, data.size());
  EXPECT_FALSE(r->raw);
  EXPECT_FALSE(r->deduplicated);
  const std::string blob = read_file(blob_path(r->sha));
  ASSERT_GE(blob.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(blob[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(blob[1]), 0x8b);
  EXPECT_LT(blob.size(), data.size());
  EXPECT_EQ(read_file(blob_path(r->sha).string() + "_meta"), kGzipMeta);
  EXPECT_EQ(*cas.load_all(r->sha), data);
  auto src = cas.load(r->sha);
  ASSERT_TRUE(src.ok());
  EXPECT_EQ(drain(**src), data);
}

TEST_F(CasTest, SecondSaveOfSameBytesIsDeduplicated) {
  ContentAddressedStore cas(storage_, "Flow");
  auto a = cas.save_bytes("same bytes");
  auto b = cas.save_bytes("same bytes");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->sha, b->sha);
  EXPECT_FALSE(a->deduplicated);
  EXPECT_TRUE(b->deduplicated);
  EXPECT_EQ(dstest::count_files_under(dir_.path()), 2u);  // blob + _meta
  EXPECT_TRUE(temp_files_under(dir_.path()).empty());
}

TEST_F(CasTest, PastTheThresholdBlobsAreGzipMembers) {
  ContentAddressedStore cas(storage_, "Flow", CasOptions{.gzip_threshold = 1000});
  const std::string at = pattern(1000, 2);
  const std::string above = pattern(3 << 20, 3);
  auto r1 = cas.save_bytes(at);
  auto r2 = cas.save_bytes(above);
  ASSERT_TRUE(r1.ok() && r2.ok());
  EXPECT_FALSE(r1->raw);
  EXPECT_FALSE(r2->raw);
  EXPECT_EQ(read_file(blob_path(r1->sha).string() + "_meta"), kGzipMeta);
  EXPECT_EQ(read_file(blob_path(r2->sha).string() + "_meta"), kGzipMeta);
  // Buffered content is one zlib gzip member; streamed content is ParallelGzipSink's members.
  const std::string small_blob = read_file(blob_path(r1->sha));
  const std::string large_blob = read_file(blob_path(r2->sha));
  EXPECT_FALSE(gzip_member_size(std::string_view(small_blob).substr(0, kGzipMemberHeaderSize)));
  EXPECT_TRUE(gzip_member_size(std::string_view(large_blob).substr(0, kGzipMemberHeaderSize)));
  EXPECT_LT(large_blob.size(), above.size());
  EXPECT_EQ(*gunzip(large_blob), above);
  EXPECT_EQ(*cas.load_all(r1->sha), at);
  EXPECT_EQ(*cas.load_all(r2->sha), above);
  EXPECT_TRUE(temp_files_under(dir_.path()).empty());
}

TEST_F(CasTest, BlobsVouchedForAreNotWrittenAgain) {
  ContentAddressedStore cas(storage_, "Flow");
  const std::string data = pattern(3000, 16);
  cas.assume_exists(sha_of(data));
  auto r = cas.save_bytes(data);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_TRUE(r->deduplicated);
  EXPECT_EQ(r->sha, sha_of(data));
  EXPECT_EQ(dstest::count_files_under(dir_.path()), 0u) << "the caller vouched for it: nothing is sent";
  ContentAddressedStore other(storage_, "Flow");  // the vouching is per store
  EXPECT_FALSE(other.save_bytes(data)->deduplicated);
  EXPECT_EQ(*cas.load_all(r->sha), data);
}

TEST_F(CasTest, ForcedRawEncoding) {
  ContentAddressedStore cas(storage_, "Flow");
  auto r = cas.save_bytes("code package", CasEncoding::kRaw);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->raw);
  EXPECT_EQ(read_file(blob_path(r->sha)), "code package");
  EXPECT_EQ(read_file(blob_path(r->sha).string() + "_meta"), kRawMeta);
}

TEST_F(CasTest, StreamedWritesInManyPieces) {
  ContentAddressedStore cas(storage_, "Flow", CasOptions{.gzip_threshold = 10000});
  const std::string data = pattern(25000, 4);
  auto r = cas.save([&](ByteSink& out) {
    for (size_t i = 0; i < data.size(); i += 333)
      out.write(data.data() + i, std::min<size_t>(333, data.size() - i));
    return Status();
  });
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->sha, sha_of(data));
  EXPECT_FALSE(r->raw);
  EXPECT_EQ(*cas.load_all(r->sha), data);
}

TEST_F(CasTest, FiftyMibRoundTripInBoundedMemory) {
  ContentAddressedStore cas(storage_, "Flow");
  constexpr size_t kChunk = 1 << 20;
  constexpr int kChunks = 50;
  const std::string chunk = pattern(kChunk, 5);
  Sha1 expected;
  for (int i = 0; i < kChunks; ++i) {
    expected.update(chunk);
    expected.update(&i, sizeof(i));
  }
  const std::string expected_sha = *expected.hex_digest();
  const long rss_before = dstest::peak_rss_kib();
  auto r = cas.save([&](ByteSink& out) {
    for (int i = 0; i < kChunks; ++i) {
      out.write(chunk.data(), chunk.size());
      out.write(&i, sizeof(i));
    }
    return Status();
  });
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->sha, expected_sha);
  EXPECT_EQ(r->size, kChunks * (kChunk + sizeof(int)));
  EXPECT_FALSE(r->raw);
  auto src = cas.load(r->sha);
  ASSERT_TRUE(src.ok());
  Sha1 back;
  std::string buf(256 * 1024, '\0');
  uint64_t total = 0;
  while (true) {
    Result<size_t> n = (*src)->read(buf.data(), buf.size());
    ASSERT_TRUE(n.ok());
    if (*n == 0) break;
    back.update(buf.data(), *n);
    total += *n;
  }
  EXPECT_EQ(total, r->size);
  EXPECT_EQ(*back.hex_digest(), expected_sha);
  const long rss_after = dstest::peak_rss_kib();
  ASSERT_GT(rss_before, 0);
#if !defined(__SANITIZE_ADDRESS__)
  // (AddressSanitizer keeps freed blocks in quarantine, 256 MiB by default: peak RSS says nothing
  // there, and the gzip members are freed chunk by chunk.)
  EXPECT_LT(rss_after - rss_before, 16 * 1024)
      << "peak RSS grew by " << (rss_after - rss_before) << " KiB";
#endif
  EXPECT_TRUE(temp_files_under(dir_.path()).empty());
}

TEST_F(CasTest, FailedWriterLeavesNothing) {
  ContentAddressedStore cas(storage_, "Flow");
  const std::string big = pattern(3 << 20, 6);
  auto r = cas.save([&](ByteSink& out) {
    out.write(big.data(), big.size());  // past the threshold: spilled to a temporary
    return Status::invalid_argument("cannot serialize artifact 'x'");
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("Flow"), std::string::npos);
  EXPECT_EQ(dstest::count_files_under(dir_.path()), 0u);
}

TEST_F(CasTest, MissingMetaMeansLegacyGzip) {
  const std::string data = "legacy blob without _meta";
  const std::string sha = sha_of(data);
  dstest::write_file(blob_path(sha), *gzip_compress(data));
  ContentAddressedStore cas(storage_, "Flow");
  EXPECT_EQ(*cas.load_all(sha), data);
}

TEST_F(CasTest, MetaWithoutVersionOrUnknownVersionIsAnError) {
  ContentAddressedStore cas(storage_, "Flow");
  const std::string sha = sha_of("v");
  dstest::write_file(blob_path(sha), *gzip_compress("v"));
  dstest::write_file(blob_path(sha).string() + "_meta", R"({"cas_raw": false})");
  EXPECT_EQ(cas.load_all(sha).status().code(), StatusCode::kCorruption);
  dstest::write_file(blob_path(sha).string() + "_meta", R"({"cas_raw": false, "cas_version": 2})");
  Result<std::string> r = cas.load_all(sha);
  EXPECT_EQ(r.status().code(), StatusCode::kNotSupported);
  EXPECT_NE(r.status().message().find(sha), std::string::npos);
  // A raw flag needs no version, as in Metaflow.
  dstest::write_file(blob_path(sha), "v");
  dstest::write_file(blob_path(sha).string() + "_meta", R"({"cas_raw": true})");
  EXPECT_EQ(*cas.load_all(sha), "v");
}

TEST_F(CasTest, ErrorsNameFlowAndSha) {
  ContentAddressedStore cas(storage_, "Flow");
  const std::string sha(40, 'a');
  Result<std::string> r = cas.load_all(sha);
  ASSERT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("Flow"), std::string::npos);
  EXPECT_NE(r.status().message().find(sha), std::string::npos);
  EXPECT_EQ(cas.load(sha).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(cas.load_all("../../etc/passwd").status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(*cas.contains(sha));
  // A corrupt gzip blob.
  dstest::write_file(blob_path(sha), "not gzip at all");
  dstest::write_file(blob_path(sha).string() + "_meta", std::string(kGzipMeta));
  r = cas.load_all(sha);
  EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find(sha), std::string::npos);
  auto src = cas.load(sha);
  ASSERT_TRUE(src.ok());
  char buf[64];
  Result<size_t> n = (*src)->read(buf, sizeof(buf));
  EXPECT_EQ(n.status().code(), StatusCode::kCorruption);
  EXPECT_NE(n.status().message().find("Flow"), std::string::npos);
  ContentAddressedStore bad(storage_, "../x");
  EXPECT_EQ(bad.save_bytes("x").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(CasTest, FirstPublishedFlagDecidesTheEncoding) {
  // Another writer (e.g. with another threshold) already published _meta for this content.
  const std::string small = pattern(100, 7);
  dstest::write_file(blob_path(sha_of(small)).string() + "_meta", std::string(kRawMeta));
  ContentAddressedStore cas(storage_, "Flow", CasOptions{.gzip_threshold = 1000});
  auto r = cas.save_bytes(small);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_TRUE(r->raw);
  EXPECT_EQ(read_file(blob_path(r->sha)), small);

  // Streamed raw (the caller asked for raw), then gzip'd to match the flag.
  const std::string large = pattern(5000, 8);
  dstest::write_file(blob_path(sha_of(large)).string() + "_meta", std::string(kGzipMeta));
  auto r2 = cas.save_bytes(large, CasEncoding::kRaw);
  ASSERT_TRUE(r2.ok()) << r2.status().to_string();
  EXPECT_FALSE(r2->raw);
  EXPECT_EQ(*gunzip(read_file(blob_path(r2->sha))), large);
  EXPECT_EQ(*cas.load_all(r2->sha), large);

  // Streamed as gzip members, then decoded to match a raw flag.
  const std::string large_raw = pattern(6000, 14);
  dstest::write_file(blob_path(sha_of(large_raw)).string() + "_meta", std::string(kRawMeta));
  auto r3 = cas.save_bytes(large_raw);
  ASSERT_TRUE(r3.ok()) << r3.status().to_string();
  EXPECT_TRUE(r3->raw);
  EXPECT_EQ(read_file(blob_path(r3->sha)), large_raw);
  EXPECT_EQ(*cas.load_all(r3->sha), large_raw);
  EXPECT_TRUE(temp_files_under(dir_.path()).empty());
  EXPECT_EQ(dstest::count_files_under(dir_.path()), 6u);
}

// A blob must always agree with its _meta: check every blob under the flow.
void expect_consistent(const std::filesystem::path& data_dir) {
  for (const auto& e : std::filesystem::recursive_directory_iterator(data_dir)) {
    if (!e.is_regular_file()) continue;
    const std::string name = e.path().filename().string();
    ASSERT_FALSE(name.starts_with(".cfx")) << "leftover " << e.path();
    if (name.ends_with("_meta")) continue;
    const std::string meta = read_file(e.path().string() + "_meta");
    const std::string blob = read_file(e.path());
    std::string content = blob;
    if (meta == kGzipMeta) {
      Result<std::string> g = gunzip(blob);
      ASSERT_TRUE(g.ok()) << e.path();
      content = *g;
    } else {
      ASSERT_EQ(meta, kRawMeta) << e.path();
    }
    EXPECT_EQ(sha_of(content), name);
  }
}

TEST_F(CasTest, ConcurrentThreadsSavingTheSameContent) {
  const std::string small = pattern(20000, 9);
  const std::string large = pattern(3 << 20, 10);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      // Half the writers store raw: conflicting encodings, and both thresholds.
      ContentAddressedStore cas(storage_, "Flow",
                                CasOptions{.gzip_threshold = t % 4 < 2 ? 1u << 20 : 8u << 20});
      const CasEncoding encoding = t % 2 ? CasEncoding::kRaw : CasEncoding::kAuto;
      for (int i = 0; i < 3; ++i) {
        if (!cas.save_bytes(small, encoding).ok()) ++failures;
        if (!cas.save_bytes(large, encoding).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  expect_consistent(dir_.path() / "Flow/data");
  ContentAddressedStore cas(storage_, "Flow");
  EXPECT_EQ(*cas.load_all(sha_of(large)), large);
}

TEST_F(CasTest, ConcurrentProcessesSavingTheSameContent) {
  const std::string large = pattern(2 << 20, 11);
  const std::string small = pattern(3000, 12);
  std::vector<pid_t> children;
  for (int p = 0; p < 6; ++p) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      LocalStorage storage(dir_.path());
      ContentAddressedStore cas(storage, "Flow",
                                CasOptions{.gzip_threshold = p % 4 < 2 ? 1u << 20 : 4u << 20});
      const CasEncoding encoding = p % 2 ? CasEncoding::kRaw : CasEncoding::kAuto;
      for (int i = 0; i < 3; ++i) {
        for (const std::string* content : {&large, &small}) {
          Result<CasSaveResult> r = cas.save_bytes(*content, encoding);
          if (!r.ok()) {
            std::fprintf(stderr, "child %d: %s\n", p, r.status().to_string().c_str());
            ::_exit(1);
          }
        }
      }
      ::_exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  expect_consistent(dir_.path() / "Flow/data");
}

TEST_F(CasTest, PythonGzipReadsOurBlobs) {
  if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
  ContentAddressedStore cas(storage_, "Flow");
  // One buffered blob, and one streamed as many members (some stored: random bytes).
  std::string large = pattern(5 << 20, 15);
  uint64_t x = 88172645463325252ull;
  for (size_t i = 0; i < (2u << 20); ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    large[i] = static_cast<char>(x);
  }
  for (const std::string& data : {pattern(200000, 13), large}) {
    auto r = cas.save_bytes(data);
    ASSERT_TRUE(r.ok());
    ASSERT_FALSE(r->raw);
    bool ok = false;
    const std::string py_sha = dstest::run_command(
        "/usr/bin/python3 -c 'import gzip,hashlib,sys; "
        "print(hashlib.sha1(gzip.open(sys.argv[1]).read()).hexdigest())' '" +
            blob_path(r->sha).string() + "'",
        &ok);
    ASSERT_TRUE(ok);
    EXPECT_EQ(py_sha, r->sha);
  }
}

TEST_F(CasTest, WeReadPythonGzipIncludingMultipleMembers) {
  if (::access("/usr/bin/python3", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
  const std::filesystem::path out = dir_.path() / "py.gz";
  bool ok = false;
  dstest::run_command(
      "/usr/bin/python3 -c 'import gzip,sys; open(sys.argv[1],\"wb\").write("
      "gzip.compress(b\"hello \"*1000, compresslevel=3) + gzip.compress(b\"world\"))' '" +
          out.string() + "'",
      &ok);
  ASSERT_TRUE(ok);
  std::string expected;
  for (int i = 0; i < 1000; ++i) expected += "hello ";
  expected += "world";
  Result<std::string> got = gunzip(read_file(out));
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  EXPECT_EQ(*got, expected);
}

}  // namespace
}  // namespace conflux
