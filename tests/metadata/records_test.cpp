#include "metadata/records.hpp"

#include <gtest/gtest.h>

#include "datastore/ds_test_util.hpp"
#include "metadata/attempt_metadata.hpp"

namespace conflux {
namespace {

using dstest::read_file;

template <class T>
void expect_round_trip(const std::filesystem::path& file) {
  const std::string text = read_file(file);
  Result<T> record = T::from_json(text);
  ASSERT_TRUE(record.ok()) << file << ": " << record.status().to_string();
  EXPECT_EQ(record->to_json(), text) << file;
}

// Every _meta JSON file Metaflow wrote in the golden tree is reproduced byte for byte.
TEST(RecordsTest, ReproduceEveryMetaflowMetadataFile) {
  dstest::TempDir dir;
  const std::filesystem::path root = dstest::extract_fixture(dir.path());
  ASSERT_TRUE(std::filesystem::is_directory(root));
  size_t counts[6] = {};
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.path().parent_path().filename() != "_meta") continue;
    const std::string name = e.path().filename().string();
    const auto owner = e.path().parent_path().parent_path().lexically_relative(root);
    const size_t depth = static_cast<size_t>(std::distance(owner.begin(), owner.end()));
    if (name == "_self.json") {
      switch (depth) {
        case 1:
          expect_round_trip<FlowRecord>(e.path());
          ++counts[0];
          break;
        case 2:
          expect_round_trip<RunRecord>(e.path());
          ++counts[1];
          break;
        case 3:
          expect_round_trip<StepRecord>(e.path());
          ++counts[2];
          break;
        case 4:
          expect_round_trip<TaskRecord>(e.path());
          ++counts[3];
          break;
        default:
          ADD_FAILURE() << e.path();
      }
    } else if (name.starts_with("sysmeta_")) {
      expect_round_trip<MetadataRow>(e.path());
      ++counts[4];
    } else if (name.find("_artifact_") != std::string::npos) {
      expect_round_trip<ArtifactRow>(e.path());
      ++counts[5];
    } else {
      ADD_FAILURE() << "unexpected " << e.path();
    }
  }
  EXPECT_EQ(counts[0], 8u);
  EXPECT_EQ(counts[1], 10u);
  EXPECT_GT(counts[2], 40u);
  EXPECT_GT(counts[3], 50u);
  EXPECT_GT(counts[4], 500u);
  EXPECT_GT(counts[5], 500u);
}

TEST(RecordsTest, FromServiceJsonWithNumericIds) {
  Result<TaskRecord> t = TaskRecord::from_json(
      R"({"flow_id": "F", "run_number": 12, "step_name": "s", "task_id": 7, "user_name": null,
          "tags": null, "system_tags": ["a"], "ts_epoch": 5})");
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->run_number, "12");
  EXPECT_EQ(t->task_id, "7");
  EXPECT_TRUE(t->tags.empty());
  EXPECT_EQ(t->system_tags, std::vector<std::string>{"a"});
  EXPECT_EQ(RunRecord::from_json("[1]").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(RunRecord::from_json(R"({"tags": "notalist"})").status().code(),
            StatusCode::kCorruption);
}

TEST(RecordsTest, AttemptIdTag) {
  MetadataRow row;
  row.tags = {"x", "attempt_id:12"};
  EXPECT_EQ(row.attempt_id(), 12);
  row.tags = {"attempt_id:"};
  EXPECT_FALSE(row.attempt_id().has_value());
}

MetadataRow row(std::string field, std::string value, int64_t ts, std::vector<std::string> tags) {
  MetadataRow r;
  r.field_name = std::move(field);
  r.value = std::move(value);
  r.ts_epoch = ts;
  r.tags = std::move(tags);
  return r;
}

TEST(AttemptMetadataTest, ByTagOrByTimeWindow) {
  std::vector<MetadataRow> tagged = {
      row("attempt", "0", 10, {"attempt_id:0"}), row("x", "a", 11, {"attempt_id:0"}),
      row("attempt", "1", 20, {"attempt_id:1"}), row("y", "b", 21, {"attempt_id:1"})};
  auto one = metadata_for_attempt(tagged, 1);
  ASSERT_EQ(one.size(), 2u);
  EXPECT_EQ(one[1].field_name, "y");
  // Legacy rows without attempt tags: time windows between "attempt" rows.
  std::vector<MetadataRow> legacy = {row("attempt", "0", 10, {}), row("x", "a", 11, {}),
                                     row("attempt", "1", 20, {}), row("y", "b", 25, {})};
  auto zero = metadata_for_attempt(legacy, 0);
  ASSERT_EQ(zero.size(), 2u);
  EXPECT_EQ(zero[1].field_name, "x");
  EXPECT_EQ(metadata_for_attempt(legacy, 1).size(), 2u);
  EXPECT_TRUE(metadata_for_attempt(legacy, 2).empty());
}

}  // namespace
}  // namespace conflux
