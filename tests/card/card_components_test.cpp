// Each component renders to the JSON of Metaflow's card component (golden: tests/data/cards).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "card/card_document.hpp"
#include "conflux/cards.hpp"
#include "testutil/testutil.hpp"

namespace conflux::cards {
namespace {

// A 1x1 PNG.
const std::string kPng(
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x0d\x49\x44\x41\x54\x78\x9c\x63\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99\x3d\x1d\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82",
    70);

Json golden(const std::string& name) {
  static const Json all = Json::parse(testing::read_file(testing::test_data("cards/components.json")));
  return all.at(name);
}

template <class C>
Json with_id(C c, const std::string& id) {
  c.set_id(id);
  return c.render();
}

TEST(CardComponentsTest, EachRendersAsMetaflowsComponent) {
  EXPECT_EQ(with_id(Markdown("# Title\n\nSome *text*."), "md"), golden("markdown"));
  EXPECT_EQ(with_id(Markdown("    plain text\n      indented"), "md2"), golden("markdown_without_heading"));
  Markdown cell("**bold**");
  cell.set_id("cell");
  EXPECT_EQ(with_id(Table({{"a", 1, true, nullptr}, {"b", 2.5, false, cell}}, {"name", "value", "ok", "note"}), "tbl"),
            golden("table"));
  EXPECT_EQ(with_id(Image(kPng, "one pixel"), "img"), golden("image"));
  EXPECT_EQ(with_id(Image(std::string_view("hello"), "x"), "bad"), golden("image_not_an_image"));
  EXPECT_EQ(with_id(VegaChart(Json{{"mark", "line"}, {"data", {{"values", {{{"x", 1}, {"y", 2}}}}}}}), "chart"),
            golden("vega_chart"));
  EXPECT_EQ(with_id(VegaChart(std::string_view(R"({"mark": "bar", "width": 300})"), /*show_controls=*/true), "chart2"),
            golden("vega_chart_with_controls"));
  EXPECT_EQ(with_id(ProgressBar({.max = 10, .value = 3, .label = "epochs", .unit = "epochs", .details = "loss 0.25"}), "pb"),
            golden("progress_bar"));
  EXPECT_EQ(with_id(ValueBox({.title = "Accuracy", .value = 0.93, .subtitle = "on the test set", .theme = "success",
                              .change_indicator = "Up 2% vs last run"}),
                    "vb"),
            golden("value_box"));
  EXPECT_EQ(Error("out of memory", "Training failed").render(), golden("error"));
  EXPECT_EQ(with_id(JsonViewer(Json{{"lr", 0.01}, {"layers", {64, 32}}}, {.title = "Config", .max_height = 300}), "jv"),
            golden("json_viewer"));
  EXPECT_EQ(with_id(Artifact(Value::list({1, "two"}), "ids"), "art"), golden("artifact"));
}

TEST(CardComponentsTest, LongReprsAreCut) {
  Json row = Artifact(Value(std::string(5000, 'x'))).render()["data"][0];
  EXPECT_TRUE(row["name"].is_null());
  EXPECT_EQ(row["type"], "str");
  EXPECT_EQ(row["data"].get<std::string>().size(), 1003u);  // 1000 characters and "..."
}

TEST(CardComponentsTest, IdsAreKindAndSixHexDigits) {
  EXPECT_TRUE(std::regex_match(Markdown("x").id(), std::regex("markdown_[0-9a-f]{6}")));
  EXPECT_TRUE(std::regex_match(ProgressBar().id(), std::regex("progressbar_[0-9a-f]{6}")));
  EXPECT_NE(Markdown("x").id(), Markdown("x").id());
}

TEST(CardComponentsTest, UpdatesChangeTheRenderedValues) {
  ProgressBar bar({.max = 5});
  bar.update(4, "almost");
  EXPECT_EQ(bar.render()["value"], 4);
  EXPECT_EQ(bar.render()["details"], "almost");
  ValueBox box({.value = "a"});
  box.update(42);
  EXPECT_EQ(box.render()["value"], 42);
  // Metaflow's limits on a value box's texts.
  ValueBox long_box({.title = std::string(300, 't'), .value = std::string(150, 'v')});
  EXPECT_EQ(long_box.render()["title"].get<std::string>().size(), 200u);
  EXPECT_EQ(long_box.render()["value"].get<std::string>().size(), 100u);
}

TEST(CardComponentsTest, BadInputIsAClearError) {
  EXPECT_THROW(VegaChart(std::string_view("not json")), std::invalid_argument);
  EXPECT_THROW(VegaChart(Json::array()), std::invalid_argument);
  try {
    ValueBox({.theme = "purple"});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown theme 'purple'"), std::string::npos);
  }
  EXPECT_THROW(ValueBox({.value = Json::array()}), std::invalid_argument);
}

TEST(CardComponentsTest, ADetachedCardDropsComponentsButItsReferencesStayValid) {
  Card card;
  auto& bar = card.append(ProgressBar({.max = 5}));
  bar.update(3);  // a step without .card() runs the same code (ASan checks the reference)
  EXPECT_EQ(bar.render()["value"], 3);
  EXPECT_TRUE(card.components().empty());
}

TEST(CardComponentsTest, CommonArgumentTypesConvert) {
  const size_t count = 3;
  const float ratio = 0.5f;
  const std::string spec = R"({"mark": "bar"})";
  Table table({{"count", count}, {"ratio", ratio}, {"name", std::string_view("x")}, {"u", 7u}});
  EXPECT_EQ(table.render()["data"][0][1], 3);
  EXPECT_EQ(table.render()["data"][1][1], 0.5);
  EXPECT_EQ(table.render()["data"][2][1], "x");
  EXPECT_EQ(VegaChart(spec).render()["spec"]["mark"], "bar");
  EXPECT_EQ(VegaChart(R"({"mark": "line"})").render()["spec"]["mark"], "line");
  EXPECT_EQ(Markdown(std::string_view("# t")).render()["source"], "# t");
}

TEST(CardComponentsTest, LimitsCountCharactersNotBytes) {
  std::string title;
  for (int i = 0; i < 300; ++i) title += "\xc3\xa9";  // é
  Json rendered = ValueBox({.title = title}).render();
  EXPECT_EQ(rendered["title"].get<std::string>(), title.substr(0, 400));  // 200 characters, 2 bytes each
}

TEST(CardDocumentTest, BlankCardWrapsTheComponentsInOnePage) {
  CardSpec spec;
  spec.type = "blank";
  spec.options = {{"title", "Report"}};
  auto md = std::make_shared<Markdown>("# Hi");
  md->set_id("m");
  CardTaskFacts facts;
  facts.task = {"F", "1", "s", "2"};
  Json doc = card_document(spec, {md}, facts);
  EXPECT_EQ(doc["metadata"], (Json{{"pathspec", "F/1/s/2"}}));
  ASSERT_EQ(doc["components"].size(), 1u);
  EXPECT_EQ(doc["components"][0]["type"], "page");
  EXPECT_EQ(doc["components"][0]["title"], "Report");
  EXPECT_EQ(doc["components"][0]["contents"][0]["type"], "section");
  EXPECT_EQ(doc["components"][0]["contents"][0]["contents"][0]["source"], "# Hi");
}

TEST(CardDocumentTest, DefaultCardHasTheTaskSections) {
  CardSpec spec;
  CardTaskFacts facts;
  facts.task = {"F", "1", "s", "2"};
  facts.attempt = 1;
  facts.created_ms = 1'700'000'000'000;
  facts.finished_ms = 1'700'000'002'500;
  facts.artifacts = Json::array({{{"name", "x"}, {"type", "int"}, {"data", "1"}}});
  facts.graph_info = {{"start_step", "start"}, {"end_step", "end"},
                      {"steps", {{"start", {{"type", "start"}, {"next", {"end"}}, {"doc", "d"}}},
                                 {"end", {{"type", "end"}, {"next", Json::array()}}}}}};
  Json doc = card_document(spec, {}, facts);
  EXPECT_EQ(doc["metadata"]["template"], "defaultCardTemplate");
  EXPECT_EQ(doc["components"][0], (Json{{"type", "title"}, {"text", "F/1/s/2"}}));
  const Json& page = doc["components"][1];
  EXPECT_EQ(page["title"], "Task Info");
  std::vector<std::string> titles;
  for (const auto& s : page["contents"]) titles.push_back(s["title"]);
  EXPECT_EQ(titles, (std::vector<std::string>{"Task Metadata", "Artifacts", "DAG"}));
  EXPECT_EQ(page["contents"][0]["contents"][0]["data"][4], (Json::array({"Duration", "2.5 s"})));
  EXPECT_EQ(page["contents"][1]["contents"][0]["data"][0]["name"], "x");
  const Json& dag = page["contents"][2]["contents"][0];
  EXPECT_EQ(dag["type"], "dag");
  EXPECT_EQ(dag["data"]["steps"]["start"]["box_next"], true);
  EXPECT_EQ(dag["data"]["steps"]["start"]["next"], Json::array({"end"}));
}

TEST(CardDocumentTest, RuntimeDataHoldsTheLiveComponentsById) {
  auto bar = std::make_shared<ProgressBar>(ProgressBarOptions{.max = 3, .value = 1});
  bar->set_id("pb");
  auto image = std::make_shared<Image>(kPng);  // images are not updated live
  auto error = std::make_shared<Error>("e");
  Json data = card_runtime_data({bar, image, error}, "runtime-2", 12.5);
  EXPECT_EQ(data["reload_token"], "runtime-2");
  EXPECT_EQ(data["created_on"], 12.5);
  ASSERT_EQ(data["data"].size(), 1u);
  EXPECT_EQ(data["data"]["pb"]["value"], 1);
}

}  // namespace
}  // namespace conflux::cards
