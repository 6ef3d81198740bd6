#include "datastore/local_storage.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "datastore/datastore_root.hpp"
#include "datastore/ds_test_util.hpp"

namespace conflux {
namespace {

using dstest::read_file;
using dstest::temp_files_under;
using dstest::TempDir;

TEST(LocalStorageTest, SaveCreatesParentsAndLoadsBack) {
  TempDir dir;
  LocalStorage storage(dir.path() / "root");
  DS_ASSERT_OK(storage.save("Flow/1/start/1/0.attempt.json", "{\"time\": 1.0}", true));
  EXPECT_EQ(read_file(dir.path() / "root/Flow/1/start/1/0.attempt.json"), "{\"time\": 1.0}");
  Result<std::string> back = storage.load("Flow/1/start/1/0.attempt.json");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, "{\"time\": 1.0}");
  Result<uint64_t> size = storage.size("Flow/1/start/1/0.attempt.json");
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 13u);
  EXPECT_TRUE(temp_files_under(dir.path()).empty());
}

TEST(LocalStorageTest, LoadOfEmptyAndLargeFiles) {
  TempDir dir;
  LocalStorage storage(dir.path());
  DS_ASSERT_OK(storage.save("empty", "", true));
  std::string big(3 * 1024 * 1024 + 7, 'x');
  for (size_t i = 0; i < big.size(); i += 997) big[i] = static_cast<char>(i);
  DS_ASSERT_OK(storage.save("big", big, true));
  EXPECT_EQ(*storage.load("empty"), "");
  EXPECT_EQ(*storage.load("big"), big);
}

TEST(LocalStorageTest, NoOverwriteKeepsExistingAndReportsAlreadyExists) {
  TempDir dir;
  LocalStorage storage(dir.path());
  DS_ASSERT_OK(storage.save("a/b", "first", false));
  Status s = storage.save("a/b", "second", false);
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.to_string();
  EXPECT_EQ(*storage.load("a/b"), "first");
  DS_ASSERT_OK(storage.save("a/b", "third", true));
  EXPECT_EQ(*storage.load("a/b"), "third");
  EXPECT_TRUE(temp_files_under(dir.path()).empty());
}

TEST(LocalStorageTest, SaveNewDirectoryAppearsWholeOnce) {
  TempDir dir;
  LocalStorage storage(dir.path());
  const std::string a = "{\"a\": 1}", b = "b";
  DS_ASSERT_OK(storage.save_new_directory("F/1/s/2/_meta", {{"a.json", a}, {"b.txt", b}}));
  EXPECT_EQ(read_file(dir.path() / "F/1/s/2/_meta/a.json"), a);
  EXPECT_EQ(read_file(dir.path() / "F/1/s/2/_meta/b.txt"), b);
  // The directory exists: nothing is written, nothing left behind.
  Status again = storage.save_new_directory("F/1/s/2/_meta", {{"c.txt", b}});
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists) << again.to_string();
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "F/1/s/2/_meta/c.txt"));
  EXPECT_TRUE(temp_files_under(dir.path()).empty());
  std::vector<std::string> entries;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() / "F/1/s/2")) entries.push_back(e.path().filename());
  EXPECT_EQ(entries, std::vector<std::string>{"_meta"});
  // File names are single path components.
  EXPECT_EQ(storage.save_new_directory("F/x", {{"../escape", b}}).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "F/x"));
}

