// Configs end to end (tests/flows/config_flow.cpp): the value reaches the graph (a decorator),
// every task process and Python's pickle; JSON and TOML files and literal values on the command
// line; clear errors naming the file, line and config; a resumed run keeps the origin's configs.
#include <gtest/gtest.h>

#include <fstream>

#include "flow_run_test_util.hpp"

namespace conflux::testing {
namespace {

class ConfigTest : public FlowRunTest {
 protected:
  fs::path write(const std::string& name, const std::string& text) {
    fs::path p = dir_.path() / name;
    std::ofstream(p) << text;
    return p;
  }
  CommandResult config_flow(std::vector<std::string> args) { return run_flow("tests/flows/config_flow", std::move(args)); }
};

TEST_F(ConfigTest, DefaultValueReachesGraphTasksAndPython) {
  auto r = config_flow({"run"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // width 2: items 0 and 1, each adds its index to depth 3 -> 3 + 4 = 7.
  EXPECT_NE(r.out.find("width 2 depth 3 total 7 labels null lr 0.25"), std::string::npos) << r.out;
  std::string run = run_id_of(r.out);

  // The graph was built with it: `work` retries once (retries: 1).
  auto raw = config_flow({"output-raw"});
  EXPECT_NE(raw.out.find("retry<static {\"times\":1,"), std::string::npos) << raw.out;

  // Python loads the config as a dict from the _parameters task and from every later task.
  nlohmann::json tasks = python_load();
  bool seen_params = false, seen_end = false;
  for (const auto& [path, artifacts] : tasks.items()) {
    if (path.find("ConfigFlow/" + run + "/") != 0) continue;
    if (path.find("/_parameters/") != std::string::npos) {
      seen_params = true;
      ASSERT_TRUE(artifacts.contains("train")) << artifacts.dump();
      EXPECT_EQ(artifacts["train"]["type"], "<class 'dict'>");
      EXPECT_EQ(artifacts["train"]["json"]["model"]["depth"], 3);
      EXPECT_EQ(artifacts["labels"]["repr"], "None");
    }
    if (path.find("/end/") != std::string::npos) {
      seen_end = true;
      EXPECT_EQ(artifacts["train"]["json"]["width"], 2) << "configs pass down to the join and beyond";
    }
  }
  EXPECT_TRUE(seen_params && seen_end) << tasks.dump();
}

TEST_F(ConfigTest, FilesAndValuesFromTheCommandLine) {
  fs::path json_file = write("train.json", R"({"width": 3, "retries": 0, "model": {"depth": 10}})");
  auto j = config_flow({"--config", "train", json_file.string(), "--config-value", "labels", R"(["a", "b"])", "run"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  // 10 + 11 + 12
  EXPECT_NE(j.out.find("width 3 depth 10 total 33 labels [\"a\",\"b\"]"), std::string::npos) << j.out;

  // `tuning` is declared TOML: its file is TOML whatever its name, its --config-value JSON, and
  // every task (which gets it as JSON) agrees.
  fs::path tuning_file = write("tuning.cfg", "lr = 0.5 # TOML\n");
  auto f = config_flow({"--config", "tuning", tuning_file.string(), "run"});
  ASSERT_EQ(f.exit_code, 0) << f.err;
  EXPECT_NE(f.out.find(" lr 0.5"), std::string::npos) << f.out;
  auto v = config_flow({"--config-value", "tuning", R"({"lr": 0.125})", "run"});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  EXPECT_NE(v.out.find(" lr 0.125"), std::string::npos) << v.out;

  fs::path toml_file = write("train.toml", "width = 1\nretries = 2\n\n[model]\ndepth = 5\n");
  auto t = config_flow({"--config", "train", toml_file.string(), "run"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("width 1 depth 5 total 5"), std::string::npos) << t.out;
  // The graph read retries = 2 from the TOML file.
  auto raw = config_flow({"--config", "train", toml_file.string(), "output-raw"});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_NE(raw.out.find("retry<static {\"times\":2,"), std::string::npos) << raw.out;
}

TEST_F(ConfigTest, BadConfigsAreClearErrors) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  fs::path broken_json = write("broken.json", "{\n  \"width\": 2,\n  \"model\": {depth: 3}\n}\n");
  fs::path broken_toml = write("broken.toml", "width = 2\nmodel = [1, \n");
  fs::path big = write("big.json", "\"" + std::string(70 * 1024, 'x') + "\"");
  fs::path inf_toml = write("inf.toml", "[opt]\nlr = inf\n");
  const Case cases[] = {
      {{"--config", "train", (dir_.path() / "nope.json").string(), "run"},
       "config 'train': no such file: " + (dir_.path() / "nope.json").string()},
      {{"--config", "train", broken_json.string(), "run"},
       "config 'train' (" + broken_json.string() + "): invalid JSON at line 3, column"},
      {{"--config", "train", broken_toml.string(), "run"},
       "config 'train' (" + broken_toml.string() + "): invalid TOML at line"},
      {{"--config-value", "train", "{\"width\": }", "run"}, "config 'train' (--config-value): invalid JSON at line 1"},
      {{"--config", "train", big.string(), "run"}, "a config holds at most 65536"},
      {{"--config-value", "nosuch", "1", "run"}, "no config named 'nosuch' in this flow (its configs: train, labels, tuning)"},
      {{"--config-value", "train", "1e999", "run"}, "config 'train' (--config-value): invalid JSON: "},
      {{"--config", "tuning", inf_toml.string(), "run"},
       "config 'tuning' (" + inf_toml.string() + "): 'opt.lr' is inf, which JSON cannot hold"},
      {{"--config-value", "train", "{}", "--config-value", "train", "{}", "run"}, "config 'train' is given twice"},
      {{"--config", "train"}, "--config requires a config name and a file"},
      // The graph reads "retries" as a number.
      {{"--config-value", "train", R"({"width": 1, "retries": "x", "model": {"depth": 1}})", "run"},
       "cannot build the graph of ConfigFlow with these configs (train, labels, tuning): type must be number, but is string"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.args.front() + " " + c.args[1]);
    auto r = config_flow(c.args);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("terminate called"), std::string::npos) << r.err;
  }
  auto plain = run_flow("examples/hello", {"--config-value", "x", "1", "run"});
  EXPECT_NE(plain.exit_code, 0);
  EXPECT_NE(plain.err.find("no config named 'x' in this flow (it declares none)"), std::string::npos) << plain.err;
}

TEST_F(ConfigTest, ResumeKeepsTheOriginsConfigs) {
  const std::string failing = R"({"width": 2, "retries": 0, "model": {"depth": 4}, "fail_in": "work"})";
  auto first = config_flow({"--config-value", "train", failing, "run"});
  ASSERT_NE(first.exit_code, 0);
  std::string origin = run_id_of(first.out);
  ASSERT_FALSE(origin.empty()) << first.out;

  // Changing a config on resume is refused...
  auto changed = config_flow({"--config-value", "train", "{}", "resume", "--origin-run-id", origin});
  EXPECT_EQ(changed.exit_code, 1);
  EXPECT_NE(changed.err.find("configs cannot change on resume"), std::string::npos) << changed.err;
  // ...and without one, the origin's config is used: the rerun `work` tasks read fail_in: work
  // again and fail the same way (with the default config, which has no fail_in, they would pass).
  auto resumed = config_flow({"resume", "--origin-run-id", origin});
  EXPECT_NE(resumed.exit_code, 0);
  std::string run = run_id_of(resumed.out);
  ASSERT_FALSE(run.empty()) << resumed.out << resumed.err;
  EXPECT_NE(resumed.out.find("[" + run + "/work/"), std::string::npos) << resumed.out;
  EXPECT_NE(resumed.out.find("failing on purpose (config fail_in)"), std::string::npos) << resumed.out;
  // The latest run is found once: `resume` without --origin-run-id continues that same run.
  auto latest = config_flow({"resume"});
  EXPECT_NE(latest.out.find("failing on purpose (config fail_in)"), std::string::npos) << latest.out;
  // Help does not need a run to resume.
  auto help = config_flow({"resume", "--help"});
  EXPECT_EQ(help.exit_code, 0) << help.err;
}

}  // namespace
}  // namespace conflux::testing
