#include "metadata/local_metadata_provider.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "datastore/ds_test_util.hpp"
#include "datastore/local_storage.hpp"

namespace conflux {
namespace {

using dstest::read_file;
using dstest::TempDir;

using Clock = std::chrono::system_clock;

Clock::time_point at_us(int64_t us) {
  return Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(std::chrono::microseconds(us)));
}

LocalMetadataOptions fixed_clock_options(int64_t us) {
  return LocalMetadataOptions{"tester", [us] { return at_us(us); }};
}

// --- Reading the golden tree written by Metaflow's local provider ---

class MetaflowMetadataTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    root_ = new std::filesystem::path(dstest::extract_fixture(dir_->path()));
  }
  static void TearDownTestSuite() {
    delete root_;
    delete dir_;
  }
  void SetUp() override { ASSERT_TRUE(std::filesystem::is_directory(*root_)); }

  static TempDir* dir_;
  static std::filesystem::path* root_;
  LocalStorage storage_{*root_};
  LocalMetadataProvider md_{storage_, LocalMetadataOptions{"reader", {}}};
};
TempDir* MetaflowMetadataTest::dir_ = nullptr;
std::filesystem::path* MetaflowMetadataTest::root_ = nullptr;

TEST_F(MetaflowMetadataTest, ListsFlowsRunsStepsAndTasks) {
  Result<std::vector<FlowRecord>> flows = md_.list_flows();
  ASSERT_TRUE(flows.ok()) << flows.status().to_string();
  std::vector<std::string> names;
  for (const FlowRecord& f : *flows) names.push_back(f.flow_id);
  EXPECT_EQ(names, (std::vector<std::string>{"BranchFlow", "CatchFlow", "ForeachFlow", "LinearFlow",
                                             "NestedForeachFlow", "ResumeFlow", "RetryFlow",
                                             "SwitchFlow"}));
  EXPECT_EQ(md_.get_flow("LinearFlow")->ts_epoch, 1795933055266);

  size_t total_runs = 0;
  size_t total_tasks = 0;
  for (const std::string& flow : names) {
    Result<std::vector<RunRecord>> runs = md_.list_runs(flow);
    ASSERT_TRUE(runs.ok());
    EXPECT_EQ(runs->size(), flow == "SwitchFlow" || flow == "ResumeFlow" ? 2u : 1u) << flow;
    total_runs += runs->size();
    for (const RunRecord& run : *runs) {
      EXPECT_EQ(run.flow_id, flow);
      Result<std::vector<StepRecord>> steps = md_.list_steps(flow, run.run_number);
      ASSERT_TRUE(steps.ok());
      ASSERT_FALSE(steps->empty());
      EXPECT_EQ(steps->front().step_name, "_parameters");
      for (const StepRecord& step : *steps) {
        EXPECT_EQ(step.tags, run.tags);
        Result<std::vector<TaskRecord>> tasks =
            md_.list_tasks(flow, run.run_number, step.step_name);
        ASSERT_TRUE(tasks.ok());
        EXPECT_FALSE(tasks->empty()) << flow << "/" << run.run_number << "/" << step.step_name;
        total_tasks += tasks->size();
        for (const TaskRecord& t : *tasks) {
          Result<std::vector<MetadataRow>> rows =
              md_.list_metadata(flow, run.run_number, step.step_name, t.task_id, std::nullopt);
          ASSERT_TRUE(rows.ok());
          EXPECT_FALSE(rows->empty());
          for (size_t i = 1; i < rows->size(); ++i)
            EXPECT_LE((*rows)[i - 1].ts_epoch, (*rows)[i].ts_epoch);
        }
      }
    }
  }
  EXPECT_EQ(total_runs, 10u);
  EXPECT_EQ(total_tasks, 52u);

  Result<std::vector<StepRecord>> linear = md_.list_steps("LinearFlow", "1795933055265084");
  std::vector<std::string> step_names;
  for (const StepRecord& s : *linear) step_names.push_back(s.step_name);
  EXPECT_EQ(step_names, (std::vector<std::string>{"_parameters", "start", "middle", "end"}));
  Result<RunRecord> run = md_.get_run("LinearFlow", "1795933055265084");
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->user_name, "tester");
  EXPECT_EQ(run->tags, (std::vector<std::string>{"linear", "fixture"}));
  EXPECT_EQ(run->system_tags.size(), 4u);

  Result<std::vector<TaskRecord>> inner =
      md_.list_tasks("NestedForeachFlow", "1795933068066044", "inner");
  std::vector<std::string> ids;
  for (const TaskRecord& t : *inner) ids.push_back(t.task_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"4", "5", "6", "7"}));
  Result<TaskRecord> task = md_.get_task("LinearFlow", "1795933055265084", "start", "1");
  ASSERT_TRUE(task.ok());
  EXPECT_EQ(task->ts_epoch, 1795933055283);
  EXPECT_EQ(task->tags, run->tags);
}

