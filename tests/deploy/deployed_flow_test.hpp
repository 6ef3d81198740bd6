// Shared by the tests that compile flows for a production scheduler and execute the result on
// this machine (argo_flow_test, step_functions_flow_test): the S3 test server as the datastore, a
// real `conflux service`, local runs to compare with, and each run's artifacts step by step.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include <nlohmann/json.hpp>

#include "s3/s3_test_env.hpp"
#include "testutil/service_process.hpp"
#include "testutil/testutil.hpp"

namespace conflux::testing {

namespace fs = std::filesystem;

class DeployedFlowTest : public ::testing::Test {
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
    env_["METAFLOW_DATASTORE_SYSROOT_S3"] = "s3://" + env["CONFLUX_TEST_S3_BUCKET"] + "/" + unique_prefix("deployed");
    env_["METAFLOW_DEFAULT_METADATA"] = "service";
    env_["METAFLOW_SERVICE_URL"] = "http://127.0.0.1:" + std::to_string(port);
    env_["METAFLOW_DATASTORE_SYSROOT_LOCAL"] = dir_.path().string();
    env_["CONFLUX_PACKAGE_CACHE"] = (dir_.path() / "packages").string();
    env_["USER"] = "tester";
    // The containers' `conflux` is this build's.
    env_["PATH"] = build_path("bin").string() + ":" + std::getenv("PATH");
  }

  CommandResult run(std::vector<std::string> argv) { return run_command(argv, env_); }

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
    EXPECT_EQ(got, expected) << "the deployed run " << argo << " differs from the local run " << local;
  }

  TempDir dir_;
  std::unique_ptr<ServiceProcess> service_;
  std::map<std::string, std::string> env_;
  int deployments_ = 0;
};

}  // namespace conflux::testing
