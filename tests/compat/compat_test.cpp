// Every release's compatibility fixtures (tests/data/compat/<version>/) read back with this build
// exactly as they did with the release that wrote them: each step's artifacts through local
// metadata and through `conflux service` started on that release's database (migrated forward if
// the schema moved), and every blob with Python's pickle.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "testutil/service_process.hpp"
#include "testutil/testutil.hpp"

namespace {

namespace fs = std::filesystem;
using conflux::testing::build_path;
using conflux::testing::CommandResult;
using conflux::testing::read_file;
using conflux::testing::run_command;
using conflux::testing::TempDir;

std::vector<fs::path> fixture_versions() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fs::path(CONFLUX_TEST_DATA_DIR) / "compat")) {
    if (e.is_directory()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class CompatTest : public ::testing::TestWithParam<fs::path> {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.path() / "home");
    const char* tar = fs::exists("/usr/bin/tar") ? "/usr/bin/tar" : "/bin/tar";
    CommandResult r = run_command({tar, "-xzf", (GetParam() / "datastore.tar.gz").string(), "-C", dir_.path().string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    fs::copy_file(GetParam() / "service.db", dir_.path() / "service.db");
    expected_ = nlohmann::json::parse(read_file(GetParam() / "expected.json"));
  }
  std::map<std::string, std::string> env() const {
    return {{"HOME", (dir_.path() / "home").string()}, {"METAFLOW_HOME", ""}, {"METAFLOW_PROFILE", ""},
            {"METAFLOW_USER", "reader"}, {"METAFLOW_DEFAULT_METADATA", ""}, {"METAFLOW_DEFAULT_DATASTORE", ""},
            {"METAFLOW_DATASTORE_SYSROOT_LOCAL", dir_.path().string()}};
  }
  void expect_dumps(const nlohmann::json& expected, const std::map<std::string, std::string>& e) {
    ASSERT_FALSE(expected.empty());
    for (const auto& [pathspec, dump] : expected.items()) {
      CommandResult r = run_command({build_path("bin/conflux").string(), "dump", pathspec, "--json", "--all-namespaces"}, e);
      ASSERT_EQ(r.exit_code, 0) << pathspec << ": " << r.err;
      EXPECT_EQ(nlohmann::json::parse(r.out), dump) << pathspec;
    }
  }

  TempDir dir_;
  nlohmann::json expected_;
};

TEST_P(CompatTest, RunsWithLocalMetadataReadTheSame) { expect_dumps(expected_["local"], env()); }

TEST_P(CompatTest, RunsInTheServiceDatabaseReadTheSame) {
  conflux::testing::ServiceProcess service({"--db", (dir_.path() / "service.db").string()}, dir_.path() / "service.log");
  const int port = service.port();
  ASSERT_NE(port, 0) << service.log();
  auto e = env();
  e["METAFLOW_DEFAULT_METADATA"] = "service";
  e["METAFLOW_SERVICE_URL"] = "http://127.0.0.1:" + std::to_string(port);
  expect_dumps(expected_["service"], e);
}

TEST_P(CompatTest, PythonLoadsEveryArtifact) {
  CommandResult r = run_command({"/usr/bin/python3",
                                 (fs::path(CONFLUX_TEST_DATA_DIR).parent_path() / "tools" / "load_artifacts.py").string(),
                                 (dir_.path() / ".metaflow").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(nlohmann::json::parse(r.out).size(), 10u);
}

INSTANTIATE_TEST_SUITE_P(Release, CompatTest, ::testing::ValuesIn(fixture_versions()),
                         [](const ::testing::TestParamInfo<fs::path>& info) {
                           std::string name = "v" + info.param.filename().string();
                           for (char& c : name) {
                             if (c == '.' || c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
