// Foreach chunks: a wide foreach's tasks read their element from one slice, and get exactly the
// element the whole sequence holds, for every kind of sequence a foreach takes; a narrow foreach,
// a parent without slices, or slices written by another step fall back to the whole sequence;
// `conflux gc` counts the slices as referenced.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <conflux/conflux.hpp>

#include "datastore/content_addressed_store.hpp"
#include "datastore/local_storage.hpp"
#include "datastore/task_datastore.hpp"
#include "gc/blob_references.hpp"
#include "gc/run_catalog.hpp"
#include "task/artifact_persister.hpp"
#include "task/foreach_chunks.hpp"
#include "task/foreach_values.hpp"
#include "task/input_task.hpp"
#include "testutil/testutil.hpp"

namespace {

using conflux::Value;
using conflux::testing::TempDir;

class ForeachChunksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage_ = std::make_unique<conflux::LocalStorage>(dir_.path());
    cas_ = std::make_unique<conflux::ContentAddressedStore>(*storage_, "F");
  }

  // Commits task F/1/<step>/<id> with the artifact `items` and, if it is wide, its slices (written
  // as split step `chunks_of_step` would); returns the task opened as an input.
  std::unique_ptr<conflux::InputTask> commit(const std::string& step, const std::string& id, const Value& items,
                                             const std::string& chunks_of_step) {
    conflux::ArtifactPersister persister(*cas_);
    EXPECT_TRUE(persister.save_value("items", items).ok());
    auto length = conflux::foreach_length(items);
    EXPECT_TRUE(length.ok());
    std::vector<Value> elements;
    for (int64_t i = 0; i < *length; ++i) elements.push_back(*conflux::foreach_element(items, i));
    auto chunks = conflux::save_foreach_chunks(*cas_, chunks_of_step, elements);
    EXPECT_TRUE(chunks.ok()) << chunks.status().to_string();
    if (*chunks) EXPECT_TRUE(persister.save_value(std::string(conflux::kForeachChunksArtifact), **chunks).ok());
    conflux::TaskDataStore ds(*storage_, "F", "1", step, id);
    EXPECT_TRUE(ds.save_attempt_start(0, std::chrono::system_clock::now()).ok());
    EXPECT_TRUE(ds.done(0, persister.build(0)).ok());
    auto input = conflux::InputTask::open(*storage_, *cas_, "F", "1/" + step + "/" + id);
    EXPECT_TRUE(input.ok()) << input.status().to_string();
    return std::move(*input);
  }

  // Every element read through the slices equals the whole sequence's, and the count is right.
  void expect_same_elements(const Value& items, const std::string& task_id) {
    auto input = commit("start", task_id, items, "start");
    ASSERT_TRUE(input->has(conflux::kForeachChunksArtifact)) << "a wide foreach stores slices";
    int64_t n = *conflux::foreach_length(items);
    for (int64_t i : {int64_t{0}, int64_t{1}, int64_t{1023}, int64_t{1024}, int64_t{2500}, n - 1}) {
      auto got = conflux::load_chunked_element(*cas_, *input, i);
      ASSERT_TRUE(got.has_value()) << "element " << i;
      EXPECT_EQ(got->count, n);
      auto expected = conflux::foreach_element(items, i);
      ASSERT_TRUE(expected.ok());
      EXPECT_EQ(got->element.python_repr(), expected->python_repr()) << "element " << i;
      EXPECT_EQ(got->element.python_type(), expected->python_type()) << "element " << i;
    }
    // Past the end: the caller's whole-sequence path reports the bad index.
    EXPECT_FALSE(conflux::load_chunked_element(*cas_, *input, n).has_value());
    EXPECT_FALSE(conflux::load_chunked_element(*cas_, *input, -1).has_value());
  }

  // The blob file of `sha` in the local CAS (Metaflow's layout: data/<first two>/<sha>).
  std::filesystem::path blob_path(const std::string& sha) const {
    return dir_.path() / "F" / "data" / sha.substr(0, 2) / sha;
  }

  TempDir dir_;
  std::unique_ptr<conflux::LocalStorage> storage_;
  std::unique_ptr<conflux::ContentAddressedStore> cas_;
};

constexpr int64_t kWide = 5000;