TEST_F(MetaflowMetadataTest, RetriedTaskMetadataAndArtifacts) {
  const char* f = "RetryFlow";
  const char* r = "1795933084653946";
  Result<std::vector<MetadataRow>> all = md_.list_metadata(f, r, "flaky", "2", std::nullopt);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 27u);
  EXPECT_EQ(md_.list_metadata(f, r, "flaky", "2", 0)->size(), 16u);
  Result<std::vector<MetadataRow>> second = md_.list_metadata(f, r, "flaky", "2", 1);
  ASSERT_EQ(second->size(), 11u);
  bool saw_ok = false;
  for (const MetadataRow& m : *second) {
    EXPECT_EQ(m.attempt_id(), 1);
    if (m.field_name == "attempt_ok") {
      EXPECT_EQ(m.value, "True");
      EXPECT_EQ(m.type, "internal_attempt_status");
      saw_ok = true;
    }
  }
  EXPECT_TRUE(saw_ok);

  Result<std::vector<ArtifactRow>> latest = md_.list_artifacts(f, r, "flaky", "2", std::nullopt);
  ASSERT_TRUE(latest.ok()) << latest.status().to_string();
  EXPECT_EQ(latest->size(), 13u);
  for (const ArtifactRow& a : *latest) {
    EXPECT_EQ(a.attempt_id, 1);
    EXPECT_EQ(a.content_type, "pickle-v4");
    EXPECT_EQ(a.location, ":root:/home/tester/work/datastore/.metaflow");
  }
  Result<std::vector<ArtifactRow>> first = md_.list_artifacts(f, r, "flaky", "2", 0);
  ASSERT_EQ(first->size(), 13u);
  EXPECT_EQ(first->front().attempt_id, 0);
  EXPECT_TRUE(md_.list_artifacts(f, r, "flaky", "2", 4)->empty());
}

