// Card file names and listing follow Metaflow's card tools (ui-cards.md §3.1, §3.5).
#include <gtest/gtest.h>

#include <regex>

#include "card/card_files.hpp"
#include "datastore/local_storage.hpp"
#include "testutil/testutil.hpp"

namespace conflux {
namespace {

TEST(CardFilesTest, PathsAreMetaflows) {
  CardTask t{"MyFlow", "12", "train", "3"};
  const std::string uuid = "0123456789abcdef0123456789abcdef";
  EXPECT_EQ(card_html_key(t, card_file_stem("blank", "report", uuid)),
            "mf.cards/MyFlow/runs/12/steps/train/tasks/3/cards/blank-report-" + uuid + ".html");
  EXPECT_EQ(card_data_key(t, card_file_stem("default", "", uuid)),
            "mf.cards/MyFlow/runs/12/steps/train/tasks/3/runtime/default-" + uuid + ".data.json");
  EXPECT_TRUE(std::regex_match(new_card_uuid(), std::regex("[0-9a-f]{32}")));
  EXPECT_NE(new_card_uuid(), new_card_uuid());
}

TEST(CardFilesTest, CardFilePathsAreCheckedPartByPart) {
  EXPECT_TRUE(is_card_file_path("steps/s/tasks/2/cards/blank-" + std::string(32, 'a') + ".html"));
  EXPECT_TRUE(is_card_file_path("steps/s/tasks/2/runtime/blank-x.data.json"));
  EXPECT_FALSE(is_card_file_path("steps/s/tasks/2/cards/x.data.json"));
  EXPECT_FALSE(is_card_file_path("steps/s/tasks/2/other/x.html"));
  EXPECT_FALSE(is_card_file_path("steps/../tasks/2/cards/x.html"));
  EXPECT_FALSE(is_card_file_path("steps/s/tasks/2/cards/sub/x.html"));
  EXPECT_FALSE(is_card_file_path("x.html"));
}

TEST(CardFilesTest, ListsWhatMetaflowWouldParse) {
  testing::TempDir dir;
  LocalStorage storage(dir.path());
  CardTask t{"F", "1", "s", "2"};
  const std::string a(32, 'a'), b(32, 'b');
  ASSERT_TRUE(storage.save(card_html_key(t, card_file_stem("default", "", a)), "<html>", false).ok());
  ASSERT_TRUE(storage.save(card_html_key(t, card_file_stem("blank", "report", b)), "<html>", false).ok());
  // Not cards to Metaflow: too many dashes, no uuid, not HTML.
  ASSERT_TRUE(storage.save(card_html_key(t, "a-b-c-" + a), "x", false).ok());
  ASSERT_TRUE(storage.save(card_html_key(t, "blank"), "x", false).ok());
  ASSERT_TRUE(storage.save(card_html_key(t, "blank-" + a).substr(0) + ".txt", "x", false).ok());
  auto cards = list_task_cards(storage, t);
  ASSERT_TRUE(cards.ok()) << cards.status().to_string();
  ASSERT_EQ(cards->size(), 2u);
  std::sort(cards->begin(), cards->end(), [](const CardFile& x, const CardFile& y) { return x.hash < y.hash; });
  EXPECT_EQ((*cards)[0].type, "default");
  EXPECT_EQ((*cards)[0].id, "");
  EXPECT_EQ((*cards)[0].hash, a);
  EXPECT_EQ((*cards)[1].type, "blank");
  EXPECT_EQ((*cards)[1].id, "report");
  EXPECT_EQ((*cards)[1].data_key, card_data_key(t, "blank-report-" + b));
  // A task without cards has none.
  auto none = list_task_cards(storage, CardTask{"F", "1", "s", "3"});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace conflux