TEST_F(ForeachChunksTest, ListOfIntsAndStrings) {
  std::vector<Value> ints, strings;
  std::string characters;
  for (int64_t i = 0; i < kWide; ++i) {
    ints.emplace_back(i * 7);
    strings.emplace_back("file-" + std::to_string(i) + ".csv");
    characters += (i % 2 ? "\xc3\xa9" : "x");  // a str foreach yields code points: é is two bytes
  }
  expect_same_elements(Value::list(ints), "1");
  expect_same_elements(Value::tuple(strings), "2");
  expect_same_elements(Value(characters), "3");
}

TEST_F(ForeachChunksTest, NumpyArrays) {
  std::vector<int64_t> ints(kWide);
  std::vector<double> doubles(kWide);
  for (int64_t i = 0; i < kWide; ++i) {
    ints[i] = -i;
    doubles[i] = i * 0.5;
  }
  expect_same_elements(conflux::Codec<std::vector<int64_t>>::to_value(ints), "1");
  expect_same_elements(conflux::Codec<std::vector<double>>::to_value(doubles), "2");
}

TEST_F(ForeachChunksTest, NarrowForeachesAndOtherStepsSlicesFallBackToTheWholeSequence) {
  std::vector<Value> few(100, Value(int64_t{1}));
  auto narrow = commit("start", "1", Value::list(few), "start");
  EXPECT_FALSE(narrow->has(conflux::kForeachChunksArtifact)) << "a narrow foreach stores no slices";
  EXPECT_FALSE(conflux::load_chunked_element(*cas_, *narrow, 3).has_value());

  // Slices that name another split step are not this foreach's.
  std::vector<Value> many(kWide, Value(int64_t{2}));
  auto other = commit("inner", "2", Value::list(many), "start");
  EXPECT_FALSE(conflux::load_chunked_element(*cas_, *other, 3).has_value());
}

TEST_F(ForeachChunksTest, ASweptOrDamagedSliceFallsBackAndGcSkipsIt) {
  std::vector<Value> many;
  for (int64_t i = 0; i < kWide; ++i) many.emplace_back(i);
  auto input = commit("start", "1", Value::list(many), "start");
  auto shas = conflux::foreach_chunk_shas(*input->value(conflux::kForeachChunksArtifact));
  ASSERT_TRUE(shas.ok());
  ASSERT_TRUE(conflux::load_chunked_element(*cas_, *input, 10).has_value());
  // Slice 0 swept, slice 1 overwritten with garbage: no element from them, no error.
  std::filesystem::remove(blob_path((*shas)[0]));
  std::filesystem::permissions(blob_path((*shas)[1]), std::filesystem::perms::owner_all);
  { std::ofstream(blob_path((*shas)[1]), std::ios::trunc) << "not gzip"; }
  EXPECT_FALSE(conflux::load_chunked_element(*cas_, *input, 10).has_value());
  EXPECT_FALSE(conflux::load_chunked_element(*cas_, *input, 1030).has_value());
  auto later = conflux::load_chunked_element(*cas_, *input, 2050);
  ASSERT_TRUE(later.has_value());
  EXPECT_EQ(later->element.as_int(), 2050);
  // gc (and export, which copies what gc finds) lists only the slices still there.
  conflux::gc::CatalogedRun run;
  run.reference_keys = {"F/1/start/1/0.data.json"};
  std::unordered_set<std::string> referenced;
  ASSERT_TRUE(conflux::gc::add_references(*storage_, {&run}, &referenced).ok());
  EXPECT_FALSE(referenced.count((*shas)[0]));
  EXPECT_TRUE(referenced.count((*shas)[2]));
}

TEST_F(ForeachChunksTest, GcCountsTheSlicesAsReferenced) {
  std::vector<Value> many;
  for (int64_t i = 0; i < kWide; ++i) many.emplace_back(i);
  Value items = Value::list(many);
  auto input = commit("start", "1", items, "start");
  auto chunks_value = input->value(conflux::kForeachChunksArtifact);
  ASSERT_TRUE(chunks_value.ok());
  auto shas = conflux::foreach_chunk_shas(*chunks_value);
  ASSERT_TRUE(shas.ok());
  EXPECT_EQ(shas->size(), 5u);  // 5000 elements in slices of 1024

  conflux::gc::CatalogedRun run;
  run.reference_keys = {"F/1/start/1/0.data.json"};
  std::unordered_set<std::string> referenced;
  ASSERT_TRUE(conflux::gc::add_references(*storage_, {&run}, &referenced).ok());
  for (const std::string& sha : *shas) EXPECT_TRUE(referenced.count(sha)) << sha;
  EXPECT_TRUE(referenced.count(input->index().find("items")->sha));
}

}  // namespace