TEST_F(MetaflowMetadataTest, LatestRunAndMissingObjects) {
  EXPECT_EQ(**md_.read_latest_run("LinearFlow"), "1795933055265084");
  EXPECT_EQ(**md_.read_latest_run("ResumeFlow"), "1795933092033401");  // resume does not update it
  EXPECT_FALSE(md_.read_latest_run("NoSuchFlow")->has_value());
  EXPECT_EQ(md_.get_flow("NoSuchFlow").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(md_.get_run("LinearFlow", "1").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(md_.get_task("LinearFlow", "1795933055265084", "start", "99").status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(md_.list_runs("NoSuchFlow")->empty());
  EXPECT_TRUE(md_.list_steps("LinearFlow", "1")->empty());
  EXPECT_TRUE(md_.list_metadata("LinearFlow", "1", "start", "1", std::nullopt)->empty());
  EXPECT_EQ(md_.get_run("LinearFlow", "../x").status().code(), StatusCode::kInvalidArgument);
}

// --- Writing ---

TEST(LocalMetadataProviderTest, WritesMetaflowLayoutAndReadsItBack) {
  TempDir dir;
  LocalStorage storage(dir.path());
  LocalMetadataProvider md(storage, fixed_clock_options(1795933055265084));
  const RunTags tags{{"linear"}, {"user:tester", "runtime:dev"}};
  Result<std::string> run_id = md.new_run_id("F", tags);
  ASSERT_TRUE(run_id.ok()) << run_id.status().to_string();
  EXPECT_EQ(*run_id, "1795933055265084");
  DS_ASSERT_OK(md.write_latest_run("F", *run_id));
  DS_ASSERT_OK(md.register_task_id("F", *run_id, "start", "1", tags));
  const MetaDatum data[] = {
      {"attempt", "0", "attempt", {"attempt_id:0"}},
      {"ds-type", "local", "ds-type", {"attempt_id:0", "attempt_id:0"}},
      {"foreach-stack", R"(["items=a"])", "foreach-stack", {"attempt_id:0"}, true}};
  DS_ASSERT_OK(md.register_metadata("F", *run_id, "start", "1", data));
  const ArtifactRef arts[] = {{"int_val", "21f47ffc2c8d012806c8a7a814079c24a792acf2", "pickle-v4",
                               "local", "/ds/.metaflow", ""}};
  DS_ASSERT_OK(md.register_artifacts("F", *run_id, "start", "1", 0, arts, tags));

  const auto root = dir.path();
  EXPECT_EQ(read_file(root / "F/latest_run"), "1795933055265084");
  EXPECT_EQ(read_file(root / "F/_meta/_self.json"),
            R"({"flow_id": "F", "ts_epoch": 1795933055265})");
  EXPECT_EQ(
      read_file(root / "F/1795933055265084/_meta/_self.json"),
      R"({"run_number": "1795933055265084", "flow_id": "F", "user_name": "tester", "tags": ["linear"], )"
      R"("system_tags": ["user:tester", "runtime:dev"], "ts_epoch": 1795933055265})");
  EXPECT_EQ(
      read_file(root / "F/1795933055265084/start/_meta/_self.json"),
      R"({"run_number": "1795933055265084", "step_name": "start", "flow_id": "F", "user_name": "tester", )"
      R"("tags": ["linear"], "system_tags": ["user:tester", "runtime:dev"], "ts_epoch": 1795933055265})");
  EXPECT_EQ(
      read_file(root / "F/1795933055265084/start/1/_meta/_self.json"),
      R"({"run_number": "1795933055265084", "step_name": "start", "task_id": "1", "flow_id": "F", )"
      R"("user_name": "tester", "tags": ["linear"], "system_tags": ["user:tester", "runtime:dev"], )"
      R"("ts_epoch": 1795933055265})");
  EXPECT_EQ(
      read_file(root / "F/1795933055265084/start/1/_meta/sysmeta_attempt_1795933055265.json"),
      R"({"flow_id": "F", "run_number": "1795933055265084", "step_name": "start", "task_id": "1", )"
      R"("field_name": "attempt", "type": "attempt", "value": "0", "tags": ["attempt_id:0"], )"
      R"("user_name": "tester", "ts_epoch": 1795933055265})");
  EXPECT_EQ(
      read_file(root / "F/1795933055265084/start/1/_meta/0_artifact_int_val.json"),
      R"({"run_number": "1795933055265084", "step_name": "start", "task_id": "1", "attempt_id": 0, )"
      R"("name": "int_val", "content_type": "pickle-v4", "type": "metaflow.artifact", )"
      R"("sha": "21f47ffc2c8d012806c8a7a814079c24a792acf2", "ds_type": "local", "location": ":root:/ds/.metaflow", )"
      R"("flow_id": "F", "user_name": "tester", "tags": ["linear"], "system_tags": ["user:tester", "runtime:dev"], )"
      R"("ts_epoch": 1795933055265})");
  EXPECT_TRUE(dstest::temp_files_under(root).empty());

  EXPECT_EQ(
      read_file(root / "F/1795933055265084/start/1/_meta/sysmeta_foreach-stack_1795933055265.json"),
      R"({"flow_id": "F", "run_number": "1795933055265084", "step_name": "start", "task_id": "1", )"
      R"("field_name": "foreach-stack", "type": "foreach-stack", "value": ["items=a"], "tags": ["attempt_id:0"], )"
      R"("user_name": "tester", "ts_epoch": 1795933055265})");
  Result<std::vector<MetadataRow>> rows =
      md.list_metadata("F", *run_id, "start", "1", std::nullopt);
  ASSERT_EQ(rows->size(), 3u);
  for (const MetadataRow& m : *rows) {
    EXPECT_EQ(m.tags, std::vector<std::string>{"attempt_id:0"});  // duplicates dropped
    if (m.field_name == "foreach-stack") {
      EXPECT_TRUE(m.value_is_json);
      EXPECT_EQ(m.value, R"(["items=a"])");
    }
  }
  // No attempt-done row yet: the latest attempt's artifacts are unknown, as in Metaflow.
  EXPECT_TRUE(md.list_artifacts("F", *run_id, "start", "1", std::nullopt)->empty());
  const MetaDatum done[] = {{"attempt-done", "0", "attempt-done", {"attempt_id:0"}}};
  DS_ASSERT_OK(md.register_metadata("F", *run_id, "start", "1", done));
  Result<std::vector<ArtifactRow>> arts_back =
      md.list_artifacts("F", *run_id, "start", "1", std::nullopt);
  ASSERT_EQ(arts_back->size(), 1u);
  EXPECT_EQ((*arts_back)[0].sha, "21f47ffc2c8d012806c8a7a814079c24a792acf2");

  // Registering again is a no-op; a second run in the same microsecond gets the next id.
  DS_ASSERT_OK(md.register_task_id("F", *run_id, "start", "1", RunTags{}));
  EXPECT_EQ(md.get_task("F", *run_id, "start", "1")->tags, tags.tags);
  EXPECT_EQ(*md.new_run_id("F", tags), "1795933055265085");
  DS_ASSERT_OK(md.register_run_id("F", "argo-xyz", tags));
  EXPECT_EQ(md.list_runs("F")->size(), 3u);
  EXPECT_EQ(md.list_runs("F")->back().run_number, "argo-xyz");  // numeric ids first, in order
}

TEST(LocalMetadataProviderTest, AFinishedTaskIsWrittenAsOneDirectoryWithTheSameRecords) {
  // register_finished_task (resume's clones) writes what the three calls write, all at once.
  TempDir one_by_one_dir, at_once_dir;
  LocalStorage one_by_one_storage(one_by_one_dir.path()), at_once_storage(at_once_dir.path());
  LocalMetadataProvider one_by_one(one_by_one_storage, fixed_clock_options(1795933055265084));
  LocalMetadataProvider at_once(at_once_storage, fixed_clock_options(1795933055265084));
  const RunTags tags{{"t"}, {"user:tester"}};
  const MetaDatum rows[] = {{"attempt", "0", "attempt", {"attempt_id:0"}},
                            {"origin-run-id", "12", "origin-run-id", {"attempt_id:0"}},
                            {"attempt-done", "0", "attempt-done", {"attempt_id:0"}}};
  const ArtifactRef arts[] = {{"x", "21f47ffc2c8d012806c8a7a814079c24a792acf2", "pickle-v4", "local", "/ds", ""}};
  DS_ASSERT_OK(one_by_one.register_run_id("F", "1", tags));
  DS_ASSERT_OK(at_once.register_run_id("F", "1", tags));
  DS_ASSERT_OK(one_by_one.register_task_id("F", "1", "s", "2", tags));
  DS_ASSERT_OK(one_by_one.register_artifacts("F", "1", "s", "2", 0, arts, tags));
  DS_ASSERT_OK(one_by_one.register_metadata("F", "1", "s", "2", rows));
  DS_ASSERT_OK(at_once.register_finished_task("F", "1", "s", "2", tags, rows, 0, arts));
  auto files = [](const std::filesystem::path& root) {
    std::map<std::string, std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
      if (e.is_regular_file()) out[std::filesystem::relative(e.path(), root).string()] = read_file(e.path());
    }
    return out;
  };
  EXPECT_EQ(files(at_once_dir.path()), files(one_by_one_dir.path()));
  auto listed = at_once.list_artifacts("F", "1", "s", "2", std::nullopt);
  ASSERT_TRUE(listed.ok()) << listed.status().to_string();
  EXPECT_EQ(listed->size(), 1u);
  // A task registered before keeps its records and gains the new ones.
  const MetaDatum more[] = {{"attempt", "1", "attempt", {"attempt_id:1"}}};
  DS_ASSERT_OK(at_once.register_finished_task("F", "1", "s", "2", tags, more, 1, arts));
  auto metadata = at_once.list_metadata("F", "1", "s", "2", std::nullopt);
  ASSERT_TRUE(metadata.ok()) << metadata.status().to_string();
  EXPECT_EQ(metadata->size(), 4u);
  EXPECT_TRUE(dstest::temp_files_under(at_once_dir.path()).empty());
}

TEST(LocalMetadataProviderTest, SameFieldInTheSameMillisecondIsKept) {
  TempDir dir;
  LocalStorage storage(dir.path());
  LocalMetadataProvider md(storage, fixed_clock_options(1000000000000000));
  DS_ASSERT_OK(md.register_task_id("F", "1", "s", "2", RunTags{}));
  const MetaDatum d0[] = {{"attempt", "0", "attempt", {"attempt_id:0"}}};
  const MetaDatum d1[] = {{"attempt", "1", "attempt", {"attempt_id:1"}}};
  DS_ASSERT_OK(md.register_metadata("F", "1", "s", "2", d0));
  DS_ASSERT_OK(md.register_metadata("F", "1", "s", "2", d1));
  Result<std::vector<MetadataRow>> rows = md.list_metadata("F", "1", "s", "2", std::nullopt);
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].value, "0");
  EXPECT_EQ((*rows)[1].value, "1");
  EXPECT_EQ((*rows)[1].ts_epoch, (*rows)[0].ts_epoch + 1);
  EXPECT_TRUE(
      std::filesystem::exists(dir.path() / "F/1/s/2/_meta/sysmeta_attempt_1000000000001.json"));
  // Two rows of one field in one call (written as one batch), both landing on taken names.
  const MetaDatum d23[] = {{"attempt", "2", "attempt", {}}, {"attempt", "3", "attempt", {}}};
  DS_ASSERT_OK(md.register_metadata("F", "1", "s", "2", d23));
  rows = md.list_metadata("F", "1", "s", "2", std::nullopt);
  ASSERT_EQ(rows->size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ((*rows)[i].value, std::to_string(i));
    EXPECT_EQ((*rows)[i].ts_epoch, (*rows)[0].ts_epoch + static_cast<int64_t>(i));
  }
  const MetaDatum bad[] = {{"a/b", "x", "t", {}}};
  EXPECT_EQ(md.register_metadata("F", "1", "s", "2", bad).code(), StatusCode::kInvalidArgument);
}

