// Cards end to end: the example flow `cards` writes a live card while its start step runs and
// final cards for both steps, where Metaflow's card tools look for them.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "base/base64.hpp"
#include "runtime/flow_run_test_util.hpp"

namespace conflux::testing {
namespace {

using nlohmann::json;

class CardFlowTest : public FlowRunTest {
 protected:
  // The task directory of the only task of `step`.
  fs::path task_dir(const std::string& run, const std::string& step) {
    for (const auto& e : fs::directory_iterator(root() / "CardFlow" / run / step)) {
      if (e.is_directory() && e.path().filename() != "_meta") return e.path();
    }
    return {};
  }
  json card_list(const std::string& run, const std::string& step) {
    std::string pathspec = "CardFlow/" + run + "/" + step + "/" + task_dir(run, step).filename().string();
    auto r = run_command({"/usr/bin/python3", CONFLUX_SOURCE_DIR "/tests/tools/metaflow_card_list.py", root().string(),
                          pathspec});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out.empty() ? "{}" : r.out);
  }
  fs::path card_dir(const std::string& run, const std::string& step, const std::string& kind) {
    return root() / "mf.cards" / "CardFlow" / "runs" / run / "steps" / step / "tasks" /
           task_dir(run, step).filename() / kind;
  }
  static json payload(const std::string& html) {
    std::smatch m;
    EXPECT_TRUE(std::regex_search(html, m, std::regex(R"re(__MF_DATA__\["[-0-9a-f]+"\] = "([A-Za-z0-9+/=]*)")re")));
    return json::parse(base64_decode(m[1].str()).value_or("{}"));
  }
};

TEST_F(CardFlowTest, StepsWriteCardsMetaflowsToolsFind) {
  auto r = run_flow("examples/cards", {"run", "--epochs", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string run = run_id_of(r.err + r.out);

  json start = card_list(run, "start");
  ASSERT_EQ(start["cards"].size(), 1u) << start.dump();
  EXPECT_EQ(start["cards"][0]["type"], "blank");
  EXPECT_TRUE(start["cards"][0]["id"].is_null());
  json end = card_list(run, "end");
  ASSERT_EQ(end["cards"].size(), 1u) << end.dump();
  EXPECT_EQ(end["cards"][0]["type"], "default");

  // The blank card: the user's components, final.
  const std::string stem = "blank-" + start["cards"][0]["hash"].get<std::string>();
  const std::string html = read_file(card_dir(run, "start", "cards") / (stem + ".html"));
  EXPECT_NE(html.find("var METAFLOW_RELOAD_TOKEN = \"final\""), std::string::npos);
  json doc = payload(html);
  EXPECT_EQ(doc["components"][0]["title"], "Training");
  std::vector<std::string> types;
  for (const auto& c : doc["components"][0]["contents"][0]["contents"]) types.push_back(c["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{"markdown", "progressBar", "vegaChart", "valueBox", "table"}));
  EXPECT_EQ(doc["components"][0]["contents"][0]["contents"][1]["value"], 3);
  json data = json::parse(read_file(card_dir(run, "start", "runtime") / (stem + ".data.json")));
  EXPECT_EQ(data["reload_token"], "final");
  EXPECT_EQ(data["data"]["progress"]["value"], 3);
  EXPECT_EQ(data["data"]["accuracy"]["value"], 0.8333333333333334);

  // The default card shows the parameters, the artifacts with their values, and the DAG.
  json end_doc = payload(read_file(card_dir(run, "end", "cards") /
                                   ("default-" + end["cards"][0]["hash"].get<std::string>() + ".html")));
  const json& sections = end_doc["components"][1]["contents"];
  std::map<std::string, json> by_title;
  for (const auto& s : sections) by_title[s["title"]] = s;
  ASSERT_TRUE(by_title.count("Flow Parameters")) << end_doc.dump();
  EXPECT_EQ(by_title["Flow Parameters"]["contents"][0]["data"][0], (json{{"name", "epochs"}, {"type", "int"}, {"data", "3"}}));
  bool saw_accuracy = false;
  for (const auto& a : by_title["Artifacts"]["contents"][0]["data"]) {
    if (a["name"] == "accuracy") saw_accuracy = a["data"] == "0.8333333333333334" && a["type"] == "float";
  }
  EXPECT_TRUE(saw_accuracy) << by_title["Artifacts"].dump();
  EXPECT_EQ(by_title["DAG"]["contents"][0]["data"]["steps"]["start"]["next"], json::array({"end"}));

  // card-info metadata ties the card's uuid to the attempt; _graph_info lists the decorators.
  bool card_info = false;
  for (const auto& e : fs::directory_iterator(task_dir(run, "start") / "_meta")) {
    if (e.path().filename().string().starts_with("sysmeta_" + start["cards"][0]["hash"].get<std::string>())) {
      json row = json::parse(read_file(e.path()));
      card_info = row["type"] == "card-info" && json::parse(row["value"].get<std::string>())["type"] == "blank";
    }
  }
  EXPECT_TRUE(card_info);
  json artifacts = python_load();
  json graph = artifacts[std::string("CardFlow/") + run + "/start/" + task_dir(run, "start").filename().string()]["_graph_info"]["json"];
  ASSERT_TRUE(graph.is_object()) << artifacts.dump().substr(0, 500);
  EXPECT_EQ(graph["steps"]["start"]["decorators"][0]["name"], "card");
  EXPECT_EQ(graph["steps"]["start"]["decorators"][0]["attributes"]["type"], "blank");
  EXPECT_EQ(graph["steps"]["end"]["decorators"][0]["attributes"]["type"], "default");
}

TEST_F(CardFlowTest, ALiveCardChangesWhileTheTaskRuns) {
  const fs::path out = dir_.path() / "out.txt";
  pid_t pid = spawn_flow("examples/cards", {"run", "--epochs", "6", "--epoch_ms", "700"}, dir_.path(), out);
  // Watch the runtime data file: live tokens with a growing progress value, then the final one.
  std::vector<int64_t> seen;
  std::string last_token;
  for (int i = 0; i < 200 && last_token != "final"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!fs::exists(root() / "mf.cards")) continue;
    for (const auto& e : fs::recursive_directory_iterator(root() / "mf.cards")) {
      if (!e.path().string().ends_with(".data.json") || e.path().string().find("/start/") == std::string::npos) continue;
      json data = json::parse(read_file(e.path()), nullptr, false);
      if (data.is_discarded()) continue;  // never: files are replaced whole
      last_token = data["reload_token"];
      int64_t v = data["data"]["progress"]["value"];
      if (seen.empty() || seen.back() != v) seen.push_back(v);
      if (last_token != "final") EXPECT_TRUE(std::regex_match(last_token, std::regex("runtime-[0-9]+"))) << last_token;
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_file(out);
  EXPECT_EQ(last_token, "final");
  ASSERT_GE(seen.size(), 3u) << "the live card should show several progress values";
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(seen.back(), 6);
}

TEST_F(CardFlowTest, CardsAreCheckedWithTheGraph) {
  // --with card adds a default card to every step; a bad attribute is an error naming it.
  auto r = run_flow("examples/hello", {"run", "--with", "card:type=fancy"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE((r.err + r.out).find("@card: type must be \"default\" or \"blank\""), std::string::npos) << r.err;
  r = run_flow("examples/hello", {"run", "--with", "card"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(root() / "mf.cards" / "HelloFlow"));
}

TEST_F(CardFlowTest, TheConfluxCommandListsAndGetsCards) {
  auto r = run_flow("examples/cards", {"--with", "card", "run", "--epochs", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string run = run_id_of(r.err + r.out);
  const std::map<std::string, std::string> env = {{"METAFLOW_DATASTORE_SYSROOT_LOCAL", dir_.path().string()}};
  auto conflux = [&](std::vector<std::string> args) {
    args.insert(args.begin(), build_path("bin/conflux").string());
    return run_command(args, env);
  };
  // --with card adds a default card only to steps without one: start keeps its blank card alone.
  auto list = conflux({"card", "list", "CardFlow/" + run + "/start", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  json listed = json::parse(list.out);
  ASSERT_EQ(listed.size(), 1u);
  ASSERT_EQ(listed[0]["cards"].size(), 1u);
  const std::string hash = listed[0]["cards"][0]["hash"];
  EXPECT_EQ(listed[0]["cards"][0]["filename"], "blank-" + hash + ".html");
  // get prints the same bytes as the file; a hash prefix is enough.
  const fs::path out = dir_.path() / "card.html";
  auto get = conflux({"card", "get", "CardFlow/" + run + "/start", "--hash", hash.substr(0, 5), "--output", out.string()});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_EQ(read_file(out), read_file(card_dir(run, "start", "cards") / ("blank-" + hash + ".html")));
  // Nothing matches; an unknown action.
  auto none = conflux({"card", "get", "CardFlow/" + run + "/start", "--type", "default"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("no card of CardFlow/" + run + "/start matches"), std::string::npos) << none.err;
  EXPECT_EQ(conflux({"card", "show", "CardFlow/" + run + "/start"}).exit_code, 2);
}

TEST_F(CardFlowTest, AFailedTaskStillWritesItsCard) {
  auto r = run_command({build_path("tests/flows/failing_flow").string(), "--with", "card", "run", "--mode", "throw"},
                       {{"METAFLOW_DATASTORE_SYSROOT_LOCAL", dir_.path().string()}, {"USER", "tester"}});
  ASSERT_NE(r.exit_code, 0);
  const std::string run = run_id_of(r.err + r.out);
  // Every work task has its final card, the one that threw (index 1) included.
  fs::path cards = root() / "mf.cards" / "FailingFlow" / "runs" / run / "steps" / "work" / "tasks";
  int tasks = 0;
  for (const auto& task : fs::directory_iterator(root() / "FailingFlow" / run / "work")) {
    if (!task.is_directory() || task.path().filename() == "_meta") continue;
    ++tasks;
    ASSERT_TRUE(fs::exists(cards / task.path().filename() / "cards")) << task.path();
    for (const auto& f : fs::directory_iterator(cards / task.path().filename() / "cards")) {
      EXPECT_NE(read_file(f.path()).find("METAFLOW_RELOAD_TOKEN = \"final\""), std::string::npos);
    }
  }
  EXPECT_GE(tasks, 2);
}

}  // namespace
}  // namespace conflux::testing