TEST(LocalStorageTest, MissingObjects) {
  TempDir dir;
  LocalStorage storage(dir.path());
  EXPECT_EQ(storage.load("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(storage.open("nope/x").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(storage.size("nope").status().code(), StatusCode::kNotFound);
  Result<bool> e = storage.exists("nope/deeper");
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(*e);
  DS_ASSERT_OK(storage.save("d/f", "x", true));
  EXPECT_FALSE(*storage.exists("d"));  // a directory is not an object
  EXPECT_TRUE(*storage.exists("d/f"));
  DS_EXPECT_OK(storage.remove("d/f"));
  DS_EXPECT_OK(storage.remove("d/f"));  // idempotent
  EXPECT_FALSE(*storage.exists("d/f"));
}

TEST(LocalStorageTest, RejectsKeysEscapingTheRoot) {
  TempDir dir;
  LocalStorage storage(dir.path());
  for (const char* key : {"", "/abs", "a//b", "../x", "a/../b", "a/.", "trailing/"}) {
    EXPECT_EQ(storage.save(key, "x", true).code(), StatusCode::kInvalidArgument) << key;
    EXPECT_EQ(storage.load(key).status().code(), StatusCode::kInvalidArgument) << key;
  }
}

TEST(LocalStorageTest, WriterCommitPublishesAtomically) {
  TempDir dir;
  LocalStorage storage(dir.path());
  Result<std::unique_ptr<StorageWriter>> w = storage.begin_write("logs/0.task_stdout.log", true);
  ASSERT_TRUE(w.ok()) << w.status().to_string();
  std::string expected;
  for (int i = 0; i < 1000; ++i) {
    std::string chunk(i * 7 % 5000, static_cast<char>('a' + i % 26));
    (*w)->write(chunk.data(), chunk.size());
    expected += chunk;
  }
  // Nothing under the final name before commit, only a hidden temporary.
  EXPECT_FALSE(*storage.exists("logs/0.task_stdout.log"));
  EXPECT_EQ(temp_files_under(dir.path()).size(), 1u);
  Result<std::vector<ListEntry>> listing = storage.list("logs");
  ASSERT_TRUE(listing.ok());
  EXPECT_TRUE(listing->empty());  // temporaries are never listed
  DS_ASSERT_OK((*w)->commit());
  EXPECT_EQ(*storage.load("logs/0.task_stdout.log"), expected);
  EXPECT_TRUE(temp_files_under(dir.path()).empty());
  EXPECT_EQ((*w)->commit().code(), StatusCode::kFailedPrecondition);
}

TEST(LocalStorageTest, WriterDestroyedWithoutCommitLeavesNothing) {
  TempDir dir;
  LocalStorage storage(dir.path());
  {
    Result<std::unique_ptr<StorageWriter>> w = storage.begin_write("x/y/z", true);
    ASSERT_TRUE(w.ok());
    std::string data(1 << 20, 'q');
    (*w)->write(data.data(), data.size());
  }
  EXPECT_EQ(dstest::count_files_under(dir.path()), 0u);
  EXPECT_FALSE(*storage.exists("x/y/z"));
}

TEST(LocalStorageTest, WriterCommitAsAnotherKeyCreatesItsDirectory) {
  TempDir dir;
  LocalStorage storage(dir.path());
  auto w = storage.begin_write("Flow/data/staging", false);
  ASSERT_TRUE(w.ok());
  (*w)->write("hello", 5);
  DS_ASSERT_OK((*w)->commit_as("Flow/data/ab/abcdef"));
  EXPECT_EQ(*storage.load("Flow/data/ab/abcdef"), "hello");
  EXPECT_FALSE(*storage.exists("Flow/data/staging"));
  // A second no-overwrite writer of the same key loses and leaves nothing behind.
  auto w2 = storage.begin_write("Flow/data/staging", false);
  ASSERT_TRUE(w2.ok());
  (*w2)->write("other", 5);
  EXPECT_EQ((*w2)->commit_as("Flow/data/ab/abcdef").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(*storage.load("Flow/data/ab/abcdef"), "hello");
  EXPECT_TRUE(temp_files_under(dir.path()).empty());
}

TEST(LocalStorageTest, StreamingReadReturnsEverything) {
  TempDir dir;
  LocalStorage storage(dir.path());
  std::string data(300000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31);
  DS_ASSERT_OK(storage.save("blob", data, true));
  auto src = storage.open("blob");
  ASSERT_TRUE(src.ok());
  EXPECT_EQ((*src)->remaining(), data.size());
  std::string got;
  char buf[4096];
  while (true) {
    Result<size_t> n = (*src)->read(buf, sizeof(buf));
    ASSERT_TRUE(n.ok());
    if (*n == 0) break;
    got.append(buf, *n);
  }
  EXPECT_EQ(got, data);
  EXPECT_EQ((*src)->remaining(), 0u);
}

TEST(LocalStorageTest, ListReportsFilesAndDirectories) {
  TempDir dir;
  LocalStorage storage(dir.path());
  DS_ASSERT_OK(storage.save("F/1/_meta/_self.json", "{}", true));
  DS_ASSERT_OK(storage.save("F/latest_run", "1", true));
  DS_ASSERT_OK(storage.save("F/2/x", "", true));
  auto listing = storage.list("F");
  ASSERT_TRUE(listing.ok());
  std::vector<std::pair<std::string, bool>> got;
  for (const ListEntry& e : *listing) got.emplace_back(e.name, e.is_file);
  std::sort(got.begin(), got.end());
  std::vector<std::pair<std::string, bool>> want = {
      {"1", false}, {"2", false}, {"latest_run", true}};
  EXPECT_EQ(got, want);
  auto root = storage.list("");
  ASSERT_TRUE(root.ok());
  ASSERT_EQ(root->size(), 1u);
  EXPECT_EQ((*root)[0].name, "F");
  auto missing = storage.list("G/h");
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->empty());
}

TEST(LocalStorageTest, ConcurrentNoOverwriteSavesHaveExactlyOneWinner) {
  TempDir dir;
  LocalStorage storage(dir.path());
  constexpr int kThreads = 16;
  for (int round = 0; round < 20; ++round) {
    const std::string key = "race/" + std::to_string(round) + "/obj";
    std::atomic<int> winners{0};
    std::atomic<int> losers{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        Status s = storage.save(key, "writer " + std::to_string(t), false);
        if (s.ok()) ++winners;
        if (s.code() == StatusCode::kAlreadyExists) ++losers;
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(winners.load(), 1);
    EXPECT_EQ(losers.load(), kThreads - 1);
  }
  EXPECT_TRUE(temp_files_under(dir.path()).empty());
}

// --- What `conflux gc` uses ---

TEST(LocalStorageTest, ListTreeWalksEveryFileWithSizesAndTimes) {
  TempDir dir;
  LocalStorage storage(dir.path());
  const auto before = std::chrono::system_clock::now() - std::chrono::seconds(1);
  DS_ASSERT_OK(storage.save("F/1/start/1/0.data.json", "{}", true));
  DS_ASSERT_OK(storage.save("F/1/_meta/_self.json", "abc", true));
  DS_ASSERT_OK(storage.save("F/2/x", "", true));
  auto writer = storage.begin_write("F/1/in-flight", true);  // a temporary: never listed
  ASSERT_TRUE(writer.ok());
  Result<std::vector<ObjectInfo>> tree = storage.list_tree("F/1");
  ASSERT_TRUE(tree.ok()) << tree.status().to_string();
  std::vector<std::string> keys;
  for (const ObjectInfo& o : *tree) {
    keys.push_back(o.key);
    EXPECT_GE(o.modified, before);
  }
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"F/1/_meta/_self.json", "F/1/start/1/0.data.json"}));
  EXPECT_EQ(storage.list_tree("F").value().size(), 3u);
  EXPECT_TRUE(storage.list_tree("missing").value().empty());
}