TEST(LocalMetadataProviderTest, RunTagMutation) {
  TempDir dir;
  LocalStorage storage(dir.path());
  LocalMetadataProvider md(storage, fixed_clock_options(1700000000000000));
  const RunTags tags{{"a", "b"}, {"user:tester", "runtime:dev"}};
  const std::string run = *md.new_run_id("F", tags);
  DS_ASSERT_OK(md.register_task_id("F", run, "start", "1", tags));
  LocalMetadataProvider later(
      storage, LocalMetadataOptions{"someone-else", [] { return at_us(1800000000000000); }});

  Result<RunRecord> r = later.add_run_tags("F", run, {"c", "a", "user:tester"});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->tags, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(r->system_tags, tags.system_tags);
  EXPECT_EQ(r->user_name, "tester");                                 // kept, not the mutating user
  EXPECT_EQ(r->ts_epoch, 1700000000000);                             // creation time kept
  EXPECT_EQ(later.get_task("F", run, "start", "1")->tags, r->tags);  // sticky: tasks show run tags
  EXPECT_EQ(later.remove_run_tags("F", run, {"b", "zzz"})->tags,
            (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(later.replace_run_tags("F", run, {"a"}, {"d"})->tags,
            (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(later.replace_run_tags("F", run, {"c"}, {"c"})->tags,
            (std::vector<std::string>{"c", "d"}));  // no-op

  Result<RunRecord> sys = later.remove_run_tags("F", run, {"runtime:dev"});
  EXPECT_EQ(sys.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(sys.status().message().find("runtime:dev"), std::string::npos);
  EXPECT_EQ(later.add_run_tags("F", run, {""}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(later.add_run_tags("F", run, {std::string(501, 'x')}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(later.add_run_tags("F", run, {std::string(500, 'x')}).ok());
  EXPECT_EQ(later.add_run_tags("F", run, {"bad\xff"}).status().code(),
            StatusCode::kInvalidArgument);
  std::vector<std::string> many;
  for (int i = 0; i < 50; ++i) many.push_back("t" + std::to_string(i));
  EXPECT_EQ(later.add_run_tags("F", run, many).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(later.add_run_tags("F", "404", {"x"}).status().code(), StatusCode::kNotFound);
  // The rewritten run file keeps Metaflow's shape.
  EXPECT_EQ(
      read_file(dir.path() / "F" / run / "_meta/_self.json"),
      R"({"run_number": "1700000000000000", "flow_id": "F", "user_name": "tester", "tags": ["c", "d", )"
      R"(")" +
          std::string(500, 'x') +
          R"("], "system_tags": ["user:tester", "runtime:dev"], "ts_epoch": 1700000000000})");
}

TEST(LocalMetadataProviderTest, ConcurrentNewRunIdsAreUniqueAcrossThreads) {
  TempDir dir;
  LocalStorage storage(dir.path());
  // Every caller sees the same microsecond: maximal contention.
  LocalMetadataProvider md(storage, fixed_clock_options(1700000000000000));
  std::vector<std::vector<std::string>> ids(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        Result<std::string> id = md.new_run_id("F", RunTags{});
        if (id.ok()) ids[t].push_back(*id);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> unique;
  for (const auto& v : ids) {
    EXPECT_EQ(v.size(), 25u);
    unique.insert(v.begin(), v.end());
  }
  EXPECT_EQ(unique.size(), 200u);
  EXPECT_EQ(md.list_runs("F")->size(), 200u);
  EXPECT_TRUE(dstest::temp_files_under(dir.path()).empty());
}

TEST(LocalMetadataProviderTest, ConcurrentNewRunIdsAreUniqueAcrossProcesses) {
  TempDir dir;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::vector<pid_t> children;
  for (int p = 0; p < 4; ++p) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      LocalStorage storage(dir.path());
      LocalMetadataProvider md(storage, fixed_clock_options(1700000000000000));
      std::string out;
      for (int i = 0; i < 25; ++i) {
        Result<std::string> id = md.new_run_id("F", RunTags{});
        if (!id.ok()) ::_exit(1);
        out += *id + "\n";
      }
      ::_exit(::write(fds[1], out.data(), out.size()) == static_cast<ssize_t>(out.size()) ? 0 : 2);
    }
    children.push_back(pid);
  }
  ::close(fds[1]);
  std::string all;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof(buf))) > 0) all.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  std::set<std::string> unique;
  size_t count = 0;
  for (size_t start = 0, nl; (nl = all.find('\n', start)) != std::string::npos; start = nl + 1) {
    unique.insert(all.substr(start, nl - start));
    ++count;
  }
  EXPECT_EQ(count, 100u);
  EXPECT_EQ(unique.size(), 100u);
}

TEST(LocalMetadataProviderTest, NewTaskIdsAreUniqueAndStartAtZero) {
  TempDir dir;
  LocalStorage storage(dir.path());
  LocalMetadataProvider md(storage, LocalMetadataOptions{"tester", {}});
  const std::string run = *md.new_run_id("F", RunTags{});
  EXPECT_EQ(*md.new_task_id("F", run, "_parameters", RunTags{}), "0");
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<std::string> ids;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        Result<std::string> id = md.new_task_id("F", run, "work", RunTags{});
        std::lock_guard<std::mutex> lock(mu);
        if (id.ok()) ids.insert(*id);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ids.size(), 80u);
  EXPECT_EQ(md.list_tasks("F", run, "work")->size(), 80u);
  EXPECT_EQ(md.list_tasks("F", run, "work")->back().task_id, "80");
  // Another provider (another process) skips the ids taken in the step.
  LocalMetadataProvider other(storage, LocalMetadataOptions{"tester", {}});
  Result<std::string> next = other.new_task_id("F", run, "work", RunTags{});
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(ids.count(*next), 0u);
  EXPECT_EQ(md.list_tasks("F", run, "work")->size(), 81u);
}

}  // namespace
}  // namespace conflux
