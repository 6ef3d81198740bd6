#include "datastore/task_datastore.hpp"

#include <gtest/gtest.h>

#include "datastore/content_addressed_store.hpp"
#include "datastore/ds_test_util.hpp"
#include "datastore/local_storage.hpp"
#include "datastore/mflog.hpp"
#include "datastore/sha1.hpp"

namespace conflux {
namespace {

using dstest::read_file;
using dstest::TempDir;

ArtifactIndex sample_index() {
  ArtifactIndex index;
  index.python_version = "3.11.2 (main, Apr 28 2025, 14:11:48) [GCC 12.2.0]";
  ArtifactEntry a;
  a.name = "int_val";
  a.sha = "21f47ffc2c8d012806c8a7a814079c24a792acf2";
  a.info.size = 5;
  a.info.type = "<class 'int'>";
  index.artifacts.push_back(a);
  ArtifactEntry b;
  b.name = "_task_ok";
  b.sha = "868436778cb011a1c6230bc12534683ab0b7f1c3";
  b.info.size = 4;
  b.info.type = "<class 'bool'>";
  index.artifacts.push_back(b);
  return index;
}

TEST(TaskDataStoreTest, WritesMetaflowFilesExactly) {
  TempDir dir;
  LocalStorage storage(dir.path());
  TaskDataStore task(storage, "LinearFlow", "17", "start", "1");
  const auto start =
      std::chrono::system_clock::time_point(std::chrono::nanoseconds(1795933056066569300));
  DS_ASSERT_OK(task.save_attempt_start(0, start));
  DS_ASSERT_OK(task.save_task_begin(0, TaskBeginInfo{}));
  DS_ASSERT_OK(task.save_task_end(0));
  DS_ASSERT_OK(task.save_runtime(0, RuntimeOutcome{}));
  DS_ASSERT_OK(task.done(0, sample_index()));
  const auto t = dir.path() / "LinearFlow/17/start/1";
  EXPECT_EQ(read_file(t / "0.attempt.json"), R"({"time": 1795933056.0665693})");
  EXPECT_EQ(read_file(t / "0.task_begin"),
            R"({"code_package_metadata": "", "code_package_sha": null, "code_package_ds": null, )"
            R"("code_package_url": null, "retry_count": 0})");
  EXPECT_EQ(read_file(t / "0.task_end"), "{}");
  EXPECT_EQ(read_file(t / "0.runtime"), R"({"return_code": 0, "killed": false, "success": true})");
  EXPECT_EQ(read_file(t / "0.DONE.lock"), R"("")");
  EXPECT_EQ(
      read_file(t / "0.data.json"),
      R"({"datastore": "local", "version": "1.0", "attempt": 0, )"
      R"("python_version": "3.11.2 (main, Apr 28 2025, 14:11:48) [GCC 12.2.0]", )"
      R"("objects": {"int_val": "21f47ffc2c8d012806c8a7a814079c24a792acf2", )"
      R"("_task_ok": "868436778cb011a1c6230bc12534683ab0b7f1c3"}, )"
      R"("info": {"int_val": {"size": 5, "type": "<class 'int'>", "encoding": "pickle-v4", )"
      R"("serializer_info": {"source": "metaflow"}}, "_task_ok": {"size": 4, "type": "<class 'bool'>", )"
      R"("encoding": "pickle-v4", "serializer_info": {"source": "metaflow"}}}})");
  EXPECT_TRUE(dstest::temp_files_under(dir.path()).empty());

  EXPECT_EQ(*task.latest_done_attempt(), 0);
  Result<ArtifactIndex> back = task.load_index(0);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->to_json(), sample_index().to_json());
  EXPECT_DOUBLE_EQ(*task.load_attempt_time(0), 1795933056.0665693);
  EXPECT_TRUE(task.load_runtime(0)->success);
}

TEST(TaskDataStoreTest, TaskBeginWithCodePackageAndFailedRuntime) {
  TempDir dir;
  LocalStorage storage(dir.path());
  TaskDataStore task(storage, "F", "1", "s", "2");
  TaskBeginInfo info;
  info.code_package_sha = "abc";
  info.code_package_ds = "local";
  info.code_package_url = "/x/y";
  info.retry_count = 1;
  DS_ASSERT_OK(task.save_task_begin(1, info));
  DS_ASSERT_OK(task.save_runtime(1, RuntimeOutcome{1, false, false}));
  EXPECT_EQ(
      read_file(dir.path() / "F/1/s/2/1.task_begin"),
      R"({"code_package_metadata": "", "code_package_sha": "abc", "code_package_ds": "local", )"
      R"("code_package_url": "/x/y", "retry_count": 1})");
  Result<RuntimeOutcome> rt = task.load_runtime(1);
  ASSERT_TRUE(rt.ok());
  EXPECT_EQ(rt->return_code, 1);
  EXPECT_FALSE(rt->success);
}

TEST(TaskDataStoreTest, NewerAttemptInFlightHidesOlderDoneAttempt) {
  TempDir dir;
  LocalStorage storage(dir.path());
  TaskDataStore task(storage, "F", "1", "s", "2");
  EXPECT_FALSE(task.latest_attempt()->has_value());
  EXPECT_EQ(task.latest_done_attempt().status().code(), StatusCode::kNotFound);
  const auto now = std::chrono::system_clock::now();
  DS_ASSERT_OK(task.save_attempt_start(0, now));
  EXPECT_EQ(task.latest_done_attempt().status().code(), StatusCode::kNotFound);
  DS_ASSERT_OK(task.done(0, ArtifactIndex{}));
  EXPECT_EQ(*task.latest_done_attempt(), 0);
  DS_ASSERT_OK(task.save_attempt_start(1, now));
  EXPECT_EQ(**task.latest_attempt(), 1);
  EXPECT_TRUE(*task.is_done(0));
  EXPECT_FALSE(*task.is_done(1));
  Result<int> latest = task.latest_done_attempt();
  EXPECT_EQ(latest.status().code(), StatusCode::kNotFound);
  EXPECT_NE(latest.status().message().find("attempt 1"), std::string::npos);
  ArtifactIndex index;
  index.attempt = 7;  // overwritten with the real attempt
  DS_ASSERT_OK(task.done(1, index));
  EXPECT_EQ(*task.latest_done_attempt(), 1);
  EXPECT_EQ(task.load_index(1)->attempt, 1);
}

TEST(TaskDataStoreTest, Logs) {
  TempDir dir;
  LocalStorage storage(dir.path());
  TaskDataStore task(storage, "F", "1", "s", "2");
  EXPECT_EQ(*task.load_log(0, kMflogTaskSource, LogStream::kStdout), "");
  std::string log;
  append_mflog_line(log, kMflogRuntimeSource, "hello\n");
  DS_ASSERT_OK(task.save_log(0, kMflogRuntimeSource, LogStream::kStdout, log));
  EXPECT_EQ(read_file(dir.path() / "F/1/s/2/0.runtime_stdout.log"), log);
  auto w = task.begin_log(0, kMflogTaskSource, LogStream::kStderr);
  ASSERT_TRUE(w.ok());
  (*w)->write(log.data(), log.size());
  EXPECT_EQ(*task.load_log(0, kMflogTaskSource, LogStream::kStderr), "");  // not committed yet
  DS_ASSERT_OK((*w)->commit());
  EXPECT_EQ(*task.load_log(0, kMflogTaskSource, LogStream::kStderr), log);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "F/1/s/2/0.task_stderr.log"));
}

