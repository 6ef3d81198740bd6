// S3Storage against a real S3 protocol server (s3rver behind the strict SigV4 checker), mirroring
// LocalStorage's tests where they apply, plus S3's own concerns: multipart uploads, ranged reads,
// pagination, object metadata, error messages, retries through injected faults.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "datastore/content_addressed_store.hpp"
#include "s3/s3_test_env.hpp"

namespace conflux {
namespace {

using testing::make_s3;
using testing::ProxyFaults;
using testing::s3_options;

std::string pattern(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    seed = seed * 1103515245u + 12345u;
    s[i] = static_cast<char>(seed >> 16);
  }
  return s;
}

std::string read_all(ByteSource& in, size_t chunk = 100000) {
  Result<std::string> all = testing::read_all(in, chunk);
  EXPECT_TRUE(all.ok()) << all.status().to_string();
  return all.ok() ? *all : std::string();
}

TEST(S3StorageTest, SaveLoadsBackWithSpecialCharactersInKeys) {
  auto s3 = make_s3(s3_options("save"));
  for (std::string key : {"Flow/1/start/0.data.json", "a b/c+d=e(f)", "x/ünï~code"}) {
    ASSERT_TRUE(s3->save(key, "hello " + key, true).ok()) << key;
    EXPECT_EQ(s3->load(key).value(), "hello " + key);
    EXPECT_EQ(s3->size(key).value(), 6 + key.size());
    EXPECT_TRUE(s3->exists(key).value());
  }
  EXPECT_EQ(s3->type(), "s3");
}

TEST(S3StorageTest, LoadOfEmptyAndLargeObjects) {
  auto s3 = make_s3(s3_options("sizes"));
  ASSERT_TRUE(s3->save("empty", "", true).ok());
  EXPECT_EQ(s3->load("empty").value(), "");
  std::string big = pattern(3 << 20, 7);
  ASSERT_TRUE(s3->save("big", big, true).ok());
  EXPECT_EQ(s3->load("big").value(), big);
  auto in = s3->open("empty").value();
  EXPECT_EQ(read_all(*in), "");
}

TEST(S3StorageTest, NoOverwriteKeepsExistingAndReportsAlreadyExists) {
  auto s3 = make_s3(s3_options("noover"));
  ASSERT_TRUE(s3->save("k", "first", false).ok());
  Status s = s3->save("k", "second", false);
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(s.message().find("s3://"), std::string::npos) << s.message();
  EXPECT_EQ(s3->load("k").value(), "first");
  ASSERT_TRUE(s3->save("k", "third", true).ok());
  EXPECT_EQ(s3->load("k").value(), "third");
}

TEST(S3StorageTest, MissingObjectsNameBucketAndKey) {
  auto o = s3_options("missing");
  auto s3 = make_s3(o);
  EXPECT_FALSE(s3->exists("nope").value());
  Result<std::string> r = s3->load("nope");
  ASSERT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("s3://" + o.location.bucket + "/" + o.location.prefix + "/nope"),
            std::string::npos) << r.status().message();
  EXPECT_EQ(s3->open("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(s3->size("nope").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(s3->remove("nope").ok());
  EXPECT_TRUE(s3->list("nothing/here").value().empty());
}

TEST(S3StorageTest, MissingBucketIsNamed) {
  auto o = s3_options("nobucket");
  o.location.bucket = "no-such-bucket-conflux";
  auto s3 = make_s3(o);
  Result<std::string> r = s3->load("k");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("bucket 'no-such-bucket-conflux' does not exist"), std::string::npos)
      << r.status().message();
  Status s = s3->save("k", "x", true);
  EXPECT_NE(s.message().find("no-such-bucket-conflux"), std::string::npos) << s.message();
}

TEST(S3StorageTest, WrongSecretIsAccessDenied) {
  auto o = s3_options("denied");
  o.client.credentials.secret_access_key = "wrong";
  auto s3 = make_s3(o);
  Status s = s3->save("k", "x", true);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.to_string();
  EXPECT_NE(s.message().find("access denied"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("s3://" + o.location.bucket + "/" + o.location.prefix + "/k"), std::string::npos);
}

TEST(S3StorageTest, RejectsInvalidKeys) {
  auto s3 = make_s3(s3_options("keys"));
  EXPECT_EQ(s3->save("../x", "x", true).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s3->save("/x", "x", true).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s3->load("a//b").status().code(), StatusCode::kInvalidArgument);
}

TEST(S3StorageTest, SmallWriterCommitsAsAnotherKey) {
  auto s3 = make_s3(s3_options("smallw"));
  auto w = s3->begin_write("staging", false).value();
  w->write("abc", 3);
  EXPECT_FALSE(s3->exists("staging").value());
  ASSERT_TRUE(w->commit_as("final/obj").ok());
  EXPECT_EQ(s3->load("final/obj").value(), "abc");
  EXPECT_FALSE(s3->exists("staging").value());
  EXPECT_EQ(w->commit().code(), StatusCode::kFailedPrecondition);
}

TEST(S3StorageTest, MultipartWriterUploadsPartsInParallelAndPublishesAtCommit) {
  auto o = s3_options("multipart");
  o.part_size = 256 << 10;
  o.upload_parallelism = 3;
  auto s3 = make_s3(o);
  std::string content = pattern((5 << 20) + 12345, 3);
  auto w = s3->begin_write("in/coming", false).value();
  for (size_t off = 0; off < content.size(); off += 100000) {
    w->write(content.data() + off, std::min<size_t>(100000, content.size() - off));
  }
  ASSERT_TRUE(w->status().ok());
  // Parts are uploaded, but nothing is visible under any key before the commit.
  EXPECT_TRUE(s3->list("in").value().empty());
  EXPECT_TRUE(w->set_metadata({{"metaflow-user-attributes", "{\"cas_raw\": true}"}}).ok());
  ASSERT_TRUE(w->commit_as("out/blob").ok());
  EXPECT_EQ(s3->size("out/blob").value(), content.size());
  auto in = s3->open("out/blob").value();
  EXPECT_EQ(read_all(*in), content);
  EXPECT_EQ(s3->load_metadata("out/blob").value().at("metaflow-user-attributes"), "{\"cas_raw\": true}");
  // Bytes and metadata from one GET.
  auto both = s3->load_with_metadata("out/blob");
  ASSERT_TRUE(both.ok()) << both.status().to_string();
  EXPECT_EQ(both->bytes, content);
  EXPECT_EQ(both->metadata.at("metaflow-user-attributes"), "{\"cas_raw\": true}");
  EXPECT_EQ(s3->load_with_metadata("out/missing").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(s3->list("in").value().empty());  // the temporary is gone
  EXPECT_EQ(s3->list("out").value().size(), 1u);
}

TEST(S3StorageTest, MultipartNoOverwriteLosesToAnExistingObject) {
  auto o = s3_options("mpnoover");
  o.part_size = 128 << 10;
  auto s3 = make_s3(o);
  ASSERT_TRUE(s3->save("k", "old", false).ok());
  auto w = s3->begin_write("k", false).value();
  std::string content = pattern(1 << 20, 5);
  w->write(content.data(), content.size());
  EXPECT_EQ(w->commit().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(s3->load("k").value(), "old");
  EXPECT_EQ(s3->list("").value().size(), 1u);
}

TEST(S3StorageTest, WriterDestroyedWithoutCommitLeavesNothing) {
  auto o = s3_options("abandon");
  o.part_size = 128 << 10;
  auto s3 = make_s3(o);
  {
    auto w = s3->begin_write("d/k", true).value();
    std::string content = pattern(1 << 20, 9);
    w->write(content.data(), content.size());
  }
  EXPECT_FALSE(s3->exists("d/k").value());
  EXPECT_TRUE(s3->list("d").value().empty());
}

TEST(S3StorageTest, RangedReadsStreamLargeObjects) {
  auto o = s3_options("ranges");
  o.range_size = 100000;
  auto s3 = make_s3(o);
  std::string content = pattern(1234567, 11);
  ASSERT_TRUE(s3->save("obj", content, true).ok());
  auto in = s3->open("obj").value();
  EXPECT_EQ(in->remaining().value(), content.size());
  EXPECT_EQ(read_all(*in, 77777), content);
}

TEST(S3StorageTest, ListReportsFilesAndDirectoriesAcrossPages) {
  auto s3 = make_s3(s3_options("list"));
  std::vector<S3Storage::SaveItem> items;
  std::vector<std::string> keys;
  for (int i = 0; i < 1100; ++i) keys.push_back("run/f" + std::to_string(i));  // > one page of 1000
  for (const auto& k : keys) items.push_back({k, k, true});
  items.push_back({"run/sub/x", "x", true});
  for (const Status& s : s3->save_many(items)) ASSERT_TRUE(s.ok()) << s.to_string();
  auto entries = s3->list("run").value();
  EXPECT_EQ(entries.size(), 1101u);
  int dirs = 0;
  for (const auto& e : entries) dirs += e.is_file ? 0 : 1;
  EXPECT_EQ(dirs, 1);
  auto root = s3->list("").value();
  ASSERT_EQ(root.size(), 1u);
  EXPECT_EQ(root[0].name, "run");
  EXPECT_FALSE(root[0].is_file);
  auto loaded = s3->load_many(keys);
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(loaded[i].value(), keys[i]);
}

TEST(S3StorageTest, ConcurrentNoOverwriteSavesOfOneContentAllSucceedOrReportExists) {
  auto s3 = make_s3(s3_options("race"));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0}, exists{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      Status s = s3->save("same", "content", false);
      if (s.ok()) ++ok;
      else if (s.code() == StatusCode::kAlreadyExists) ++exists;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GE(ok.load(), 1);
  EXPECT_EQ(ok + exists, 8);
  EXPECT_EQ(s3->load("same").value(), "content");
}

TEST(S3StorageTest, ContentAddressedStoreKeepsFlagsAsObjectMetadata) {
  auto o = s3_options("cas");
  o.part_size = 128 << 10;
  auto s3 = make_s3(o);
  CasOptions cas_options;
  cas_options.gzip_threshold = 64 << 10;
  ContentAddressedStore cas(*s3, "CasFlow", cas_options);
  std::string small = "small artifact";
  std::string large = pattern(1 << 20, 13);
  std::string package = pattern(300 << 10, 14);
  CasSaveResult a = cas.save_bytes(small).value();
  CasSaveResult b = cas.save_bytes(large).value();  // streamed as gzip members, multipart
  CasSaveResult c = cas.save_bytes(package, CasEncoding::kRaw).value();  // streamed raw
  EXPECT_FALSE(a.raw);
  EXPECT_FALSE(b.raw);
  EXPECT_TRUE(c.raw);
  EXPECT_EQ(cas.load_all(a.sha).value(), small);
  EXPECT_EQ(read_all(*cas.load(b.sha).value()), large);
  EXPECT_EQ(cas.load_all(b.sha).value(), large);
  EXPECT_EQ(read_all(*cas.load(c.sha).value()), package);
  EXPECT_EQ(s3->load(cas.blob_key(c.sha)).value(), package);
  // Metaflow's S3 layout: no _meta objects, the flag on the blob.
  EXPECT_FALSE(s3->exists(cas.blob_key(a.sha) + "_meta").value());
  EXPECT_EQ(s3->load_metadata(cas.blob_key(a.sha)).value().at("metaflow-user-attributes"),
            "{\"cas_raw\": false, \"cas_version\": 1}");
  EXPECT_EQ(s3->load_metadata(cas.blob_key(b.sha)).value().at("metaflow-user-attributes"),
            "{\"cas_raw\": false, \"cas_version\": 1}");
  EXPECT_EQ(s3->load_metadata(cas.blob_key(c.sha)).value().at("metaflow-user-attributes"),
            "{\"cas_raw\": true, \"cas_version\": 1}");
  EXPECT_TRUE(cas.save_bytes(large).value().deduplicated);
  EXPECT_EQ(s3->list("CasFlow/data/" + b.sha.substr(0, 2)).value().size(), 1u);  // no temporaries
}

// Faults: every Nth request through the proxy fails; everything still succeeds, and no partial
// object is ever visible.
// --- What `conflux gc` uses ---

TEST(S3StorageTest, ListTreeWalksEveryObjectWithSizesAndTimes) {
  auto s3 = make_s3(s3_options("tree"));
  const auto before = std::chrono::system_clock::now() - std::chrono::seconds(5);
  ASSERT_TRUE(s3->save("F/1/start/1/0.data.json", "{}", true).ok());
  ASSERT_TRUE(s3->save("F/1/_meta/_self.json", "abc", true).ok());
  ASSERT_TRUE(s3->save("F/2/x", "", true).ok());
  Result<std::vector<ObjectInfo>> tree = s3->list_tree("F/1");
  ASSERT_TRUE(tree.ok()) << tree.status().to_string();
  std::map<std::string, uint64_t> sizes;
  for (const ObjectInfo& o : *tree) {
    sizes[o.key] = o.size;
    EXPECT_GE(o.modified, before);
    EXPECT_LE(o.modified, std::chrono::system_clock::now() + std::chrono::seconds(5));
  }
  EXPECT_EQ(sizes, (std::map<std::string, uint64_t>{{"F/1/_meta/_self.json", 3}, {"F/1/start/1/0.data.json", 2}}));
  EXPECT_EQ(s3->list_tree("F").value().size(), 3u);
  EXPECT_TRUE(s3->list_tree("missing").value().empty());
}

TEST(S3StorageTest, TouchKeepsBytesAndMetadataAndRemoveIfOlderSparesIt) {
  auto s3 = make_s3(s3_options("touch"));
  const ObjectMetadata flag{{"metaflow-user-attributes", "{\"cas_raw\": true, \"cas_version\": 1}"}};
  ASSERT_TRUE(s3->save_with_metadata("F/data/ab/reused", "bytes", true, flag).ok());
  ASSERT_TRUE(s3->save("F/data/ab/old", "x", true).ok());
  // S3 keeps whole seconds: wait past the next second so the touch is visibly newer.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const auto cutoff = std::chrono::system_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  ASSERT_TRUE(s3->touch("F/data/ab/reused").ok());
  EXPECT_EQ(s3->load("F/data/ab/reused").value(), "bytes");
  EXPECT_EQ(s3->load_metadata("F/data/ab/reused").value(), flag);
  EXPECT_EQ(s3->remove_if_older("F/data/ab/reused", cutoff).value(), false);
  EXPECT_EQ(s3->remove_if_older("F/data/ab/old", cutoff).value(), true);
  EXPECT_EQ(s3->remove_if_older("F/data/ab/absent", cutoff).value(), false);
  EXPECT_FALSE(s3->exists("F/data/ab/old").value());
  EXPECT_TRUE(s3->touch("F/data/ab/old").is_not_found());
}

TEST(S3StorageTest, RemoveTreeRemovesEveryObjectBelowAPrefix) {
  auto s3 = make_s3(s3_options("rmtree"));
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(s3->save("F/1/t/" + std::to_string(i), "v", true).ok());
  ASSERT_TRUE(s3->save("F/2/keep", "v", true).ok());
  ASSERT_TRUE(s3->remove_tree("F/1").ok());
  EXPECT_TRUE(s3->list_tree("F/1").value().empty());
  EXPECT_TRUE(s3->exists("F/2/keep").value());
}

class S3FaultTest : public ::testing::TestWithParam<std::pair<std::string, int>> {};

TEST_P(S3FaultTest, OperationsSucceedThroughRetries) {
  auto o = s3_options("fault");
  o.part_size = 128 << 10;
  o.range_size = 64 << 10;
  auto s3 = make_s3(o);
  std::string content = pattern(1 << 20, 17);
  ProxyFaults faults(GetParam().first, GetParam().second);
  for (int i = 0; i < 5; ++i) {
    std::string key = "obj" + std::to_string(i);
    ASSERT_TRUE(s3->save(key, content.substr(0, 1000 * (i + 1)), true).ok());
    EXPECT_EQ(s3->load(key).value(), content.substr(0, 1000 * (i + 1)));
  }
  auto w = s3->begin_write("big", false).value();
  w->write(content.data(), content.size());
  ASSERT_TRUE(w->commit().ok());
  auto in = s3->open("big").value();
  EXPECT_EQ(read_all(*in), content);
  EXPECT_EQ(s3->list("").value().size(), 6u);
  // error200 hits only multipart completions and copies: the one large write has one of each.
  EXPECT_GT(faults.injected(), GetParam().first == "error200" ? 0 : 3);
}

INSTANTIATE_TEST_SUITE_P(Modes, S3FaultTest,
                         ::testing::Values(std::make_pair(std::string("500"), 3),
                                           std::make_pair(std::string("503"), 4),
                                           std::make_pair(std::string("429"), 3),
                                           std::make_pair(std::string("drop"), 3),
                                           std::make_pair(std::string("lost"), 4),
                                           std::make_pair(std::string("truncate"), 4),
                                           std::make_pair(std::string("error200"), 2)),
                         [](const auto& info) { return "mode_" + info.param.first + "_every_" + std::to_string(info.param.second); });

// A no-overwrite write whose answer was lost is retried; the retry finds the key taken (412) by
// the first attempt. That is our write, not a conflict: it must succeed. A real conflict (other
// bytes under the key) is still AlreadyExists.
TEST(S3StorageTest, ConditionalWriteWhoseAnswerWasLostSucceeds) {
  auto s3 = make_s3(s3_options("lost-answer"));
  {
    ProxyFaults faults("lost", 2, 1);  // request 1: the HEAD; request 2: the PUT, stored but unanswered
    Status saved = s3->save("record", "first writer", false);
    EXPECT_TRUE(saved.ok()) << saved.to_string();
    EXPECT_EQ(faults.injected(), 1);
  }
  EXPECT_EQ(s3->load("record").value(), "first writer");
  Status conflict = s3->save("record", "second writer", false);
  EXPECT_EQ(conflict.code(), StatusCode::kAlreadyExists) << conflict.to_string();
  EXPECT_EQ(s3->load("record").value(), "first writer");
}

// A connection that stalls mid-body is dropped by the client's low-speed limit (not by the server,
// which would wait 20 s) and the request is retried. curl measures speed over a window of a few
// seconds, so a 1-second limit cuts a stall after the burst before it within about 6 s.
TEST(S3StorageTest, StalledTransfersAreRetried) {
  auto o = s3_options("stall");
  o.client.stall_timeout = std::chrono::seconds(1);
  auto s3 = make_s3(o);
  std::string content = pattern(200 << 10, 5);
  ASSERT_TRUE(s3->save("obj", content, true).ok());
  auto start = std::chrono::steady_clock::now();
  {
    ProxyFaults faults("stall", 1, 1, 20);
    EXPECT_EQ(s3->load("obj").value(), content);
    EXPECT_EQ(faults.injected(), 1);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(12)) << "the stall was not cut";
}

// Credentials that expire mid-run: a clear error at once, not retries.
TEST(S3StorageTest, ExpiredCredentialsAreAClearError) {
  auto s3 = make_s3(s3_options("expired"));
  ProxyFaults faults("expired", 1);
  Status s = s3->save("k", "x", true);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.to_string();
  EXPECT_NE(s.message().find("the S3 credentials have expired (HTTP 400 ExpiredToken"), std::string::npos)
      << s.message();
  EXPECT_EQ(faults.injected(), 1) << "not retried";
}

TEST(S3StorageTest, PersistentFailureIsUnavailableAfterRetries) {
  auto o = s3_options("giveup");
  o.client.max_attempts = 3;
  auto s3 = make_s3(o);
  ProxyFaults faults("500", 1);
  Status s = s3->save("k", "x", true);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.to_string();
  EXPECT_EQ(faults.injected(), 3);
}

TEST(S3StorageTest, VirtualHostedAddressingIsSignedCorrectly) {
  auto o = s3_options("vhost");
  // curl resolves *.localhost to loopback; the proxy maps <bucket>.localhost back to path-style.
  o.client.endpoint.host = "localhost:" + o.client.endpoint.host.substr(o.client.endpoint.host.find(':') + 1);
  o.client.addressing = S3Addressing::kVirtual;
  auto s3 = make_s3(o);
  S3Client client(o.client, o.location.bucket);
  EXPECT_EQ(client.url("a b", {}).rfind("http://" + o.location.bucket + ".localhost:", 0), 0u);
  ASSERT_TRUE(s3->save("v/k", "vhost", true).ok());
  EXPECT_EQ(s3->load("v/k").value(), "vhost");
  EXPECT_EQ(s3->list("v").value().size(), 1u);
}

}  // namespace
}  // namespace conflux
