// End to end on a real one-node Slurm cluster (tests/slurm/slurm_cluster.sh, started by the
// slurm_cluster fixture): flows run with --with slurm through `conflux task-run`, with the local
// datastore as the shared filesystem every node mounts. Failures, retries, @catch, timeouts,
// Ctrl-C, jobs cancelled behind the runtime's back, bad input, the code package, and the ssh
// transport (a loopback sshd, the ssh_login fixture).
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <regex>
#include <set>

#include "runtime/flow_run_test_util.hpp"

namespace {

using namespace conflux::testing;  // NOLINT: test helpers

const std::string kSlurmConf = CONFLUX_SLURM_DIR "/cluster/slurm.conf";
const std::string kSshConfig = CONFLUX_SLURM_DIR "/sshd/ssh_config";

// Slurm's client commands, by full path (the test helpers do not search PATH).
std::string slurm_command(const std::string& name) { return "/usr/bin/" + name; }

// Stops a flow started in the background if the test ends early, so that a failed assertion never
// leaves a run (and its jobs) behind for the next test.
struct BackgroundFlow {
  pid_t pid;
  ~BackgroundFlow() {
    if (pid <= 0 || waitpid(pid, nullptr, WNOHANG) != 0) return;
    kill(pid, SIGINT);
    waitpid(pid, nullptr, 0);
  }
  int wait() {
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
};

// Task directories of a step (its `_meta` directory left out).
std::vector<fs::path> task_dirs(const fs::path& step_dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(step_dir)) {
    if (e.path().filename() != "_meta") out.push_back(e.path());
  }
  return out;
}

class SlurmFlowTest : public FlowRunTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(kSlurmConf)) << "the Slurm test cluster is not running (fixture slurm_cluster)";
  }
  std::map<std::string, std::string> slurm_env() const {
    return {{"METAFLOW_DATASTORE_SYSROOT_LOCAL", dir_.path().string()},
            {"USER", "tester"},
            {"SLURM_CONF", kSlurmConf},
            {"CONFLUX_SLURM_CONFLUX", build_path("bin/conflux").string()},
            {"CONFLUX_PACKAGE_CACHE", (dir_.path() / "package-cache").string()},
            // Slurm's own output files go to the test's directory, removed with it.
            {"CONFLUX_SLURM_WORKDIR", dir_.path().string()}};
  }
  CommandResult run_slurm(const std::string& binary, std::vector<std::string> args,
                          std::map<std::string, std::string> extra = {}) {
    std::vector<std::string> argv = {build_path(binary).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto env = slurm_env();
    for (auto& [k, v] : extra) env[k] = v;
    return run_command(argv, env);
  }
  // squeue's jobs (any state) whose name mentions `run`.
  std::vector<std::string> jobs_of_run(const std::string& run, const std::string& states = "PENDING,RUNNING,COMPLETING") {
    auto r = run_command({slurm_command("squeue"), "-h", "-r", "-t", states, "-o", "%i|%j|%T"}, {{"SLURM_CONF", kSlurmConf}});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> out;
    std::stringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      if (line.find(run) != std::string::npos) out.push_back(line);
    }
    return out;
  }
  fs::path task_dir(const std::string& flow, const std::string& run, const std::string& step, const std::string& task) {
    return root() / flow / run / step / task;
  }
};

