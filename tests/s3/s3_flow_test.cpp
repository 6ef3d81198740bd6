// End to end on the S3 datastore: example flow binaries run against the local S3 server (through
// the SigV4 checker), their runs are read back with the flow's `dump`/`logs` and with the
// `conflux` tool, the metadata records ds-type s3 and the s3:// root, and a run survives injected
// server faults without leaving a partial blob behind.
#include <gtest/gtest.h>

#include <functional>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "datastore/content_addressed_store.hpp"
#include "datastore/sha1.hpp"
#include "s3/s3_test_env.hpp"

namespace conflux {
namespace {

namespace fs = std::filesystem;
using testing::build_path;
using testing::CommandResult;
using testing::run_command;

class S3FlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_ = testing::s3_options("flows");
    root_ = options_.location.url();
    env_ = testing::s3_env();
    env_["METAFLOW_DEFAULT_DATASTORE"] = "s3";
    env_["METAFLOW_DATASTORE_SYSROOT_S3"] = root_;
    env_["METAFLOW_USER"] = "tester";
    env_["HOME"] = tmp_.path().string();  // no ~/.aws or ~/.metaflowconfig of the machine
    env_["METAFLOW_S3_RETRY_COUNT"] = "10";
    storage_ = testing::make_s3(options_);
  }

  std::string run_flow(const std::string& example, std::vector<std::string> extra = {}) {
    std::string id_file = (tmp_.path() / "run_id").string();
    std::vector<std::string> argv = {build_path("examples/" + example).string(), "run", "--run-id-file", id_file};
    argv.insert(argv.end(), extra.begin(), extra.end());
    CommandResult r = run_command(argv, env_, tmp_.path());
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return testing::read_file(id_file);
  }

  CommandResult flow(const std::string& example, std::vector<std::string> args) {
    args.insert(args.begin(), build_path("examples/" + example).string());
    return run_command(args, env_, tmp_.path());
  }

  // Every key under `prefix`, recursively.
  std::vector<std::string> all_keys(const std::string& prefix) {
    std::vector<std::string> out;
    std::function<void(const std::string&)> walk = [&](const std::string& p) {
      std::vector<ListEntry> entries = storage_->list(p).value();
      for (const ListEntry& e : entries) {
        std::string key = p.empty() ? e.name : p + "/" + e.name;
        if (e.is_file) out.push_back(key);
        else walk(key);
      }
    };
    walk(prefix);
    return out;
  }

  // Every blob of the flow decodes to content whose SHA-1 is its name: nothing partial is visible.
  void expect_complete_blobs(const std::string& flow_name) {
    ContentAddressedStore cas(*storage_, flow_name);
    int blobs = 0;
    for (const std::string& key : all_keys(flow_name + "/data")) {
      std::string sha = key.substr(key.rfind('/') + 1);
      EXPECT_EQ(sha.size(), 40u) << "unexpected object " << key;
      Result<std::string> content = cas.load_all(sha);
      ASSERT_TRUE(content.ok()) << content.status().to_string();
      Sha1 h;
      h.update(*content);
      EXPECT_EQ(h.hex_digest().value(), sha);
      ++blobs;
    }
    EXPECT_GT(blobs, 0);
  }

  testing::TempDir tmp_;
  S3StorageOptions options_;
  std::string root_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<S3Storage> storage_;
};

