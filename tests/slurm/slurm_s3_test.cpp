// The second storage set-up on a real Slurm cluster: an S3 datastore (the local S3 server of the
// s3_server fixture, behind its fault-injecting SigV4 proxy) and the metadata service (a real
// `conflux service` on SQLite, started here). Nodes share nothing with the runtime but those two:
// `conflux task-run` fetches the code package from S3 and writes logs and exit records there,
// while the proxy drops connections; the run commits, and the service knows every task.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>

#include <regex>

#include "datastore/sha1.hpp"
#include "runtime/flow_run_test_util.hpp"
#include "s3/s3_test_env.hpp"

namespace {

using namespace conflux::testing;  // NOLINT: test helpers

const std::string kSlurmConf = CONFLUX_SLURM_DIR "/cluster/slurm.conf";

class SlurmS3Test : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(kSlurmConf)) << "the Slurm test cluster is not running (fixture slurm_cluster)";
    ASSERT_FALSE(s3_env().empty()) << "the S3 test server is not running (fixture s3_server)";
    fs::path log = dir_.path() / "service.log";
    service_pid_ = spawn_command({build_path("bin/conflux").string(), "service", "--port", "0", "--db",
                                  (dir_.path() / "service.db").string()},
                                 log);
    ASSERT_TRUE(wait_for_text(log, "listening on http://127.0.0.1:", 20)) << read_file(log);
    std::smatch m;
    std::string text = read_file(log);
    ASSERT_TRUE(std::regex_search(text, m, std::regex("listening on http://127.0.0.1:([0-9]+)")));
    port_ = std::stoi(m[1].str());
    options_ = s3_options("slurm");
    env_ = s3_env();
    env_["METAFLOW_DEFAULT_DATASTORE"] = "s3";
    env_["METAFLOW_DATASTORE_SYSROOT_S3"] = options_.location.url();
    env_["METAFLOW_DEFAULT_METADATA"] = "service";
    env_["METAFLOW_SERVICE_URL"] = "http://127.0.0.1:" + std::to_string(port_);
    env_["METAFLOW_S3_RETRY_COUNT"] = "10";
    env_["METAFLOW_USER"] = "tester";
    env_["HOME"] = dir_.path().string();
    env_["SLURM_CONF"] = kSlurmConf;
    env_["CONFLUX_SLURM_CONFLUX"] = build_path("bin/conflux").string();
    env_["CONFLUX_PACKAGE_CACHE"] = (dir_.path() / "package-cache").string();
    env_["CONFLUX_SLURM_WORKDIR"] = dir_.path().string();
  }
  void TearDown() override {
    if (service_pid_ > 0) {
      kill(service_pid_, SIGTERM);
      waitpid(service_pid_, nullptr, 0);
    }
  }
  nlohmann::json get(const std::string& path) {
    httplib::Client client("127.0.0.1", port_);
    auto r = client.Get(path);
    EXPECT_TRUE(r && r->status == 200) << path;
    return r ? nlohmann::json::parse(r->body, nullptr, false) : nlohmann::json();
  }
  TempDir dir_;
  pid_t service_pid_ = -1;
  int port_ = 0;
  conflux::S3StorageOptions options_;
  std::map<std::string, std::string> env_;
};

