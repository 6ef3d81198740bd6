// TaskCards writes a task's cards: the HTML shell with the card JSON, the runtime data file, live
// refreshes at most once per refresh_interval, and the final card.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "base/base64.hpp"
#include "card/card_files.hpp"
#include "card/card_html.hpp"
#include "card/task_cards.hpp"
#include "conflux/cards.hpp"
#include "conflux/current.hpp"
#include "datastore/local_storage.hpp"
#include "testutil/testutil.hpp"

namespace conflux {
namespace {

using cards::Json;

DecoratorSpec card_decorator(std::string type, std::string id, int refresh_interval = 5) {
  DecoratorSpec d;
  d.name = "card";
  d.attributes = {{"type", type}, {"id", id.empty() ? Json() : Json(id)}, {"options", Json::object()},
                  {"refresh_interval", refresh_interval}, {"save_errors", true}};
  return d;
}

CardTaskFacts facts() {
  CardTaskFacts f;
  f.task = {"F", "1", "s", "2"};
  f.created_ms = 1'700'000'000'000;
  return f;
}

// The card JSON inside a card's HTML, and its reload token.
std::pair<Json, std::string> read_card(const std::string& html) {
  std::smatch payload, token;
  EXPECT_TRUE(std::regex_search(html, payload, std::regex(R"re(window\.__MF_DATA__\["[-0-9a-f]+"\] = "([A-Za-z0-9+/=]*)")re")));
  EXPECT_TRUE(std::regex_search(html, token, std::regex(R"re(var METAFLOW_RELOAD_TOKEN = "([^"]*)")re")));
  auto decoded = base64_decode(payload[1].str());
  EXPECT_TRUE(decoded.has_value());
  return {Json::parse(decoded.value_or("{}")), token[1].str()};
}

TEST(TaskCardsTest, WritesLiveThenFinalCardsWithMetaflowsShell) {
  testing::TempDir dir;
  LocalStorage storage(dir.path());
  TaskCards task_cards(storage, {card_decorator("blank", "", /*refresh_interval=*/1)}, facts());
  auto rows = task_cards.card_info_rows();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].type, "card-info");
  EXPECT_EQ(rows[0].tags, std::vector<std::string>{"attempt_id:0"});
  const Json info = Json::parse(rows[0].value);
  EXPECT_EQ(info["card_uuid"], rows[0].field);
  EXPECT_EQ(info["type"], "blank");

  cards::Card& card = current().card();
  auto& bar = card.append(cards::ProgressBar({.max = 10, .label = "epoch"}), "pb");
  card.refresh();
  auto listed = list_task_cards(storage, facts().task);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].hash, info["card_uuid"]);
  auto [doc, token] = read_card(testing::read_file(dir.path() / (*listed)[0].html_key));
  EXPECT_EQ(token, "runtime-1");
  EXPECT_EQ(doc["components"][0]["contents"][0]["contents"][0]["id"], "pb");
  Json data = Json::parse(testing::read_file(dir.path() / (*listed)[0].data_key));
  EXPECT_EQ(data["reload_token"], "runtime-1");
  EXPECT_EQ(data["data"]["pb"]["value"], 0);

  // Within refresh_interval a refresh writes nothing; after it, the new value.
  bar.update(3);
  card.refresh();
  EXPECT_EQ(Json::parse(testing::read_file(dir.path() / (*listed)[0].data_key))["data"]["pb"]["value"], 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  card.refresh();
  EXPECT_EQ(Json::parse(testing::read_file(dir.path() / (*listed)[0].data_key))["data"]["pb"]["value"], 3);

  task_cards.finish(1'700'000'005'000, Json::array(), Json::array());
  const std::string html = testing::read_file(dir.path() / (*listed)[0].html_key);
  EXPECT_EQ(read_card(html).second, "final");
  EXPECT_NE(html.find("window.metaflow_card_update = undefined;"), std::string::npos);
  EXPECT_LT(html.size(), card_vega_js().size()) << "no chart: no chart library";
  EXPECT_EQ(Json::parse(testing::read_file(dir.path() / (*listed)[0].data_key))["reload_token"], "final");
}

TEST(TaskCardsTest, SeveralCardsAreFoundByIdAndEmbedChartsOnlyWhenUsed) {
  testing::TempDir dir;
  LocalStorage storage(dir.path());
  TaskCards task_cards(storage, {card_decorator("default", ""), card_decorator("blank", "charts")}, facts());
  current().card().append(cards::Markdown("# default"));
  current().card("charts").append(cards::VegaChart(Json{{"mark", "point"}}));
  EXPECT_TRUE(current().card("nope").components().empty());
  current().card("nope").append(cards::Markdown("dropped"));
  EXPECT_TRUE(current().card("nope").components().empty());
  task_cards.finish(1'700'000'001'000, Json::array(), Json::array({{{"name", "x"}, {"type", "int"}, {"data", "5"}}}));
  auto listed = list_task_cards(storage, facts().task);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  for (const CardFile& f : *listed) {
    const std::string html = testing::read_file(dir.path() / f.html_key);
    auto [doc, token] = read_card(html);
    EXPECT_EQ(token, "final");
    if (f.id == "charts") {
      EXPECT_NE(html.find(std::string(card_vega_js().substr(0, 200))), std::string::npos);
      EXPECT_EQ(doc["components"][0]["contents"][0]["contents"][0]["type"], "vegaChart");
    } else {
      EXPECT_EQ(f.type, "default");
      EXPECT_EQ(doc["components"][1]["contents"][0]["contents"][0]["source"], "# default");
    }
  }
}

TEST(TaskCardsTest, TextThatIsNotUtf8NeverThrowsIntoTheStep) {
  testing::TempDir dir;
  LocalStorage storage(dir.path());
  TaskCards task_cards(storage, {card_decorator("blank", "")}, facts());
  current().card().append(cards::Markdown("bad \xff\xfe bytes"), "m");
  EXPECT_NO_THROW(current().card().refresh());
  EXPECT_NO_THROW(task_cards.finish(1'700'000'001'000, Json::array(), Json::array()));
  auto listed = list_task_cards(storage, facts().task);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  Json data = Json::parse(testing::read_file(dir.path() / (*listed)[0].data_key));
  EXPECT_EQ(data["reload_token"], "final");
  EXPECT_NE(data["data"]["m"]["source"].get<std::string>().find("\xef\xbf\xbd"), std::string::npos);  // U+FFFD
}

TEST(TaskCardsTest, TheShellEscapesTheTitleAndKeepsScriptsClosed) {
  Json doc = {{"components", Json::array({{{"type", "markdown"}, {"source", "</script><script>alert(1)</script>"}}})}};
  const std::string html = card_html(doc, "<b>title</b>", "final");
  EXPECT_NE(html.find("<title>&lt;b&gt;title&lt;/b&gt;</title>"), std::string::npos);
  // The content is base64 inside the page: it cannot close the script element.
  EXPECT_EQ(html.find("alert(1)"), std::string::npos);
  // The embedded renderer cannot end its own <script> early.
  const std::string js(card_renderer_js());
  size_t scripts = 0;
  for (size_t at = html.find("</script>"); at != std::string::npos; at = html.find("</script>", at + 1)) ++scripts;
  EXPECT_EQ(scripts, 3u);  // data, renderer, final
  EXPECT_GT(js.size(), 1000u);
}

}  // namespace
}  // namespace conflux
