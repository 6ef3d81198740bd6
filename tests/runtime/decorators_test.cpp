// End to end: @retry, @catch, @timeout, @environment and @resources at run time, on real flows.
#include "runtime/flow_run_test_util.hpp"

namespace {

using namespace conflux::testing;  // NOLINT: test helpers

class DecoratorsTest : public FlowRunTest {
 protected:
  nlohmann::json task_artifacts(const nlohmann::json& loaded, const std::string& run, const std::string& step) {
    for (const auto& [path, artifacts] : loaded.items()) {
      if (path.rfind("DecoratedFlow/" + run + "/" + step + "/", 0) == 0) return artifacts;
    }
    return nullptr;
  }
};

TEST_F(DecoratorsTest, RetrySucceedsOnSecondAttempt) {
  auto r = run_flow("tests/flows/decorated_flow", {"run"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("first attempt always fails"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Task is starting (retry)."), std::string::npos) << r.out;
  std::string run = run_id_of(r.out);
  fs::path flaky = root() / "DecoratedFlow" / run / "flaky" / "2";
  EXPECT_TRUE(fs::exists(flaky / "0.DONE.lock")) << "the failed attempt is committed as failed";
  EXPECT_TRUE(fs::exists(flaky / "1.DONE.lock"));
  auto loaded = python_load();
  auto artifacts = task_artifacts(loaded, run, "flaky");
  EXPECT_EQ(artifacts["attempts_seen"]["json"], 2);
  EXPECT_EQ(artifacts["_task_ok"]["json"], true);
  // The retry is the same task id with attempt + 1.
  auto logs = run_flow("tests/flows/decorated_flow", {"--quiet", "logs", run + "/flaky/2", "--attempt", "0"});
  EXPECT_NE(logs.out.find("flaky attempt 0"), std::string::npos) << logs.out;
}

// A parameter with choices refuses anything else before the run starts (no run is created).
TEST_F(DecoratorsTest, ParameterChoicesAreCheckedBeforeTheRun) {
  auto r = run_flow("tests/flows/decorated_flow", {"run", "--mode", "bogus"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("invalid value for --mode: 'bogus' is not one of 'ok', 'throw', 'crash', 'hang', 'slow'"),
            std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("Workflow starting"), std::string::npos) << r.out;
}

TEST_F(DecoratorsTest, EnvironmentAndResources) {
  auto r = run_flow("tests/flows/decorated_flow", {"run"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string run = run_id_of(r.out);
  auto loaded = python_load();
  EXPECT_EQ(task_artifacts(loaded, run, "configured")["greeting"]["json"], "hi there");
  EXPECT_EQ(task_artifacts(loaded, run, "risky")["err"]["json"], nullptr) << "catch var is None on success";
  bool found = false;
  for (const auto& entry : fs::directory_iterator(root() / "DecoratedFlow" / run / "risky" / "4" / "_meta")) {
    if (entry.path().filename().string().rfind("sysmeta_resources_", 0) != 0) continue;
    found = true;
    auto row = nlohmann::json::parse(read_file(entry.path()));
    auto resources = nlohmann::json::parse(row["value"].get<std::string>());
    EXPECT_EQ(resources["cpu"], 2);
    EXPECT_EQ(resources["memory"], 1024);
  }
  EXPECT_TRUE(found) << "resources are recorded as task metadata";
}

TEST_F(DecoratorsTest, CatchLetsTheFlowFinish) {
  auto r = run_flow("tests/flows/decorated_flow", {"run", "--mode", "throw"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("@catch caught an exception from <flow DecoratedFlow step risky>"), std::string::npos);
  EXPECT_NE(r.out.find("] the flow went on"), std::string::npos) << r.out;
  std::string run = run_id_of(r.out);
  auto risky = task_artifacts(python_load(), run, "risky");
  EXPECT_EQ(risky["err"]["type"], "<class 'metaflow.exception.MetaflowExceptionWrapper'>");
  EXPECT_NE(risky["err"]["repr"].get<std::string>().find("MetaflowExceptionWrapper"), std::string::npos);
  EXPECT_EQ(risky["_success"]["json"], false);
  EXPECT_EQ(risky["_task_ok"]["json"], true);
}

TEST_F(DecoratorsTest, CatchHandlesACrashedProcess) {
  auto r = run_flow("tests/flows/decorated_flow", {"run", "--mode", "crash"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("killed by SIGSEGV"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Task fallback is starting to handle the failure."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("] the flow went on"), std::string::npos) << r.out;
}

TEST_F(DecoratorsTest, TimeoutStopsAHangingStepAndCatchHandlesIt) {
  auto started = std::chrono::steady_clock::now();
  auto r = run_flow("tests/flows/decorated_flow", {"run", "--mode", "hang"});
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_LT(seconds, 20) << "the 60 s sleep was cut at the 2 s timeout";
  EXPECT_NE(r.out.find("Task timed out (@timeout) and was stopped."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("the task timed out (@timeout)"), std::string::npos) << r.out;
}

TEST_F(DecoratorsTest, TimeoutWithoutCatchFailsTheRun) {
  auto r = run_flow("tests/flows/decorated_flow", {"run", "--mode", "slow"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("Task timed out (@timeout) and was stopped."), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("Step slow (task-id 5) failed."), std::string::npos) << r.err;
}

TEST_F(DecoratorsTest, Exit202ForbidsRetries) {
  auto r = run_flow("tests/flows/failing_flow", {"--with", "retry:times=2", "run", "--mode", "exit202"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out.find("Task is starting (retry)."), std::string::npos) << r.out;
}

TEST_F(DecoratorsTest, RetryFromTheCommandLine) {
  auto r = run_flow("tests/flows/failing_flow", {"--with", "retry:times=1", "run", "--mode", "throw"});
  EXPECT_EQ(r.exit_code, 1);
  // Attempt 0 and the retry both fail: the failure is deterministic.
  size_t first = r.out.find("deliberate failure in work");
  ASSERT_NE(first, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("deliberate failure in work", first + 1), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Task is starting (retry)."), std::string::npos) << r.out;
}

}  // namespace