TEST(TaskDataStoreTest, InvalidNamesAndAttempts) {
  TempDir dir;
  LocalStorage storage(dir.path());
  TaskDataStore bad(storage, "F", "..", "s", "1");
  EXPECT_EQ(bad.save_task_end(0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.latest_attempt().status().code(), StatusCode::kInvalidArgument);
  TaskDataStore good(storage, "F", "1", "s", "1");
  EXPECT_EQ(good.save_task_end(-1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(good.load_index(0).status().code(), StatusCode::kNotFound);
}

// --- The golden tree written by real Metaflow ---

class MetaflowTreeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    root_ = new std::filesystem::path(dstest::extract_fixture(dir_->path()));
  }
  static void TearDownTestSuite() {
    delete root_;
    delete dir_;
  }
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::is_directory(*root_)) << "fixture not extracted";
  }

  static TempDir* dir_;
  static std::filesystem::path* root_;
};
TempDir* MetaflowTreeTest::dir_ = nullptr;
std::filesystem::path* MetaflowTreeTest::root_ = nullptr;

TEST_F(MetaflowTreeTest, RetryFlowLatestDoneAttemptIsOne) {
  LocalStorage storage(*root_);
  TaskDataStore flaky(storage, "RetryFlow", "1795933084653946", "flaky", "2");
  EXPECT_EQ(**flaky.latest_attempt(), 1);
  EXPECT_EQ(*flaky.latest_done_attempt(), 1);
  EXPECT_TRUE(*flaky.is_done(0));  // the failed attempt also ran done()
  EXPECT_FALSE(flaky.load_runtime(0)->success);
  EXPECT_TRUE(flaky.load_runtime(1)->success);
  EXPECT_EQ(flaky.load_index(1)->attempt, 1);
}

