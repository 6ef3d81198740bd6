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

TEST_F(StepFunctionsFlowTest, BatchRetriesAndCatchWork) {
  std::string local = run_locally("tests/flows/decorated_flow", {"--mode", "throw"});
  std::string sfn = deploy_and_execute("tests/flows/decorated_flow", {{"mode", "throw"}});
  expect_same_runs("DecoratedFlow", local, sfn);
  nlohmann::json flaky = json_of({build_path("bin/conflux").string(), "dump", "DecoratedFlow/" + sfn + "/flaky", "--json"});
  ASSERT_EQ(flaky.size(), 1u);
  EXPECT_EQ(flaky.begin().value()["attempts_seen"], 2) << "Batch's second attempt succeeded";
}

}  // namespace
