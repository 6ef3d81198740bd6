// End to end: flows run with `--with kubernetes` against tests/tools/fake_kube_apiserver.py, a
// stand-in API server that runs each Job's pod as a local process (what it does not do: see its
// header), with the S3 test server as the datastore. Checks the Jobs the launcher creates (and the
// kubernetes-models validators' verdict on them), that runs match local runs, retries, @catch,
// timeouts, an OOM-killed pod, --max-workers, and that Ctrl-C leaves no Job behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <regex>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "deploy/deployed_flow_test.hpp"

namespace {

using namespace conflux::testing;  // NOLINT: test helpers
using Clock = std::chrono::steady_clock;

// The S3 test server and a `conflux service` (DeployedFlowTest), plus the fake API server.
class KubernetesFlowTest : public DeployedFlowTest {
 protected:
  void SetUp() override {
    DeployedFlowTest::SetUp();
    if (IsSkipped()) return;
    start_server("");
    env_["CONFLUX_KUBERNETES_IMAGE"] = "registry.example.com/conflux-runner:0.1.0";
    env_["CONFLUX_KUBERNETES_NAMESPACE"] = "ml";
    env_["USER"] = "tester";
  }
  void TearDown() override { stop_server(); }

  // (Re)starts the fake API server; with a token it refuses requests without it. The launcher
  // reaches it as it would reach `kubectl proxy` (CONFLUX_KUBERNETES_API), which needs none.
  void start_server(const std::string& token) {
    stop_server();
    fs::path log = dir_.path() / ("apiserver-" + std::to_string(++servers_) + ".log");
    std::vector<std::string> argv = {"/usr/bin/python3", CONFLUX_SOURCE_DIR "/tests/tools/fake_kube_apiserver.py",
                                     "--dir", (dir_.path() / "kube").string()};
    if (!token.empty()) argv.insert(argv.end(), {"--token", token});
    server_ = spawn_command(argv, log, env_);
    std::smatch m;
    port_ = 0;
    for (int i = 0; i < 200 && port_ == 0; ++i) {
      std::string text = read_file(log);
      if (std::regex_search(text, m, std::regex("listening on http://127.0.0.1:([0-9]+)"))) port_ = std::stoi(m[1]);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_GT(port_, 0) << read_file(log);
    env_["CONFLUX_KUBERNETES_API"] = "http://127.0.0.1:" + std::to_string(port_);
  }
  void stop_server() {
    if (server_ > 0) {
      kill(server_, SIGTERM);
      waitpid(server_, nullptr, 0);
      server_ = -1;
    }
  }

  CommandResult run_flow(const std::string& binary, std::vector<std::string> args) {
    std::vector<std::string> argv = {build_path(binary).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, env_);
  }
  nlohmann::json state() {
    httplib::Client client("127.0.0.1", port_);
    auto r = client.Get("/fake/state");
    EXPECT_TRUE(r && r->status == 200);
    return r ? nlohmann::json::parse(r->body) : nlohmann::json();
  }
  std::vector<nlohmann::json> jobs() {
    std::vector<nlohmann::json> out;
    std::ifstream in(dir_.path() / "kube" / "jobs.jsonl");
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  }
  void expect_models_accept_the_jobs() {
    fs::path models = build_path("validators");
    ASSERT_TRUE(fs::exists(models / "validate_k8s.mjs")) << "needs the npm_validators ctest fixture";
    auto r = run_command({"/usr/bin/node", (models / "validate_k8s.mjs").string(), (dir_.path() / "kube" / "jobs.jsonl").string()});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  static std::string run_id_of(const std::string& out) {
    std::smatch m;
    return std::regex_search(out, m, std::regex("run-id ([0-9]+)")) ? m[1].str() : "";
  }
  nlohmann::json dump(const std::string& pathspec) {
    auto r = run_command({build_path("bin/conflux").string(), "dump", pathspec, "--json"}, env_);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  }
  std::vector<std::string> values(const std::string& pathspec, const std::string& artifact) {
    std::vector<std::string> out;
    nlohmann::json dumped = dump(pathspec);  // not a temporary: items() would dangle
    for (const auto& [task, artifacts] : dumped.items()) out.push_back(artifacts[artifact].dump());
    std::sort(out.begin(), out.end());
    return out;
  }

  pid_t server_ = -1;
  int port_ = 0;
  int servers_ = 0;
};

TEST_F(KubernetesFlowTest, ForeachRunsOneJobPerTaskLikeALocalRun) {
  // An API server that refuses the request: the task fails with its answer.
  start_server("s3cret");
  auto refused = run_flow("examples/foreach", {"--with", "kubernetes", "run", "--shards", "2"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.out.find("Kubernetes refused the Job (HTTP 401): Unauthorized"), std::string::npos) << refused.out;
  start_server("");
  fs::remove(dir_.path() / "kube" / "jobs.jsonl");

  auto remote = run_flow("examples/foreach", {"--with", "kubernetes", "run", "--shards", "4"});
  ASSERT_EQ(remote.exit_code, 0) << remote.out << remote.err;
  EXPECT_NE(remote.out.find("(kubernetes job shardflow-"), std::string::npos) << remote.out;
  EXPECT_NE(remote.out.find("best 1"), std::string::npos) << "the end step's output, tailed from the datastore";
  auto local = run_flow("examples/foreach", {"run", "--shards", "4"});
  ASSERT_EQ(local.exit_code, 0) << local.err;
  std::string remote_run = "ShardFlow/" + run_id_of(remote.out), local_run = "ShardFlow/" + run_id_of(local.out);
  EXPECT_EQ(values(remote_run + "/train", "score"), values(local_run + "/train", "score"));
  EXPECT_EQ(values(remote_run + "/join", "best"), values(local_run + "/join", "best"));

  auto created = jobs();
  ASSERT_EQ(created.size(), 7u) << "start, 4 x train, join, end";
  for (const auto& job : created) {
    EXPECT_EQ(job["metadata"]["namespace"], "ml");
    EXPECT_EQ(job["spec"]["backoffLimit"], 0) << "retries are the runtime's";
    EXPECT_EQ(job["spec"]["template"]["spec"]["restartPolicy"], "Never");
    const auto& c = job["spec"]["template"]["spec"]["containers"][0];
    EXPECT_EQ(c["image"], "registry.example.com/conflux-runner:0.1.0");
    EXPECT_EQ(c["command"][0], "conflux");
    EXPECT_EQ(c["command"][1], "task-run");
    EXPECT_EQ(c["resources"]["requests"]["memory"], "4096M");
    EXPECT_EQ(job["metadata"]["annotations"]["metaflow/flow_name"], "ShardFlow");
  }
  auto s = state();
  EXPECT_TRUE(s["running_pods"].empty()) << s.dump();
  expect_models_accept_the_jobs();
}

TEST_F(KubernetesFlowTest, EveryExampleRunsAsJobsLikeALocalRun) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> examples = {
      {"examples/hello", {}}, {"examples/branch", {}}, {"examples/nested_foreach", {}},
      {"examples/parameters", {"--region", "eu-west"}}, {"examples/switch_loop", {"--target", "0.05"}}};
  for (const auto& [example, args] : examples) {
    std::vector<std::string> remote_args = {"--with", "kubernetes", "run"};
    remote_args.insert(remote_args.end(), args.begin(), args.end());
    auto remote = run_flow(example, remote_args);
    ASSERT_EQ(remote.exit_code, 0) << example << ": " << remote.out << remote.err;
    std::string flow = remote.err.substr(remote.err.find("executing ") + 10);
    flow = flow.substr(0, flow.find(' '));
    expect_same_runs(flow, run_locally(example, args), run_id_of(remote.out));
  }
}

TEST_F(KubernetesFlowTest, RetriesAreNewJobsAndCatchRunsLocally) {
  auto r = run_flow("tests/flows/decorated_flow", {"--with", "kubernetes", "run", "--mode", "throw"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string run = "DecoratedFlow/" + run_id_of(r.out);
  std::vector<std::string> flaky, risky;
  for (const auto& job : jobs()) {
    std::string step = job["metadata"]["annotations"]["metaflow/step_name"];
    std::string attempt = job["metadata"]["annotations"]["metaflow/attempt"];
    if (step == "flaky") flaky.push_back(attempt);
    if (step == "risky") risky.push_back(attempt);
    if (step == "risky") {
      EXPECT_EQ(job["spec"]["template"]["spec"]["activeDeadlineSeconds"], 122) << "@timeout(2) plus the margin";
      EXPECT_EQ(job["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"], "2");
    }
  }
  EXPECT_EQ(flaky, (std::vector<std::string>{"0", "1"})) << "a Job per attempt";
  EXPECT_EQ(risky, (std::vector<std::string>{"0"})) << "@catch's fallback attempt runs locally";
  EXPECT_EQ(values(run + "/flaky", "attempts_seen"), std::vector<std::string>{"2"});
  EXPECT_EQ(values(run + "/configured", "greeting"), std::vector<std::string>{"\"hi there\""}) << "@environment";
  expect_models_accept_the_jobs();
}

TEST_F(KubernetesFlowTest, TimeoutsOomKillsAndCtrlCAreHandled) {
  // @timeout: task-run stops the step at 1 s; the run fails saying so.
  auto timed = run_flow("tests/flows/decorated_flow", {"--with", "kubernetes", "run", "--mode", "slow"});
  EXPECT_NE(timed.exit_code, 0);
  EXPECT_NE(timed.out.find("timed out"), std::string::npos) << timed.out;

  // A pod the OOM killer ends leaves no exit record: Kubernetes' reason explains the failure.
  fs::path out = dir_.path() / "oom.out";
  pid_t flow = spawn_command({build_path("tests/flows/failing_flow").string(), "--with", "kubernetes", "run", "--mode",
                              "sleep", "--sleep_seconds", "60", "--max-workers", "2"},
                             out, env_);
  std::string victim;
  auto deadline = Clock::now() + std::chrono::seconds(60);
  size_t most_running = 0;
  while (Clock::now() < deadline && victim.empty()) {
    auto s = state();
    size_t running = 0;
    for (const auto& j : s["jobs"]) {
      std::string name = j["name"];
      if (name.find("-work-") != std::string::npos && !j["deleted"].get<bool>()) ++running;
    }
    most_running = std::max(most_running, running);
    if (running == 2 && read_file(out).find("sleeping now") != std::string::npos) {
      for (const auto& j : s["jobs"]) {
        if (std::string(j["name"]).find("-work-") != std::string::npos) victim = j["name"];
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(victim.empty()) << read_file(out);
  EXPECT_EQ(most_running, 2u) << "--max-workers 2: the third Job waits";
  httplib::Client client("127.0.0.1", port_);
  ASSERT_TRUE(client.Post("/fake/oom/ml/" + victim, "", "application/json"));
  // The run fails on the OOM-killed task, and stops (deletes) the others.
  int status = 0;
  waitpid(flow, &status, 0);
  std::string text = read_file(out);
  EXPECT_NE(WEXITSTATUS(status), 0);
  EXPECT_NE(text.find("OOMKilled"), std::string::npos) << text;
  EXPECT_NE(text.find("@resources(memory=...)"), std::string::npos) << text;
  auto s = state();
  EXPECT_TRUE(s["running_pods"].empty()) << s.dump();

  // Ctrl-C: every Job of the run is deleted and its pod stopped.
  fs::path out2 = dir_.path() / "interrupted.out";
  pid_t flow2 = spawn_command({build_path("tests/flows/failing_flow").string(), "--with", "kubernetes", "run", "--mode",
                               "sleep", "--sleep_seconds", "60"},
                              out2, env_);
  deadline = Clock::now() + std::chrono::seconds(60);
  while (Clock::now() < deadline && read_file(out2).find("sleeping now") == std::string::npos) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_NE(read_file(out2).find("sleeping now"), std::string::npos) << read_file(out2);
  kill(flow2, SIGINT);
  waitpid(flow2, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 130) << read_file(out2);
  std::string interrupted_run = run_id_of(read_file(out2));
  ASSERT_FALSE(interrupted_run.empty());
  s = state();
  int deleted = 0;
  for (const auto& j : s["jobs"]) {
    if (std::string(j["name"]).find(interrupted_run + "-work-") == std::string::npos) continue;
    EXPECT_TRUE(j["deleted"].get<bool>()) << j.dump();
    ++deleted;
  }
  EXPECT_EQ(deleted, 3);
  // Pods get SIGTERM and stop (task-run passes it on).
  deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline && !state()["running_pods"].empty()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_TRUE(state()["running_pods"].empty()) << state().dump();
  expect_models_accept_the_jobs();
}

}  // namespace
