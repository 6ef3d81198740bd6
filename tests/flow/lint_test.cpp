// Each lint rule has a flow that breaks it; the problem names the rule and the step(s).
#include <gtest/gtest.h>

#include <conflux/conflux.hpp>

#include "flow/decorators.hpp"
#include "flow/flow_graph.hpp"
#include "flow/lint.hpp"

namespace {

using conflux::Artifact;
using conflux::Graph;
using conflux::Inputs;

// A flow class whose graph() is a lambda given as a template argument, so each test case is a
// few lines. All steps share the same bodies; only the graph differs.
template <int kId>
struct TestFlow : conflux::FlowSpec<TestFlow<kId>> {
  Artifact<std::vector<int64_t>> items{this, "items"};
  Artifact<std::string> choice{this, "choice"};
  void step_fn() {}
  void join_fn(const Inputs<TestFlow>&) {}
  static void (*declare)(Graph<TestFlow>&);
  static void graph(Graph<TestFlow>& g) { declare(g); }
};
template <int kId>
void (*TestFlow<kId>::declare)(Graph<TestFlow<kId>>&) = nullptr;

struct LintCase {
  std::vector<conflux::LintProblem> problems;
  bool has(const std::string& rule, const std::string& step = "") const {
    for (const auto& p : problems) {
      if (p.rule != rule) continue;
      if (step.empty()) return true;
      for (const auto& s : p.steps) {
        if (s == step) return true;
      }
    }
    return false;
  }
  std::string dump() const {
    std::string out;
    for (const auto& p : problems) out += conflux::format_problem(p) + "\n";
    return out;
  }
};

template <int kId>
LintCase lint(void (*declare)(Graph<TestFlow<kId>>&)) {
  TestFlow<kId>::declare = declare;
  static conflux::FlowDescription description;  // FlowGraph keeps a pointer to it
  description = conflux::describe_flow<TestFlow<kId>>("TestFlow");
  conflux::FlowGraph graph(description);
  return LintCase{conflux::lint_flow(graph)};
}

#define F(id) TestFlow<id>

TEST(LintTest, ValidLinearFlowHasNoProblems) {
  auto c = lint<1>([](Graph<F(1)>& g) {
    g.step("start", &F(1)::step_fn).next("end");
    g.step("end", &F(1)::step_fn);
  });
  EXPECT_TRUE(c.problems.empty()) << c.dump();
}

TEST(LintTest, ValidForeachSwitchAndLoopHaveNoProblems) {
  auto c = lint<2>([](Graph<F(2)>& g) {
    g.step("start", &F(2)::step_fn).foreach_(&F(2)::items, "work");
    g.step("work", &F(2)::step_fn).next("join");
    g.join("join", &F(2)::join_fn).next("loop");
    g.step("loop", &F(2)::step_fn).switch_(&F(2)::choice, {{"again", "loop"}, {"done", "end"}});
    g.step("end", &F(2)::step_fn);
  });
  EXPECT_TRUE(c.problems.empty()) << c.dump();
}

TEST(LintTest, ReservedWord) {
  auto c = lint<3>([](Graph<F(3)>& g) {
    g.step("start", &F(3)::step_fn).next("input");
    g.step("input", &F(3)::step_fn).next("end");
    g.step("end", &F(3)::step_fn);
  });
  EXPECT_TRUE(c.has("check_reserved_words", "input")) << c.dump();
}

TEST(LintTest, MissingStartAndEnd) {
  auto c = lint<4>([](Graph<F(4)>& g) { g.step("begin", &F(4)::step_fn); });
  EXPECT_TRUE(c.has("check_basic_steps")) << c.dump();
  EXPECT_EQ(c.dump().find("start") != std::string::npos, true);
}

TEST(LintTest, StartWithIncomingTransition) {
  auto c = lint<5>([](Graph<F(5)>& g) {
    g.step("start", &F(5)::step_fn).next("a");
    g.step("a", &F(5)::step_fn).switch_(&F(5)::choice, {{"x", "start"}, {"y", "end"}});
    g.step("end", &F(5)::step_fn);
  });
  EXPECT_TRUE(c.has("check_start_end_degree", "a")) << c.dump();
}

TEST(LintTest, EndWithTransition) {
  auto c = lint<6>([](Graph<F(6)>& g) {
    g.step("start", &F(6)::step_fn).next("end");
    g.step("end", &F(6)::step_fn).next("start");
  });
  EXPECT_TRUE(c.has("check_that_end_is_end", "end")) << c.dump();
}

TEST(LintTest, EndIsAJoin) {
  auto c = lint<7>([](Graph<F(7)>& g) {
    g.step("start", &F(7)::step_fn).next("a", "b");
    g.step("a", &F(7)::step_fn).next("end");
    g.step("b", &F(7)::step_fn).next("end");
    g.join("end", &F(7)::join_fn);
  });
  EXPECT_TRUE(c.has("check_that_end_is_end", "end")) << c.dump();
}

TEST(LintTest, InvalidStepName) {
  auto c = lint<8>([](Graph<F(8)>& g) {
    g.step("start", &F(8)::step_fn).next("Bad-Name");
    g.step("Bad-Name", &F(8)::step_fn).next("end");
    g.step("end", &F(8)::step_fn);
  });
  EXPECT_TRUE(c.has("check_step_names", "Bad-Name")) << c.dump();
}

TEST(LintTest, JoinThatIsAlsoASplit) {
  auto c = lint<9>([](Graph<F(9)>& g) {
    g.step("start", &F(9)::step_fn).next("a", "b");
    g.step("a", &F(9)::step_fn).next("join");
    g.step("b", &F(9)::step_fn).next("join");
    g.join("join", &F(9)::join_fn).next("c", "d");
    g.step("c", &F(9)::step_fn).next("join2");
    g.step("d", &F(9)::step_fn).next("join2");
    g.join("join2", &F(9)::join_fn).next("end");
    g.step("end", &F(9)::step_fn);
  });
  EXPECT_TRUE(c.has("check_num_args", "join")) << c.dump();
}

TEST(LintTest, MissingTransition) {
  auto c = lint<10>([](Graph<F(10)>& g) {
    g.step("start", &F(10)::step_fn).next("a");
    g.step("a", &F(10)::step_fn);
    g.step("end", &F(10)::step_fn);
  });
  EXPECT_TRUE(c.has("check_static_transitions", "a")) << c.dump();
}

TEST(LintTest, InvalidTransitionShape) {
  auto c = lint<11>([](Graph<F(11)>& g) {
    g.step("start", &F(11)::step_fn).next("a", "a");
    g.step("a", &F(11)::step_fn).next("end");
    g.step("end", &F(11)::step_fn);
  });
  EXPECT_TRUE(c.has("check_valid_transitions", "start")) << c.dump();
}

TEST(LintTest, UnknownTransition) {
  auto c = lint<12>([](Graph<F(12)>& g) {
    g.step("start", &F(12)::step_fn).next("nowhere");
    g.step("end", &F(12)::step_fn);
  });
  EXPECT_TRUE(c.has("check_unknown_transitions", "nowhere")) << c.dump();
}

TEST(LintTest, Cycle) {
  auto c = lint<13>([](Graph<F(13)>& g) {
    g.step("start", &F(13)::step_fn).next("a");
    g.step("a", &F(13)::step_fn).next("b");
    g.step("b", &F(13)::step_fn).switch_(&F(13)::choice, {{"x", "a"}, {"y", "end"}});
    g.step("end", &F(13)::step_fn);
  });
  EXPECT_TRUE(c.has("check_for_acyclicity", "a")) << c.dump();
}

TEST(LintTest, Orphan) {
  auto c = lint<14>([](Graph<F(14)>& g) {
    g.step("start", &F(14)::step_fn).next("end");
    g.step("lonely", &F(14)::step_fn).next("end");
    g.step("end", &F(14)::step_fn);
  });
  EXPECT_TRUE(c.has("check_for_orphans", "lonely")) << c.dump();
}

TEST(LintTest, SplitNeverJoined) {
  auto c = lint<15>([](Graph<F(15)>& g) {
    g.step("start", &F(15)::step_fn).next("a", "b");
    g.step("a", &F(15)::step_fn).next("end");
    g.step("b", &F(15)::step_fn).next("end");
    g.step("end", &F(15)::step_fn);
  });
  EXPECT_TRUE(c.has("check_split_join_balance", "end")) << c.dump();
}

TEST(LintTest, JoinWithoutSplit) {
  auto c = lint<16>([](Graph<F(16)>& g) {
    g.step("start", &F(16)::step_fn).next("join");
    g.join("join", &F(16)::join_fn).next("end");
    g.step("end", &F(16)::step_fn);
  });
  EXPECT_TRUE(c.has("check_split_join_balance", "join")) << c.dump();
}

TEST(LintTest, JoinWithWrongBranches) {
  auto c = lint<17>([](Graph<F(17)>& g) {
    g.step("start", &F(17)::step_fn).next("a", "b", "c");
    g.step("a", &F(17)::step_fn).next("join");
    g.step("b", &F(17)::step_fn).next("join");
    g.step("c", &F(17)::step_fn).next("join2");
    g.join("join", &F(17)::join_fn).next("join2");
    g.join("join2", &F(17)::join_fn).next("end");
    g.step("end", &F(17)::step_fn);
  });
  EXPECT_TRUE(c.has("check_split_join_balance", "join")) << c.dump();
}

TEST(LintTest, SwitchWithOneCase) {
  auto c = lint<18>([](Graph<F(18)>& g) {
    g.step("start", &F(18)::step_fn).switch_(&F(18)::choice, {{"only", "end"}});
    g.step("end", &F(18)::step_fn);
  });
  EXPECT_TRUE(c.has("check_switch_splits", "start")) << c.dump();
}

TEST(LintTest, ForeachStraightIntoJoin) {
  auto c = lint<19>([](Graph<F(19)>& g) {
    g.step("start", &F(19)::step_fn).foreach_(&F(19)::items, "join");
    g.join("join", &F(19)::join_fn).next("end");
    g.step("end", &F(19)::step_fn);
  });
  EXPECT_TRUE(c.has("check_empty_foreaches", "start")) << c.dump();
}

TEST(LintTest, SwitchStraightIntoJoin) {
  auto c = lint<20>([](Graph<F(20)>& g) {
    g.step("start", &F(20)::step_fn).next("a", "b");
    g.step("a", &F(20)::step_fn).switch_(&F(20)::choice, {{"x", "join"}, {"y", "c"}});
    g.step("c", &F(20)::step_fn).next("join");
    g.step("b", &F(20)::step_fn).next("join");
    g.join("join", &F(20)::join_fn).next("end");
    g.step("end", &F(20)::step_fn);
  });
  EXPECT_TRUE(c.has("check_ambiguous_joins", "a")) << c.dump();
}

TEST(LintTest, DeclarationMistakes) {
  auto c = lint<21>([](Graph<F(21)>& g) {
    g.step("start", &F(21)::step_fn).next("end").next("end");
    g.step("end", &F(21)::step_fn);
    g.step("end", &F(21)::step_fn);
  });
  EXPECT_TRUE(c.has("check_declarations")) << c.dump();
  EXPECT_NE(c.dump().find("declared twice"), std::string::npos) << c.dump();
  EXPECT_NE(c.dump().find("more than one transition"), std::string::npos) << c.dump();
}

TEST(LintTest, DecoratorLimits) {
  auto c = lint<22>([](Graph<F(22)>& g) {
    g.step("start", &F(22)::step_fn).foreach_(&F(22)::items, "work").catch_("err");
    g.step("work", &F(22)::step_fn).next("join").retry(5).timeout(0);
    g.join("join", &F(22)::join_fn).next("end");
    g.step("end", &F(22)::step_fn).resources({.cpu = 0});
  });
  EXPECT_TRUE(c.has("check_decorators", "start")) << c.dump();  // @catch on a foreach
  EXPECT_TRUE(c.has("check_decorators", "work")) << c.dump();   // retry 5, timeout 0
  EXPECT_TRUE(c.has("check_decorators", "end")) << c.dump();    // cpu 0
  EXPECT_NE(c.dump().find("at most 4 retries"), std::string::npos) << c.dump();
  EXPECT_NE(c.dump().find("longer than 0 seconds"), std::string::npos) << c.dump();
}

TEST(DecospecTest, ParsesAttributesAndFillsDefaults) {
  auto spec = conflux::parse_decospec("retry:times=2");
  ASSERT_TRUE(spec.ok()) << spec.status().to_string();
  EXPECT_EQ(spec->name, "retry");
  EXPECT_EQ(spec->attributes["times"], 2);
  EXPECT_EQ(spec->attributes["minutes_between_retries"], 2);
  EXPECT_TRUE(spec->from_command_line);

  auto env = conflux::parse_decospec(R"(environment:vars={"A":"1","B":"x,y"})");
  ASSERT_TRUE(env.ok()) << env.status().to_string();
  EXPECT_EQ(env->attributes["vars"]["B"], "x,y");
}

TEST(DecospecTest, RejectsUnknownDecoratorsAndAttributes) {
  auto unknown = conflux::parse_decospec("nosuch");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("nosuch"), std::string::npos);
  auto attr = conflux::parse_decospec("retry:bogus=1");
  ASSERT_FALSE(attr.ok());
  EXPECT_NE(attr.status().message().find("bogus"), std::string::npos);
  auto shape = conflux::parse_decospec("retry:times");
  EXPECT_FALSE(shape.ok());
}

}  // namespace
