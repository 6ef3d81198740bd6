// Moving runs: `conflux export` from one datastore, `conflux import` into another, checked file by
// file, with Python's pickle (tests/tools/load_artifacts.py), and against bad bundles.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "package/tar_archive.hpp"
#include "testutil/service_process.hpp"
#include "testutil/testutil.hpp"

namespace {

namespace fs = std::filesystem;
using conflux::testing::build_path;
using conflux::testing::CommandResult;
using conflux::testing::read_file;
using conflux::testing::run_command;
using conflux::testing::TempDir;
using conflux::testing::write_file;

// Every file below `root`, relative path to content; artifact rows' datastore location blanked
// (it names the root, which differs by design), latest_run left out (not part of a run).
std::map<std::string, std::string> tree(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file() || e.path().filename() == "latest_run") continue;
    // A flow's record says when the flow first appeared in that datastore.
    if (fs::relative(e.path(), root).string().ends_with("Flow/_meta/_self.json")) continue;
    std::string text = read_file(e.path());
    if (e.path().filename().string().find("_artifact_") != std::string::npos) {
      auto row = nlohmann::json::parse(text);
      row["location"] = "";
      text = row.dump();
    }
    out[fs::relative(e.path(), root).string()] = text;
  }
  return out;
}

// Every path of `a` and `b` holds the same bytes (names the first differences only).
void expect_same_tree(const fs::path& a, const fs::path& b) {
  std::map<std::string, std::string> left = tree(a), right = tree(b);
  int reported = 0;
  for (const auto& [path, text] : left) {
    auto it = right.find(path);
    if (it == right.end()) {
      ADD_FAILURE() << path << " is missing from " << b;
    } else if (it->second != text) {
      ADD_FAILURE() << path << " differs:\n" << text << "\n" << it->second;
    } else {
      continue;
    }
    if (++reported == 5) return;
  }
  for (const auto& [path, text] : right) {
    if (!left.contains(path) && ++reported <= 5) ADD_FAILURE() << path << " is only in " << b;
  }
}

class TransferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* d : {"home", "a", "b"}) fs::create_directories(dir_.path() / d);
  }
  std::map<std::string, std::string> env(const std::string& where) const {
    return {{"HOME", (dir_.path() / "home").string()},
            {"METAFLOW_HOME", ""},
            {"METAFLOW_PROFILE", ""},
            {"METAFLOW_USER", "tester"},
            {"METAFLOW_DEFAULT_METADATA", ""},
            {"METAFLOW_DEFAULT_DATASTORE", ""},
            {"METAFLOW_DATASTORE_SYSROOT_LOCAL", (dir_.path() / where).string()}};
  }
  std::string run_flow(const std::string& example, std::vector<std::string> args, const std::string& where) {
    std::vector<std::string> argv = {build_path("examples/" + example).string(), "run", "--run-id-file",
                                     (dir_.path() / "run_id").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult r = run_command(argv, env(where));
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return read_file(dir_.path() / "run_id");
  }
  CommandResult conflux(std::vector<std::string> args, const std::map<std::string, std::string>& e) {
    args.insert(args.begin(), build_path("bin/conflux").string());
    return run_command(args, e);
  }
  fs::path bundle() const { return dir_.path() / "runs.tar"; }

  TempDir dir_;
};

