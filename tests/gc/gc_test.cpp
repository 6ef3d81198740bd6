// `conflux gc` end to end on runs of the foreach example (examples/foreach: `--shards K` gives each
// K its own `ids` and `shards` blobs, while the scores are shared between runs): the dry run, what
// a policy deletes, the blobs swept and kept, refusals, the config-file policy, and flows running
// while gc deletes and sweeps.
#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "conflux/client.hpp"
#include "testutil/service_process.hpp"
#include "testutil/testutil.hpp"

namespace {

namespace fs = std::filesystem;
using conflux::testing::build_path;
using conflux::testing::CommandResult;
using conflux::testing::run_command;
using conflux::testing::TempDir;
using conflux::testing::write_file;

class GcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.path() / "home");
    fs::create_directories(dir_.path() / "data");
  }
  std::map<std::string, std::string> env() const {
    return {{"HOME", (dir_.path() / "home").string()},
            {"METAFLOW_HOME", ""},
            {"METAFLOW_PROFILE", ""},
            {"METAFLOW_USER", "tester"},
            {"METAFLOW_DEFAULT_METADATA", ""},
            {"METAFLOW_DEFAULT_DATASTORE", ""},
            {"METAFLOW_DATASTORE_SYSROOT_LOCAL", (dir_.path() / "data").string()}};
  }
  fs::path root() const { return dir_.path() / "data" / ".metaflow"; }

  // Runs the foreach example with `shards`; returns the run id.
  std::string run_flow(int shards, bool cards = false) {
    std::vector<std::string> argv = {build_path("examples/foreach").string(), "run", "--shards", std::to_string(shards)};
    if (cards) argv.insert(argv.begin() + 1, {"--with", "card"});
    CommandResult r = run_command(argv, env());
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    std::string text = r.out + r.err;
    size_t at = text.find("(run-id ");
    EXPECT_NE(at, std::string::npos) << text;
    if (at == std::string::npos) return "";
    at += 8;
    return text.substr(at, text.find_first_not_of("0123456789", at) - at);
  }
  CommandResult gc(std::vector<std::string> args) {
    args.insert(args.begin(), {build_path("bin/conflux").string(), "gc"});
    return run_command(args, env());
  }
  // The blobs (not their _meta flags) in ShardFlow's content-addressed store.
  std::set<std::string> blobs() const {
    std::set<std::string> out;
    fs::path data = root() / "ShardFlow" / "data";
    if (!fs::exists(data)) return out;
    for (const auto& e : fs::recursive_directory_iterator(data)) {
      std::string name = e.path().filename().string();
      if (e.is_regular_file() && name.size() == 40) out.insert(name);
    }
    return out;
  }
  size_t blob_count() const { return blobs().size(); }
  // The blobs the data.json files of ShardFlow's runs reference.
  std::set<std::string> referenced_blobs() const {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(root() / "ShardFlow")) {
      if (!e.path().string().ends_with(".data.json")) continue;
      auto index = nlohmann::json::parse(conflux::testing::read_file(e.path()));
      for (const auto& [name, sha] : index["objects"].items()) out.insert(sha.get<std::string>());
    }
    return out;
  }
  conflux::Client client() const {
    conflux::ClientOptions options;
    options.datastore_root = root();
    options.username = "tester";
    options.ns = conflux::Namespace::global();
    auto c = conflux::Client::open(options);
    EXPECT_TRUE(c.ok()) << c.status().to_string();
    return std::move(c).value();
  }
  // Loads every artifact of every task of every run of ShardFlow; the run ids seen.
  std::vector<std::string> load_everything() {
    std::vector<std::string> ids;
    conflux::Client c = client();
    auto flow = c.flow("ShardFlow");
    if (!flow.ok()) return ids;
    auto runs = flow->runs();
    EXPECT_TRUE(runs.ok()) << runs.status().to_string();
    if (!runs.ok()) return ids;
    for (const conflux::Run& run : *runs) {
      ids.push_back(run.id());
      auto steps = run.steps();
      EXPECT_TRUE(steps.ok()) << steps.status().to_string();
      if (!steps.ok()) continue;
      for (const conflux::Step& step : *steps) {
        auto tasks = step.tasks();
        EXPECT_TRUE(tasks.ok()) << tasks.status().to_string();
        if (!tasks.ok()) continue;
        for (const conflux::Task& task : *tasks) {
          auto artifacts = task.artifacts();
          EXPECT_TRUE(artifacts.ok()) << task.pathspec() << ": " << artifacts.status().to_string();
          if (!artifacts.ok()) continue;
          for (const conflux::DataArtifact& a : *artifacts) {
            auto value = a.value();
            EXPECT_TRUE(value.ok()) << a.pathspec() << ": " << value.status().to_string();
          }
        }
      }
    }
    return ids;
  }

  TempDir dir_;
};

