// End to end: resume after a failure, after SIGKILL of the runtime, and from a given step.
#include "runtime/flow_run_test_util.hpp"

namespace {

using namespace conflux::testing;  // NOLINT: test helpers

class ResumeTest : public FlowRunTest {
 protected:
  CommandResult run_with_env(std::vector<std::string> args, std::map<std::string, std::string> env) {
    std::vector<std::string> argv = {build_path("tests/flows/failing_flow").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    env["METAFLOW_DATASTORE_SYSROOT_LOCAL"] = dir_.path().string();
    env["USER"] = "tester";
    return run_command(argv, env);
  }
  std::string metadata_value(const std::string& run, const std::string& step, const std::string& task,
                             const std::string& field) {
    fs::path dir = root() / "FailingFlow" / run / step / task / "_meta";
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().filename().string().rfind("sysmeta_" + field + "_", 0) == 0) {
        return nlohmann::json::parse(read_file(entry.path()))["value"];
      }
    }
    return "";
  }
};

TEST_F(ResumeTest, ResumeAfterFailureClonesAndFinishes) {
  auto failed = run_with_env({"run", "--mode", "env"}, {{"FAILING_FLOW_BREAK", "1"}});
  ASSERT_EQ(failed.exit_code, 1) << failed.out;
  std::string origin = run_id_of(failed.out);

  auto resumed = run_with_env({"resume"}, {});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  std::string run = run_id_of(resumed.out);
  EXPECT_NE(run, origin);
  EXPECT_NE(resumed.out.find("Cloning previously run task " + origin + "/start/1"), std::string::npos) << resumed.out;
  EXPECT_NE(resumed.out.find("Cloning previously run task " + origin + "/work/2"), std::string::npos) << resumed.out;
  EXPECT_NE(resumed.out.find("working on 2"), std::string::npos) << "the failed task runs again";
  EXPECT_EQ(resumed.out.find("working on 1"), std::string::npos) << "succeeded tasks do not run again";
  EXPECT_NE(resumed.out.find("] sum 6"), std::string::npos) << resumed.out;

  // Cloned by reference: same artifact index, and the origin is recorded.
  fs::path flow = root() / "FailingFlow";
  auto cloned = nlohmann::json::parse(read_file(flow / run / "start" / "1" / "0.data.json"));
  auto original = nlohmann::json::parse(read_file(flow / origin / "start" / "1" / "0.data.json"));
  EXPECT_EQ(cloned["objects"], original["objects"]);
  EXPECT_EQ(metadata_value(run, "start", "1", "origin-run-id"), origin);
  EXPECT_EQ(metadata_value(run, "start", "1", "origin-task-id"), "1");
  // Parameters are the origin's.
  auto params = nlohmann::json::parse(read_file(flow / run / "_parameters" / "0" / "0.data.json"));
  EXPECT_EQ(params["objects"]["mode"], nlohmann::json::parse(read_file(flow / origin / "_parameters" / "0" / "0.data.json"))["objects"]["mode"]);
  // Resume does not move latest_run, as in Metaflow.
  EXPECT_EQ(read_file(flow / "latest_run"), origin);
}

TEST_F(ResumeTest, ResumeAfterSigkillOfTheRuntime) {
  fs::path log = dir_.path() / "out.txt";
  setenv("FAILING_FLOW_SLEEP", "1", 1);
  pid_t pid = spawn_flow("tests/flows/failing_flow", {"run", "--mode", "sleep_env"}, dir_.path(), log);
  unsetenv("FAILING_FLOW_SLEEP");
  ASSERT_TRUE(wait_for_text(log, "working on 3", 20)) << read_file(log);
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  std::string origin = run_id_of(read_file(log));

  auto resumed = run_with_env({"resume", "--origin-run-id", origin}, {});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_NE(resumed.out.find("Cloning previously run task " + origin + "/start/1"), std::string::npos) << resumed.out;
  EXPECT_NE(resumed.out.find("] sum 6"), std::string::npos) << resumed.out;
}

TEST_F(ResumeTest, ResumeFromAGivenStepRerunsItAndWhatFollows) {
  auto ok = run_with_env({"run"}, {});
  ASSERT_EQ(ok.exit_code, 0) << ok.out;
  std::string origin = run_id_of(ok.out);
  auto resumed = run_with_env({"resume", "join"}, {});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_NE(resumed.out.find("Cloning previously run task " + origin + "/work/4"), std::string::npos) << resumed.out;
  EXPECT_EQ(resumed.out.find("Cloning previously run task " + origin + "/join/"), std::string::npos) << resumed.out;
  EXPECT_EQ(resumed.out.find("working on"), std::string::npos) << "work was cloned";
  EXPECT_NE(resumed.out.find("] sum 6"), std::string::npos) << resumed.out;
}

