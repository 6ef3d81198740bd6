// End to end: flows compiled by `argo-workflows create` pass the official schema in strict mode
// and Argo's lint rules (tests/tools/validate_argo.py), and the compiled WorkflowTemplate, run by
// tests/tools/argo_executor.py (each container's command as a local process, as Argo's
// controller would schedule them: DAG dependencies, withParam fan-out, parameters and outputs
// passed as files, retries) against the S3 test server and a real `conflux service`, gives a run
// with the same artifacts, step for step, as the same flow run by the local runtime.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include <nlohmann/json.hpp>

#include "s3/s3_test_env.hpp"
#include "testutil/service_process.hpp"
#include "testutil/testutil.hpp"

namespace {

using namespace conflux::testing;  // NOLINT: test helpers
namespace fs = std::filesystem;

class ArgoFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = s3_env();
    if (env.empty()) GTEST_SKIP() << "needs the s3_server ctest fixture";
    service_ = std::make_unique<ServiceProcess>(std::vector<std::string>{"--db", (dir_.path() / "service.db").string()},
                                                dir_.path() / "service.log");
    int port = service_->port();
    ASSERT_GT(port, 0) << service_->log();
    env_ = env;
    env_["METAFLOW_DEFAULT_DATASTORE"] = "s3";
    env_["METAFLOW_DATASTORE_SYSROOT_S3"] = "s3://" + env["CONFLUX_TEST_S3_BUCKET"] + "/" + unique_prefix("argo");
    env_["METAFLOW_DEFAULT_METADATA"] = "service";
    env_["METAFLOW_SERVICE_URL"] = "http://127.0.0.1:" + std::to_string(port);
    env_["METAFLOW_DATASTORE_SYSROOT_LOCAL"] = dir_.path().string();
    env_["CONFLUX_PACKAGE_CACHE"] = (dir_.path() / "packages").string();
    env_["USER"] = "tester";
    // The containers' `conflux` is this build's.
    env_["PATH"] = build_path("bin").string() + ":" + std::getenv("PATH");
  }

  CommandResult run(std::vector<std::string> argv) { return run_command(argv, env_); }

  // Compiles `binary`, checks the objects, runs the template; returns the run id.
  std::string deploy_and_execute(const std::string& binary, const std::vector<std::string>& parameters = {}) {
    fs::path file = dir_.path() / (fs::path(binary).filename().string() + ".yaml");
    auto created = run({build_path(binary).string(), "argo-workflows", "create", "--output", file.string(), "--image",
                        "registry.example.com/conflux-runner:0.1.0"});
    EXPECT_EQ(created.exit_code, 0) << created.err;
    auto valid = run({"/usr/bin/python3", CONFLUX_SOURCE_DIR "/tests/tools/validate_argo.py", file.string()});
    EXPECT_EQ(valid.exit_code, 0) << valid.out << valid.err;
    std::string name = fs::path(binary).filename().string() + "-" + std::to_string(++workflows_);
    std::replace(name.begin(), name.end(), '_', '-');
    std::vector<std::string> argv = {"/usr/bin/python3", CONFLUX_SOURCE_DIR "/tests/tools/argo_executor.py",
                                     file.string(), "--workflow-name", name};
    for (const std::string& p : parameters) argv.insert(argv.end(), {"-p", p});
    auto executed = run(argv);
    EXPECT_EQ(executed.exit_code, 0) << executed.out << executed.err;
    return "argo-" + name;
  }

  std::string run_locally(const std::string& binary, std::vector<std::string> args = {}) {
    std::vector<std::string> argv = {build_path(binary).string(), "run"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run(argv);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    std::smatch m;
    return std::regex_search(r.out, m, std::regex("run-id ([0-9]+)")) ? m[1].str() : "";
  }

  nlohmann::json json_of(std::vector<std::string> argv) {
    auto r = run(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  // Per step, every task's artifacts, in a canonical order (task ids differ between runs).
  std::map<std::string, std::vector<std::string>> artifacts(const std::string& flow, const std::string& run) {
    std::map<std::string, std::vector<std::string>> out;
    nlohmann::json shown = json_of({build_path("bin/conflux").string(), "show", flow + "/" + run, "--json"});
    EXPECT_EQ(shown.value("status", ""), "successful") << shown.dump(2);
    for (const auto& step : shown["steps"]) {
      std::string name = step["name"];
      nlohmann::json dumped =
          json_of({build_path("bin/conflux").string(), "dump", flow + "/" + run + "/" + name, "--json"});
      for (const auto& [task, values] : dumped.items()) out[name].push_back(values.dump());
      std::sort(out[name].begin(), out[name].end());
    }
    return out;
  }

  void expect_same_runs(const std::string& flow, const std::string& local, const std::string& argo) {
    ASSERT_FALSE(local.empty());
    auto expected = artifacts(flow, local);
    auto got = artifacts(flow, argo);
    ASSERT_FALSE(expected.empty());
    EXPECT_EQ(got, expected) << "the Argo run " << argo << " differs from the local run " << local;
  }

  TempDir dir_;
  std::unique_ptr<ServiceProcess> service_;
  std::map<std::string, std::string> env_;
  int workflows_ = 0;
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
