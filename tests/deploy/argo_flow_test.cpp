// End to end: flows compiled by `argo-workflows create` pass the official schema in strict mode
// and Argo's lint rules (tests/tools/validate_argo.py), and the compiled WorkflowTemplate, run by
// tests/tools/argo_executor.py (each container's command as a local process, as Argo's
// controller would schedule them: DAG dependencies, withParam fan-out, parameters and outputs
// passed as files, retries) against the S3 test server and a real `conflux service`, gives a run
// with the same artifacts, step for step, as the same flow run by the local runtime.
#include "deploy/deployed_flow_test.hpp"

namespace {

using namespace conflux::testing;  // NOLINT: test helpers

class ArgoFlowTest : public DeployedFlowTest {
 protected:
  // Compiles `binary`, checks the objects, runs the template; returns the run id.
  std::string deploy_and_execute(const std::string& binary, const std::vector<std::string>& parameters = {}) {
    fs::path file = dir_.path() / (fs::path(binary).filename().string() + ".yaml");
    auto created = run({build_path(binary).string(), "argo-workflows", "create", "--output", file.string(), "--image",
                        "registry.example.com/conflux-runner:0.1.0"});
    EXPECT_EQ(created.exit_code, 0) << created.err;
    auto valid = run({"/usr/bin/python3", CONFLUX_SOURCE_DIR "/tests/tools/validate_argo.py", file.string()});
    EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
    std::string name = fs::path(binary).filename().string() + "-" + std::to_string(++deployments_);
    std::replace(name.begin(), name.end(), '_', '-');
    std::vector<std::string> argv = {"/usr/bin/python3", CONFLUX_SOURCE_DIR "/tests/tools/argo_executor.py",
                                     file.string(), "--workflow-name", name};
    for (const std::string& p : parameters) argv.insert(argv.end(), {"-p", p});
    auto executed = run(argv);
    EXPECT_EQ(executed.exit_code, 0) << executed.out << executed.err;
    return "argo-" + name;
  }
};

TEST_F(ArgoFlowTest, LinearFlowRunsLikeALocalRun) {
  expect_same_runs("HelloFlow", run_locally("examples/hello"), deploy_and_execute("examples/hello"));
}

TEST_F(ArgoFlowTest, StaticBranchesJoin) {
  expect_same_runs("BranchFlow", run_locally("examples/branch"), deploy_and_execute("examples/branch"));
}

TEST_F(ArgoFlowTest, ForeachFansOutWithWithParam) {
  expect_same_runs("ShardFlow", run_locally("examples/foreach", {"--shards", "5"}),
                   deploy_and_execute("examples/foreach", {"shards=5"}));
}

TEST_F(ArgoFlowTest, NestedForeach) {
  expect_same_runs("NestedForeachFlow", run_locally("examples/nested_foreach"),
                   deploy_and_execute("examples/nested_foreach"));
}

TEST_F(ArgoFlowTest, ParametersTravelAsWorkflowArguments) {
  // Values given at submission (as `argo submit -p` would), in the form `run` takes them; the
  // others keep their defaults. region is required: without it the start task fails.
  expect_same_runs("ParameterFlow",
                   run_locally("examples/parameters",
                               {"--region", "eu-west", "--count", "5", "--config", R"({"depth": 7})", "--files", "a,b c"}),
                   deploy_and_execute("examples/parameters",
                                      {"region=eu-west", "count=5", R"(config={"depth": 7})", "files=a,b c"}));
}

TEST_F(ArgoFlowTest, SwitchBranchesMeetAgain) {
  for (const std::string size : {"small", "large"}) {
    expect_same_runs("SwitchFlow", run_locally("tests/flows/switch_flow", {"--size", size}),
                     deploy_and_execute("tests/flows/switch_flow", {"size=" + size}));
  }
}

TEST_F(ArgoFlowTest, SwitchInsideAForeach) {
  expect_same_runs("ForeachSwitchFlow", run_locally("tests/flows/foreach_switch_flow"),
                   deploy_and_execute("tests/flows/foreach_switch_flow"));
}

TEST_F(ArgoFlowTest, SwitchLoopingOnItself) {
  expect_same_runs("SwitchLoopFlow", run_locally("examples/switch_loop", {"--target", "0.05"}),
                   deploy_and_execute("examples/switch_loop", {"target=0.05"}));
}

TEST_F(ArgoFlowTest, RetriesCatchEnvironmentAndTimeoutsWork) {
  // flaky fails its first attempt and Argo's retryStrategy runs it again; risky throws and its
  // @catch attempt records the failure; @environment reaches the step.
  std::string local = run_locally("tests/flows/decorated_flow", {"--mode", "throw"});
  std::string argo = deploy_and_execute("tests/flows/decorated_flow", {"mode=throw"});
  expect_same_runs("DecoratedFlow", local, argo);
  nlohmann::json flaky = json_of({build_path("bin/conflux").string(), "dump", "DecoratedFlow/" + argo + "/flaky", "--json"});
  ASSERT_EQ(flaky.size(), 1u);
  EXPECT_EQ(flaky.begin().value()["attempts_seen"], 2) << "the second attempt succeeded";
}

}  // namespace