TEST(LocalStorageTest, RemoveIfOlderSparesWhatWasTouched) {
  TempDir dir;
  LocalStorage storage(dir.path());
  DS_ASSERT_OK(storage.save("F/data/ab/old", "x", true));
  DS_ASSERT_OK(storage.save("F/data/ab/reused", "y", true));
  // Both written before the cutoff; one is reused (touched) after it.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto cutoff = std::chrono::system_clock::now();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  DS_ASSERT_OK(storage.touch("F/data/ab/reused"));
  EXPECT_EQ(storage.remove_if_older("F/data/ab/old", cutoff).value(), true);
  EXPECT_EQ(storage.remove_if_older("F/data/ab/reused", cutoff).value(), false);
  EXPECT_EQ(storage.remove_if_older("F/data/ab/absent", cutoff).value(), false);
  EXPECT_FALSE(storage.exists("F/data/ab/old").value());
  EXPECT_EQ(storage.load("F/data/ab/reused").value(), "y");
  EXPECT_TRUE(storage.touch("F/data/ab/old").is_not_found());
  EXPECT_TRUE(temp_files_under(dir.path()).empty());
}

TEST(LocalStorageTest, RemoveIfOlderRacingTouchesNeverLosesAReusedFile) {
  // A writer touches, and re-publishes when the touch finds nothing; whatever the interleaving,
  // the file exists once the writer is done.
  TempDir dir;
  LocalStorage storage(dir.path());
  for (int round = 0; round < 200; ++round) {
    const std::string key = "F/data/" + std::to_string(round);
    DS_ASSERT_OK(storage.save(key, "v", true));
    const std::filesystem::path path = dir.path() / key;
    std::filesystem::last_write_time(path, std::filesystem::last_write_time(path) - std::chrono::seconds(10));
    const auto cutoff = std::chrono::system_clock::now() - std::chrono::seconds(1);
    std::thread sweeper([&] { (void)storage.remove_if_older(key, cutoff); });
    Status touched = storage.touch(key);
    if (touched.is_not_found()) DS_ASSERT_OK(storage.save(key, "v", false));
    sweeper.join();
    EXPECT_TRUE(storage.exists(key).value()) << round;
  }
}

