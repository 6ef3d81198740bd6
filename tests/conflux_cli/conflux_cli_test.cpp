// `conflux` end to end: tables, --json, dump/logs formats (identical to the flow binary's), tags,
// configuration precedence, and exit codes (0 ok, 1 error, 2 usage error).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "service/clock.hpp"
#include "service/db/sqlite_database.hpp"
#include "service/metrics.hpp"
#include "service/server.hpp"
#include "testutil/testutil.hpp"

namespace {

namespace fs = std::filesystem;
using conflux::testing::build_path;
using conflux::testing::CommandResult;
using conflux::testing::read_file;
using conflux::testing::run_command;
using conflux::testing::TempDir;
using conflux::testing::test_data;
using conflux::testing::write_file;

constexpr const char* kLinearRun = "LinearFlow/1795933055265084";

class ConfluxCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = dir_.path() / "home";
    fs::create_directories(home_);
    data_ = dir_.path() / "data";
    fs::create_directories(data_);
  }
  // The environment of every command: a private HOME, user "tester", nothing inherited that
  // would change the configuration (empty values count as unset).
  std::map<std::string, std::string> env(std::map<std::string, std::string> extra = {}) const {
    std::map<std::string, std::string> e = {
        {"HOME", home_.string()},           {"METAFLOW_HOME", ""},
        {"METAFLOW_PROFILE", ""},           {"METAFLOW_USER", "tester"},
        {"METAFLOW_DEFAULT_METADATA", ""},  {"METAFLOW_PRODUCTION_TOKEN", ""},
        {"METAFLOW_DATASTORE_SYSROOT_LOCAL", data_.string()}};
    for (auto& [k, v] : extra) e[k] = v;
    return e;
  }
  CommandResult conflux(std::vector<std::string> args, std::map<std::string, std::string> extra = {},
                        const fs::path& cwd = {}) {
    args.insert(args.begin(), build_path("bin/conflux").string());
    return run_command(args, env(std::move(extra)), cwd);
  }
  static void extract(const fs::path& into, const std::vector<std::string>& members = {}) {
    const char* tar = fs::exists("/usr/bin/tar") ? "/usr/bin/tar" : "/bin/tar";
    std::vector<std::string> argv = {tar, "-xzf", test_data("metaflow-local/metaflow-tree.tar.gz").string(),
                                     "-C", into.string()};
    argv.insert(argv.end(), members.begin(), members.end());
    CommandResult r = run_command(argv);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  // Points the datastore at the golden tree, extracted once into the build tree and shared
  // read-only by every test process (extracting 2345 files per test is slow on a busy machine).
  void use_shared_golden() {
    fs::path tarball = test_data("metaflow-local/metaflow-tree.tar.gz");
    fs::path base = fs::path(CONFLUX_BUILD_DIR) / "tests" / "conflux_cli";
    fs::path tree = base / ("golden-" + std::to_string(fs::file_size(tarball)) + "-" +
                            std::to_string(fs::last_write_time(tarball).time_since_epoch().count()));
    if (!fs::exists(tree / ".metaflow")) {
      fs::path staging = base / ("golden-staging-" + std::to_string(::getpid()));
      fs::create_directories(staging);
      extract(staging);
      std::error_code ec;
      fs::rename(staging, tree, ec);  // atomic; another process may have won
      if (ec) fs::remove_all(staging, ec);
    }
    data_ = tree;
  }
  std::string run_flow(const std::string& binary, std::vector<std::string> args) {
    fs::path id_file = dir_.path() / "run_id";
    std::vector<std::string> argv = {build_path(binary).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--run-id-file", id_file.string()});
    CommandResult r = run_command(argv, env());
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return fs::exists(id_file) ? read_file(id_file) : "";
  }
  static nlohmann::json json_of(const CommandResult& r) {
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  TempDir dir_;
  fs::path home_;
  fs::path data_;
};

TEST_F(ConfluxCliTest, FlowsAndRunsTables) {
  use_shared_golden();
  auto flows = conflux({"flows"});
  ASSERT_EQ(flows.exit_code, 0) << flows.err;
  EXPECT_EQ(flows.out.substr(0, flows.out.find('\n')),
            "FLOW               RUNS  LATEST RUN        STATUS      STARTED (UTC)");
  EXPECT_NE(flows.out.find("\nResumeFlow         2     1795933094621185  successful  "), std::string::npos)
      << flows.out;
  auto j = json_of(conflux({"flows", "--json"}));
  ASSERT_EQ(j.size(), 8u);
  EXPECT_EQ(j[3]["flow"], "LinearFlow");
  EXPECT_EQ(j[3]["latest_run"]["id"], "1795933055265084");

  auto runs = conflux({"runs", "LinearFlow", "--tag", "linear", "--tag", "fixture"});
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_TRUE(std::regex_search(
      runs.out, std::regex("1795933055265084  successful  2026-11-29 06:17:35  2026-11-29 06:17:3[0-9]  "
                           "tester  fixture,linear\n")))
      << runs.out;
  auto none = conflux({"runs", "LinearFlow", "--tag", "nope", "--json"});
  EXPECT_EQ(json_of(none).size(), 0u);
  auto resume = json_of(conflux({"runs", "ResumeFlow", "--json"}));
  ASSERT_EQ(resume.size(), 2u);
  EXPECT_EQ(resume[0]["id"], "1795933094621185");  // newest first
  EXPECT_EQ(resume[0]["status"], "successful");
}

TEST_F(ConfluxCliTest, ShowEveryKindOfObject) {
  use_shared_golden();
  auto run = conflux({"show", kLinearRun});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("Status       successful\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Tags         fixture, linear\n"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("STEP    TASKS  STATUS      STARTED (UTC)\nstart   1      successful"),
            std::string::npos) << run.out;
  EXPECT_NE(run.out.find("int_val    <class 'int'>       5     9111ff38ef66"), std::string::npos) << run.out;

  auto rj = json_of(conflux({"show", "ResumeFlow/1795933094621185", "--json"}));
  EXPECT_EQ(rj["origin_pathspec"], "ResumeFlow/1795933092033401");
  EXPECT_EQ(rj["steps"].size(), 3u);
  auto failed = json_of(conflux({"show", "ResumeFlow/1795933092033401", "--json"}));
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_TRUE(failed["end_task"].is_null());

  auto step = json_of(conflux({"show", "ForeachFlow/1795933062717854/process", "--json"}));
  ASSERT_EQ(step["tasks"].size(), 3u);
  EXPECT_EQ(step["tasks"][2]["index"], 2);

  auto task = json_of(conflux({"show", "RetryFlow/1795933084653946/flaky/2", "--json"}));
  EXPECT_EQ(task["attempt"], 1);
  EXPECT_EQ(task["status"], "successful");
  EXPECT_EQ(task["parent_tasks"], nlohmann::json::array({"RetryFlow/1795933084653946/start/1"}));
  auto join = conflux({"show", "ForeachFlow/1795933062717854/join/5"});
  EXPECT_NE(join.out.find("Parents   ForeachFlow/1795933062717854/process/2, "), std::string::npos) << join.out;
  auto fragile = conflux({"show", "ResumeFlow/1795933092033401/fragile/2"});
  EXPECT_NE(fragile.out.find("Status    failed"), std::string::npos) << fragile.out;
  EXPECT_NE(fragile.out.find("\nException:\n  Traceback"), std::string::npos) << fragile.out;
  auto priv = conflux({"show", std::string(kLinearRun) + "/start/1", "--private"});
  EXPECT_NE(priv.out.find("_task_ok "), std::string::npos);

  auto artifact = json_of(conflux({"show", std::string(kLinearRun) + "/start/1/dict_val", "--json"}));
  EXPECT_EQ(artifact["value"], nlohmann::json::parse(R"({"a": 1, "b": [1, 2], "c": {"d": "e"}})"));
  EXPECT_EQ(artifact["python_type"], "<class 'dict'>");
  auto flow = json_of(conflux({"show", "ResumeFlow", "--json"}));
  EXPECT_EQ(flow["latest_run"], "1795933094621185");
  EXPECT_EQ(flow["latest_successful_run"], "1795933094621185");
}

TEST_F(ConfluxCliTest, DumpAndLogs) {
  use_shared_golden();
  auto dump = conflux({"dump", std::string(kLinearRun) + "/start"});
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_NE(dump.out.find("int_val [size: 5 type: <class 'int'>] = 42\n"), std::string::npos) << dump.out;
  EXPECT_NE(dump.out.find("str_val [size: 33 type: <class 'str'>] = hello metaflow \u2713\n"),
            std::string::npos);
  EXPECT_EQ(dump.out.find("_task_ok"), std::string::npos);
  EXPECT_NE(dump.err.find("Dumping output of run_id=1795933055265084 step=start task_id=1"), std::string::npos);
  auto small = conflux({"dump", std::string(kLinearRun) + "/start/1", "--private", "--max-value-size", "10"});
  EXPECT_NE(small.out.find("_task_ok [size: 4 type: <class 'bool'>] = True\n"), std::string::npos);
  EXPECT_NE(small.out.find("str_val [size: 33 type: <class 'str'>] = < artifact too large >\n"),
            std::string::npos);
  auto j = json_of(conflux({"dump", "ForeachFlow/1795933062717854/join", "--json", "--include", "lengths"}));
  EXPECT_EQ(j["ForeachFlow/1795933062717854/join/5"]["lengths"]["banana"], 6);

  auto logs = conflux({"logs", std::string(kLinearRun) + "/middle"});
  ASSERT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_EQ(logs.out, "middle step says: hello world alpha=0.5\n");
  auto retry = conflux({"logs", "RetryFlow/1795933084653946/flaky/2", "--attempt", "0", "--stderr"});
  EXPECT_NE(retry.out.find("RuntimeError: deliberate failure on first attempt"), std::string::npos);
  auto ts = conflux({"logs", std::string(kLinearRun) + "/middle/2", "--stdout", "--timestamps"});
  EXPECT_EQ(ts.out, "2026-11-29T06:17:36.780848 middle step says: hello world alpha=0.5\n");
}

TEST_F(ConfluxCliTest, Tags) {
  extract(data_, {".metaflow/LinearFlow"});
  auto added = json_of(conflux({"tag", "add", kLinearRun, "reviewed", "v2", "--json"}));
  EXPECT_EQ(added["user_tags"], nlohmann::json::array({"fixture", "linear", "reviewed", "v2"}));
  auto replaced = json_of(conflux({"tag", "replace", kLinearRun, "v2", "v3", "--json"}));
  EXPECT_EQ(replaced["user_tags"], nlohmann::json::array({"fixture", "linear", "reviewed", "v3"}));
  auto removed = conflux({"tag", "remove", kLinearRun, "reviewed"});
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_NE(removed.out.find("Tags         fixture, linear, v3\n"), std::string::npos) << removed.out;
  auto list = json_of(conflux({"tag", "list", "LinearFlow", "--json"}));
  EXPECT_EQ(list[0]["user_tags"], nlohmann::json::array({"fixture", "linear", "v3"}));
  EXPECT_EQ(json_of(conflux({"runs", "LinearFlow", "--tag", "v3", "--json"})).size(), 1u);
  auto table = conflux({"tag", "list", kLinearRun});
  EXPECT_NE(table.out.find("System tags  metaflow_version:2.19.38, python_version:3.11.2, runtime:dev, user:tester"),
            std::string::npos) << table.out;

  auto system = conflux({"tag", "remove", kLinearRun, "user:tester"});
  EXPECT_EQ(system.exit_code, 1);
  EXPECT_NE(system.err.find("user:tester"), std::string::npos) << system.err;
  auto too_long = conflux({"tag", "add", kLinearRun, std::string(501, 'x')});
  EXPECT_EQ(too_long.exit_code, 1);
  EXPECT_NE(too_long.err.find("invalid argument"), std::string::npos) << too_long.err;
  EXPECT_EQ(conflux({"tag", "replace", kLinearRun, "only-one"}).exit_code, 2);
  EXPECT_EQ(conflux({"tag", "frob", kLinearRun, "x"}).exit_code, 2);
  EXPECT_EQ(conflux({"tag", "add", "LinearFlow", "x"}).exit_code, 2);
}

TEST_F(ConfluxCliTest, ErrorsAndExitCodes) {
  use_shared_golden();
  auto missing = conflux({"show", "LinearFlow/123"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "conflux show: not found: Run 'LinearFlow/123' does not exist\n");
  auto no_flow = conflux({"runs", "NoSuchFlow"});
  EXPECT_EQ(no_flow.exit_code, 1);
  EXPECT_NE(no_flow.err.find("Flow 'NoSuchFlow' does not exist"), std::string::npos);
  auto mismatch = conflux({"--namespace", "user:bob", "show", kLinearRun});
  EXPECT_EQ(mismatch.exit_code, 1);
  EXPECT_NE(mismatch.err.find("is not in namespace 'user:bob'"), std::string::npos) << mismatch.err;
  EXPECT_NE(mismatch.err.find("--all-namespaces"), std::string::npos);
  EXPECT_EQ(conflux({"show", kLinearRun, "--namespace", "user:bob", "--json"}).exit_code, 1);
  EXPECT_EQ(conflux({"show", kLinearRun, "--all-namespaces"}).exit_code, 0);
  EXPECT_EQ(conflux({"--namespace=fixture", "show", kLinearRun}).exit_code, 0);
  auto other_user = conflux({"flows"}, {{"METAFLOW_USER", "bob"}});
  EXPECT_EQ(other_user.exit_code, 0);
  EXPECT_EQ(other_user.out, "");
  EXPECT_NE(other_user.err.find("try --all-namespaces"), std::string::npos);

  auto bad_path = conflux({"show", "LinearFlow//start"});
  EXPECT_EQ(bad_path.exit_code, 2);
  EXPECT_NE(bad_path.err.find("invalid pathspec 'LinearFlow//start'"), std::string::npos);
  EXPECT_EQ(conflux({"dump", kLinearRun}).exit_code, 2);  // needs a step
  EXPECT_EQ(conflux({"logs", std::string(kLinearRun) + "/start", "--attempt", "9"}).exit_code, 2);
  EXPECT_EQ(conflux({"runs"}).exit_code, 2);
  EXPECT_EQ(conflux({"runs", "LinearFlow", "--bogus"}).exit_code, 2);
  EXPECT_EQ(conflux({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(conflux({}).exit_code, 2);
  EXPECT_EQ(conflux({"--namespace", "a", "--all-namespaces", "flows"}).exit_code, 2);
  EXPECT_EQ(conflux({"show", std::string(kLinearRun) + "/start/1/nope"}).exit_code, 1);

  for (const char* command : {"flows", "runs", "show", "dump", "logs", "tag", "configure", "version"}) {
    auto help = conflux({command, "--help"});
    EXPECT_EQ(help.exit_code, 0) << command;
    EXPECT_NE(help.out.find("Usage: conflux"), std::string::npos) << command;
  }
  auto top = conflux({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("--all-namespaces"), std::string::npos);
  EXPECT_EQ(conflux({"version"}).out, "conflux 0.1.0\n");

  auto no_store = conflux({"flows"}, {{"METAFLOW_DATASTORE_SYSROOT_LOCAL", (dir_.path() / "nowhere").string()}});
  EXPECT_EQ(no_store.exit_code, 1);
  EXPECT_NE(no_store.err.find("no datastore at"), std::string::npos) << no_store.err;
}

TEST_F(ConfluxCliTest, ConfigurationPrecedence) {
  extract(data_, {".metaflow/LinearFlow"});
  fs::path other = dir_.path() / "other";
  fs::create_directories(other / ".metaflow");
  write_file(home_ / ".metaflowconfig" / "config.json",
             R"({"METAFLOW_DATASTORE_SYSROOT_LOCAL": ")" + other.string() +
                 R"(", "METAFLOW_USER": "carol", "METAFLOW_DEFAULT_METADATA": "local"})");
  // Config file only (environment values empty).
  auto from_file = json_of(conflux({"configure", "show", "--json"},
                                   {{"METAFLOW_DATASTORE_SYSROOT_LOCAL", ""}, {"METAFLOW_USER", ""}}));
  EXPECT_EQ(from_file["datastore_root"]["value"], (other / ".metaflow").string());
  EXPECT_NE(from_file["datastore_root"]["source"].get<std::string>().find("config file"), std::string::npos);
  EXPECT_EQ(from_file["username"]["value"], "carol");
  EXPECT_EQ(from_file["namespace"]["value"], "user:carol");
  EXPECT_EQ(from_file["metadata"]["value"], "local");
  EXPECT_EQ(from_file["config_file"]["exists"], true);
  // The environment beats the file; flags beat the environment.
  auto from_env = json_of(conflux({"configure", "show", "--json"}));
  EXPECT_EQ(from_env["datastore_root"]["value"], (data_ / ".metaflow").string());
  EXPECT_EQ(from_env["datastore_root"]["source"], "environment (METAFLOW_DATASTORE_SYSROOT_LOCAL)");
  EXPECT_EQ(from_env["username"]["value"], "tester");
  auto from_flag = json_of(conflux({"--datastore-root", other.string(), "--all-namespaces", "configure",
                                    "show", "--json"}));
  EXPECT_EQ(from_flag["datastore_root"]["source"], "--datastore-root");
  EXPECT_EQ(from_flag["namespace"]["value"], "None");
  auto table = conflux({"configure", "show"});
  EXPECT_NE(table.out.find("SETTING            VALUE"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("metadata provider  local"), std::string::npos) << table.out;
  // The file's datastore is used when the environment does not say.
  auto empty = conflux({"flows", "--json"}, {{"METAFLOW_DATASTORE_SYSROOT_LOCAL", ""}});
  EXPECT_EQ(json_of(empty).size(), 0u);
  // Defaults: the nearest .metaflow above the working directory.
  fs::remove(home_ / ".metaflowconfig" / "config.json");
  fs::create_directories(data_ / "sub" / "dir");
  auto walk = json_of(conflux({"configure", "show", "--json"}, {{"METAFLOW_DATASTORE_SYSROOT_LOCAL", ""}},
                              data_ / "sub" / "dir"));
  EXPECT_EQ(walk["datastore_root"]["value"], (data_ / ".metaflow").string());
  EXPECT_EQ(walk["config_file"]["exists"], false);
  auto service = conflux({"flows"}, {{"METAFLOW_DEFAULT_METADATA", "service"}});
  EXPECT_EQ(service.exit_code, 1);
  EXPECT_NE(service.err.find("METAFLOW_SERVICE_URL is not set"), std::string::npos) << service.err;
  // A broken config file: both front ends read it the same way and name the file and the line.
  fs::path config = home_ / ".metaflowconfig" / "config.json";
  write_file(config, "{\n  \"METAFLOW_USER\": \"alice\",\n  oops\n}\n");
  std::string where = "the config file " + config.string() + " is not valid JSON (line 3, column 3)";
  auto broken = conflux({"configure", "show"});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.err.find(where), std::string::npos) << broken.err;
  CommandResult flow = run_command({build_path("examples/foreach").string(), "show"}, env());
  EXPECT_EQ(flow.exit_code, 1);
  EXPECT_NE(flow.err.find(where), std::string::npos) << flow.err;
  write_file(config, "[1, 2]");
  auto not_object = conflux({"flows"});
  EXPECT_EQ(not_object.exit_code, 1);
  EXPECT_NE(not_object.err.find("must hold a JSON object of settings; it holds an array"), std::string::npos)
      << not_object.err;
  // A good file's METAFLOW_USER is the user for both (the environment does not set one here).
  write_file(config, "{\"METAFLOW_USER\": \"alice\"}");
  auto user = json_of(conflux({"configure", "show", "--json"}, {{"METAFLOW_USER", ""}}));
  EXPECT_EQ(user["username"]["value"], "alice");
  CommandResult banner = run_command({build_path("examples/foreach").string(), "show"},
                                     env({{"METAFLOW_USER", ""}}));
  EXPECT_NE(banner.err.find("for user:alice"), std::string::npos) << banner.err;
}

TEST_F(ConfluxCliTest, OwnRunsMatchTheFlowBinary) {
  std::string id = run_flow("examples/foreach", {"run", "--tag", "nightly"});
  ASSERT_FALSE(id.empty());
  auto runs = json_of(conflux({"runs", "ShardFlow", "--tag", "nightly", "--json"}));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["id"], id);
  EXPECT_EQ(runs[0]["status"], "successful");
  EXPECT_EQ(runs[0]["user"], "tester");

  // dump and logs print exactly what the flow binary prints.
  for (const std::string& name : {"train", "end"}) {
    std::string step = id + "/" + name;
    auto ours = conflux({"dump", "ShardFlow/" + step, "--private"});
    auto theirs = run_command({build_path("examples/foreach").string(), "--quiet", "dump", step, "--private"}, env());
    ASSERT_EQ(ours.exit_code, 0) << ours.err;
    ASSERT_EQ(theirs.exit_code, 0) << theirs.err;
    EXPECT_EQ(ours.out, theirs.out);
    EXPECT_EQ(ours.err, theirs.err);
    auto our_logs = conflux({"logs", "ShardFlow/" + step});
    auto their_logs = run_command({build_path("examples/foreach").string(), "--quiet", "logs", step}, env());
    EXPECT_EQ(our_logs.out, their_logs.out);
    EXPECT_EQ(our_logs.err, their_logs.err);
  }
  auto end = conflux({"logs", "ShardFlow/" + id + "/end"});
  EXPECT_EQ(end.out, "best 1\n");
  auto task = json_of(conflux({"show", "ShardFlow/" + id + "/train/3", "--json"}));
  EXPECT_EQ(task["index"], 1);
  EXPECT_EQ(task["parent_tasks"], nlohmann::json::array({"ShardFlow/" + id + "/start/1"}));
  EXPECT_EQ(task["child_tasks"].size(), 1u);
}

// METAFLOW_DEFAULT_METADATA=service: `conflux` reads the runs a flow registered with the metadata
// service (in-process here), artifacts from the local datastore.
TEST_F(ConfluxCliTest, MetadataService) {
  namespace svc = conflux::service;
  svc::SqliteOptions db_options;
  db_options.path = dir_.path() / "service.db";
  auto db = svc::SqliteDatabase::open(db_options);
  ASSERT_TRUE(db.ok()) << db.status().to_string();
  ASSERT_TRUE((*db)->migrate().ok());
  svc::SystemClock clock;
  svc::Metrics metrics;
  svc::ServerOptions server_options;
  server_options.port = 0;
  server_options.threads = 8;
  auto server = svc::Server::create(server_options, **db, clock, metrics);
  ASSERT_TRUE(server.ok()) << server.status().to_string();
  (*server)->start();
  std::map<std::string, std::string> service = {
      {"METAFLOW_DEFAULT_METADATA", "service"},
      {"METAFLOW_SERVICE_URL", "http://127.0.0.1:" + std::to_string((*server)->port())}};

  fs::path id_file = dir_.path() / "run_id";
  auto r = run_command({build_path("examples/hello").string(), "run", "--run-id-file", id_file.string()},
                       env(service));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::string id = read_file(id_file);
  auto runs = json_of(conflux({"runs", "HelloFlow", "--json"}, service));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["id"], id);
  EXPECT_EQ(runs[0]["status"], "successful");
  auto dump = conflux({"dump", "HelloFlow/" + id + "/start"}, service);
  EXPECT_NE(dump.out.find("message [size: 33 type: <class 'str'>] = Hello from Conflux\n"), std::string::npos)
      << dump.out << dump.err;
  auto tagged = json_of(conflux({"tag", "add", "HelloFlow/" + id, "via-service", "--json"}, service));
  EXPECT_EQ(tagged["user_tags"], nlohmann::json::array({"via-service"}));
  auto config = json_of(conflux({"configure", "show", "--json"}, service));
  EXPECT_EQ(config["metadata"]["value"], "service");
  // The local metadata files know nothing of that run.
  EXPECT_EQ(conflux({"runs", "HelloFlow"}).exit_code, 1);
  (*server)->stop();
}

}  // namespace