TEST_F(MetaflowTreeTest, DataJsonObjectsAndBlobs) {
  LocalStorage storage(*root_);
  TaskDataStore start(storage, "LinearFlow", "1795933055265084", "start", "1");
  Result<ArtifactIndex> index = start.load_index(0);
  ASSERT_TRUE(index.ok()) << index.status().to_string();
  EXPECT_EQ(index->artifacts.size(), 25u);
  EXPECT_EQ(index->python_version, "3.11.2 (main, Apr 28 2025, 14:11:48) [GCC 12.2.0]");
  EXPECT_EQ(index->artifacts.front().name, "name");
  const ArtifactEntry* int_val = index->find("int_val");
  ASSERT_NE(int_val, nullptr);
  EXPECT_EQ(int_val->sha, "21f47ffc2c8d012806c8a7a814079c24a792acf2");
  EXPECT_EQ(int_val->info.size, 5u);
  EXPECT_EQ(int_val->info.type, "<class 'int'>");
  EXPECT_EQ(int_val->info.encoding, "pickle-v4");
  EXPECT_EQ(int_val->info.serializer_info.value("source", ""), "metaflow");
  // Our writer reproduces Metaflow's data.json byte for byte.
  EXPECT_EQ(index->to_json(),
            read_file(*root_ / "LinearFlow/1795933055265084/start/1/0.data.json"));
  // The blob is Python's gzip of pickle.dumps(42, protocol=4).
  ContentAddressedStore cas(storage, "LinearFlow");
  Result<std::string> pickle = cas.load_all(int_val->sha);
  ASSERT_TRUE(pickle.ok()) << pickle.status().to_string();
  EXPECT_EQ(*pickle, std::string("\x80\x04K*.", 5));
  // Every artifact of every data.json of the tree loads and hashes to its sha.
  size_t checked = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(*root_)) {
    if (!e.path().filename().string().ends_with(".data.json")) continue;
    const std::string flow = e.path().lexically_relative(*root_).begin()->string();
    ContentAddressedStore flow_cas(storage, flow);
    Result<ArtifactIndex> idx = ArtifactIndex::from_json(read_file(e.path()));
    ASSERT_TRUE(idx.ok()) << e.path();
    EXPECT_EQ(idx->to_json(), read_file(e.path())) << e.path();
    for (const ArtifactEntry& a : idx->artifacts) {
      Result<std::string> blob = flow_cas.load_all(a.sha);
      ASSERT_TRUE(blob.ok()) << blob.status().to_string();
      EXPECT_EQ(blob->size(), a.info.size);
      EXPECT_EQ(*Sha1::hex_of(*blob), a.sha);
      ++checked;
    }
  }
  EXPECT_GT(checked, 300u);
}

TEST_F(MetaflowTreeTest, OurFileWritersReproduceMetaflowFiles) {
  const auto task = *root_ / "LinearFlow/1795933055265084/start/1";
  TempDir out;
  LocalStorage storage(out.path());
  TaskDataStore ours(storage, "LinearFlow", "1795933055265084", "start", "1");
  LocalStorage fixture(*root_);
  TaskDataStore theirs(fixture, "LinearFlow", "1795933055265084", "start", "1");
  const double t = *theirs.load_attempt_time(0);
  DS_ASSERT_OK(ours.save_attempt_start(
      0, std::chrono::system_clock::time_point(
             std::chrono::duration_cast<std::chrono::system_clock::duration>(
                 std::chrono::duration<double>(t)))));
  DS_ASSERT_OK(ours.save_task_begin(0, TaskBeginInfo{}));
  DS_ASSERT_OK(ours.save_task_end(0));
  DS_ASSERT_OK(ours.save_runtime(0, *theirs.load_runtime(0)));
  DS_ASSERT_OK(ours.done(0, *theirs.load_index(0)));
  const auto mine = out.path() / "LinearFlow/1795933055265084/start/1";
  for (const char* f : {"0.attempt.json", "0.task_begin", "0.task_end", "0.runtime", "0.data.json",
                        "0.DONE.lock"}) {
    EXPECT_EQ(read_file(mine / f), read_file(task / f)) << f;
  }
}

TEST_F(MetaflowTreeTest, ParsesAFixtureLog) {
  LocalStorage storage(*root_);
  TaskDataStore flaky(storage, "RetryFlow", "1795933084653946", "flaky", "2");
  Result<std::string> log = flaky.load_log(0, kMflogRuntimeSource, LogStream::kStderr);
  ASSERT_TRUE(log.ok());
  std::vector<MflogLine> lines =
      merge_mflogs({*log, *flaky.load_log(0, kMflogTaskSource, LogStream::kStderr)});
  ASSERT_GT(lines.size(), 5u);
  for (const MflogLine& l : lines) {
    EXPECT_TRUE(l.structured);
    EXPECT_EQ(l.source, "runtime");
    EXPECT_EQ(l.id.size(), 36u);
  }
  EXPECT_EQ(lines.front().msg, "<flow RetryFlow step flaky> failed:");
  EXPECT_EQ(lines.front().timestamp, "2026-11-29T06:18:06.328915");
  EXPECT_EQ(lines.back().msg, "Task failed.");
  for (size_t i = 1; i < lines.size(); ++i) EXPECT_LE(lines[i - 1].timestamp, lines[i].timestamp);
  EXPECT_EQ(*flaky.load_log(1, kMflogRuntimeSource, LogStream::kStderr), "");
}