TEST(LocalStorageTest, RemoveTreeMakesADirectoryDisappearAtOnce) {
  TempDir dir;
  LocalStorage storage(dir.path());
  DS_ASSERT_OK(storage.save("F/1/start/1/0.data.json", "{}", true));
  DS_ASSERT_OK(storage.save("F/2/start/1/0.data.json", "{}", true));
  DS_ASSERT_OK(storage.remove_tree("F/1"));
  DS_ASSERT_OK(storage.remove_tree("F/1"));  // again: nothing to do
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "F/1"));
  EXPECT_TRUE(storage.exists("F/2/start/1/0.data.json").value());
  EXPECT_TRUE(temp_files_under(dir.path()).empty());
}

TEST(DatastoreRootTest, SysrootWins) {
  EXPECT_EQ(find_datastore_root("/some/cwd", std::string_view("/data/ds")),
            std::filesystem::path("/data/ds/.metaflow"));
}

TEST(DatastoreRootTest, WalksUpToAnExistingDirectory) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / ".metaflow");
  std::filesystem::create_directories(dir.path() / "a/b/c");
  EXPECT_EQ(find_datastore_root(dir.path() / "a/b/c", std::nullopt), dir.path() / ".metaflow");
  EXPECT_EQ(find_datastore_root(dir.path() / "a/b/c/", std::string_view("")),
            dir.path() / ".metaflow");
  // The nearest one wins.
  std::filesystem::create_directories(dir.path() / "a/.metaflow");
  EXPECT_EQ(find_datastore_root(dir.path() / "a/b/c", std::nullopt), dir.path() / "a/.metaflow");
}

TEST(DatastoreRootTest, DefaultsToCwdWhenNoneExists) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "x/y");
  // A *file* named .metaflow does not count.
  dstest::write_file(dir.path() / "x/.metaflow", "");
  for (auto p = dir.path(); p != p.parent_path(); p = p.parent_path()) {
    if (std::filesystem::is_directory(p.parent_path() / ".metaflow"))
      GTEST_SKIP() << "ancestor has .metaflow";
  }
  EXPECT_EQ(find_datastore_root(dir.path() / "x/y", std::nullopt), dir.path() / "x/y/.metaflow");
}

}  // namespace
}  // namespace conflux