TEST_F(SlurmS3Test, ForeachOnS3AndTheServiceSurvivesServerFaults) {
  std::string run;
  {
    ProxyFaults faults("drop", 4);  // every 4th S3 request loses its connection, task-run's too
    auto r = run_command({build_path("examples/foreach").string(), "--with", "slurm", "run", "--shards", "4"}, env_,
                         dir_.path());
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_GT(faults.injected(), 5);
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.out, m, std::regex("Workflow starting \\(run-id ([0-9]+)\\)")));
    run = m[1].str();
    EXPECT_NE(r.out.find("] best 1"), std::string::npos) << "live output tailed from S3:\n" << r.out;
  }
  // Nothing local but latest_run (as Metaflow keeps it): the datastore is S3, metadata the service.
  if (fs::exists(dir_.path() / ".metaflow" / "ShardFlow")) {
    for (const auto& entry : fs::directory_iterator(dir_.path() / ".metaflow" / "ShardFlow")) {
      EXPECT_EQ(entry.path().filename(), "latest_run") << entry.path();
    }
  }
  // The service knows every task, each with its code package.
  auto tasks = get("/flows/ShardFlow/runs/" + run + "/steps/train/tasks");
  ASSERT_TRUE(tasks.is_array());
  EXPECT_EQ(tasks.size(), 4u);
  std::string task_id = std::to_string(tasks[0]["task_id"].get<int64_t>());
  std::string location;
  for (const auto& row : get("/flows/ShardFlow/runs/" + run + "/steps/train/tasks/" + task_id + "/metadata")) {
    if (row["field_name"] == "code-package") location = nlohmann::json::parse(row["value"].get<std::string>())["location"];
  }
  ASSERT_EQ(location.rfind(options_.location.url() + "/ShardFlow/data/", 0), 0u) << location;
  // The package in S3 is whole: its bytes hash to its name.
  auto storage = make_s3(options_);
  std::string key = location.substr(options_.location.url().size() + 1);
  auto bytes = storage->load(key);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  EXPECT_EQ(conflux::Sha1::hex_of(*bytes).value(), key.substr(key.rfind('/') + 1));
  // Logs, the exit record and artifacts read back from S3 through the service.
  auto logs = run_command({build_path("examples/foreach").string(), "--quiet", "logs", run + "/end"}, env_, dir_.path());
  EXPECT_NE(logs.out.find("best 1"), std::string::npos) << logs.out << logs.err;
  auto dump = run_command({build_path("examples/foreach").string(), "--quiet", "dump", run + "/join"}, env_, dir_.path());
  EXPECT_NE(dump.out.find("best"), std::string::npos) << dump.out << dump.err;
}

// Local metadata with the S3 datastore (Metaflow's default provider): tasks on the cluster write
// theirs on the node (task-run points them at a scratch .metaflow), leave it in S3, and the runtime
// copies it into the local .metaflow, where Metaflow's client and ours read the run.
TEST_F(SlurmS3Test, LocalMetadataOfRemoteTasksComesHome) {
  env_["METAFLOW_DEFAULT_METADATA"] = "local";
  auto r = run_command({build_path("examples/foreach").string(), "--with", "slurm", "run", "--shards", "3"}, env_,
                       dir_.path());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("Workflow starting \\(run-id ([0-9]+)\\)")));
  std::string run = m[1].str();
  fs::path local_run = dir_.path() / ".metaflow" / "ShardFlow" / run;
  ASSERT_TRUE(fs::exists(local_run / "_meta" / "_self.json")) << local_run;
  auto storage = make_s3(options_);
  int train_tasks = 0;
  for (const auto& task : fs::directory_iterator(local_run / "train")) {
    if (task.path().filename() == "_meta") continue;
    ++train_tasks;
    SCOPED_TRACE(task.path().string());
    EXPECT_TRUE(fs::exists(task.path() / "_meta" / "_self.json"));
    EXPECT_TRUE(fs::exists(task.path() / "_meta" / "0_artifact_score.json")) << "the artifact the task stored";
    bool done = false;
    for (const auto& f : fs::directory_iterator(task.path() / "_meta")) {
      done = done || f.path().filename().string().find("sysmeta_attempt-done") == 0;
    }
    EXPECT_TRUE(done) << "the remote task's attempt-done metadata came back";
    // It came back through the datastore: the bundle task-run left is there.
    std::string key = "ShardFlow/" + run + "/train/" + task.path().filename().string() + "/0.local_metadata";
    EXPECT_TRUE(storage->exists(key).value()) << key;
  }
  EXPECT_EQ(train_tasks, 3);
  // Nothing of the metadata is in S3 outside those bundles: no _meta anywhere in the run.
  std::vector<std::string> dirs = {"ShardFlow/" + run};
  size_t seen = 0;
  while (!dirs.empty()) {
    std::string dir = dirs.back();
    dirs.pop_back();
    std::vector<conflux::ListEntry> entries = storage->list(dir).value();  // not a temporary's member
    for (const auto& entry : entries) {
      ++seen;
      EXPECT_NE(entry.name, "_meta") << dir;
      if (!entry.is_file) dirs.push_back(dir + "/" + entry.name);
    }
  }
  EXPECT_GT(seen, 20u) << "the run's objects were listed";
  // The client reads the run from the local metadata and S3.
  auto shown = run_command({build_path("bin/conflux").string(), "show", "ShardFlow/" + run}, env_, dir_.path());
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("train"), std::string::npos) << shown.out;
  auto dump = run_command({build_path("examples/foreach").string(), "--quiet", "dump", run + "/join"}, env_, dir_.path());
  EXPECT_NE(dump.out.find("best"), std::string::npos) << dump.out << dump.err;
}

}  // namespace