// from_json reads well-formed files from the parser's events and falls back to a JSON document for
// anything unusual: both ways give the same index (or both refuse) for every shape below.
TEST(ArtifactIndexTest, FastReaderAgreesWithTheDocumentReader) {
  const std::vector<std::string> documents = {
      R"({"datastore": "local", "version": "1.0", "attempt": 2, "python_version": "3.11",
          "objects": {"a": "aa", "b": "bb", "c": "cc"},
          "info": {"b": {"size": 5, "type": "<class 'int'>", "encoding": "pickle-v4",
                         "serializer_info": {"source": "metaflow", "nested": [1, -2, 3.5, null, true, {"k": "v"}]}},
                   "a": {"size": 7}, "zz": {"size": 1}}})",
      R"({"objects": {"x": "xx"}})",
      R"({"info": {"x": {"type": "t"}}, "objects": {"x": "xx", "y": "yy"}, "extra": {"deep": [[{}], {"a": [1]}]}, "n": -3})",
      R"({"objects": {"x": "xx"}, "info": {"x": {"serializer_info": "text", "other": {"q": 1}, "list": [1]}}})",
      R"({"objects": {"x": "xx"}, "info": {"x": {"serializer_info": null, "size": 0}}})",
      R"({"objects": {"x": "xx"}, "info": {"x": {"serializer_info": [1, {"a": []}]}}})",
      R"({"objects": {"\u00e9t\u00e9": "s1", "q\"uote": "s2"}, "info": {"\u00e9t\u00e9": {"size": 3}}})",
      // Unusual: the document reader decides.
      R"({"objects": {"x": "xx", "x": "yy"}})",
      R"({"objects": {"x": "xx"}, "info": {"x": {"size": -1}}})",
      R"({"objects": {"x": "xx"}, "info": {"x": {"size": 2.5}}})",
      R"({"objects": {"x": "xx"}, "info": {"x": {"size": "big"}}})",
      R"({"objects": {"x": "xx"}, "info": {"x": {"type": {"no": 1}}}})",
      R"({"objects": {"x": "xx"}, "info": {"x": "not an object"}})",
      R"({"objects": {"x": 5}})",
      R"({"objects": [], "info": {}})",
      R"({"attempt": 1.5, "objects": {}})",
      R"({"attempt": -1, "objects": {}})",
      R"({"attempt": "1", "objects": {}})",
      R"({"datastore": {"a": 1}, "objects": {}})",
      R"({"version": 1, "objects": {}})",
      R"({"objects": {}, "objects": {"x": "xx"}})",
      R"({"objects": {"x": "xx"}, "info": {"x": {"serializer_info": {"a": 1, "a": 2}}}})",
      R"([1, 2])",
      R"("text")",
      R"({"objects": {"x": "xx"})",
      R"({"objects": {"x": "xx"}} trailing)",
      "",
  };
  for (const std::string& text : documents) {
    Result<ArtifactIndex> fast = ArtifactIndex::from_json(text);
    Result<ArtifactIndex> document = ArtifactIndex::from_json_document(text);
    ASSERT_EQ(fast.ok(), document.ok()) << text;
    if (!fast.ok()) {
      EXPECT_EQ(fast.status().to_string(), document.status().to_string()) << text;
      continue;
    }
    EXPECT_EQ(fast->to_json(), document->to_json()) << text;
    EXPECT_EQ(fast->attempt, document->attempt) << text;
    ASSERT_EQ(fast->artifacts.size(), document->artifacts.size()) << text;
    for (size_t i = 0; i < fast->artifacts.size(); ++i) {
      const ArtifactEntry& a = fast->artifacts[i];
      const ArtifactEntry& b = document->artifacts[i];
      EXPECT_EQ(a.name, b.name) << text;
      EXPECT_EQ(a.has_info, b.has_info) << text;
      EXPECT_EQ(a.info.type, b.info.type) << text;
      EXPECT_EQ(a.info.encoding, b.info.encoding) << text;
      EXPECT_EQ(a.info.size, b.info.size) << text;
      EXPECT_EQ(a.info.serializer_info, b.info.serializer_info) << text;
    }
  }
}

}  // namespace
}  // namespace conflux
