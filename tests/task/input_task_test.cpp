// InputTask reads a committed task's artifacts lazily and safely: a pickle naming a Python global
// outside the whitelist is refused with an error naming the artifact and the type.
#include <gtest/gtest.h>

#include <conflux/conflux.hpp>

#include "datastore/content_addressed_store.hpp"
#include "datastore/local_storage.hpp"
#include "datastore/task_datastore.hpp"
#include "task/artifact_persister.hpp"
#include "task/input_task.hpp"
#include "testutil/testutil.hpp"

namespace {

using conflux::testing::TempDir;

struct Holder : conflux::FlowSpec<Holder> {
  conflux::Artifact<int64_t> evil{this, "evil"};
  conflux::Artifact<int64_t> answer{this, "answer"};
  static void graph(conflux::Graph<Holder>&) {}
};

class InputTaskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage_ = std::make_unique<conflux::LocalStorage>(dir_.path());
    cas_ = std::make_unique<conflux::ContentAddressedStore>(*storage_, "F");
    conflux::ArtifactIndex index;
    // pickle protocol 4 of os.system('true'): never to be executed.
    std::string evil("\x80\x04\x8c\x02os\x8c\x06system\x93\x8c\x04true\x85R.", 25);
    auto saved = cas_->save_bytes(evil);
    ASSERT_TRUE(saved.ok()) << saved.status().to_string();
    conflux::ArtifactEntry e;
    e.name = "evil";
    e.sha = saved->sha;
    e.info.size = saved->size;
    e.info.type = "<class 'os.system'>";
    index.artifacts.push_back(e);
    auto answer = cas_->save_bytes(std::string("\x80\x04K*.", 5));  // 42
    ASSERT_TRUE(answer.ok());
    e.name = "answer";
    e.sha = answer->sha;
    e.info.type = "<class 'int'>";
    index.artifacts.push_back(e);
    conflux::TaskDataStore ds(*storage_, "F", "1", "start", "1");
    ASSERT_TRUE(ds.save_attempt_start(0, std::chrono::system_clock::now()).ok());
    ASSERT_TRUE(ds.done(0, index).ok());
  }
  TempDir dir_;
  std::unique_ptr<conflux::LocalStorage> storage_;
  std::unique_ptr<conflux::ContentAddressedStore> cas_;
};

TEST_F(InputTaskTest, LoadsStandardValuesAndRefusesUnknownGlobals) {
  auto input = conflux::InputTask::open(*storage_, *cas_, "F", "1/start/1");
  ASSERT_TRUE(input.ok()) << input.status().to_string();
  Holder holder;
  auto ok = (*input)->load_into("answer", holder.answer);
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_TRUE(*ok);
  EXPECT_EQ(*holder.answer, 42);

  auto evil = (*input)->load_into("evil", holder.evil);
  ASSERT_FALSE(evil.ok());
  EXPECT_NE(evil.status().message().find("artifact 'evil'"), std::string::npos) << evil.status().message();
  EXPECT_NE(evil.status().message().find("os.system"), std::string::npos) << evil.status().message();

  auto missing = (*input)->load_into("nothing", holder.answer);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(*missing);
}

// The fingerprint taken while loading decides, at the end of the task, whether a value read
// through a non-const `->` changed: equal bytes are passed down, changed ones saved anew.
TEST_F(InputTaskTest, LoadingFingerprintsTheBytesThatDecideWhetherAValueChanged) {
  auto input = conflux::InputTask::open(*storage_, *cas_, "F", "1/start/1");
  ASSERT_TRUE(input.ok()) << input.status().to_string();
  const conflux::ArtifactEntry* entry = (*input)->index().find("answer");
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ((*input)->fingerprint_of(entry->sha), nullptr) << "nothing loaded yet";
  Holder holder;
  ASSERT_TRUE((*input)->load_into("answer", holder.answer).ok());
  const conflux::ContentFingerprint* loaded = (*input)->fingerprint_of(entry->sha);
  ASSERT_NE(loaded, nullptr);
  conflux::FingerprintSink blob;
  blob.write("\x80\x04K*.", 5);
  EXPECT_EQ(*loaded, blob.fingerprint());

  conflux::ArtifactPersister persister(*cas_);
  auto same = persister.save_slot_if_changed(holder.answer, entry->sha, loaded);
  ASSERT_TRUE(same.ok()) << same.status().to_string();
  EXPECT_FALSE(*same);
  EXPECT_FALSE(persister.has("answer"));
  holder.answer = 43;
  auto changed = persister.save_slot_if_changed(holder.answer, entry->sha, loaded);
  ASSERT_TRUE(changed.ok()) << changed.status().to_string();
  EXPECT_TRUE(*changed);
  EXPECT_TRUE(persister.has("answer"));
}

TEST_F(InputTaskTest, UncommittedOrMalformedInputsAreErrors) {
  auto uncommitted = conflux::InputTask::open(*storage_, *cas_, "F", "1/start/2");
  ASSERT_FALSE(uncommitted.ok());
  EXPECT_NE(uncommitted.status().message().find("F/1/start/2"), std::string::npos) << uncommitted.status().message();
  auto malformed = conflux::InputTask::open(*storage_, *cas_, "F", "1/start");
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.status().message().find("not run/step/task"), std::string::npos);
}

}  // namespace