TEST_F(S3FlowTest, HelloRunsAndReadsBackWithDumpLogsAndTheConfluxTool) {
  std::string run = run_flow("hello");
  ASSERT_FALSE(run.empty());
  CommandResult dump = flow("hello", {"dump", run + "/start"});
  EXPECT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_EQ(dump.out,
            "message [size: 33 type: <class 'str'>] = Hello from Conflux\n"
            "name [size: 24 type: <class 'str'>] = HelloFlow\n");
  CommandResult logs = flow("hello", {"logs", run + "/end"});
  EXPECT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_EQ(logs.out, "Hello from Conflux\n");
  CommandResult tool_logs = run_command({build_path("bin/conflux").string(), "logs", "HelloFlow/" + run + "/end"},
                                        env_, tmp_.path());
  EXPECT_EQ(tool_logs.exit_code, 0) << tool_logs.err;
  EXPECT_EQ(tool_logs.out, logs.out);
  CommandResult tool_dump = run_command(
      {build_path("bin/conflux").string(), "--datastore", "s3", "dump", "HelloFlow/" + run + "/start"}, env_,
      tmp_.path());
  EXPECT_EQ(tool_dump.exit_code, 0) << tool_dump.err;
  EXPECT_EQ(tool_dump.out, dump.out);

  // Metaflow's S3 layout: blobs with their flags as metadata, no _meta objects next to them.
  for (const std::string& key : all_keys("HelloFlow/data")) {
    EXPECT_EQ(key.find("_meta"), std::string::npos) << key;
    EXPECT_TRUE(storage_->load_metadata(key).value().count("metaflow-user-attributes")) << key;
  }
  expect_complete_blobs("HelloFlow");
  // data.json names the datastore it lives in, as Metaflow's does.
  const std::string index = storage_->load("HelloFlow/" + run + "/start/1/0.data.json").value();
  EXPECT_NE(index.find("\"datastore\": \"s3\""), std::string::npos) << index;
  // A task that printed nothing leaves no empty runtime logs behind (readers take none as empty).
  EXPECT_FALSE(storage_->exists("HelloFlow/" + run + "/start/1/0.runtime_stderr.log").value());
  // Local metadata stays in the local .metaflow, as in Metaflow (its client looks there): none
  // in S3, and the local attempt metadata records the S3 datastore.
  std::vector<std::string> run_keys = all_keys("HelloFlow/" + run);
  EXPECT_GT(run_keys.size(), 10u) << "HelloFlow/" + run;
  for (const std::string& key : run_keys) EXPECT_EQ(key.find("_meta"), std::string::npos) << key;
  fs::path local_run = tmp_.path() / ".metaflow" / "HelloFlow" / run;
  ASSERT_TRUE(fs::exists(local_run / "_meta" / "_self.json")) << local_run;
  EXPECT_FALSE(fs::exists(tmp_.path() / ".metaflow" / "HelloFlow" / "data")) << "no blob is local";
  bool ds_type = false, ds_root = false;
  for (const auto& entry : fs::recursive_directory_iterator(local_run)) {
    if (!entry.is_regular_file()) continue;
    std::string text = testing::read_file(entry.path());
    ds_type = ds_type || (text.find("ds-type") != std::string::npos && text.find("\"s3\"") != std::string::npos);
    ds_root = ds_root || text.find(root_) != std::string::npos;
  }
  EXPECT_TRUE(ds_type);
  EXPECT_TRUE(ds_root);
}

TEST_F(S3FlowTest, CardsAreWrittenUnderTheSysrootsCardRoot) {
  // Metaflow's card root on S3 is <sysroot>/mf.cards; the live card's data file is there too.
  std::string run = run_flow("cards", {"--epochs", "2"});
  std::vector<std::string> keys = all_keys("mf.cards/CardFlow/runs/" + run);
  int html = 0, data = 0;
  for (const std::string& k : keys) {
    if (std::regex_match(k, std::regex(".*/steps/(start|end)/tasks/[0-9]+/cards/(blank|default)-[0-9a-f]{32}\\.html"))) ++html;
    if (std::regex_match(k, std::regex(".*/runtime/(blank|default)-[0-9a-f]{32}\\.data\\.json"))) ++data;
  }
  EXPECT_EQ(html, 2) << ::testing::PrintToString(keys);
  EXPECT_EQ(data, 2);
}

