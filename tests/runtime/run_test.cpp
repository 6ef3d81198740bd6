// End to end: real flow binaries run with the local runtime; the datastore they leave is checked
// in Metaflow's layout and loaded with Python's pickle.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "runtime/flow_run_test_util.hpp"

namespace {

using namespace conflux::testing;  // NOLINT: test helpers
using RunTest = FlowRunTest;

TEST_F(RunTest, HelloRunsAndLeavesMetaflowLayout) {
  auto r = run_flow("examples/hello", {"run"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string run = run_id_of(r.out);
  ASSERT_FALSE(run.empty()) << r.out;
  EXPECT_NE(r.out.find("[" + run + "/start/1 (pid "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Task is starting."), std::string::npos);
  EXPECT_NE(r.out.find("Task finished successfully."), std::string::npos);
  EXPECT_NE(r.out.find("] Hello from Conflux\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Done!"), std::string::npos);

  fs::path flow = root() / "HelloFlow";
  EXPECT_EQ(read_file(flow / "latest_run"), run);
  for (const char* f : {"0.DONE.lock", "0.data.json", "0.attempt.json", "0.task_begin", "0.task_end",
                        "0.runtime", "0.runtime_stdout.log", "_meta/_self.json"}) {
    EXPECT_TRUE(fs::exists(flow / run / "end" / "2" / f)) << f;
  }
  // Nothing went to stderr: an empty log is not written (Metaflow's reader takes none as empty).
  EXPECT_FALSE(fs::exists(flow / run / "end" / "2" / "0.runtime_stderr.log"));
  EXPECT_TRUE(fs::exists(flow / run / "_parameters" / "0" / "0.DONE.lock"));
  auto run_meta = nlohmann::json::parse(read_file(flow / run / "_meta" / "_self.json"));
  EXPECT_EQ(run_meta["run_number"], run);
  EXPECT_EQ(run_meta["user_name"], "tester");
  EXPECT_NE(std::find(run_meta["system_tags"].begin(), run_meta["system_tags"].end(), "user:tester"),
            run_meta["system_tags"].end());
  auto index = nlohmann::json::parse(read_file(flow / run / "start" / "1" / "0.data.json"));
  EXPECT_TRUE(index["objects"].contains("message"));
  EXPECT_EQ(index["info"]["message"]["type"], "<class 'str'>");
  EXPECT_EQ(index["info"]["message"]["encoding"], "pickle-v4");
  std::string log = read_file(flow / run / "end" / "2" / "0.runtime_stdout.log");
  EXPECT_TRUE(std::regex_search(log, std::regex(R"(^\[MFLOG\|0\|[0-9T:.-]+Z\|runtime\|[0-9a-f-]+\]Hello from Conflux\n$)")))
      << log;

  auto loaded = python_load();
  std::string end = "HelloFlow/" + run + "/end/2";
  ASSERT_TRUE(loaded.contains(end)) << loaded.dump();
  EXPECT_EQ(loaded[end]["message"]["json"], "Hello from Conflux");
  EXPECT_EQ(loaded[end]["_task_ok"]["json"], true);
  EXPECT_EQ(loaded[end]["name"]["json"], "HelloFlow");
}



TEST_F(RunTest, DumpAndLogsShowTheRun) {
  auto r = run_flow("examples/hello", {"run"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string run = run_id_of(r.out);
  auto dump = run_flow("examples/hello", {"--quiet", "dump", run + "/start"});
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_NE(dump.out.find("message [size: 33 type: <class 'str'>] = Hello from Conflux\n"), std::string::npos)
      << dump.out;
  EXPECT_NE(dump.err.find("Dumping output of run_id=" + run + " step=start task_id=1"), std::string::npos);
  EXPECT_EQ(dump.out.find("_task_ok"), std::string::npos) << "private artifacts are hidden";

  auto priv = run_flow("examples/hello", {"--quiet", "dump", run + "/start/1", "--private", "--max-value-size", "5"});
  EXPECT_NE(priv.out.find("_task_ok [size: 4 type: <class 'bool'>] = True"), std::string::npos) << priv.out;
  EXPECT_NE(priv.out.find("message [size: 33 type: <class 'str'>] = < artifact too large >"), std::string::npos)
      << priv.out;

  auto json = run_flow("examples/hello", {"--quiet", "dump", run + "/start", "--json", "--include", "message"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto j = nlohmann::json::parse(json.out);
  EXPECT_EQ(j["HelloFlow/" + run + "/start/1"]["message"], "Hello from Conflux");

  auto logs = run_flow("examples/hello", {"--quiet", "logs", run + "/end"});
  ASSERT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_EQ(logs.out, "Hello from Conflux\n");
  auto only_err = run_flow("examples/hello", {"--quiet", "logs", run + "/end", "--stderr"});
  EXPECT_EQ(only_err.out, "");

  auto bad = run_flow("examples/hello", {"--quiet", "dump", run});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("should be RUN/STEP or RUN/STEP/TASK"), std::string::npos) << bad.err;
  auto missing = run_flow("examples/hello", {"--quiet", "logs", "123/start"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("Run 'HelloFlow/123' does not exist"), std::string::npos) << missing.err;
}

TEST_F(RunTest, EveryArtifactTypeLoadsInPython) {
  auto r = run_flow("tests/flows/artifact_types_flow", {"run"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("all values read back"), std::string::npos) << r.out;
  std::string run = run_id_of(r.out);
  auto loaded = python_load();
  auto start = loaded["ArtifactTypesFlow/" + run + "/start/1"];
  ASSERT_FALSE(start.is_null()) << loaded.dump();
  EXPECT_EQ(start["flag"]["json"], true);
  EXPECT_EQ(start["count"]["json"], 42);
  EXPECT_EQ(start["ratio"]["json"], 3.25);
  EXPECT_EQ(start["text"]["json"], "hello conflux ✓");
  EXPECT_EQ(start["blob"]["json"]["bytes_hex"], "000162696e617279");
  EXPECT_EQ(start["names"]["json"], nlohmann::json::parse(R"(["a", "b"])"));
  EXPECT_EQ(start["weights"]["type"], "<class 'numpy.ndarray'>");
  EXPECT_EQ(start["weights"]["json"]["ndarray"], "float64");
  EXPECT_EQ(start["ids"]["json"]["ndarray"], "int64");
  EXPECT_EQ(start["ids"]["json"]["head"], nlohmann::json::parse("[1, 2, 3]"));
  EXPECT_EQ(start["samples"]["json"]["shape"], nlohmann::json::parse("[600000]"));
  EXPECT_EQ(start["samples"]["json"]["head"], nlohmann::json::parse("[0.0, 0.5, 1.0, 1.5, 2.0]"));
  EXPECT_EQ(start["counts"]["json"], nlohmann::json::parse(R"({"x": 1, "y": 2})"));
  EXPECT_EQ(start["unique"]["type"], "<class 'set'>");
  EXPECT_EQ(start["maybe"]["json"], nullptr);
  EXPECT_EQ(start["pair"]["type"], "<class 'tuple'>");
  EXPECT_EQ(start["triple"]["json"], nlohmann::json::parse(R"([7, "seven", false])"));
  EXPECT_EQ(start["point"]["json"], nlohmann::json::parse(R"({"x": 1.5, "y": -2.0})"));
  EXPECT_EQ(start["doc"]["json"], nlohmann::json::parse(R"({"k": [1, 2, null]})"));
  // The type Conflux records is the type Python sees.
  for (const auto& [name, artifact] : start.items()) {
    EXPECT_EQ(artifact["type"], artifact["recorded_type"]) << name;
  }
  // end read every value through non-const `->` and changed only `ids`: the others are the start's
  // blobs, passed down by reference; ids is a new blob.
  EXPECT_EQ(loaded["ArtifactTypesFlow/" + run + "/end/2"]["ids"]["json"]["head"], nlohmann::json::parse("[1, 2, 3, 4]"));
  const fs::path flow_dir = root() / "ArtifactTypesFlow" / run;
  auto start_objects = nlohmann::json::parse(read_file(flow_dir / "start" / "1" / "0.data.json"))["objects"];
  auto end_objects = nlohmann::json::parse(read_file(flow_dir / "end" / "2" / "0.data.json"))["objects"];
  for (const char* name : {"weights", "samples", "names", "counts", "doc"}) {
    EXPECT_EQ(end_objects[name], start_objects[name]) << name;
  }
  EXPECT_NE(end_objects["ids"], start_objects["ids"]);
}

TEST_F(RunTest, ForeachFansOutAndJoins) {
  auto r = run_flow("examples/foreach", {"run", "--shards", "5"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Foreach yields 5 child steps."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("] best 1\n"), std::string::npos) << r.out;
  std::string run = run_id_of(r.out);
  auto loaded = python_load();
  int train_tasks = 0;
  for (const auto& [path, artifacts] : loaded.items()) {
    if (path.find("/train/") == std::string::npos) continue;
    ++train_tasks;
    ASSERT_TRUE(artifacts.contains("_foreach_stack")) << path;
    auto frame = artifacts["_foreach_stack"]["json"][0];
    EXPECT_EQ(frame[0], "train");  // named after the foreach's body step, as Metaflow does
    EXPECT_EQ(frame[1], "ids");
    EXPECT_EQ(frame[2], 5);
    EXPECT_TRUE(artifacts.contains("shards")) << "parameters pass down to every task";
  }
  EXPECT_EQ(train_tasks, 5);
}

TEST_F(RunTest, BranchMergesArtifacts) {
  auto r = run_flow("examples/branch", {"run"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("] shared by both branches: total 3\n"), std::string::npos) << r.out;
}

TEST_F(RunTest, NestedForeachSeesBothFrames) {
  auto r = run_flow("examples/nested_foreach", {"run"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const char* label : {"] x1\n", "] x2\n", "] y1\n", "] y2\n"}) {
    EXPECT_NE(r.out.find(label), std::string::npos) << label << r.out;
  }
}

TEST_F(RunTest, SwitchLoopsUntilDone) {
  auto r = run_flow("examples/switch_loop", {"run", "--target", "0.1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("] trained for 4 epochs, loss 0.0625\n"), std::string::npos) << r.out;
}

TEST_F(RunTest, ParametersReachSteps) {
  auto r = run_flow("examples/parameters", {"run", "--region", "eu", "--count", "7", "--files", "a,b,c",
                                            "--config", R"({"depth": 5})", "--verbose", "true"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("] eu: 7 items, alpha 0.010000, depth 5, 3 file(s)\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("] verbose mode\n"), std::string::npos) << r.out;
}

TEST_F(RunTest, TagsAndRunIdFile) {
  fs::path id_file = dir_.path() / "run-id";
  auto r = run_flow("examples/hello", {"run", "--tag", "nightly", "--tag", "v2", "--run-id-file", id_file.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string run = read_file(id_file);
  EXPECT_EQ(run, run_id_of(r.out));
  auto meta = nlohmann::json::parse(read_file(root() / "HelloFlow" / run / "_meta" / "_self.json"));
  EXPECT_EQ(meta["tags"], nlohmann::json::parse(R"(["nightly", "v2"])"));
}

TEST_F(RunTest, ThrowingStepFailsTheRunWithItsMessage) {
  auto r = run_flow("tests/flows/failing_flow", {"run", "--mode", "throw"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("std::runtime_error: deliberate failure in work"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Task failed."), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Workflow failed."), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("Step work (task-id 3) failed."), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("Done!"), std::string::npos);
}

TEST_F(RunTest, CrashingStepsNameTheSignal) {
  auto segv = run_flow("tests/flows/failing_flow", {"run", "--mode", "segfault"});
  EXPECT_EQ(segv.exit_code, 1);
  EXPECT_NE(segv.out.find("killed by SIGSEGV"), std::string::npos) << segv.out;
  auto abort = run_flow("tests/flows/failing_flow", {"run", "--mode", "abort"});
  EXPECT_EQ(abort.exit_code, 1);
  EXPECT_NE(abort.out.find("killed by SIGABRT"), std::string::npos) << abort.out;
}

TEST_F(RunTest, MaxNumSplitsIsEnforced) {
  auto r = run_flow("examples/foreach", {"run", "--shards", "5", "--max-num-splits", "3"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("more than --max-num-splits 3"), std::string::npos) << r.out;
}

TEST_F(RunTest, InterruptStopsEveryTask) {
  fs::path log = dir_.path() / "out.txt";
  pid_t pid = spawn_flow("tests/flows/failing_flow", {"run", "--mode", "sleep"}, dir_.path(), log);
  ASSERT_TRUE(wait_for_text(log, "working on 3", 20)) << read_file(log);
  // Output is live: a line printed without a flush shows while its task still runs.
  ASSERT_TRUE(wait_for_text(log, "] sleeping now", 10)) << read_file(log);
  // The logs of a task that runs for a while are saved as they grow, so `logs` and the web UI can
  // follow it (not only once it ends).
  auto saved_while_running = [&] {
    try {
      for (const auto& entry : fs::recursive_directory_iterator(root() / "FailingFlow")) {
        const fs::path& p = entry.path();
        if (p.filename() == "0.runtime_stdout.log" && p.parent_path().parent_path().filename() == "work" &&
            read_file(p).find("sleeping now") != std::string::npos) {
          return true;
        }
      }
    } catch (const fs::filesystem_error&) {  // a temporary file renamed while we looked
    }
    return false;
  };
  bool saved = false;
  for (int i = 0; i < 100 && !(saved = saved_while_running()); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(saved) << "a running task's stdout is in the datastore";
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 130) << "an interrupted run exits 130, as after SIGINT";
  EXPECT_NE(read_file(log).find("Run interrupted"), std::string::npos) << read_file(log);
  // Every task is gone once the runtime has exited (poll briefly: /proc updates asynchronously).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!processes_of("tests/flows/failing_flow", dir_.path()).empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(processes_of("tests/flows/failing_flow", dir_.path()).empty()) << read_file(log);
}

TEST_F(RunTest, KilledRuntimeLeavesNoFalseCommit) {
  fs::path log = dir_.path() / "out.txt";
  pid_t pid = spawn_flow("tests/flows/failing_flow", {"run", "--mode", "sleep"}, dir_.path(), log);
  ASSERT_TRUE(wait_for_text(log, "working on 3", 20)) << read_file(log);
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(processes_of("tests/flows/failing_flow", dir_.path()).empty()) << "tasks die with their runtime";
  // The sleeping tasks never committed: no DONE.lock under work/.
  fs::path flow = root() / "FailingFlow";
  for (const auto& entry : fs::recursive_directory_iterator(flow)) {
    std::string p = entry.path().string();
    if (p.find("/work/") != std::string::npos) EXPECT_EQ(p.find("DONE.lock"), std::string::npos) << p;
  }
}

}  // namespace

namespace {

using namespace conflux::testing;  // NOLINT: test helpers

TEST_F(FlowRunTest, TagCommandChangesUserTagsOnly) {
  auto r = run_flow("examples/hello", {"run", "--tag", "first"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string run = run_id_of(r.out);
  auto add = run_flow("examples/hello", {"--quiet", "tag", "add", "nightly", "--run-id", run});
  EXPECT_EQ(add.exit_code, 0) << add.err;
  auto replace = run_flow("examples/hello", {"--quiet", "tag", "replace", "--remove", "first", "--add", "second"});
  EXPECT_EQ(replace.exit_code, 0) << replace.err;
  auto meta = nlohmann::json::parse(read_file(root() / "HelloFlow" / run / "_meta" / "_self.json"));
  std::vector<std::string> tags = meta["tags"];
  std::sort(tags.begin(), tags.end());
  EXPECT_EQ(tags, (std::vector<std::string>{"nightly", "second"}));

  auto system = run_flow("examples/hello", {"--quiet", "tag", "remove", "user:tester"});
  EXPECT_EQ(system.exit_code, 1);
  EXPECT_NE(system.err.find("cannot remove system tags"), std::string::npos) << system.err;
  auto empty = run_flow("examples/hello", {"--quiet", "tag", "add", ""});
  EXPECT_EQ(empty.exit_code, 1);
  auto too_long = run_flow("examples/hello", {"--quiet", "tag", "add", std::string(501, 'x')});
  EXPECT_EQ(too_long.exit_code, 1);
  auto list = run_flow("examples/hello", {"--quiet", "tag", "list"});
  EXPECT_NE(list.out.find(run + "  nightly,second  "), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("user:tester"), std::string::npos) << list.out;
  auto bare = run_flow("examples/hello", {"--quiet", "tag", "list", "--hide-system-tags"});
  EXPECT_EQ(bare.out, "RUN ID            TAGS\n" + run + "  nightly,second\n") << bare.out;
  auto json = run_flow("examples/hello", {"--quiet", "tag", "list", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out)[0]["user_tags"], nlohmann::json::array({"nightly", "second"}));
}

}  // namespace

namespace {

using namespace conflux::testing;  // NOLINT: test helpers

// @project as in Metaflow: the branch (user.<name>, test.<branch>, prod, prod.<branch>) shows in
// the banner, in the run's and tasks' system tags, and in current().
TEST_F(FlowRunTest, ProjectBranchesTagsAndCurrent) {
  auto user = run_flow("tests/flows/project_flow", {"run"});
  ASSERT_EQ(user.exit_code, 0) << user.err;
  EXPECT_NE(user.err.find("Project: ranking, Branch: user.tester"), std::string::npos) << user.err;
  EXPECT_NE(user.out.find("project ranking branch user.tester flow ranking.user.tester.ProjectFlow "
                          "user_branch 1 production 0"),
            std::string::npos) << user.out;
  std::string run = run_id_of(user.out);
  for (fs::path self : {root() / "ProjectFlow" / run / "_meta" / "_self.json",
                        root() / "ProjectFlow" / run / "start" / "1" / "_meta" / "_self.json"}) {
    std::vector<std::string> tags = nlohmann::json::parse(read_file(self))["system_tags"];
    EXPECT_NE(std::find(tags.begin(), tags.end(), "project:ranking"), tags.end()) << self;
    EXPECT_NE(std::find(tags.begin(), tags.end(), "project_branch:user.tester"), tags.end()) << self;
  }

  auto test = run_flow("tests/flows/project_flow", {"--branch", "exp", "run"});
  ASSERT_EQ(test.exit_code, 0) << test.err;
  EXPECT_NE(test.out.find("branch test.exp flow ranking.test.exp.ProjectFlow user_branch 0 production 0"),
            std::string::npos) << test.out;
  auto prod = run_flow("tests/flows/project_flow", {"run", "--production", "--branch", "exp"});
  ASSERT_EQ(prod.exit_code, 0) << prod.err;
  EXPECT_NE(prod.out.find("branch prod.exp flow ranking.prod.exp.ProjectFlow user_branch 0 production 1"),
            std::string::npos) << prod.out;

  auto bad = run_flow("tests/flows/project_flow", {"--branch", "Exp", "run"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("the branch name 'Exp' is invalid"), std::string::npos) << bad.err;
  auto plain = run_flow("examples/hello", {"--branch", "x", "run"});
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_NE(plain.err.find("--branch applies to flows with @project; HelloFlow has none"), std::string::npos)
      << plain.err;
}

}  // namespace
