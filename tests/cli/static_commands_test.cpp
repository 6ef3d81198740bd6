// The flow binary's static commands on real example binaries: show, check, output-dot,
// output-raw, --help, version, and the errors for bad flows, options and parameters.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "testutil/testutil.hpp"

namespace {

using conflux::testing::build_path;
using conflux::testing::read_file;
using conflux::testing::run_command;
using conflux::testing::test_data;

const char* const kExamples[] = {"hello", "branch", "foreach", "nested_foreach", "switch_loop", "parameters"};

std::string example(const std::string& name) { return build_path("examples/" + name).string(); }

TEST(ShowTest, ExamplesMatchGoldenOutput) {
  for (const char* name : kExamples) {
    auto r = run_command({example(name), "--quiet", "show"});
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
    std::string golden = read_file(test_data(std::string("golden/") + name + ".show.txt"));
    EXPECT_EQ(r.out, golden) << name;
  }
}

TEST(ShowTest, ForeachShowsStepsTransitionsAndDecorators) {
  auto r = run_command({example("foreach"), "show"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Train one model per shard and keep the best score."), std::string::npos);
  EXPECT_NE(r.out.find("Step start\n    List the shards; one train task per shard.\n    => train\n"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("@retry\nStep train\n    Score one shard (retried twice if it fails).\n    => join\n"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Step end\n    Print the best score.\n\n"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("executing ShardFlow for user:"), std::string::npos) << r.err;
}

TEST(CheckTest, ExamplesAreValid) {
  for (const char* name : kExamples) {
    auto r = run_command({example(name), "check"});
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
    EXPECT_NE(r.err.find("The graph looks good!"), std::string::npos) << name << ": " << r.err;
  }
}

TEST(CheckTest, BrokenFlowNamesRulesAndSteps) {
  std::string flow = build_path("tests/flows/lint_broken_flow").string();
  auto r = run_command({flow, "check"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("Validity checker found an issue in file"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[check_for_orphans]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("orphan"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[check_split_join_balance]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("lint_broken_flow.cpp on line"), std::string::npos) << r.err;

  // Every command that needs a valid graph refuses to start.
  auto run = run_command({flow, "run"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("[check_for_orphans]"), std::string::npos) << run.err;
  EXPECT_EQ(run.out.find("Workflow starting"), std::string::npos) << run.out;
}

TEST(CheckTest, DecoratorFromCommandLineIsValidated) {
  auto r = run_command({example("hello"), "--with", "retry:times=9", "check"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("@retry: times=9 is too large: at most 4 retries"), std::string::npos) << r.err;
  auto unknown = run_command({example("hello"), "--with", "nosuch", "check"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("unknown decorator @nosuch"), std::string::npos) << unknown.err;
  auto ok = run_command({example("hello"), "--quiet", "--with", "retry:times=2", "show"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("@retry\nStep start"), std::string::npos) << ok.out;
}

TEST(OutputRawTest, ForeachGraphHasMetaflowShape) {
  auto r = run_command({example("foreach"), "--quiet", "output-raw", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["graph_structure"], nlohmann::json::parse(R"(["start", [["train"]], "join", "end"])"));
  EXPECT_EQ(j["graph"]["start"]["type"], "split-foreach");
  EXPECT_EQ(j["graph"]["start"]["foreach_artifact"], "ids");
  EXPECT_EQ(j["graph"]["start"]["matching_join"], "join");
  EXPECT_EQ(j["graph"]["train"]["decorators"][0]["name"], "retry");
  EXPECT_EQ(j["graph"]["train"]["decorators"][0]["attributes"]["times"], 2);
  EXPECT_EQ(j["graph"]["join"]["type"], "join");
  EXPECT_EQ(j["graph"]["end"]["next"], nlohmann::json::array());
}

TEST(OutputRawTest, SwitchLoopGraphStructure) {
  auto r = run_command({example("switch_loop"), "--quiet", "output-raw", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["graph"]["train"]["type"], "split-switch");
  EXPECT_EQ(j["graph"]["train"]["condition"], "status");
  EXPECT_EQ(j["graph"]["train"]["switch_cases"], nlohmann::json::parse(R"({"again": "train", "done": "end"})"));
  EXPECT_EQ(j["graph_structure"], nlohmann::json::parse(R"(["start", "train", [[]], "end"])"));
}

TEST(OutputDotTest, SwitchIsAHexagonWithLabelledEdges) {
  auto r = run_command({example("switch_loop"), "--quiet", "output-dot"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("digraph SwitchLoopFlow {\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("\"train\" [ label = <<b>train</b><br/><font point-size=\"9\">switch: status</font>>"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("train -> train [label=\"again\" color=\"blue\" fontcolor=\"blue\"];"), std::string::npos);
  EXPECT_NE(r.out.find("start -> train;"), std::string::npos);
}

TEST(HelpTest, EveryCommandHasHelp) {
  for (const char* command : {"run", "show", "check", "output-dot", "output-raw", "version", "step"}) {
    auto r = run_command({example("parameters"), command, "--help"});
    EXPECT_EQ(r.exit_code, 0) << command << ": " << r.err;
    EXPECT_NE(r.out.find("Usage: "), std::string::npos) << command;
  }
  auto top = run_command({example("parameters"), "--help"});
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("Commands:"), std::string::npos);
  auto run_help = run_command({example("parameters"), "run", "--help"});
  EXPECT_NE(run_help.out.find("--region TEXT"), std::string::npos) << run_help.out;
  EXPECT_NE(run_help.out.find("[required]"), std::string::npos) << run_help.out;
  EXPECT_NE(run_help.out.find("--count INTEGER"), std::string::npos) << run_help.out;
}

TEST(VersionTest, PrintsVersion) {
  auto r = run_command({example("hello"), "--quiet", "version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "0.1.0\n");
}

TEST(ParameterTest, BadValuesAreRejectedBeforeTheRun) {
  struct Case {
    std::vector<std::string> args;
    std::string expected;
  } cases[] = {
      {{"--region", "eu", "--count", "abc"}, "parameter 'count': expected an integer, got 'abc'"},
      {{"--region", "eu", "--alpha", "fast"}, "parameter 'alpha': expected a number, got 'fast'"},
      {{"--region", "eu", "--verbose", "maybe"}, "parameter 'verbose': expected a boolean"},
      {{"--region", "eu", "--config", "{bad"}, "parameter 'config': expected JSON"},
      {{}, "missing required parameter --region"},
      {{"--region", "eu", "--nosuch", "1"}, "no such option: --nosuch"},
      {{"--region", "eu", "--count"}, "option --count requires a value"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> argv = {example("parameters"), "run"};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    auto r = run_command(argv);
    EXPECT_EQ(r.exit_code, 1) << c.expected;
    EXPECT_NE(r.err.find(c.expected), std::string::npos) << r.err;
    EXPECT_EQ(r.out.find("Workflow starting"), std::string::npos) << r.out;
  }
}

TEST(CommandTest, UnknownCommandIsAnError) {
  auto r = run_command({example("hello"), "frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("No such command 'frobnicate'"), std::string::npos);
}

}  // namespace