TEST_F(S3FlowTest, DatastoreFlagSelectsS3) {
  env_.erase("METAFLOW_DEFAULT_DATASTORE");
  std::string id_file = (tmp_.path() / "run_id").string();
  CommandResult r = run_command({build_path("examples/hello").string(), "--datastore", "s3", "run",
                                 "--run-id-file", id_file},
                                env_, tmp_.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(storage_->list("HelloFlow").value().empty());
  // Locally only metadata: no blob, no task file.
  std::string run = testing::read_file(id_file);
  EXPECT_TRUE(fs::exists(tmp_.path() / ".metaflow" / "HelloFlow" / run / "_meta" / "_self.json"));
  EXPECT_FALSE(fs::exists(tmp_.path() / ".metaflow" / "HelloFlow" / "data"));
  for (const auto& entry : fs::recursive_directory_iterator(tmp_.path() / ".metaflow" / "HelloFlow" / run)) {
    if (entry.is_regular_file()) EXPECT_NE(entry.path().string().find("/_meta/"), std::string::npos) << entry.path();
  }
}

TEST_F(S3FlowTest, ForeachSurvivesServerFaultsMidRun) {
  testing::ProxyFaults faults("drop", 4);
  std::string run = run_flow("foreach");
  ASSERT_FALSE(run.empty());
  int run_faults = faults.injected();
  testing::ProxyFaults more_faults("500", 2);  // dump makes only a few requests
  CommandResult dump = flow("foreach", {"dump", run + "/join", "--json", "--include", "best"});
  EXPECT_EQ(dump.exit_code, 0) << dump.err;
  auto best = nlohmann::json::parse(dump.out, nullptr, false);
  ASSERT_TRUE(best.is_object()) << dump.out;
  ASSERT_EQ(best.size(), 1u) << dump.out;
  EXPECT_DOUBLE_EQ(best.begin().value()["best"].get<double>(), 1.0) << dump.out;
  EXPECT_GT(run_faults, 2);
  EXPECT_GT(more_faults.injected(), 0);
  expect_complete_blobs("ShardFlow");
}

// Requests are round trips: a foreach task costs a dozen or so (no lookup before saving a small
// blob, none at all for values its input or its step's earlier tasks stored, one listing or none
// to find an input's attempt, one GET per small artifact read). Counted by the proxy, for this
// test's prefix only (tests share the server).
TEST_F(S3FlowTest, AForeachTaskCostsAFewRequests) {
  const std::string log_path = testing::s3_env()["CONFLUX_TEST_S3_REQUEST_LOG"];
  ASSERT_FALSE(log_path.empty());
  const std::string prefix = root_.substr(root_.find('/', 5) + 1);  // after s3://bucket/
  std::string encoded = prefix;
  for (size_t at = encoded.find('/'); at != std::string::npos; at = encoded.find('/', at)) encoded.replace(at, 1, "%2F");
  const size_t before = testing::read_file(log_path).size();
  const int shards = 12;
  std::string run = run_flow("foreach", {"--shards", std::to_string(shards), "--max-workers", "4"});
  ASSERT_FALSE(run.empty());
  std::istringstream lines(testing::read_file(log_path).substr(before));
  int requests = 0, heads = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find("/" + prefix + "/") == std::string::npos && line.find("prefix=" + encoded) == std::string::npos) continue;
    ++requests;
    heads += line.starts_with("HEAD ");
  }
  const int tasks = shards + 3;  // start, the shards, join, end
  EXPECT_GT(requests, tasks * 5) << "the log must see this run's requests";
  // About 15.5 per task on a quiet machine; the margin is for the client's retries when the server
  // is slow under load (41 per task before the request diet).
  EXPECT_LE(requests, tasks * 20) << requests << " requests for " << tasks << " tasks, " << heads << " HEAD";
  EXPECT_LE(heads, 2) << "no lookups: blobs are PUT or known, attempts listed or known";
}