TEST_F(SlurmFlowTest, ForeachRunsAsJobArrayAndPythonReadsIt) {
  auto r = run_slurm("examples/foreach", {"--with", "slurm", "run", "--shards", "6"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string run = run_id_of(r.out);
  // The six train tasks went out as one array: six elements of the same job.
  std::regex element(R"(train/\d+ \(slurm job (\d+)_(\d)\)\] Task is starting)");
  std::set<std::string> arrays, indices;
  for (std::sregex_iterator it(r.out.begin(), r.out.end(), element), end; it != end; ++it) {
    arrays.insert((*it)[1]);
    indices.insert((*it)[2]);
  }
  EXPECT_EQ(arrays.size(), 1u) << r.out;
  EXPECT_EQ(indices.size(), 6u) << r.out;
  // start, the array, join, end: four submissions.
  EXPECT_NE(r.out.find("4 sbatch,"), std::string::npos) << r.out;
  // The task's own output came back through the datastore, live and in `logs`.
  EXPECT_NE(r.out.find("] best 1"), std::string::npos) << r.out;
  auto logs = run_slurm("examples/foreach", {"--quiet", "logs", run + "/end"});
  EXPECT_NE(logs.out.find("best 1"), std::string::npos) << logs.out << logs.err;
  // Every task recorded how it ended, on which engine job.
  for (const auto& step : {"start", "train", "join", "end"}) {
    for (const auto& task : task_dirs(root() / "ShardFlow" / run / step)) {
      std::string record = read_file(task / "0.task_exit");
      EXPECT_NE(record.find("\"exit_code\":0"), std::string::npos) << record;
      EXPECT_NE(record.find("\"engine_id\":\"slurm "), std::string::npos) << record;
    }
  }
  // Artifacts load with Python's pickle, as Metaflow's client would.
  auto loaded = python_load();
  bool found_best = false;
  for (const auto& [path, artifacts] : loaded.items()) {
    if (path.rfind("ShardFlow/" + run + "/end/", 0) == 0) {
      EXPECT_EQ(artifacts["best"]["json"], 1.0);
      found_best = true;
    }
  }
  EXPECT_TRUE(found_best);
  // The code package: one per run, Metaflow's v0 layout, the C++ source as the script.
  auto code = run_command({"/usr/bin/python3", CONFLUX_SOURCE_DIR "/tests/tools/check_code_package.py", root().string(),
                           "ShardFlow", run});
  ASSERT_EQ(code.exit_code, 0) << code.err;
  auto summary = nlohmann::json::parse(code.out);
  EXPECT_EQ(summary["tasks_with_code"], 9);  // start, 6 train, join, end (_parameters ran no code)
  EXPECT_EQ(summary["info"]["script"], "foreach.cpp");
  EXPECT_EQ(summary["members"], nlohmann::json({"CONFIG", "INFO", "bin/foreach", "foreach.cpp"}));
  EXPECT_NE(summary["script_head"].get<std::string>().find("foreach"), std::string::npos);
  // Nothing of the run is left in the queue.
  EXPECT_TRUE(jobs_of_run(run).empty());
}

TEST_F(SlurmFlowTest, EveryExampleRunsOnSlurm) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> examples = {
      {"hello", {}}, {"branch", {}}, {"nested_foreach", {}}, {"switch_loop", {}}, {"parameters", {"--region", "eu"}}};
  for (const auto& [example, params] : examples) {
    std::vector<std::string> args = {"--with", "slurm", "run"};
    args.insert(args.end(), params.begin(), params.end());
    auto r = run_slurm("examples/" + example, args);
    EXPECT_EQ(r.exit_code, 0) << example << "\n" << r.out << r.err;
    EXPECT_NE(r.out.find("(slurm job "), std::string::npos) << example;
    EXPECT_EQ(r.out.find("(pid "), std::string::npos) << example << ": a task ran locally";
  }
}

TEST_F(SlurmFlowTest, RetryEnvironmentResourcesAndCatch) {
  auto r = run_slurm("tests/flows/decorated_flow", {"--with", "slurm", "run", "--mode", "hang"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string run = run_id_of(r.out);
  // flaky fails on attempt 0 and succeeds on attempt 1, a new job.
  EXPECT_NE(r.out.find("Task is starting (retry)."), std::string::npos) << r.out;
  auto flakies = task_dirs(root() / "DecoratedFlow" / run / "flaky");
  ASSERT_EQ(flakies.size(), 1u);
  fs::path flaky = flakies.front();
  EXPECT_TRUE(fs::exists(flaky / "0.task_exit"));
  EXPECT_NE(read_file(flaky / "0.task_exit").find("\"exit_code\":1"), std::string::npos);
  EXPECT_TRUE(fs::exists(flaky / "1.DONE.lock"));
  // risky hangs past its 2 s @timeout on Slurm; @catch's fallback attempt runs locally.
  EXPECT_NE(r.out.find("Task timed out"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Task fallback is starting"), std::string::npos) << r.out;
  auto loaded = python_load();
  for (const auto& [path, artifacts] : loaded.items()) {
    if (path.find("/configured/") != std::string::npos) EXPECT_EQ(artifacts["greeting"]["json"], "hi there");
    if (path.find("/flaky/") != std::string::npos) EXPECT_EQ(artifacts["attempts_seen"]["json"], 2);
    if (path.find("/end/") != std::string::npos) EXPECT_EQ(artifacts["after_risky"]["json"], "the flow went on");
  }
}

TEST_F(SlurmFlowTest, TimeLimitStopsTheTaskAndRetries) {
  auto r = run_slurm("tests/flows/failing_flow",
                     {"--with", "slurm", "--with", "timeout:seconds=2", "--with", "retry:times=1,minutes_between_retries=0",
                      "run", "--mode", "sleep", "--sleep_seconds", "60"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  std::string run = run_id_of(r.out);
  EXPECT_NE(r.out.find("Task timed out (@timeout) and was stopped."), std::string::npos) << r.out;
  // The retry was a new submission: attempt 1 exists and timed out too.
  bool retried = false;
  for (const auto& t : task_dirs(root() / "FailingFlow" / run / "work")) {
    if (fs::exists(t / "1.task_exit")) {
      retried = true;
      EXPECT_NE(read_file(t / "1.task_exit").find("\"timed_out\":true"), std::string::npos);
    }
  }
  EXPECT_TRUE(retried) << r.out;
  EXPECT_TRUE(jobs_of_run(run).empty());
}

TEST_F(SlurmFlowTest, RemoteRetryWaitsMinutesBetweenRetries) {
  fs::path output = dir_.path() / "out.txt";
  std::vector<std::string> argv = {build_path("tests/flows/failing_flow").string(), "--with", "slurm", "--with",
                                   "retry:times=1,minutes_between_retries=1", "run", "--mode", "throw"};
  BackgroundFlow flow{spawn_command(argv, output, slurm_env())};
  ASSERT_TRUE(wait_for_text(output, "Retrying in 1 minute(s).", 60)) << read_file(output);
  // The other elements finish; the failed one is not resubmitted before its minute is up.
  std::this_thread::sleep_for(std::chrono::seconds(5));
  EXPECT_EQ(read_file(output).find("Task is starting (retry)."), std::string::npos) << read_file(output);
  // Ctrl-C while a retry waits: the run stops at once and nothing is left queued.
  kill(flow.pid, SIGINT);
  EXPECT_EQ(flow.wait(), 130) << read_file(output);
  EXPECT_TRUE(jobs_of_run(run_id_of(read_file(output))).empty());
}

TEST_F(SlurmFlowTest, CtrlCCancelsEveryJob) {
  fs::path output = dir_.path() / "out.txt";
  std::vector<std::string> argv = {build_path("tests/flows/failing_flow").string(), "--with", "slurm", "run",
                                   "--mode", "sleep", "--sleep_seconds", "120"};
  BackgroundFlow flow{spawn_command(argv, output, slurm_env())};
  ASSERT_TRUE(wait_for_text(output, "sleeping now", 60)) << read_file(output);
  std::string run = run_id_of(read_file(output));
  ASSERT_FALSE(jobs_of_run(run).empty());
  kill(flow.pid, SIGINT);
  EXPECT_EQ(flow.wait(), 130) << read_file(output);
  EXPECT_NE(read_file(output).find("scancel"), std::string::npos);
  EXPECT_TRUE(jobs_of_run(run).empty()) << "jobs left in the queue after Ctrl-C";
}

TEST_F(SlurmFlowTest, JobCancelledBehindTheRuntimesBackFailsWithoutRetry) {
  fs::path output = dir_.path() / "out.txt";
  std::vector<std::string> argv = {build_path("tests/flows/failing_flow").string(), "--with", "slurm", "--with",
                                   "retry:times=2,minutes_between_retries=0", "run", "--mode", "sleep",
                                   "--sleep_seconds", "60"};
  BackgroundFlow flow{spawn_command(argv, output, slurm_env())};
  ASSERT_TRUE(wait_for_text(output, "sleeping now", 60)) << read_file(output);
  std::string run = run_id_of(read_file(output));
  auto running = jobs_of_run(run, "RUNNING");
  ASSERT_FALSE(running.empty());
  std::string job = running.front().substr(0, running.front().find('|'));
  auto cancelled = run_command({slurm_command("scancel"), job}, {{"SLURM_CONF", kSlurmConf}});
  ASSERT_EQ(cancelled.exit_code, 0) << cancelled.err;
  int code = flow.wait();
  std::string out = read_file(output);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("cancelled outside the runtime"), std::string::npos) << out;
  EXPECT_EQ(out.find("Task is starting (retry)."), std::string::npos) << out;
  EXPECT_TRUE(jobs_of_run(run).empty());
}

TEST_F(SlurmFlowTest, ResumeAndDumpWorkOnSlurmRuns) {
  auto first = run_slurm("tests/flows/failing_flow", {"--with", "slurm", "run", "--mode", "env"}, {{"FAILING_FLOW_BREAK", "1"}});
  ASSERT_EQ(first.exit_code, 1) << first.out;
  auto resumed = run_slurm("tests/flows/failing_flow", {"--with", "slurm", "resume"}, {{"FAILING_FLOW_BREAK", ""}});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_NE(resumed.out.find("Cloning previously run task"), std::string::npos);
  std::string run = run_id_of(resumed.out);
  auto dump = run_slurm("tests/flows/failing_flow", {"--quiet", "dump", run + "/end", "--json"});
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_NE(dump.out.find("\"value\""), std::string::npos) << dump.out;
  auto end = run_slurm("tests/flows/failing_flow", {"--quiet", "logs", run + "/end"});
  EXPECT_NE(end.out.find("sum 6"), std::string::npos) << end.out;
}

TEST_F(SlurmFlowTest, BadInputIsAClearErrorBeforeAnythingRuns) {
  // A partition Slurm does not have: the step and Slurm's own words.
  auto r = run_slurm("examples/hello", {"--with", "slurm:partition=nosuchpartition", "run"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("step start"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("invalid partition"), std::string::npos) << r.err;
  // An attribute @slurm does not have.
  auto bad = run_slurm("examples/hello", {"--with", "slurm:partiton=debug", "run"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("@slurm has no attribute 'partiton'"), std::string::npos) << bad.err;
  // No sbatch on PATH.
  auto missing = run_slurm("examples/hello", {"--with", "slurm", "run"}, {{"PATH", "/nonexistent"}});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("sbatch was not found on PATH"), std::string::npos) << missing.err;
  // An sbatch option Conflux owns.
  auto owned = run_slurm("examples/hello", {"--with", "slurm:sbatch_options=[\"--array=0-3\"]", "run"});
  EXPECT_EQ(owned.exit_code, 1);
  EXPECT_NE(owned.err.find("--array is set by Conflux"), std::string::npos) << owned.err;
}

TEST_F(SlurmFlowTest, SubmitsThroughSshLoginHost) {
  ASSERT_TRUE(fs::exists(kSshConfig)) << "the loopback sshd is not running (fixture ssh_login)";
  auto r = run_slurm("examples/foreach", {"--with", "slurm", "run", "--shards", "3"},
                     {{"CONFLUX_SLURM_LOGIN_HOST", "conflux-login"}, {"CONFLUX_SLURM_SSH_CONFIG", kSshConfig}});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Slurm (conflux-login): 4 sbatch"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("] best 1"), std::string::npos) << r.out;
  // A login host that does not answer: one clear error before anything is submitted.
  auto bad = run_slurm("examples/hello", {"--with", "slurm", "run"},
                       {{"CONFLUX_SLURM_LOGIN_HOST", "no-such-login"}, {"CONFLUX_SLURM_SSH_CONFIG", kSshConfig}});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("cannot reach the Slurm login host no-such-login"), std::string::npos) << bad.err;
}

}  // namespace
