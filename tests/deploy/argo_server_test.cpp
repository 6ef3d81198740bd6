// `argo-workflows create` (deploying), `trigger`, `list-runs`, `terminate` and `delete` against
// tests/tools/fake_argo_server.py, a stand-in for the Argo Server's REST API that executes each
// submitted run with tests/tools/argo_executor.py, on the S3 test server and `conflux service`.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include <httplib.h>

#include "deploy/deployed_flow_test.hpp"

namespace {

using namespace conflux::testing;  // NOLINT: test helpers
using Clock = std::chrono::steady_clock;

class ArgoServerTest : public DeployedFlowTest {
 protected:
  void SetUp() override {
    DeployedFlowTest::SetUp();
    if (IsSkipped()) return;
    fs::path log = dir_.path() / "argo-server.log";
    server_ = spawn_command({"/usr/bin/python3", CONFLUX_SOURCE_DIR "/tests/tools/fake_argo_server.py", "--dir",
                             (dir_.path() / "argo").string(), "--token", "t0ken"},
                            log, env_);
    std::smatch m;
    for (int i = 0; i < 200 && port_ == 0; ++i) {
      std::string text = read_file(log);
      if (std::regex_search(text, m, std::regex("listening on http://127.0.0.1:([0-9]+)"))) port_ = std::stoi(m[1]);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_GT(port_, 0) << read_file(log);
    env_["ARGO_SERVER"] = "127.0.0.1:" + std::to_string(port_);
    env_["ARGO_SECURE"] = "false";
    env_["ARGO_TOKEN"] = "Bearer t0ken";
    env_["CONFLUX_KUBERNETES_IMAGE"] = "registry.example.com/conflux-runner:0.1.0";
    env_["CONFLUX_KUBERNETES_NAMESPACE"] = "ml";
  }
  void TearDown() override {
    if (server_ > 0) {
      kill(server_, SIGTERM);
      waitpid(server_, nullptr, 0);
    }
  }
  CommandResult argo(const std::string& binary, std::vector<std::string> args) {
    std::vector<std::string> argv = {build_path(binary).string(), "argo-workflows"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }
  nlohmann::json server_get(const std::string& path) {
    httplib::Client client("127.0.0.1", port_);
    auto r = client.Get(path, {{"Authorization", "Bearer t0ken"}});
    return r && r->status == 200 ? nlohmann::json::parse(r->body) : nlohmann::json();
  }
  // Waits until list-runs shows `run` in `phase`.
  bool wait_for_phase(const std::string& binary, const std::string& run, const std::string& phase) {
    auto deadline = Clock::now() + std::chrono::seconds(120);
    while (Clock::now() < deadline) {
      auto listed = argo(binary, {"list-runs"});
      std::regex line(run + " +" + phase + " ");
      if (std::regex_search(listed.out, line)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    return false;
  }

  pid_t server_ = -1;
  int port_ = 0;
};

TEST_F(ArgoServerTest, DeployTriggerListAndDelete) {
  // Finished runs announce themselves to the Argo Events webhook (the fake plays it).
  env_["CONFLUX_ARGO_EVENTS_WEBHOOK_URL"] = "http://127.0.0.1:" + std::to_string(port_) + "/events";
  // Deploying twice replaces the template (its resourceVersion moves on).
  for (int i = 0; i < 2; ++i) {
    auto created = argo("examples/foreach", {"create"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    EXPECT_NE(created.err.find("Deployed WorkflowTemplate shardflow in namespace ml"), std::string::npos) << created.err;
  }
  nlohmann::json deployed = server_get("/api/v1/workflow-templates/ml/shardflow");
  ASSERT_TRUE(deployed.is_object());
  EXPECT_EQ(deployed["metadata"]["resourceVersion"], "2");

  // A bad parameter is refused before anything is submitted.
  auto bad = argo("examples/foreach", {"trigger", "--shards", "many"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_TRUE(server_get("/api/v1/workflows/ml")["items"].empty());

  auto triggered = argo("examples/foreach", {"trigger", "--shards", "3", "--run-id-file", (dir_.path() / "run").string()});
  ASSERT_EQ(triggered.exit_code, 0) << triggered.err;
  std::string run = read_file(dir_.path() / "run");
  ASSERT_EQ(run.rfind("argo-shardflow-", 0), 0u) << run;
  EXPECT_NE(triggered.out.find("run ShardFlow/" + run), std::string::npos) << triggered.out;
  ASSERT_TRUE(wait_for_phase("examples/foreach", run, "Succeeded")) << argo("examples/foreach", {"list-runs"}).out;
  nlohmann::json join = json_of({build_path("bin/conflux").string(), "dump", "ShardFlow/" + run + "/join", "--json"});
  ASSERT_EQ(join.size(), 1u);
  EXPECT_EQ(join.begin().value()["shards"], 3) << "the triggered run's parameter";
  EXPECT_NE(argo("examples/foreach", {"list-runs", "--succeeded"}).out.find(run), std::string::npos);
  nlohmann::json events = server_get("/fake/events")["events"];
  ASSERT_EQ(events.size(), 1u) << events.dump();
  EXPECT_EQ(events[0]["name"], "metaflow.ShardFlow.end");
  EXPECT_EQ(events[0]["payload"]["run_id"], run);
  EXPECT_EQ(events[0]["payload"]["pathspec"].get<std::string>().rfind("ShardFlow/" + run + "/end/t-", 0), 0u)
      << events.dump();
  EXPECT_EQ(argo("examples/foreach", {"list-runs", "--running"}).out.find(run), std::string::npos);

  auto finished = argo("examples/foreach", {"terminate", run});
  EXPECT_NE(finished.exit_code, 0);
  EXPECT_NE(finished.err.find("already finished (Succeeded)"), std::string::npos) << finished.err;

  auto deleted = argo("examples/foreach", {"delete"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_TRUE(server_get("/api/v1/workflow-templates/ml/shardflow").is_null());
  auto again = argo("examples/foreach", {"delete"});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("no deployment named shardflow in ml"), std::string::npos) << again.err;
}

TEST_F(ArgoServerTest, TerminateStopsARunningRun) {
  ASSERT_EQ(argo("tests/flows/failing_flow", {"create"}).exit_code, 0);
  auto triggered = argo("tests/flows/failing_flow", {"trigger", "--mode", "sleep", "--sleep_seconds", "120",
                                                     "--run-id-file", (dir_.path() / "run").string()});
  ASSERT_EQ(triggered.exit_code, 0) << triggered.err;
  std::string run = read_file(dir_.path() / "run");
  ASSERT_TRUE(wait_for_phase("tests/flows/failing_flow", run, "Running"));
  // Let the sleeping tasks start.
  auto deadline = Clock::now() + std::chrono::seconds(60);
  bool working = false;
  while (Clock::now() < deadline && !working) {
    auto shown = run_command({build_path("bin/conflux").string(), "show", "FailingFlow/" + run}, env_);
    working = shown.out.find("work ") != std::string::npos;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  ASSERT_TRUE(working) << "the run's foreach tasks never started";
  ASSERT_TRUE(wait_for_phase("tests/flows/failing_flow", run, "Running")) << "still running after its tasks started";
  auto stopped = argo("tests/flows/failing_flow", {"terminate", run});
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_TRUE(wait_for_phase("tests/flows/failing_flow", run, "Failed"));
  nlohmann::json workflow = server_get("/api/v1/workflows/ml/" + run.substr(5));
  EXPECT_EQ(workflow["status"].value("message", ""), "Stopped with strategy 'Terminate'") << workflow.dump();
}

TEST_F(ArgoServerTest, AWrongTokenIsAClearError) {
  env_["ARGO_TOKEN"] = "wrong";
  auto r = argo("examples/foreach", {"list-runs"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("HTTP 401"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("check ARGO_TOKEN"), std::string::npos) << r.err;
  env_.erase("ARGO_SERVER");
  auto unset = argo("examples/foreach", {"trigger"});
  EXPECT_NE(unset.err.find("set CONFLUX_ARGO_SERVER (or ARGO_SERVER)"), std::string::npos) << unset.err;
}

}  // namespace