TEST_F(S3FlowTest, MissingSysrootIsAClearError) {
  env_.erase("METAFLOW_DATASTORE_SYSROOT_S3");
  CommandResult r = flow("hello", {"run"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("METAFLOW_DATASTORE_SYSROOT_S3"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace conflux

namespace conflux {
namespace {

TEST_F(S3FlowTest, ResumeClonesFromAnS3Run) {
  std::string binary = build_path("tests/flows/failing_flow").string();
  auto env = env_;
  env["FAILING_FLOW_BREAK"] = "1";
  CommandResult failed = run_command({binary, "run", "--mode", "env"}, env, tmp_.path());
  ASSERT_EQ(failed.exit_code, 1) << failed.out << failed.err;
  CommandResult resumed = run_command({binary, "resume"}, env_, tmp_.path());
  ASSERT_EQ(resumed.exit_code, 0) << resumed.out << resumed.err;
  EXPECT_NE(resumed.out.find("Cloning previously run task"), std::string::npos) << resumed.out;
  EXPECT_NE(resumed.out.find("] sum 6"), std::string::npos) << resumed.out;
}

}  // namespace
}  // namespace conflux

namespace conflux {
namespace {

// `conflux gc` on the S3 datastore (local metadata, as Metaflow keeps it): the older run's objects
// and metadata go, the blobs only it used are swept, and what remains is complete and readable.
TEST_F(S3FlowTest, GcDeletesAnOldRunAndSweepsItsBlobs) {
  std::string old_run = run_flow("foreach", {"--shards", "2"});
  std::string new_run = run_flow("foreach", {"--shards", "3"});
  ASSERT_FALSE(old_run.empty());
  const size_t blobs_before = all_keys("ShardFlow/data").size();
  CommandResult gc = run_command({build_path("bin/conflux").string(), "gc", "--keep-last", "1", "--grace", "0s",
                                  "--delete", "--json"},
                                 env_, tmp_.path());
  ASSERT_EQ(gc.exit_code, 0) << gc.out << gc.err;
  auto report = nlohmann::json::parse(gc.out);
  ASSERT_EQ(report["runs"].size(), 1u) << gc.out;
  EXPECT_EQ(report["runs"][0]["pathspec"], "ShardFlow/" + old_run);
  EXPECT_GT(report["blobs"].get<size_t>(), 0u);
  EXPECT_TRUE(all_keys("ShardFlow/" + old_run).empty());
  EXPECT_FALSE(fs::exists(tmp_.path() / ".metaflow" / "ShardFlow" / old_run));
  EXPECT_EQ(all_keys("ShardFlow/data").size(), blobs_before - report["blobs"].get<size_t>());

  // Every blob left is referenced by the remaining run, and every reference resolves.
  std::set<std::string> referenced;
  for (const std::string& key : all_keys("ShardFlow/" + new_run)) {
    if (!key.ends_with(".data.json")) continue;
    auto index = nlohmann::json::parse(storage_->load(key).value());
    for (const auto& [name, sha] : index["objects"].items()) referenced.insert(sha.get<std::string>());
  }
  std::set<std::string> stored;
  for (const std::string& key : all_keys("ShardFlow/data")) stored.insert(key.substr(key.rfind('/') + 1));
  EXPECT_EQ(stored, referenced);
  expect_complete_blobs("ShardFlow");
  CommandResult dump = flow("foreach", {"dump", new_run + "/start"});
  EXPECT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_NE(dump.out.find("[0, 1, 2]"), std::string::npos) << dump.out;
}

}  // namespace
}  // namespace conflux

namespace conflux {
namespace {

// A run moves from an S3 datastore to a local one and into another S3 prefix, with `conflux
// export` and `conflux import`; what arrives reads back the same.
TEST_F(S3FlowTest, ExportAndImportMoveARunBetweenS3AndLocal) {
  std::string run = run_flow("foreach", {"--shards", "3"});
  ASSERT_FALSE(run.empty());
  const std::string bundle = (tmp_.path() / "run.tar").string();
  CommandResult exported = run_command({build_path("bin/conflux").string(), "export", "ShardFlow/" + run, "--to", bundle},
                                       env_, tmp_.path());
  ASSERT_EQ(exported.exit_code, 0) << exported.err;

  // Into a local datastore.
  auto local = env_;
  local["METAFLOW_DEFAULT_DATASTORE"] = "local";
  local["METAFLOW_DATASTORE_SYSROOT_LOCAL"] = (tmp_.path() / "local").string();
  CommandResult into_local = run_command({build_path("bin/conflux").string(), "import", bundle}, local, tmp_.path());
  ASSERT_EQ(into_local.exit_code, 0) << into_local.err;
  CommandResult dump = run_command({build_path("examples/foreach").string(), "dump", run + "/start"}, local, tmp_.path());
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_NE(dump.out.find("[0, 1, 2]"), std::string::npos) << dump.out;

  // Into another S3 prefix, with its own local metadata.
  auto other = env_;
  S3StorageOptions other_options = testing::s3_options("imported");
  other["METAFLOW_DATASTORE_SYSROOT_S3"] = other_options.location.url();
  other["METAFLOW_DATASTORE_SYSROOT_LOCAL"] = (tmp_.path() / "other").string();
  fs::create_directories(tmp_.path() / "other");
  CommandResult into_s3 = run_command({build_path("bin/conflux").string(), "import", bundle}, other, tmp_.path() / "other");
  ASSERT_EQ(into_s3.exit_code, 0) << into_s3.err;
  CommandResult dump_s3 = run_command({build_path("examples/foreach").string(), "dump", run + "/end"}, other,
                                      tmp_.path() / "other");
  ASSERT_EQ(dump_s3.exit_code, 0) << dump_s3.err;
  EXPECT_NE(dump_s3.out.find("best"), std::string::npos) << dump_s3.out;
  auto imported = testing::make_s3(other_options);
  EXPECT_FALSE(imported->list_tree("ShardFlow/" + run).value().empty());
  ContentAddressedStore cas(*imported, "ShardFlow");
  std::vector<ObjectInfo> blobs = imported->list_tree("ShardFlow/data").value();
  EXPECT_GT(blobs.size(), 10u);
  for (const ObjectInfo& o : blobs) {
    std::string sha = o.key.substr(o.key.rfind('/') + 1);
    Result<std::string> content = cas.load_all(sha);
    ASSERT_TRUE(content.ok()) << content.status().to_string();
    Sha1 h;
    h.update(*content);
    EXPECT_EQ(h.hex_digest().value(), sha);
  }
}

}  // namespace
}  // namespace conflux

namespace conflux {
namespace {

// Server-side encryption (Metaflow's METAFLOW_S3_SERVER_SIDE_ENCRYPTION, and a KMS key id): every
// request that creates an object asks for it (the proxy logs the headers after checking their
// signature; s3rver itself ignores them), part uploads and reads do not carry it, and a wrong
// setting is a clear error.
TEST_F(S3FlowTest, ServerSideEncryptionIsAskedForOnEveryWrite) {
  const std::string log_path = testing::s3_env()["CONFLUX_TEST_S3_REQUEST_LOG"];
  const std::string prefix = root_.substr(root_.find('/', 5) + 1);
  const size_t before = testing::read_file(log_path).size();
  env_["METAFLOW_S3_SERVER_SIDE_ENCRYPTION"] = "aws:kms";
  env_["CONFLUX_S3_SSE_KMS_KEY_ID"] = "alias/conflux-test";
  env_["CONFLUX_S3_PART_SIZE_MIB"] = "5";
  std::string run = run_flow("foreach", {"--shards", "2"});
  ASSERT_FALSE(run.empty());
  std::istringstream lines(testing::read_file(log_path).substr(before));
  int writes = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find("/" + prefix + "/") == std::string::npos) continue;
    const bool creates = (line.starts_with("PUT ") && line.find("partNumber=") == std::string::npos) ||
                         (line.starts_with("POST ") && line.find("?uploads") != std::string::npos);
    const bool asks = line.find(" sse=aws:kms kms=alias/conflux-test") != std::string::npos;
    if (creates) {
      ++writes;
      EXPECT_TRUE(asks) << line;
    } else {
      EXPECT_FALSE(asks) << line;
    }
  }
  EXPECT_GT(writes, 20);

  env_["METAFLOW_S3_SERVER_SIDE_ENCRYPTION"] = "aes256";
  CommandResult bad = flow("hello", {"run"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("METAFLOW_S3_SERVER_SIDE_ENCRYPTION must be AES256"), std::string::npos) << bad.err;
  env_["METAFLOW_S3_SERVER_SIDE_ENCRYPTION"] = "AES256";
  env_["CONFLUX_S3_SSE_KMS_KEY_ID"] = "alias/conflux-test";
  CommandResult key_without_kms = flow("hello", {"run"});
  EXPECT_NE(key_without_kms.exit_code, 0);
  EXPECT_NE(key_without_kms.err.find("a KMS key needs aws:kms"), std::string::npos) << key_without_kms.err;

}

}  // namespace
}  // namespace conflux
