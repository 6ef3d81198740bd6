// End to end: flows compiled by `step-functions create` pass asl-validator (npm, its JSONPath and
// ARN checks on), and the state machine, run by tests/tools/sfn_executor.py (Task states as AWS
// Batch jobs whose commands run as local processes, Parallel, distributed Map reading the split
// list from S3, Batch's retries) against the S3 test server and a real `conflux service`, gives a
// run with the same artifacts, step for step, as the same flow run by the local runtime.
#include "deploy/deployed_flow_test.hpp"

namespace {

using namespace conflux::testing;  // NOLINT: test helpers

class StepFunctionsFlowTest : public DeployedFlowTest {
 protected:
  // Compiles `binary`, validates the state machine, runs it; returns the run id.
  std::string deploy_and_execute(const std::string& binary, const nlohmann::json& parameters = nlohmann::json::object()) {
    fs::path dir = dir_.path() / ("sfn-" + fs::path(binary).filename().string());
    auto created = run({build_path(binary).string(), "step-functions", "create", "--output", dir.string(), "--image",
                        "registry.example.com/conflux-runner:0.1.0", "--job-queue",
                        "arn:aws:batch:us-east-1:123456789012:job-queue/conflux"});
    EXPECT_EQ(created.exit_code, 0) << created.err;
    fs::path validator = build_path("validators/validate_asl.mjs");
    EXPECT_TRUE(fs::exists(validator)) << "needs the npm_validators ctest fixture";
    auto valid = run({"/usr/bin/node", validator.string(), (dir / "state-machine.json").string()});
    EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
    std::string name = fs::path(binary).filename().string() + "-" + std::to_string(++deployments_);
    nlohmann::json input = {{"Parameters", parameters.dump()}};
    auto executed = run({"/usr/bin/python3", CONFLUX_SOURCE_DIR "/tests/tools/sfn_executor.py", dir.string(),
                         "--execution-name", name, "--input", input.dump()});
    EXPECT_EQ(executed.exit_code, 0) << executed.out << executed.err;
    return "sfn-" + name;
  }
};

TEST_F(StepFunctionsFlowTest, LinearFlowRunsLikeALocalRun) {
  expect_same_runs("HelloFlow", run_locally("examples/hello"), deploy_and_execute("examples/hello"));
}

TEST_F(StepFunctionsFlowTest, StaticBranchesBecomeAParallelState) {
  expect_same_runs("BranchFlow", run_locally("examples/branch"), deploy_and_execute("examples/branch"));
}

TEST_F(StepFunctionsFlowTest, ForeachIsADistributedMap) {
  expect_same_runs("ShardFlow", run_locally("examples/foreach", {"--shards", "5"}),
                   deploy_and_execute("examples/foreach", {{"shards", "5"}}));
}

TEST_F(StepFunctionsFlowTest, NestedForeach) {
  expect_same_runs("NestedForeachFlow", run_locally("examples/nested_foreach"),
                   deploy_and_execute("examples/nested_foreach"));
}

TEST_F(StepFunctionsFlowTest, ParametersComeFromTheExecutionInput) {
  expect_same_runs("ParameterFlow",
                   run_locally("examples/parameters", {"--region", "eu-west", "--count", "5", "--files", "a,b c"}),
                   deploy_and_execute("examples/parameters", {{"region", "eu-west"}, {"count", "5"}, {"files", "a,b c"}}));
}

TEST_F(StepFunctionsFlowTest, SwitchesAreChoiceStates) {
  for (const std::string size : {"small", "large"}) {
    expect_same_runs("SwitchFlow", run_locally("tests/flows/switch_flow", {"--size", size}),
                     deploy_and_execute("tests/flows/switch_flow", {{"size", size}}));
  }
  expect_same_runs("SwitchLoopFlow", run_locally("examples/switch_loop", {"--target", "0.05"}),
                   deploy_and_execute("examples/switch_loop", {{"target", "0.05"}}));
  expect_same_runs("ForeachSwitchFlow", run_locally("tests/flows/foreach_switch_flow"),
                   deploy_and_execute("tests/flows/foreach_switch_flow"));
}

TEST_F(StepFunctionsFlowTest, BatchRetriesAndCatchWork) {
  std::string local = run_locally("tests/flows/decorated_flow", {"--mode", "throw"});
  std::string sfn = deploy_and_execute("tests/flows/decorated_flow", {{"mode", "throw"}});
  expect_same_runs("DecoratedFlow", local, sfn);
  nlohmann::json flaky = json_of({build_path("bin/conflux").string(), "dump", "DecoratedFlow/" + sfn + "/flaky", "--json"});
  ASSERT_EQ(flaky.size(), 1u);
  EXPECT_EQ(flaky.begin().value()["attempts_seen"], 2) << "Batch's second attempt succeeded";
}

// Every example and test flow compiles for both targets; the documents pass their validators.
TEST_F(StepFunctionsFlowTest, EveryExampleAndTestFlowCompilesForBothTargets) {
  const std::vector<std::string> flows = {
      "examples/hello", "examples/branch", "examples/foreach", "examples/nested_foreach", "examples/parameters",
      "examples/switch_loop", "tests/flows/failing_flow", "tests/flows/artifact_types_flow",
      "tests/flows/decorated_flow", "tests/flows/project_flow", "tests/flows/config_flow", "tests/flows/switch_flow",
      "tests/flows/foreach_switch_flow"};
  for (const std::string& flow : flows) {
    std::string name = fs::path(flow).filename().string();
    fs::path yaml = dir_.path() / (name + ".yaml");
    auto argo = run({build_path(flow).string(), "argo-workflows", "create", "--output", yaml.string(), "--image", "runner:1"});
    EXPECT_EQ(argo.exit_code, 0) << flow << ": " << argo.err;
    auto valid = run({"/usr/bin/python3", CONFLUX_SOURCE_DIR "/tests/tools/validate_argo.py", yaml.string()});
    EXPECT_EQ(valid.exit_code, 0) << flow << ": " << valid.out << valid.err;
    fs::path sfn = dir_.path() / ("sfn-all-" + name);
    auto created = run({build_path(flow).string(), "step-functions", "create", "--output", sfn.string(), "--image",
                        "runner:1", "--job-queue", "arn:aws:batch:us-east-1:123456789012:job-queue/q"});
    EXPECT_EQ(created.exit_code, 0) << flow << ": " << created.err;
    auto asl = run({"/usr/bin/node", build_path("validators/validate_asl.mjs").string(), (sfn / "state-machine.json").string()});
    EXPECT_EQ(asl.exit_code, 0) << flow << ": " << asl.out << asl.err;
  }
  // @project names the deployment project.branch.flow.
  auto branch = run({build_path("tests/flows/project_flow").string(), "--branch", "exp", "argo-workflows", "create",
                     "--output", "-", "--image", "runner:1"});
  ASSERT_EQ(branch.exit_code, 0) << branch.err;
  EXPECT_NE(branch.out.find("name: ranking.test.exp.projectflow"), std::string::npos) << branch.out.substr(0, 400);
}

}  // namespace
