// The Step Functions compiler: the states each kind of step becomes, what each job reads from the
// state, the Batch job definitions, EventBridge schedules, and the errors for what Step Functions
// and Batch cannot express (including a flow too large for a state machine).
#include <gtest/gtest.h>

#include <conflux/conflux.hpp>

#include "deploy/deploy_test_flow.hpp"

#include "deploy/step_functions/step_functions.hpp"
#include "runtime/remote/remote_task.hpp"

namespace {

using conflux::Artifact;
using conflux::Graph;
using conflux::Inputs;
using oj = nlohmann::ordered_json;

template <int kId>
using TestFlow = conflux::testing::DeployTestFlow<kId>;
#define F(id) TestFlow<id>

conflux::StepFunctionsOptions options() {
  conflux::StepFunctionsOptions o;
  o.job_queue = "arn:aws:batch:us-east-1:123456789012:job-queue/q";
  o.image = "runner:1";
  o.task_command = {"--quiet", "--datastore", "s3"};
  o.ds_root = "s3://bucket/prefix/mf";
  o.code_url = "s3://bucket/prefix/mf/TestFlow/data/ab/abc";
  o.code_sha = "abc";
  o.code_ds = "s3";
  return o;
}

template <int kId>
conflux::Result<conflux::StepFunctionsDeployment> compile(void (*declare)(Graph<TestFlow<kId>>&),
                                                          conflux::StepFunctionsOptions o = options()) {
  TestFlow<kId>::declare = declare;
  static conflux::FlowDescription description;
  description = conflux::describe_flow<TestFlow<kId>>("TestFlow");
  static std::unique_ptr<conflux::FlowGraph> graph;
  graph = std::make_unique<conflux::FlowGraph>(description);
  return conflux::compile_step_functions(*graph, o);
}

std::map<std::string, std::string> environment(const oj& task) {
  std::map<std::string, std::string> out;
  for (const auto& e : task["Parameters"]["ContainerOverrides"]["Environment"]) out[e["Name"]] = e["Value.$"];
  return out;
}

nlohmann::json description(const conflux::StepFunctionsDeployment& d, const std::string& step) {
  for (const auto& def : d.job_definitions) {
    if (def["jobDefinitionName"] == "TestFlow-" + step) {
      return nlohmann::json::parse(def["containerProperties"]["command"][3].get<std::string>());
    }
  }
  ADD_FAILURE() << "no job definition for " << step;
  return nullptr;
}

TEST(StepFunctionsTest, BranchesAreParallelAndTheJoinReadsEachBranchsJob) {
  auto d = compile<1>([](Graph<F(1)>& g) {
    g.step("start", &F(1)::step_fn).next("a", "b");
    g.step("a", &F(1)::step_fn).next("join");
    g.step("b", &F(1)::step_fn).next("join");
    g.join("join", &F(1)::join_fn).next("end");
    g.step("end", &F(1)::step_fn).retry(2).timeout(300).resources({.cpu = 2, .memory = 8000, .gpu = 1});
  });
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  const oj& states = d->state_machine["States"];
  EXPECT_EQ(d->state_machine["StartAt"], "start");
  EXPECT_EQ(states["start"]["Next"], "start-branches");
  const oj& parallel = states["start-branches"];
  EXPECT_EQ(parallel["Type"], "Parallel");
  ASSERT_EQ(parallel["Branches"].size(), 2u);
  EXPECT_TRUE(parallel["Branches"][0]["States"]["a"]["End"]);
  EXPECT_EQ(parallel["Next"], "join");
  auto env = environment(states["join"]);
  EXPECT_EQ(env["CONFLUX_PARENT_0_TASK_ID"], "$[0].JobId");
  EXPECT_EQ(env["CONFLUX_RUN_ID"], "$[0].Parameters.run_id");
  EXPECT_EQ(description(*d, "join")["deployed"]["input_paths"],
            "sfn-${CONFLUX_RUN_ID}/:a/${CONFLUX_PARENT_0_TASK_ID},b/${CONFLUX_PARENT_1_TASK_ID}");
  EXPECT_EQ(environment(states["start"])["CONFLUX_RUN_ID"], "$$.Execution.Name");
  EXPECT_TRUE(states["end"]["End"]);
  // The job definition: Batch retries (@retry's 2 + the first attempt), the deadline, resources.
  const oj& end = d->job_definitions.back();
  EXPECT_EQ(end["jobDefinitionName"], "TestFlow-end");
  EXPECT_EQ(end["retryStrategy"]["attempts"], 3);
  EXPECT_EQ(end["timeout"]["attemptDurationSeconds"], 420);
  EXPECT_EQ(end["containerProperties"]["resourceRequirements"],
            (oj::array({oj{{"type", "VCPU"}, {"value", "2"}}, oj{{"type", "MEMORY"}, {"value", "8000"}},
                        oj{{"type", "GPU"}, {"value", "1"}}})));
  auto task = conflux::RemoteTask::from_json(end["containerProperties"]["command"][3].get<std::string>());
  ASSERT_TRUE(task.ok()) << task.status().to_string();
  EXPECT_EQ(task->deployed->task_id_env, "AWS_BATCH_JOB_ID");
  EXPECT_EQ(task->deployed->attempt_env, "AWS_BATCH_JOB_ATTEMPT");
}

TEST(StepFunctionsTest, ForeachIsADistributedMapOverTheStoredSplitsAndTheJoinUsesRecords) {
  auto d = compile<2>([](Graph<F(2)>& g) {
    g.step("start", &F(2)::step_fn).foreach_(&F(2)::items, "train");
    g.step("train", &F(2)::step_fn).next("score");
    g.step("score", &F(2)::step_fn).next("join");
    g.join("join", &F(2)::join_fn).next("end");
    g.step("end", &F(2)::step_fn);
  });
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  const oj& map = d->state_machine["States"]["start-foreach"];
  EXPECT_EQ(map["Type"], "Map");
  EXPECT_EQ(map["ItemProcessor"]["ProcessorConfig"]["Mode"], "DISTRIBUTED");
  EXPECT_EQ(map["ItemReader"]["Parameters"]["Bucket"], "bucket");
  EXPECT_EQ(map["ItemReader"]["Parameters"]["Key.$"],
            "States.Format('prefix/mf/TestFlow/sfn-{}/start/{}/deployed_splits.json', $.Parameters.run_id, $.JobId)");
  EXPECT_TRUE(map["ResultPath"].is_null()) << "the join gets the foreach job, not every result";
  const oj& train = map["ItemProcessor"]["States"]["train"];
  EXPECT_EQ(train["Parameters"]["Parameters"]["foreach_task_start.$"], "$.JobId");
  EXPECT_EQ(environment(train)["CONFLUX_SPLIT_INDEX"], "States.Format('{}', $.Index)");
  const oj& score = map["ItemProcessor"]["States"]["score"];
  EXPECT_TRUE(score["End"]);
  EXPECT_EQ(environment(score)["CONFLUX_FOREACH_TASK_START"], "$.Parameters.foreach_task_start");
  EXPECT_TRUE(description(*d, "start")["deployed"]["splits_record"]);
  EXPECT_EQ(description(*d, "score")["deployed"]["join_record"],
            (nlohmann::json{{"step", "start"}, {"task", "${CONFLUX_FOREACH_TASK_START}"}, {"index", "${CONFLUX_SPLIT_INDEX_START}"}}));
  auto join = description(*d, "join");
  EXPECT_EQ(join["deployed"]["join_records"], (nlohmann::json{{"step", "start"}, {"task", "${CONFLUX_FOREACH_TASK}"}}));
  EXPECT_EQ(join["deployed"]["join_step"], "score");
  EXPECT_EQ(environment(d->state_machine["States"]["join"])["CONFLUX_FOREACH_TASK"], "$.JobId");
}

TEST(StepFunctionsTest, ASwitchIsAChoiceOverTheRecordedStepAndMayLoop) {
  auto d = compile<4>([](Graph<F(4)>& g) {
    g.step("start", &F(4)::step_fn).next("train");
    g.step("train", &F(4)::step_fn).switch_(&F(4)::choice, {{"again", "train"}, {"done", "end"}});
    g.step("end", &F(4)::step_fn);
  });
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  const oj& states = d->state_machine["States"];
  EXPECT_EQ(states["train"]["Next"], "train-switch");
  EXPECT_EQ(states["train-switch"]["Resource"], "arn:aws:states:::aws-sdk:s3:getObject");
  EXPECT_EQ(states["train-switch"]["Parameters"]["Key.$"],
            "States.Format('prefix/mf/TestFlow/sfn-{}/train/{}/deployed_switch.json', $.Parameters.run_id, $.JobId)");
  const oj& choice = states["train-choice"];
  EXPECT_EQ(choice["Type"], "Choice");
  EXPECT_EQ(choice["Choices"][0], (oj{{"Variable", "$.Switch.Chosen"}, {"StringEquals", "train"}, {"Next", "train"}}))
      << "the loop goes back to the switch's own state";
  EXPECT_EQ(choice["Choices"][1]["Next"], "end");
  EXPECT_EQ(states["train-unknown-case"]["Type"], "Fail");
  EXPECT_TRUE(description(*d, "train")["deployed"]["switch_record"]);
  // Each job finds its parent's step in the state: train follows start, then itself.
  EXPECT_EQ(description(*d, "train")["deployed"]["input_paths"], "sfn-${CONFLUX_RUN_ID}/${CONFLUX_PARENT_STEP}/${CONFLUX_PARENT_TASK_ID}");
  EXPECT_EQ(environment(states["train"])["CONFLUX_PARENT_STEP"], "$.Parameters.step_name");
}

TEST(StepFunctionsTest, SchedulesBecomeEventBridgeCrons) {
  EXPECT_EQ(conflux::eventbridge_cron("0 6 * * *"), "0 6 * * ? *");
  EXPECT_EQ(conflux::eventbridge_cron("30 2 1 * *"), "30 2 1 * ? *");
  EXPECT_EQ(conflux::eventbridge_cron("0 9 * * 1-5"), "0 9 ? * 2-6 *");
  EXPECT_EQ(conflux::eventbridge_cron("0 0 * * 0,7"), "0 0 ? * 1,1 *");
  EXPECT_EQ(conflux::eventbridge_cron("0 0 * * MON"), "0 0 ? * MON *");
  EXPECT_EQ(conflux::eventbridge_cron("*/15 * * * */2"), "*/15 * ? * */2 *");
  auto d = compile<3>([](Graph<F(3)>& g) {
    g.schedule("daily");
    g.step("start", &F(3)::step_fn).next("end");
    g.step("end", &F(3)::step_fn);
  });
  ASSERT_TRUE(d.ok()) << d.status().to_string();
  ASSERT_TRUE(d->schedule_rule);
  EXPECT_EQ((*d->schedule_rule)["ScheduleExpression"], "cron(0 0 * * ? *)");
}

TEST(StepFunctionsTest, WhatStepFunctionsCannotExpressIsAnError) {
  auto message = [](const auto& r) { return r.ok() ? std::string("(compiled)") : r.status().message(); };
  EXPECT_NE(message(compile<5>([](Graph<F(5)>& g) {
              g.step("start", &F(5)::step_fn).next("end").kubernetes({.image = "x"});
              g.step("end", &F(5)::step_fn);
            })).find("step start: @kubernetes cannot be expressed on AWS Batch"),
            std::string::npos);
  EXPECT_NE(message(compile<6>([](Graph<F(6)>& g) {
              g.trigger("data.updated");
              g.step("start", &F(6)::step_fn).next("end");
              g.step("end", &F(6)::step_fn);
            })).find("@trigger cannot be deployed to Step Functions"),
            std::string::npos);
  EXPECT_NE(message(compile<7>([](Graph<F(7)>& g) {
              g.schedule("daily", "Europe/Paris");
              g.step("start", &F(7)::step_fn).next("end");
              g.step("end", &F(7)::step_fn);
            })).find("no time zone"),
            std::string::npos);
  EXPECT_NE(message(compile<8>([](Graph<F(8)>& g) {
              g.schedule("0 0 1 * MON");
              g.step("start", &F(8)::step_fn).next("end");
              g.step("end", &F(8)::step_fn);
            })).find("cannot restrict both the day of the month and the day of the week"),
            std::string::npos);
  auto no_queue = options();
  no_queue.job_queue.clear();
  EXPECT_NE(message(compile<9>([](Graph<F(9)>& g) {
              g.step("start", &F(9)::step_fn).next("end");
              g.step("end", &F(9)::step_fn);
            }, no_queue)).find("--job-queue"),
            std::string::npos);
}

TEST(StepFunctionsTest, AFlowTooLargeForAStateMachineIsRefused) {
  // 200 linear steps, declared as data (FlowGraph needs no step bodies), each state naming a
  // very long job queue (few steps: the graph's analysis recurses once per step).
  conflux::FlowDescription flow;
  flow.name = "HugeFlow";
  for (int i = 0; i < 200; ++i) {
    conflux::StepDescription s;
    s.name = i == 0 ? "start" : "step_" + std::to_string(i);
    s.transition = conflux::TransitionKind::kLinear;
    s.next = {i == 199 ? "end" : "step_" + std::to_string(i + 1)};
    flow.steps.push_back(s);
  }
  conflux::StepDescription end;
  end.name = "end";
  flow.steps.push_back(end);
  conflux::FlowGraph graph(flow);
  auto o = options();
  o.job_queue += "/" + std::string(6000, 'q');
  auto d = conflux::compile_step_functions(graph, o);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("too large for a Step Functions state machine"), std::string::npos)
      << d.status().message();
  EXPECT_NE(d.status().message().find("the limit is 1048576"), std::string::npos);
}

}  // namespace