TEST_F(GcTest, DryRunShowsWhatADeleteThenDoes) {
  std::string first = run_flow(2, /*cards=*/true);
  std::string second = run_flow(3);
  std::string third = run_flow(4, /*cards=*/true);
  const size_t blobs_before = blob_count();
  ASSERT_TRUE(fs::exists(root() / "mf.cards/ShardFlow/runs" / first));

  CommandResult dry = gc({"--keep-last", "1", "--grace", "0s"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("ShardFlow/" + first), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("ShardFlow/" + second), std::string::npos) << dry.out;
  EXPECT_EQ(dry.out.find("ShardFlow/" + third), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("Would delete 2 run(s)"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("dry run"), std::string::npos) << dry.out;
  EXPECT_EQ(blob_count(), blobs_before);
  EXPECT_EQ(load_everything().size(), 3u);

  CommandResult done = gc({"--keep-last", "1", "--grace", "0s", "--delete", "--json"});
  ASSERT_EQ(done.exit_code, 0) << done.err;
  auto report = nlohmann::json::parse(done.out);
  EXPECT_FALSE(report["dry_run"].get<bool>());
  EXPECT_EQ(report["runs"].size(), 2u);
  EXPECT_EQ(report["kept_runs"].get<int>(), 1);
  // Their ids lists, shards values and foreach bookkeeping were only theirs; the scores are shared.
  EXPECT_GE(report["blobs"].get<size_t>(), 4u) << done.out;
  EXPECT_EQ(blob_count(), blobs_before - report["blobs"].get<size_t>());
  EXPECT_EQ(blobs(), referenced_blobs());

  EXPECT_EQ(load_everything(), std::vector<std::string>{third});
  EXPECT_FALSE(fs::exists(root() / "ShardFlow" / first));
  // A deleted run's cards go with it; a kept run's stay.
  EXPECT_FALSE(fs::exists(root() / "mf.cards/ShardFlow/runs" / first));
  EXPECT_TRUE(fs::exists(root() / "mf.cards/ShardFlow/runs" / third));
  conflux::Client c = client();
  EXPECT_TRUE(c.run("ShardFlow/" + first).status().is_not_found());
  auto start = c.step("ShardFlow/" + third + "/start");
  ASSERT_TRUE(start.ok());
  EXPECT_EQ(*start->task()->artifact<std::vector<int64_t>>("ids"), (std::vector<int64_t>{0, 1, 2, 3}));

  // Nothing left to do: a second pass deletes nothing.
  CommandResult again = gc({"--keep-last", "1", "--grace", "0s", "--delete"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("Deleted 0 run(s) (0 B) and 0 unreferenced blob(s)"), std::string::npos) << again.out;
}

TEST_F(GcTest, RefusesAPolicyThatDeletesEveryRun) {
  run_flow(2);
  run_flow(3);
  const size_t blobs_before = blob_count();
  CommandResult r = gc({"--older-than", "0s", "--grace", "0s", "--delete"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("selects every one of the 2 runs"), std::string::npos) << r.err;
  EXPECT_EQ(blob_count(), blobs_before);
  EXPECT_EQ(load_everything().size(), 2u);

  CommandResult all = gc({"--older-than", "0s", "--grace", "0s", "--delete", "--allow-all"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_TRUE(load_everything().empty());
  EXPECT_EQ(blob_count(), 0u);
}

TEST_F(GcTest, KeepsTaggedAndRecentRuns) {
  std::string tagged = run_flow(2);
  std::string plain = run_flow(3);
  CommandResult tag = run_command({build_path("bin/conflux").string(), "tag", "add", "ShardFlow/" + tagged, "golden"},
                                  env());
  ASSERT_EQ(tag.exit_code, 0) << tag.err;
  // Within the default grace period of a day nothing is deleted.
  CommandResult recent = gc({"--older-than", "0s", "--delete", "--allow-all"});
  ASSERT_EQ(recent.exit_code, 0) << recent.err;
  EXPECT_EQ(load_everything().size(), 2u);

  CommandResult r = gc({"--older-than", "0s", "--grace", "0s", "--keep-tag", "golden", "--delete"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(load_everything(), std::vector<std::string>{tagged});
}

TEST_F(GcTest, PolicyFromTheConfigFile) {
  run_flow(2);
  std::string newest = run_flow(3);
  fs::create_directories(dir_.path() / "home" / ".metaflowconfig");
  write_file(dir_.path() / "home" / ".metaflowconfig" / "config.json",
             R"({"CONFLUX_GC_POLICY": {"keep_last": 1, "grace": "0s"}})");
  CommandResult r = gc({"--delete"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Policy: keep the last 1 per flow, grace 0s"), std::string::npos) << r.out;
  EXPECT_EQ(load_everything(), std::vector<std::string>{newest});

  write_file(dir_.path() / "home" / ".metaflowconfig" / "config.json",
             R"({"CONFLUX_GC_POLICY": {"keep_lats": 1}})");
  CommandResult bad = gc({});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown key 'keep_lats'"), std::string::npos) << bad.err;
  // Rules on the command line do not excuse a broken policy: its other rules would be lost.
  CommandResult still_bad = gc({"--older-than", "0s"});
  EXPECT_EQ(still_bad.exit_code, 2);
  EXPECT_NE(still_bad.err.find("keep_lats"), std::string::npos) << still_bad.err;
}

TEST_F(GcTest, ResumeMarksItsOriginRunAsInUse) {
  std::string origin = run_flow(2);
  // Make the run look two hours old and idle: its record's creation time, then every file's time.
  const fs::path self = root() / "ShardFlow" / origin / "_meta" / "_self.json";
  auto record = nlohmann::json::parse(conflux::testing::read_file(self));
  record["ts_epoch"] = record["ts_epoch"].get<int64_t>() - 2 * 3600 * 1000;
  write_file(self, record.dump());
  const auto past = fs::file_time_type::clock::now() - std::chrono::hours(2);
  for (const auto& e : fs::recursive_directory_iterator(root() / "ShardFlow")) fs::last_write_time(e.path(), past);
  CommandResult idle = gc({"--older-than", "0s", "--grace", "1h", "--allow-all"});
  ASSERT_EQ(idle.exit_code, 0) << idle.err;
  EXPECT_NE(idle.out.find("Would delete 1 run(s)"), std::string::npos) << idle.out;

  CommandResult resumed = run_command({build_path("examples/foreach").string(), "resume", "--origin-run-id", origin}, env());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  CommandResult in_use = gc({"--older-than", "0s", "--grace", "1h", "--allow-all"});
  ASSERT_EQ(in_use.exit_code, 0) << in_use.err;
  EXPECT_NE(in_use.out.find("Would delete 0 run(s)"), std::string::npos) << in_use.out;
}

// With the metadata service, gc lists runs from it and deletes their metadata through its DELETE
// route, then the files and blobs in the datastore.
TEST_F(GcTest, DeletesRunsRegisteredInTheMetadataService) {
  conflux::testing::ServiceProcess service({"--db", (dir_.path() / "service.db").string()},
                                           dir_.path() / "service.log");
  const int port = service.port();
  ASSERT_NE(port, 0) << service.log();
  std::map<std::string, std::string> with_service = env();
  with_service["METAFLOW_DEFAULT_METADATA"] = "service";
  with_service["METAFLOW_SERVICE_URL"] = "http://127.0.0.1:" + std::to_string(port);
  auto run = [&](int shards) {
    CommandResult r = run_command({build_path("examples/foreach").string(), "run", "--shards", std::to_string(shards),
                                   "--run-id-file", (dir_.path() / "run_id").string()},
                                  with_service);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return conflux::testing::read_file(dir_.path() / "run_id");
  };
  std::string old_run = run(2);
  std::string new_run = run(3);
  auto conflux_cmd = [&](std::vector<std::string> args) {
    args.insert(args.begin(), build_path("bin/conflux").string());
    return run_command(args, with_service);
  };
  CommandResult r = conflux_cmd({"gc", "--keep-last", "1", "--grace", "0s", "--delete", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto report = nlohmann::json::parse(r.out);
  ASSERT_EQ(report["runs"].size(), 1u) << r.out;
  EXPECT_EQ(report["runs"][0]["pathspec"], "ShardFlow/" + old_run);
  EXPECT_GT(report["blobs"].get<size_t>(), 0u);
  EXPECT_FALSE(fs::exists(root() / "ShardFlow" / old_run));

  CommandResult runs = conflux_cmd({"runs", "ShardFlow", "--all-namespaces", "--json"});
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  auto listed = nlohmann::json::parse(runs.out);
  ASSERT_EQ(listed.size(), 1u) << runs.out;
  EXPECT_EQ(listed[0]["id"], new_run);
  CommandResult dump = conflux_cmd({"dump", "ShardFlow/" + new_run + "/start", "--all-namespaces"});
  EXPECT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_NE(dump.out.find("[0, 1, 2]"), std::string::npos) << dump.out;
  EXPECT_EQ(blobs(), referenced_blobs());
}

TEST_F(GcTest, BadOptionsAreUsageErrors) {
  CommandResult none = gc({});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("no rule"), std::string::npos) << none.err;
  CommandResult bad = gc({"--older-than", "30days"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("'30days' is not a duration"), std::string::npos) << bad.err;
}

// Runs reuse stored values while gc sweeps them. The runner makes "seed" runs of
// examples/parameters with --region r<i>, and, 0.8 to 2 s after each, a run tagged `fresh` with the
// same region, which reuses the seed's blobs. gc loops meanwhile, deleting untagged runs idle for
// its 1 s grace period and sweeping their blobs: each fresh run reuses a blob well before, around
// or after its sweep. Every run must succeed and every fresh run must load completely at the end.
TEST_F(GcTest, RunsWhileGcSweepsKeepTheirBlobs) {
  using Clock = std::chrono::steady_clock;
  std::atomic<bool> stop{false};
  std::atomic<int> fresh_runs{0};
  std::thread runner([&] {
    auto run = [&](int region, bool fresh) {
      std::vector<std::string> argv = {build_path("examples/parameters").string(), "run", "--region",
                                       "r" + std::to_string(region)};
      if (fresh) argv.insert(argv.end(), {"--tag", "fresh"});
      CommandResult r = run_command(argv, env());
      EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    };
    std::deque<std::pair<int, Clock::time_point>> seeds;  // region, when its fresh run is due
    for (int i = 0; !stop.load(); ++i) {
      run(i, false);
      seeds.emplace_back(i, Clock::now() + std::chrono::milliseconds(800 + 300 * (i % 5)));
      for (auto it = seeds.begin(); it != seeds.end();) {
        if (Clock::now() < it->second) {
          ++it;
          continue;
        }
        run(it->first, true);
        ++fresh_runs;
        it = seeds.erase(it);
      }
    }
  });
  size_t swept = 0;
  size_t deleted = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(12);
  while (std::chrono::steady_clock::now() < until) {
    CommandResult r = gc({"--older-than", "0s", "--grace", "1s", "--keep-tag", "fresh", "--allow-all",
                          "--delete", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    if (r.exit_code == 0) {
      auto report = nlohmann::json::parse(r.out);
      swept += report["blobs"].get<size_t>();
      deleted += report["runs"].size();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stop = true;
  runner.join();
  // The test proves something only if gc really deleted runs and swept their blobs meanwhile.
  EXPECT_GT(deleted, 10u);
  EXPECT_GT(swept, 10u);
  conflux::Client c = client();
  auto runs = c.flow("ParameterFlow")->runs({"fresh"});
  ASSERT_TRUE(runs.ok()) << runs.status().to_string();
  EXPECT_EQ(runs->size(), static_cast<size_t>(fresh_runs.load()));
  EXPECT_GT(runs->size(), 10u);
  for (const conflux::Run& run : *runs) {
    for (const char* step : {"start", "end"}) {
      auto task = c.step(run.pathspec() + "/" + step)->task();
      ASSERT_TRUE(task.ok()) << task.status().to_string();
      auto artifacts = task->artifacts();
      ASSERT_TRUE(artifacts.ok()) << artifacts.status().to_string();
      for (const conflux::DataArtifact& a : *artifacts) {
        auto value = a.value();
        EXPECT_TRUE(value.ok()) << a.pathspec() << ": " << value.status().to_string();
      }
    }
  }
  RecordProperty("fresh_runs", fresh_runs.load());
  RecordProperty("deleted", static_cast<int>(deleted));
  RecordProperty("swept", static_cast<int>(swept));
}

}  // namespace