TEST_F(TransferTest, ExportThenImportRecreatesTheRunsExactlyAndOnlyOnce) {
  std::string shard = run_flow("foreach", {"--shards", "3", "--with", "card"}, "a");
  std::string params = run_flow("parameters", {"--region", "eu"}, "a");
  ASSERT_TRUE(fs::exists(dir_.path() / "a" / ".metaflow" / "mf.cards" / "ShardFlow" / "runs" / shard));
  CommandResult exported = conflux({"export", "ShardFlow/" + shard, "ParameterFlow/" + params, "--to",
                                    bundle().string()}, env("a"));
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_NE(exported.out.find("Exported 2 run(s)"), std::string::npos) << exported.out;
  EXPECT_FALSE(fs::exists(bundle().string() + ".partial"));

  CommandResult imported = conflux({"import", bundle().string(), "--json"}, env("b"));
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  auto report = nlohmann::json::parse(imported.out);
  ASSERT_EQ(report.size(), 2u);
  EXPECT_EQ(report[0]["target"], "ShardFlow/" + shard);
  EXPECT_EQ(report[0]["outcome"], "imported");
  // The same files, byte for byte (metadata timestamps and cards included), but the artifact rows' root.
  expect_same_tree(dir_.path() / "a" / ".metaflow", dir_.path() / "b" / ".metaflow");
  EXPECT_TRUE(fs::exists(dir_.path() / "b" / ".metaflow" / "mf.cards" / "ShardFlow" / "runs" / shard / "steps" /
                         "train"));
  auto row = nlohmann::json::parse(read_file(dir_.path() / "b" / ".metaflow" / "ParameterFlow" / params / "start" /
                                             "1" / "_meta" / "0_artifact_summary.json"));
  EXPECT_EQ(row["location"], ":root:" + (dir_.path() / "b" / ".metaflow").string());

  // Python's pickle loads every artifact of the imported runs.
  CommandResult python = run_command({"/usr/bin/python3", (fs::path(CONFLUX_TEST_DATA_DIR).parent_path() / "tools" /
                                                            "load_artifacts.py").string(),
                                      (dir_.path() / "b" / ".metaflow").string()});
  ASSERT_EQ(python.exit_code, 0) << python.err;
  auto loaded = nlohmann::json::parse(python.out);
  EXPECT_EQ(loaded["ParameterFlow/" + params + "/start/1"]["summary"]["json"],
            "eu: 3 items, alpha 0.010000, depth 2, 1 file(s)");
  CommandResult dump = conflux({"dump", "ShardFlow/" + shard + "/start", "--all-namespaces"}, env("b"));
  EXPECT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_NE(dump.out.find("[0, 1, 2]"), std::string::npos) << dump.out;

  // Importing again changes nothing.
  CommandResult again = conflux({"import", bundle().string(), "--json"}, env("b"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto second = nlohmann::json::parse(again.out);
  EXPECT_EQ(second[0]["outcome"], "already imported");
  EXPECT_EQ(second[1]["outcome"], "already imported");
  expect_same_tree(dir_.path() / "a" / ".metaflow", dir_.path() / "b" / ".metaflow");
}

TEST_F(TransferTest, ARunIdTakenByAnotherRunIsMapped) {
  std::string run = run_flow("parameters", {"--region", "eu"}, "a");
  ASSERT_EQ(conflux({"export", "ParameterFlow/" + run, "--to", bundle().string()}, env("a")).exit_code, 0);
  // Another run with the same id in the target: same files, another creation time.
  fs::copy(dir_.path() / "a" / ".metaflow", dir_.path() / "b" / ".metaflow", fs::copy_options::recursive);
  fs::path self = dir_.path() / "b" / ".metaflow" / "ParameterFlow" / run / "_meta" / "_self.json";
  auto record = nlohmann::json::parse(read_file(self));
  record["ts_epoch"] = record["ts_epoch"].get<int64_t>() - 1000;
  write_file(self, record.dump());

  CommandResult imported = conflux({"import", bundle().string(), "--json"}, env("b"));
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  auto report = nlohmann::json::parse(imported.out);
  ASSERT_EQ(report.size(), 1u);
  std::string target = report[0]["target"];
  EXPECT_NE(target, "ParameterFlow/" + run);
  EXPECT_NE(report[0]["outcome"].get<std::string>().find("new id"), std::string::npos) << imported.out;
  CommandResult dump = conflux({"dump", target + "/start", "--all-namespaces"}, env("b"));
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_NE(dump.out.find("eu: 3 items"), std::string::npos) << dump.out;
  EXPECT_EQ(nlohmann::json::parse(read_file(self)), record);  // the other run is untouched
  // Again: the run imported under a new id is found by its imported_from tag, not imported twice.
  CommandResult again = conflux({"import", bundle().string(), "--json"}, env("b"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto second = nlohmann::json::parse(again.out);
  EXPECT_EQ(second[0]["outcome"], "already imported");
  EXPECT_EQ(second[0]["target"], target);
}

TEST_F(TransferTest, ImportsIntoTheMetadataService) {
  std::string run = run_flow("foreach", {"--shards", "2", "--with", "card"}, "a");
  ASSERT_EQ(conflux({"export", "ShardFlow/" + run, "--to", bundle().string()}, env("a")).exit_code, 0);
  conflux::testing::ServiceProcess service({"--db", (dir_.path() / "service.db").string()}, dir_.path() / "service.log");
  const int port = service.port();
  ASSERT_NE(port, 0) << service.log();
  auto with_service = env("b");
  with_service["METAFLOW_DEFAULT_METADATA"] = "service";
  with_service["METAFLOW_SERVICE_URL"] = "http://127.0.0.1:" + std::to_string(port);
  CommandResult imported = conflux({"import", bundle().string(), "--json"}, with_service);
  ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
  // The service numbers its runs: the run gets a new number and an imported_from tag.
  const std::string target = nlohmann::json::parse(imported.out)[0]["target"];
  const std::string id = target.substr(target.find('/') + 1);
  CommandResult runs = conflux({"runs", "ShardFlow", "--all-namespaces", "--json"}, with_service);
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  auto listed = nlohmann::json::parse(runs.out);
  ASSERT_EQ(listed.size(), 1u) << runs.out;
  EXPECT_EQ(listed[0]["id"], id);
  EXPECT_EQ(listed[0]["status"], "successful");
  auto tags = listed[0]["system_tags"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(tags.begin(), tags.end(), "imported_from:ShardFlow/" + run), tags.end()) << runs.out;
  CommandResult dump = conflux({"dump", target + "/start", "--all-namespaces"}, with_service);
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_NE(dump.out.find("[0, 1]"), std::string::npos) << dump.out;
  // The cards moved with the run, under its new number and its tasks' new ids.
  CommandResult cards = conflux({"card", "list", target + "/train", "--json"}, with_service);
  ASSERT_EQ(cards.exit_code, 0) << cards.err;
  auto card_list = nlohmann::json::parse(cards.out);
  ASSERT_EQ(card_list.size(), 2u) << cards.out;
  for (const auto& task : card_list) EXPECT_EQ(task["cards"].size(), 1u) << cards.out;
  CommandResult again = conflux({"import", bundle().string(), "--json"}, with_service);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)[0]["outcome"], "already imported") << again.out;
  CommandResult twice = conflux({"runs", "ShardFlow", "--all-namespaces", "--json"}, with_service);
  EXPECT_EQ(nlohmann::json::parse(twice.out).size(), 1u) << twice.out;
}

TEST_F(TransferTest, BadBundlesAreRefusedBeforeAnythingIsWritten) {
  std::string run = run_flow("foreach", {"--shards", "2"}, "a");
  ASSERT_EQ(conflux({"export", "ShardFlow/" + run, "--to", bundle().string()}, env("a")).exit_code, 0);
  auto nothing_written = [&] { return !fs::exists(dir_.path() / "b" / ".metaflow" / "ShardFlow"); };

  // Truncated, at a few places (inside an entry, at a header, before the end entry).
  const std::string whole = read_file(bundle());
  for (size_t cut : {size_t{700}, whole.size() / 2, whole.size() - 1024 - 512, whole.size() - 1024}) {
    write_file(dir_.path() / "cut.tar", whole.substr(0, cut));
    CommandResult r = conflux({"import", (dir_.path() / "cut.tar").string()}, env("b"));
    EXPECT_EQ(r.exit_code, 1) << cut;
    EXPECT_TRUE(r.err.find("truncated") != std::string::npos || r.err.find("damaged") != std::string::npos)
        << cut << ": " << r.err;
    EXPECT_TRUE(nothing_written()) << cut;
  }

  // A newer format version.
  auto manifest = nlohmann::json{{"format", "conflux-run-bundle"}, {"version", 99}, {"conflux_version", "9.0.0"}, {"runs", nlohmann::json::array()}};
  auto tar = conflux::write_tar({{"conflux-bundle.json", manifest.dump()}, {"conflux-bundle-end.json", R"({"runs": 0, "entries": 2})"}}, 0);
  write_file(dir_.path() / "v99.tar", *tar);
  CommandResult newer = conflux({"import", (dir_.path() / "v99.tar").string()}, env("b"));
  EXPECT_EQ(newer.exit_code, 1);
  EXPECT_NE(newer.err.find("format version 99, written by Conflux 9.0.0"), std::string::npos) << newer.err;

  // A run named like the flow's blob folder, and a metadata file among a run's files.
  for (const char* entry : {"runs/ShardFlow/data/metadata.json", "runs/ShardFlow/1/files/start/1/_meta/_self.json"}) {
    auto crafted = conflux::write_tar({{"conflux-bundle.json", R"({"format": "conflux-run-bundle", "version": 1, "runs": []})"},
                                       {entry, "{}"},
                                       {"conflux-bundle-end.json", R"({"runs": 0, "entries": 3})"}},
                                      0);
    write_file(dir_.path() / "crafted.tar", *crafted);
    CommandResult r = conflux({"import", (dir_.path() / "crafted.tar").string()}, env("b"));
    EXPECT_EQ(r.exit_code, 1) << entry;
    EXPECT_NE(r.err.find("unexpected entry"), std::string::npos) << entry << ": " << r.err;
    EXPECT_TRUE(nothing_written()) << entry;
  }

  // Not a bundle at all.
  write_file(dir_.path() / "notes.txt", "hello");
  CommandResult other = conflux({"import", (dir_.path() / "notes.txt").string()}, env("b"));
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find("is not a Conflux run bundle"), std::string::npos) << other.err;

  // A datastore that cannot be written (its .metaflow is a file).
  fs::remove_all(dir_.path() / "b" / ".metaflow");
  write_file(dir_.path() / "b" / ".metaflow", "");
  CommandResult readonly = conflux({"import", bundle().string()}, env("b"));
  EXPECT_EQ(readonly.exit_code, 1);
  EXPECT_NE(readonly.err.find(".metaflow"), std::string::npos) << readonly.err;
  fs::remove(dir_.path() / "b" / ".metaflow");
  EXPECT_TRUE(nothing_written());
}

TEST_F(TransferTest, ExportOfAMissingRunWritesNothing) {
  CommandResult r = conflux({"export", "ShardFlow/42", "--to", bundle().string()}, env("a"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("ShardFlow/42"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(bundle()));
  CommandResult usage = conflux({"export", "ShardFlow"}, env("a"));
  EXPECT_EQ(usage.exit_code, 2);
}

}  // namespace
