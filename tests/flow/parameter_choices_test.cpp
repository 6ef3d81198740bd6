// Parameters whose value must be one of a fixed set (metaflow#2117): parsing refuses other values
// with a message listing the choices, list items are checked one by one, and `check` reports
// choices that cannot work.
#include <gtest/gtest.h>

#include <conflux/conflux.hpp>

#include "flow/flow_graph.hpp"
#include "flow/lint.hpp"

namespace {

using conflux::Parameter;

struct ChoiceFlow : conflux::FlowSpec<ChoiceFlow> {
  Parameter<std::string> mode{this, "mode", {.default_value = "fast", .choices = {"fast", "exact"}}};
  Parameter<int64_t> depth{this, "depth", {.default_value = 2, .choices = {1, 2, 4}}};
  Parameter<double> rate{this, "rate", {.default_value = 0.5, .choices = {0.5, 2}}};
  Parameter<std::vector<std::string>> regions{this, "regions", {.default_value = std::vector<std::string>{"eu"},
                                                                 .choices = {"eu", "us"}}};
  void start() {}
  void end() {}
  static void graph(conflux::Graph<ChoiceFlow>& g) {
    g.step("start", &ChoiceFlow::start).next("end");
    g.step("end", &ChoiceFlow::end);
  }
};

struct BadChoiceFlow : conflux::FlowSpec<BadChoiceFlow> {
  Parameter<std::string> mode{this, "mode", {.default_value = "slow", .choices = {"fast", "exact"}}};
  Parameter<bool> verbose{this, "verbose", {.default_value = false, .choices = {true}}};
  void start() {}
  void end() {}
  static void graph(conflux::Graph<BadChoiceFlow>& g) {
    g.step("start", &BadChoiceFlow::start).next("end");
    g.step("end", &BadChoiceFlow::end);
  }
};

TEST(ParameterChoicesTest, OnlyTheChoicesParse) {
  ChoiceFlow flow;
  EXPECT_TRUE(flow.mode.parse("exact").ok());
  EXPECT_EQ(*flow.mode, "exact");
  conflux::Status bad = flow.mode.parse("quick");
  EXPECT_EQ(bad.code(), conflux::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.message(), "invalid value for --mode: 'quick' is not one of 'fast', 'exact'");
  EXPECT_TRUE(flow.depth.parse("4").ok());
  EXPECT_EQ(flow.depth.parse("3").message(), "invalid value for --depth: 3 is not one of 1, 2, 4");
  EXPECT_TRUE(flow.rate.parse("2.0").ok()) << "2 and 2.0 are the same number";
  EXPECT_FALSE(flow.rate.parse("1.5").ok());
  EXPECT_TRUE(flow.regions.parse("us,eu").ok());
  EXPECT_EQ(flow.regions.parse("us,asia").message(), "invalid value for --regions: 'asia' is not one of 'eu', 'us'");
}

TEST(ParameterChoicesTest, CheckReportsChoicesThatCannotWork) {
  conflux::FlowDescription good = conflux::describe_flow<ChoiceFlow>("ChoiceFlow");
  conflux::FlowGraph good_graph(good);
  EXPECT_TRUE(conflux::lint_flow(good_graph).empty());

  conflux::FlowDescription bad = conflux::describe_flow<BadChoiceFlow>("BadChoiceFlow");
  conflux::FlowGraph bad_graph(bad);
  std::string problems;
  for (const auto& p : conflux::lint_flow(bad_graph)) problems += conflux::format_problem(p) + "\n";
  EXPECT_NE(problems.find("Parameter 'mode': its default 'slow' is not one of its choices ('fast', 'exact')."),
            std::string::npos) << problems;
  EXPECT_NE(problems.find("Parameter 'verbose' has choices, but only text, number and list parameters can have them."),
            std::string::npos) << problems;
}

}  // namespace