// Metaflow freezes parameters on resume (metaflow#88): Conflux does too, unless the user passes
// --allow-parameter-changes; then every step from the first one that reruns sees the new value.
TEST_F(ResumeTest, ChangedParametersNeedTheFlagAndRerunEveryStepThatSeesThem) {
  auto failed = run_with_env({"run", "--mode", "throw"}, {});
  ASSERT_EQ(failed.exit_code, 1) << failed.out;
  std::string origin = run_id_of(failed.out);
  auto frozen = run_with_env({"resume", "--mode", "ok"}, {});
  EXPECT_EQ(frozen.exit_code, 1);
  EXPECT_NE(frozen.err.find("--mode: parameters keep the values of the resumed run; pass --allow-parameter-changes"),
            std::string::npos) << frozen.err;
  auto bad = run_with_env({"resume", "--allow-parameter-changes", "--sleep_seconds", "soon"}, {});
  EXPECT_EQ(bad.exit_code, 1);

  auto resumed = run_with_env({"resume", "--origin-run-id", origin, "--allow-parameter-changes", "--mode", "ok"}, {});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  std::string run = run_id_of(resumed.out);
  EXPECT_NE(resumed.out.find("Parameter changed on resume: mode: 'throw' -> 'ok'"), std::string::npos) << resumed.out;
  EXPECT_NE(resumed.out.find("Cloning previously run task " + origin + "/start/1"), std::string::npos) << resumed.out;
  // work failed first: it and everything after it run again, its successful tasks included.
  EXPECT_EQ(resumed.out.find("Cloning previously run task " + origin + "/work/"), std::string::npos) << resumed.out;
  EXPECT_NE(resumed.out.find("working on 1"), std::string::npos) << resumed.out;
  EXPECT_NE(resumed.out.find("] sum 6"), std::string::npos) << resumed.out;
  auto changes = nlohmann::json::parse(metadata_value(run, "_parameters", "0", "parameter-changes"));
  EXPECT_EQ(changes, nlohmann::json::parse(R"({"mode": {"from": "'throw'", "to": "'ok'"}})"));
  auto dump = run_with_env({"--quiet", "dump", run + "/_parameters/0", "--json", "--include", "mode,sleep_seconds"}, {});
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_EQ(nlohmann::json::parse(dump.out)["FailingFlow/" + run + "/_parameters/0"],
            nlohmann::json::parse(R"({"mode": "ok", "sleep_seconds": 30})"));

  // A run that succeeded has no step that would rerun: the user says where to start.
  auto nothing = run_with_env({"resume", "--origin-run-id", run, "--allow-parameter-changes", "--sleep_seconds", "1"}, {});
  EXPECT_EQ(nothing.exit_code, 1);
  EXPECT_NE(nothing.err.find("succeeded, so no step would run with the changed parameters"), std::string::npos)
      << nothing.err;
  auto from_join =
      run_with_env({"resume", "join", "--origin-run-id", run, "--allow-parameter-changes", "--sleep_seconds", "1"}, {});
  ASSERT_EQ(from_join.exit_code, 0) << from_join.out << from_join.err;
  EXPECT_NE(from_join.out.find("Cloning previously run task " + run + "/work/"), std::string::npos) << from_join.out;
  EXPECT_EQ(from_join.out.find("Cloning previously run task " + run + "/join/"), std::string::npos) << from_join.out;
}

TEST_F(ResumeTest, ResumeErrors) {
  auto nothing = run_with_env({"resume"}, {});
  EXPECT_EQ(nothing.exit_code, 1);
  EXPECT_NE(nothing.err.find("no previous run of FailingFlow found"), std::string::npos) << nothing.err;
  auto ok = run_with_env({"run"}, {});
  ASSERT_EQ(ok.exit_code, 0);
  auto bad_step = run_with_env({"resume", "nosuch"}, {});
  EXPECT_EQ(bad_step.exit_code, 1);
  EXPECT_NE(bad_step.err.find("has no such step"), std::string::npos) << bad_step.err;
  auto bad_run = run_with_env({"resume", "--origin-run-id", "12345"}, {});
  EXPECT_EQ(bad_run.exit_code, 1);
  EXPECT_NE(bad_run.err.find("cannot resume run FailingFlow/12345"), std::string::npos) << bad_run.err;
}

}  // namespace
