// End to end: Conflux flows run with `--metadata service` against a real `conflux service`
// started by the test on a free loopback port: on SQLite (ServiceFlowsTest) and on a fresh
// PostgreSQL database of the service_pg fixture's cluster (ServiceFlowsPostgresTest).
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "runtime/flow_run_test_util.hpp"
#include "service/pg/pg_test_database.hpp"

namespace {

using namespace conflux::testing;  // NOLINT: test helpers

class ServiceFlowsTest : public FlowRunTest {
 protected:
  // The service's --db.
  virtual std::string db_url() { return (dir_.path() / "service.db").string(); }
  // `global`: conflux options before `service` (e.g. --datastore-root).
  void start_service(const std::vector<std::string>& extra = {}, const std::vector<std::string>& global = {}) {
    const std::string db = db_url();
    fs::path log = dir_.path() / "service.log";
    std::vector<std::string> args = {build_path("bin/conflux").string()};
    args.insert(args.end(), global.begin(), global.end());
    args.insert(args.end(), {"service", "--port", "0", "--db", db});
    args.insert(args.end(), extra.begin(), extra.end());
    service_pid_ = spawn_command(args, log);
    ASSERT_TRUE(wait_for_text(log, "listening on http://127.0.0.1:", 20)) << read_file(log);
    std::smatch m;
    std::string text = read_file(log);
    ASSERT_TRUE(std::regex_search(text, m, std::regex("listening on http://127.0.0.1:([0-9]+)")));
    port_ = std::stoi(m[1].str());
  }
  void TearDown() override {
    if (service_pid_ > 0) {
      kill(service_pid_, SIGTERM);
      int status = 0;
      waitpid(service_pid_, &status, 0);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the service stops cleanly on SIGTERM";
    }
  }
  CommandResult run_flow_svc(const std::string& binary, std::vector<std::string> args,
                             std::map<std::string, std::string> env = {}) {
    std::vector<std::string> argv = {build_path(binary).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    env["METAFLOW_DATASTORE_SYSROOT_LOCAL"] = dir_.path().string();
    env["METAFLOW_DEFAULT_METADATA"] = "service";
    env["METAFLOW_SERVICE_URL"] = "http://127.0.0.1:" + std::to_string(port_);
    env["USER"] = "tester";
    return run_command(argv, env);
  }
  nlohmann::json get(const std::string& path, const std::string& token = "") {
    httplib::Client client("127.0.0.1", port_);
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    auto r = client.Get(path, headers);
    EXPECT_TRUE(r) << path;
    if (!r) return nullptr;
    EXPECT_EQ(r->status, 200) << path << ": " << r->body;
    return nlohmann::json::parse(r->body, nullptr, false);
  }
  void check_foreach_run();
  void check_resume_and_tags();
  void check_ui_api();
  pid_t service_pid_ = -1;
  int port_ = 0;
};

class ServiceFlowsPostgresTest : public ServiceFlowsTest {
 protected:
  void SetUp() override {
    auto server = pg_test_server_url();
    ASSERT_TRUE(server.ok()) << server.status().to_string();
    if (server->empty()) GTEST_SKIP() << "PostgreSQL tests need the service_pg ctest fixture (or CONFLUX_TEST_PG_URL)";
    auto db = PgTestDatabase::create(*server);
    ASSERT_TRUE(db.ok()) << db.status().to_string();
    pg_ = std::move(*db);
  }
  void TearDown() override {
    ServiceFlowsTest::TearDown();  // the service first, then its database
    pg_.reset();
  }
  std::string db_url() override { return pg_->url(); }
  std::unique_ptr<PgTestDatabase> pg_;
};

void ServiceFlowsTest::check_foreach_run() {
  start_service();
  auto r = run_flow_svc("examples/foreach", {"run", "--shards", "3", "--tag", "svc"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string run = run_id_of(r.out);
  EXPECT_EQ(run, "1") << "the service hands out run ids";
  EXPECT_NE(r.out.find("] best 1\n"), std::string::npos) << r.out;

  auto run_json = get("/flows/ShardFlow/runs/1");
  EXPECT_EQ(run_json["tags"], nlohmann::json::parse(R"(["svc"])"));
  auto tasks = get("/flows/ShardFlow/runs/1/steps/train/tasks");
  ASSERT_TRUE(tasks.is_array());
  EXPECT_EQ(tasks.size(), 3u);
  // Every task registered its artifacts and its attempt's outcome.
  std::string end_task;
  for (const auto& t : get("/flows/ShardFlow/runs/1/steps/end/tasks")) end_task = std::to_string(t["task_id"].get<int64_t>());
  auto artifacts = get("/flows/ShardFlow/runs/1/steps/end/tasks/" + end_task + "/artifacts");
  bool has_best = false;
  for (const auto& a : artifacts) has_best = has_best || a["name"] == "best";
  EXPECT_TRUE(has_best) << artifacts.dump();
  auto metadata = get("/flows/ShardFlow/runs/1/steps/end/tasks/" + end_task + "/metadata");
  bool ok = false;
  for (const auto& m : metadata) ok = ok || (m["field_name"] == "attempt_ok" && m["value"] == "True");
  EXPECT_TRUE(ok) << metadata.dump();
  EXPECT_FALSE(run_json["last_heartbeat_ts"].is_null()) << "the runtime sends run heartbeats";

  // dump and logs read the datastore for a run whose metadata lives in the service.
  auto dump = run_flow_svc("examples/foreach", {"--quiet", "dump", "1/end"});
  EXPECT_NE(dump.out.find("best [size:"), std::string::npos) << dump.out << dump.err;
}

void ServiceFlowsTest::check_resume_and_tags() {
  start_service();
  auto failed = run_flow_svc("tests/flows/failing_flow", {"run", "--mode", "env"}, {{"FAILING_FLOW_BREAK", "1"}});
  ASSERT_EQ(failed.exit_code, 1) << failed.out;
  auto resumed = run_flow_svc("tests/flows/failing_flow", {"resume"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_NE(resumed.out.find("Cloning previously run task 1/start/"), std::string::npos) << resumed.out;
  EXPECT_NE(resumed.out.find("] sum 6"), std::string::npos) << resumed.out;

  auto tagged = run_flow_svc("tests/flows/failing_flow", {"--quiet", "tag", "add", "fixed", "--run-id", "2"});
  EXPECT_EQ(tagged.exit_code, 0) << tagged.err;
  EXPECT_EQ(get("/flows/FailingFlow/runs/2")["tags"], nlohmann::json::parse(R"(["fixed"])"));
}

// The UI API over real runs: stored statuses, the DAG, parameters, decoded artifacts, logs, and a
// failed task's stderr, read from the datastore the service was started with.
void ServiceFlowsTest::check_ui_api() {
  start_service({}, {"--datastore-root", dir_.path().string()});
  auto ok = run_flow_svc("examples/foreach", {"run", "--shards", "3"});
  ASSERT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  auto failed = run_flow_svc("tests/flows/failing_flow", {"run", "--mode", "throw"});
  ASSERT_EQ(failed.exit_code, 1) << failed.out;

  auto runs = get("/api/runs")["data"];
  ASSERT_EQ(runs.size(), 2u) << runs.dump();
  EXPECT_EQ(runs[0]["flow_id"], "FailingFlow");
  EXPECT_EQ(runs[0]["status"], "failed") << "at once: the runtime says so when the run stops";
  EXPECT_EQ(runs[1]["flow_id"], "ShardFlow");
  EXPECT_EQ(runs[1]["status"], "completed");
  EXPECT_EQ(runs[1]["current_step"], "end");
  EXPECT_EQ(runs[1]["user"], "tester");
  const std::string shard = "/api/flows/ShardFlow/runs/" + runs[1]["run"].get<std::string>();

  auto dag = get(shard + "/dag")["data"];
  EXPECT_EQ(dag["start_step"], "start");
  EXPECT_EQ(dag["steps"]["start"]["type"], "split-foreach") << dag.dump();
  auto params = get(shard + "/parameters")["data"];
  EXPECT_EQ(params["shards"]["value"], "3") << params.dump();
  EXPECT_FALSE(params.contains("name")) << "the flow's name is not a parameter";

  auto tasks = get(shard + "/tasks")["data"];
  ASSERT_EQ(tasks.size(), 6u) << tasks.dump();  // start, 3 x train, join, end
  for (const auto& t : tasks) EXPECT_EQ(t["status"], "completed") << t.dump();
  int foreach_tasks = 0;
  std::string end_task;
  for (const auto& t : tasks) {
    if (t["foreach_path"].is_string()) {
      ++foreach_tasks;
      // The service keeps a list value as metaflow-service does ({ids=0}); the UI gets a list.
      EXPECT_EQ(t["foreach_values"].size(), 1u) << t.dump();
      EXPECT_TRUE(t["foreach_values"][0].get<std::string>().starts_with("ids=")) << t.dump();
    }
    if (t["step_name"] == "end") end_task = shard + "/steps/end/tasks/" + std::to_string(t["task_id"].get<int64_t>());
  }
  EXPECT_EQ(foreach_tasks, 3);
  auto artifacts = get(end_task + "/artifacts")["data"];
  bool has_best = false;
  for (const auto& a : artifacts) {
    if (a["name"] != "best") continue;
    has_best = true;
    EXPECT_EQ(a["content"], "1.0") << a.dump();
    EXPECT_EQ(a["type"], "<class 'float'>");
    EXPECT_GT(a["size"].get<int64_t>(), 0);
  }
  EXPECT_TRUE(has_best) << artifacts.dump();
  EXPECT_EQ(get(end_task + "/artifacts/best/value")["data"]["content"], "1.0");
  auto out = get(end_task + "/logs/out")["data"];
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out.back()["line"], "best 1");
  EXPECT_EQ(out[0]["row"], 1);
  httplib::Client client("127.0.0.1", port_);
  auto download = client.Get(end_task + "/logs/out/download");
  ASSERT_EQ(download->status, 200);
  EXPECT_NE(download->body.find("best 1\n"), std::string::npos);
  EXPECT_NE(download->get_header_value("Content-Disposition").find("attachment"), std::string::npos);

  // Log pages follow links.next row by row; bad parameters are 400s that say what is wrong.
  auto first_line = get(end_task + "/logs/out?_limit=1");
  ASSERT_EQ(first_line["data"].size(), 1u);
  std::vector<std::string> lines{first_line["data"][0]["line"]};
  for (auto page = first_line; !page["links"]["next"].is_null();) {
    page = get(page["links"]["next"].get<std::string>());
    for (const auto& l : page["data"]) lines.push_back(l["line"]);
  }
  EXPECT_EQ(lines.size(), out.size());
  EXPECT_EQ(lines.back(), "best 1");
  auto status_of = [&](const std::string& path) { return client.Get(path)->status; };
  EXPECT_EQ(status_of(end_task + "/logs/out?attempt_id=x"), 400);
  EXPECT_EQ(status_of(end_task + "/logs/out?_after_row=-1"), 400);
  EXPECT_EQ(status_of(end_task + "/logs/both"), 404);
  EXPECT_EQ(status_of(end_task + "/artifacts/nope/value"), 404);
  EXPECT_EQ(status_of(end_task + "/artifacts?attempt_id=99"), 400);
  EXPECT_EQ(status_of(shard + "/steps/end/tasks/999999/artifacts"), 404);
  EXPECT_EQ(get("/api/version")["data"]["service"], "conflux");
  EXPECT_EQ(get("/api/features")["data"]["DATASTORE"], true);
  auto flows = get("/api/flows?_limit=1");
  ASSERT_EQ(flows["data"].size(), 1u);
  ASSERT_FALSE(flows["links"]["next"].is_null());
  EXPECT_EQ(get(flows["links"]["next"].get<std::string>())["data"].size(), 1u);

  // The failed task and why.
  const std::string failing = "/api/flows/FailingFlow/runs/" + runs[0]["run"].get<std::string>();
  auto bad = get(failing + "/tasks?status=failed")["data"];
  ASSERT_EQ(bad.size(), 1u) << get(failing + "/tasks").dump();
  EXPECT_EQ(bad[0]["step_name"], "work");
  const std::string task = failing + "/steps/work/tasks/" + std::to_string(bad[0]["task_id"].get<int64_t>());
  std::string err;
  const auto err_page = get(task + "/logs/err?_limit=10000");
  for (const auto& line : err_page["data"]) err += line["line"].get<std::string>() + "\n";
  EXPECT_NE(err.find("deliberate failure in work"), std::string::npos) << err;
  EXPECT_EQ(get(task + "/attempts")["data"][0]["status"], "failed");
}

// `conflux ui`: the same UI API over local runs (local metadata, no service), new runs included.
TEST_F(ServiceFlowsTest, ConfluxUiServesLocalRunsWithoutAService) {
  auto ok = run_flow("examples/foreach", {"run", "--shards", "3"});
  ASSERT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  const std::string local_run = run_id_of(ok.out);
  auto failed = run_flow("tests/flows/failing_flow", {"run", "--mode", "throw"});
  ASSERT_EQ(failed.exit_code, 1) << failed.out;
  fs::path log = dir_.path() / "ui.log";
  service_pid_ = spawn_command({build_path("bin/conflux").string(), "--datastore-root", dir_.path().string(), "ui",
                                "--port", "0"},
                               log);
  ASSERT_TRUE(wait_for_text(log, "/ui/", 20)) << read_file(log);
  std::smatch m;
  const std::string text = read_file(log);
  ASSERT_TRUE(std::regex_search(text, m, std::regex("open http://127.0.0.1:([0-9]+)/ui/"))) << text;
  port_ = std::stoi(m[1].str());
  EXPECT_NE(text.find("conflux ui: 2 runs of "), std::string::npos) << text;

  auto runs = get("/api/runs")["data"];
  ASSERT_EQ(runs.size(), 2u) << runs.dump();
  EXPECT_EQ(runs[0]["flow_id"], "FailingFlow");
  EXPECT_EQ(runs[0]["status"], "failed") << "the runtime recorded that the run stopped";
  EXPECT_EQ(runs[1]["status"], "completed");
  EXPECT_EQ(runs[1]["run"], local_run) << "the local run id is the run's name";
  const std::string shard = "/api/flows/ShardFlow/runs/" + std::to_string(runs[1]["run_number"].get<int64_t>());
  EXPECT_EQ(get(shard + "/dag")["data"]["steps"]["train"]["type"], "linear");
  EXPECT_EQ(get(shard + "/parameters")["data"]["shards"]["value"], "3");
  auto tasks = get(shard + "/tasks?step_name=end")["data"];
  ASSERT_EQ(tasks.size(), 1u);
  const std::string end = shard + "/steps/end/tasks/" + std::to_string(tasks[0]["task_id"].get<int64_t>());
  EXPECT_EQ(get(end + "/logs/out")["data"].back()["line"], "best 1");
  bool best = false;
  const auto artifacts = get(end + "/artifacts");
  for (const auto& a : artifacts["data"]) best = best || (a["name"] == "best" && a["content"] == "1.0");
  EXPECT_TRUE(best);

  // A run made while the UI is up shows up in it.
  ASSERT_EQ(run_flow("examples/hello", {"run"}).exit_code, 0);
  bool seen = false;
  for (int i = 0; i < 100 && !seen; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto latest = get("/api/runs?flow_id=HelloFlow")["data"];
    seen = !latest.empty() && latest[0]["status"] == "completed";
  }
  EXPECT_TRUE(seen) << "the new run appears within a few seconds";
}

TEST_F(ServiceFlowsTest, ForeachRunIsRecordedInTheService) { check_foreach_run(); }
TEST_F(ServiceFlowsTest, TheUiApiShowsRealRunsFromTheDatastore) { check_ui_api(); }
TEST_F(ServiceFlowsPostgresTest, TheUiApiShowsRealRunsFromTheDatastore) { check_ui_api(); }
TEST_F(ServiceFlowsTest, ResumeAndTagsThroughTheService) { check_resume_and_tags(); }
TEST_F(ServiceFlowsPostgresTest, ForeachRunIsRecordedInTheService) { check_foreach_run(); }
TEST_F(ServiceFlowsPostgresTest, ResumeAndTagsThroughTheService) { check_resume_and_tags(); }

// `conflux service migrate --db postgresql://...` applies the schema once and reports it.
TEST_F(ServiceFlowsPostgresTest, MigrateCommandAppliesTheSchema) {
  std::vector<std::string> argv = {build_path("bin/conflux").string(), "service", "migrate", "--db", db_url()};
  auto first = run_command(argv);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(first.out.find("is at schema version 3"), std::string::npos) << first.out;
  auto again = run_command(argv);
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("is at schema version 3"), std::string::npos) << again.out;
}

// A password in the URL never reaches the output, and an unreachable server is a clear error.
TEST_F(ServiceFlowsPostgresTest, UnreachableServerIsAClearErrorWithoutThePassword) {
  auto r = run_command({build_path("bin/conflux").string(), "service", "migrate", "--db",
                        "postgresql://someone:hunter2@127.0.0.1:1/nodb"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("postgresql://someone:***@127.0.0.1:1/nodb"), std::string::npos) << r.err;
  EXPECT_EQ((r.out + r.err).find("hunter2"), std::string::npos) << r.err;
}

TEST_F(ServiceFlowsTest, AuthTokenIsRequiredAndSentFromHeaders) {
  write_file(dir_.path() / "tokens", "s3cret-token\n");
  start_service({"--auth-token-file", (dir_.path() / "tokens").string()});
  auto refused = run_flow_svc("examples/hello", {"run"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("refused the request (HTTP 401)"), std::string::npos) << refused.err;
  auto ok = run_flow_svc("examples/hello", {"run"},
                         {{"METAFLOW_SERVICE_HEADERS", R"({"Authorization": "Bearer s3cret-token"})"}});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_EQ(read_file(dir_.path() / "service.log").find("s3cret-token"), std::string::npos) << "tokens are never logged";
}

TEST_F(ServiceFlowsTest, UnreachableServiceIsAClearError) {
  port_ = 1;  // nothing listens there
  auto r = run_flow_svc("examples/hello", {"run"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot reach the metadata service at http://127.0.0.1:1"), std::string::npos) << r.err;
}

}  // namespace

namespace {

// Two `conflux service` replicas on one PostgreSQL database, as behind a load balancer: writes
// through either are unique and seen by both, and flows run against each at the same time.
TEST_F(ServiceFlowsPostgresTest, TwoReplicasShareOneDatabaseUnderLoad) {
  start_service();
  const int port_a = port_;
  fs::path log_b = dir_.path() / "replica-b.log";
  pid_t replica_b = spawn_command({build_path("bin/conflux").string(), "service", "--port", "0", "--db", db_url()}, log_b);
  ASSERT_TRUE(wait_for_text(log_b, "listening on http://127.0.0.1:", 20)) << read_file(log_b);
  std::smatch m;
  std::string text = read_file(log_b);
  ASSERT_TRUE(std::regex_search(text, m, std::regex("listening on http://127.0.0.1:([0-9]+)")));
  const int port_b = std::stoi(m[1].str());

  httplib::Client setup("127.0.0.1", port_a);
  ASSERT_EQ(setup.Post("/flows/LoadFlow", "{}", "application/json")->status, 200);
  std::mutex mu;
  std::set<std::string> run_numbers;
  int failures = 0;
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      httplib::Client a("127.0.0.1", port_a), b("127.0.0.1", port_b);
      for (int i = 0; i < 500; ++i) {
        httplib::Client& c = (i + t) % 2 == 0 ? a : b;
        auto r = c.Post("/flows/LoadFlow/run", R"({"user_name": "load"})", "application/json");
        std::lock_guard<std::mutex> lock(mu);
        if (!r || r->status != 200) {
          ++failures;
          continue;
        }
        run_numbers.insert(nlohmann::json::parse(r->body)["run_number"].dump());
      }
    });
  }
  // Meanwhile a flow through each replica.
  auto through = [&](int port) {
    std::map<std::string, std::string> env = {{"METAFLOW_SERVICE_URL", "http://127.0.0.1:" + std::to_string(port)}};
    std::vector<std::string> argv = {build_path("examples/foreach").string(), "run", "--shards", "6"};
    env["METAFLOW_DATASTORE_SYSROOT_LOCAL"] = dir_.path().string();
    env["METAFLOW_DEFAULT_METADATA"] = "service";
    env["USER"] = "tester";
    return run_command(argv, env);
  };
  CommandResult flow_a, flow_b;
  std::thread ta([&] { flow_a = through(port_a); });
  std::thread tb([&] { flow_b = through(port_b); });
  for (auto& w : writers) w.join();
  ta.join();
  tb.join();

  EXPECT_EQ(failures, 0);
  EXPECT_EQ(run_numbers.size(), 2000u) << "run numbers handed out by both replicas are unique";
  ASSERT_EQ(flow_a.exit_code, 0) << flow_a.out << flow_a.err;
  ASSERT_EQ(flow_b.exit_code, 0) << flow_b.out << flow_b.err;
  for (int port : {port_a, port_b}) {
    port_ = port;
    EXPECT_EQ(get("/flows/LoadFlow/runs").size(), 2000u) << "replica on port " << port;
    for (const std::string& run : {run_id_of(flow_a.out), run_id_of(flow_b.out)}) {
      EXPECT_EQ(get("/flows/ShardFlow/runs/" + run + "/steps/train/tasks").size(), 6u) << run << " via " << port;
    }
  }
  port_ = port_a;
  kill(replica_b, SIGTERM);
  int status = 0;
  waitpid(replica_b, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
