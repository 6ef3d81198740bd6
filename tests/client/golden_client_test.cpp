// The client on the golden tree written by real Metaflow (tests/data/metaflow-local): what it
// returns must match what Metaflow's Python client returned on the same tree
// (client_results_local.json in the fixture's README directory).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <tuple>

#include "client/client_backends.hpp"
#include "client/client_test_util.hpp"
#include "datastore/local_storage.hpp"
#include "metadata/local_metadata_provider.hpp"

namespace conflux {
namespace {

using testing::extract_golden_tree;
using testing::open_client;
using testing::TempDir;

constexpr const char* kLinearRun = "LinearFlow/1795933055265084";
constexpr const char* kForeachRun = "ForeachFlow/1795933062717854";
constexpr const char* kRetryRun = "RetryFlow/1795933084653946";
constexpr const char* kResumeOrigin = "ResumeFlow/1795933092033401";
constexpr const char* kResumed = "ResumeFlow/1795933094621185";

// Reads the shared golden tree.
class GoldenClientTest : public ::testing::Test {
 protected:
  void SetUp() override { root_ = testing::shared_golden_tree(); }
  Client client(Namespace ns = Namespace::user("tester")) { return open_client(root_, ns); }

  std::filesystem::path root_;
};

// Writes: a private copy of LinearFlow.
class GoldenWriteTest : public ::testing::Test {
 protected:
  void SetUp() override { root_ = extract_golden_tree(dir_.path(), {".metaflow/LinearFlow"}); }
  Client client(Namespace ns = Namespace::user("tester")) { return open_client(root_, ns); }

  TempDir dir_;
  std::filesystem::path root_;
};

std::vector<std::string> ids_of(const auto& objects) {
  std::vector<std::string> out;
  for (const auto& o : objects) out.push_back(o.id());
  return out;
}

std::vector<std::string> names_of(const std::vector<DataArtifact>& artifacts) {
  std::vector<std::string> out;
  for (const auto& a : artifacts) out.push_back(a.name());
  return out;
}

TEST_F(GoldenClientTest, ListsFlowsInTheNamespace) {
  std::vector<std::string> all = {"BranchFlow", "CatchFlow", "ForeachFlow", "LinearFlow",
                                  "NestedForeachFlow", "ResumeFlow", "RetryFlow", "SwitchFlow"};
  auto flows = client().flows();
  ASSERT_TRUE(flows.ok()) << flows.status().to_string();
  EXPECT_EQ(ids_of(*flows), all);
  EXPECT_EQ(ids_of(*client(Namespace::global()).flows()), all);
  EXPECT_TRUE(client(Namespace::user("nobody")).flows()->empty());
}

TEST_F(GoldenClientTest, LinearFlowRunAndTags) {
  auto flow = client().flow("LinearFlow");
  ASSERT_TRUE(flow.ok()) << flow.status().to_string();
  auto run = flow->latest_run();
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  EXPECT_EQ(run->pathspec(), kLinearRun);
  EXPECT_EQ(run->id(), "1795933055265084");
  EXPECT_TRUE(*run->successful());
  EXPECT_TRUE(*run->finished());
  EXPECT_EQ(run->user_name(), "tester");
  EXPECT_EQ(run->user_tags(), (std::vector<std::string>{"fixture", "linear"}));
  EXPECT_EQ(run->system_tags(),
            (std::vector<std::string>{"metaflow_version:2.19.38", "python_version:3.11.2",
                                      "runtime:dev", "user:tester"}));
  EXPECT_EQ(run->tags().size(), 6u);
  EXPECT_TRUE(run->has_tag("linear"));
  EXPECT_EQ(run->created_at(), ClientTime(std::chrono::milliseconds(1795933055266)));
  EXPECT_EQ(flow->latest_successful_run()->id(), run->id());

  EXPECT_EQ(ids_of(*flow->runs({"linear"})), (std::vector<std::string>{"1795933055265084"}));
  EXPECT_EQ(ids_of(*flow->runs({"linear", "fixture"})).size(), 1u);
  EXPECT_TRUE(flow->runs({"linear", "nope"})->empty());
  EXPECT_EQ(flow->runs()->size(), 1u);

  auto steps = run->steps();
  ASSERT_TRUE(steps.ok());
  EXPECT_EQ(ids_of(*steps), (std::vector<std::string>{"start", "middle", "end"}));
  auto end = run->end_task();
  ASSERT_TRUE(end.ok()) << end.status().to_string();
  EXPECT_EQ(end->pathspec(), std::string(kLinearRun) + "/end/3");
  auto finished_at = run->finished_at();
  ASSERT_TRUE(finished_at.ok() && finished_at->has_value());
  EXPECT_GT(**finished_at, run->created_at());
  EXPECT_EQ(*run->origin_run_id(), std::nullopt);  // Metaflow records origin-run-id "None"
}

TEST_F(GoldenClientTest, StandardTypeArtifactsLoad) {
  auto run = client().run(kLinearRun);
  ASSERT_TRUE(run.ok());
  // Run.data: the end task's public artifacts.
  EXPECT_EQ(names_of(*run->data()),
            (std::vector<std::string>{"alpha", "big_int", "bool_val", "bytes_val", "dict_val",
                                      "float_val", "greeting", "int_val", "list_val", "message",
                                      "name", "none_val", "set_val", "str_val", "summary",
                                      "tuple_val"}));
  EXPECT_EQ(*run->artifact<int64_t>("int_val"), 43);
  EXPECT_EQ(run->artifact_value("summary")->python_repr(),
            "{'int_val': 43, 'message': 'hello world alpha=0.5', 'run_id': '1795933055265084', "
            "'task_id': '3'}");

  auto start = client().task(std::string(kLinearRun) + "/start/1");
  ASSERT_TRUE(start.ok()) << start.status().to_string();
  EXPECT_EQ(*start->artifact<int64_t>("int_val"), 42);
  EXPECT_EQ(*start->artifact<std::string>("str_val"), "hello metaflow \u2713");
  EXPECT_EQ(*start->artifact<double>("float_val"), 3.25);
  EXPECT_EQ(*start->artifact<bool>("bool_val"), true);
  EXPECT_EQ(start->artifact<Bytes>("bytes_val")->data, std::string("\x00\x01" "binary", 8));
  EXPECT_EQ(*start->artifact<std::set<int64_t>>("set_val"), (std::set<int64_t>{1, 2, 3}));
  EXPECT_EQ(*(start->artifact<std::tuple<int64_t, std::string>>("tuple_val")),
            std::make_tuple(int64_t{1}, std::string("x")));
  EXPECT_EQ(*(start->artifact<std::optional<int64_t>>("none_val")), std::nullopt);
  EXPECT_EQ(start->artifact_value("list_val")->python_repr(), "[1, 'two', 3.0, None, True]");
  EXPECT_EQ(start->artifact_value("dict_val")->python_repr(),
            "{'a': 1, 'b': [1, 2], 'c': {'d': 'e'}}");
  EXPECT_EQ(start->artifact_value("big_int")->int_to_string(), "1180591620717411303424");
  EXPECT_EQ(*start->artifact<std::string>("greeting"), "world");

  auto int_val = client().artifact(std::string(kLinearRun) + "/start/1/int_val");
  ASSERT_TRUE(int_val.ok()) << int_val.status().to_string();
  EXPECT_EQ(int_val->sha(), "21f47ffc2c8d012806c8a7a814079c24a792acf2");
  EXPECT_EQ(int_val->size(), 5u);
  EXPECT_EQ(int_val->type(), "<class 'int'>");
  EXPECT_EQ(int_val->encoding(), "pickle-v4");
  EXPECT_EQ(int_val->attempt(), 0);
  EXPECT_EQ(int_val->pathspec(), std::string(kLinearRun) + "/start/1/int_val");
  EXPECT_EQ(int_val->created_at(), ClientTime(std::chrono::milliseconds(1795933056074)));
  EXPECT_EQ(*int_val->data<int64_t>(), 42);
  EXPECT_EQ(int_val->value()->as_int(), 42);
}

TEST_F(GoldenClientTest, PrivateArtifactsAreHiddenButReadable) {
  auto task = client().task(std::string(kLinearRun) + "/start/1");
  ASSERT_TRUE(task.ok());
  auto visible = task->artifacts();
  ASSERT_TRUE(visible.ok());
  for (const auto& a : *visible) EXPECT_FALSE(a.is_private()) << a.name();
  EXPECT_EQ(visible->size(), 14u);
  EXPECT_EQ(task->all_artifacts()->size(), 25u);
  EXPECT_EQ(*task->artifact<bool>("_task_ok"), true);
  EXPECT_EQ(*task->artifact<std::string>("_current_step"), "start");
  EXPECT_TRUE(*task->successful());
  EXPECT_TRUE(*task->finished());
  EXPECT_EQ(*task->exception(), std::nullopt);
  EXPECT_EQ(*task->index(), std::nullopt);
  EXPECT_EQ(*task->current_attempt(), 0);
  auto finished = task->finished_at();
  ASSERT_TRUE(finished.ok() && finished->has_value());
  EXPECT_EQ(**finished, ClientTime(std::chrono::milliseconds(1795933056074)));
}

TEST_F(GoldenClientTest, WrongTypeNamesArtifactAndTypes) {
  auto task = client().task(std::string(kLinearRun) + "/start/1");
  ASSERT_TRUE(task.ok());
  auto wrong = task->artifact<int64_t>("str_val");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kInvalidArgument);
  const std::string m = wrong.status().message();
  EXPECT_NE(m.find("artifact 'str_val'"), std::string::npos) << m;
  EXPECT_NE(m.find(std::string(kLinearRun) + "/start/1"), std::string::npos) << m;
  EXPECT_NE(m.find("<class 'str'>"), std::string::npos) << m;  // stored
  EXPECT_NE(m.find("<class 'int'>"), std::string::npos) << m;  // asked for
  EXPECT_ERROR(task->artifact<std::vector<std::string>>("dict_val"), StatusCode::kInvalidArgument,
               "<class 'dict'>");
  EXPECT_ERROR(task->artifact<int64_t>("big_int"), StatusCode::kInvalidArgument, "big_int");
  EXPECT_ERROR(task->artifact<int64_t>("no_such"), StatusCode::kNotFound,
               "Task '" + std::string(kLinearRun) + "/start/1' has no artifact 'no_such'");
}

TEST_F(GoldenClientTest, TaskMetadataAndLogs) {
  auto middle = client().task(std::string(kLinearRun) + "/middle/2");
  ASSERT_TRUE(middle.ok());
  EXPECT_EQ(*middle->stdout_log(), "middle step says: hello world alpha=0.5\n");
  EXPECT_EQ(*middle->stderr_log(), "");
  auto lines = middle->log_lines(TaskStream::kStdout);
  ASSERT_TRUE(lines.ok());
  ASSERT_EQ(lines->size(), 1u);
  EXPECT_EQ((*lines)[0].timestamp, "2026-11-29T06:17:36.780848");

  auto dict = middle->metadata_dict();
  ASSERT_TRUE(dict.ok());
  std::set<std::string> fields;
  for (const auto& [k, v] : *dict) fields.insert(k);
  EXPECT_EQ(fields, (std::set<std::string>{"attempt", "attempt-done", "attempt_ok", "ds-root",
                                           "ds-type", "metaflow_version", "origin-run-id",
                                           "python_version", "runtime", "script-name", "user"}));
  EXPECT_EQ(dict->at("attempt_ok"), "True");
  EXPECT_EQ(dict->at("user"), "tester");
  auto rows = middle->metadata();
  ASSERT_TRUE(rows.ok());
  for (const auto& row : *rows) {
    if (row.name == "attempt") {
      EXPECT_EQ(row.type, "attempt");
      EXPECT_EQ(row.attempt, 0);
    }
  }
}

TEST_F(GoldenClientTest, ForeachJoinAndLineage) {
  auto join = client().task(std::string(kForeachRun) + "/join/5");
  ASSERT_TRUE(join.ok()) << join.status().to_string();
  auto lengths = join->artifact<std::map<std::string, int64_t>>("lengths");
  ASSERT_TRUE(lengths.ok()) << lengths.status().to_string();
  EXPECT_EQ(*lengths, (std::map<std::string, int64_t>{{"apple", 5}, {"banana", 6}, {"cherry", 6}}));
  EXPECT_EQ(*join->parent_task_pathspecs(),
            (std::vector<std::string>{std::string(kForeachRun) + "/process/2",
                                      std::string(kForeachRun) + "/process/3",
                                      std::string(kForeachRun) + "/process/4"}));
  EXPECT_EQ(*join->child_task_pathspecs(),
            (std::vector<std::string>{std::string(kForeachRun) + "/end/6"}));

  auto process = client().step(std::string(kForeachRun) + "/process");
  ASSERT_TRUE(process.ok());
  auto tasks = process->tasks();
  ASSERT_TRUE(tasks.ok());
  EXPECT_EQ(ids_of(*tasks), (std::vector<std::string>{"2", "3", "4"}));
  std::vector<std::string> items;
  for (size_t i = 0; i < tasks->size(); ++i) {
    EXPECT_EQ(*(*tasks)[i].index(), static_cast<int64_t>(i));
    items.push_back(*(*tasks)[i].artifact<std::string>("item"));
  }
  EXPECT_EQ(items, (std::vector<std::string>{"apple", "banana", "cherry"}));
  const Task& first = tasks->front();
  auto stack = first.foreach_stack();
  ASSERT_TRUE(stack.ok());
  ASSERT_EQ(stack->size(), 1u);
  EXPECT_EQ((*stack)[0].step, "process");
  EXPECT_EQ((*stack)[0].var, "items");
  EXPECT_EQ((*stack)[0].num_splits, 3);
  EXPECT_EQ((*stack)[0].value, "apple");
  EXPECT_EQ(*first.foreach_execution_path(), "process:0");
  EXPECT_EQ(*first.parent_task_pathspecs(),
            (std::vector<std::string>{std::string(kForeachRun) + "/start/1"}));
  EXPECT_EQ(*first.child_task_pathspecs(),
            (std::vector<std::string>{std::string(kForeachRun) + "/join/5"}));
  auto parents = first.parent_tasks();
  ASSERT_TRUE(parents.ok());
  ASSERT_EQ(parents->size(), 1u);
  EXPECT_EQ(parents->front().id(), "1");
}

TEST_F(GoldenClientTest, NestedForeachLineage) {
  const std::string run = "NestedForeachFlow/1795933068066044";
  auto inner = client().step(run + "/inner");
  ASSERT_TRUE(inner.ok());
  EXPECT_EQ(inner->tasks()->size(), 4u);
  auto inner_join = client().task(run + "/inner_join/8");
  ASSERT_TRUE(inner_join.ok());
  EXPECT_EQ(*inner_join->parent_task_pathspecs(),
            (std::vector<std::string>{run + "/inner/4", run + "/inner/5"}));
  EXPECT_EQ(*inner_join->child_task_pathspecs(),
            (std::vector<std::string>{run + "/outer_join/10"}));
  auto inner7 = client().task(run + "/inner/7");
  EXPECT_EQ(*inner7->parent_task_pathspecs(), (std::vector<std::string>{run + "/outer/3"}));
  EXPECT_EQ(*inner7->child_task_pathspecs(), (std::vector<std::string>{run + "/inner_join/9"}));
  auto outer2 = client().task(run + "/outer/2");
  EXPECT_EQ(*outer2->child_task_pathspecs(),
            (std::vector<std::string>{run + "/inner/4", run + "/inner/5"}));
  auto labels = client().run(run)->artifact<std::vector<std::string>>("all_labels");
  ASSERT_TRUE(labels.ok()) << labels.status().to_string();
  EXPECT_EQ(*labels, (std::vector<std::string>{"x1", "x2", "y1", "y2"}));
}

TEST_F(GoldenClientTest, RetryFlowLatestAttempt) {
  auto flaky = client().task(std::string(kRetryRun) + "/flaky/2");
  ASSERT_TRUE(flaky.ok());
  EXPECT_EQ(*flaky->current_attempt(), 1);
  EXPECT_EQ(*flaky->artifact<int64_t>("attempt"), 1);
  EXPECT_TRUE(*flaky->successful());
  EXPECT_EQ(*flaky->exception(), std::nullopt);
  std::vector<std::string> attempts;
  auto rows = flaky->metadata();
  ASSERT_TRUE(rows.ok());
  for (const auto& row : *rows) {
    if (row.name == "attempt") attempts.push_back(row.value);
  }
  EXPECT_EQ(attempts, (std::vector<std::string>{"0", "1"}));

  auto first = client().task(std::string(kRetryRun) + "/flaky/2", 0);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first->current_attempt(), 0);
  EXPECT_EQ(*first->requested_attempt(), 0);
  EXPECT_FALSE(*first->successful());
  auto exception = first->exception();
  ASSERT_TRUE(exception.ok() && exception->has_value()) << exception.status().to_string();
  EXPECT_NE((*exception)->find("deliberate failure on first attempt"), std::string::npos);
  EXPECT_NE(first->stderr_log()->find("RuntimeError: deliberate failure"), std::string::npos);
  auto first_rows = first->metadata();
  ASSERT_TRUE(first_rows.ok());
  for (const auto& row : *first_rows) EXPECT_EQ(row.attempt, 0) << row.name;
  EXPECT_ERROR(client().task(std::string(kRetryRun) + "/flaky/2", 6), StatusCode::kInvalidArgument,
               "attempt 6");
}

TEST_F(GoldenClientTest, CatchFlowRecordsTheException) {
  auto run = client().run("CatchFlow/1795933088754847");
  ASSERT_TRUE(run.ok());
  EXPECT_TRUE(*run->successful());  // @catch let the run go on
  auto boom = run->step("boom")->task();
  ASSERT_TRUE(boom.ok());
  EXPECT_FALSE(*boom->successful());
  EXPECT_TRUE(*boom->finished());
  EXPECT_FALSE(boom->artifact<std::string>("before")->empty());
  auto err = boom->artifact_value("err");
  ASSERT_TRUE(err.ok()) << err.status().to_string();
  ASSERT_TRUE(err->is_object());
  EXPECT_EQ(err->as_object().name, "MetaflowExceptionWrapper");
  const Value* trace = err->as_object().state.get("stacktrace");
  ASSERT_NE(trace, nullptr);
  EXPECT_NE(trace->as_str().find("ValueError: deliberate failure caught by @catch"),
            std::string::npos);
  EXPECT_ERROR(boom->artifact<std::string>("err"), StatusCode::kInvalidArgument,
               "<class 'metaflow.exception.MetaflowExceptionWrapper'>");
}

TEST_F(GoldenClientTest, ResumeFlowOrigin) {
  auto flow = client().flow("ResumeFlow");
  ASSERT_TRUE(flow.ok());
  EXPECT_EQ(ids_of(*flow->runs()),
            (std::vector<std::string>{"1795933094621185", "1795933092033401"}));
  EXPECT_EQ(flow->latest_run()->pathspec(), kResumed);
  auto ok = flow->latest_successful_run();
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok->artifact<int64_t>("value"), 42);

  auto resumed = client().run(kResumed);
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ(**resumed->origin_run_id(), "1795933092033401");
  EXPECT_EQ(**resumed->origin_pathspec(), kResumeOrigin);
  EXPECT_EQ(ids_of(*resumed->steps()).size(), 3u);
  auto cloned = client().task(std::string(kResumed) + "/start/1");
  EXPECT_EQ(**cloned->origin_pathspec(), std::string(kResumeOrigin) + "/start/1");
  EXPECT_EQ(*cloned->stdout_log(), "");  // a clone has no logs of its own

  auto origin = client().run(kResumeOrigin);
  ASSERT_TRUE(origin.ok());
  EXPECT_FALSE(*origin->successful());
  EXPECT_FALSE(*origin->finished());
  EXPECT_EQ(*origin->finished_at(), std::nullopt);
  EXPECT_EQ(*origin->origin_run_id(), std::nullopt);
  std::vector<std::string> steps = ids_of(*origin->steps());
  std::sort(steps.begin(), steps.end());
  EXPECT_EQ(steps, (std::vector<std::string>{"fragile", "start"}));
  EXPECT_ERROR(origin->end_task(), StatusCode::kNotFound, "has no 'end' task yet");
  EXPECT_ERROR(origin->data(), StatusCode::kNotFound, "has no 'end' task yet");
  auto fragile = origin->step("fragile")->task();
  ASSERT_TRUE(fragile.ok());
  EXPECT_FALSE(*fragile->successful());
  EXPECT_TRUE(fragile->exception()->has_value());
}

TEST_F(GoldenClientTest, SwitchAndBranchFlows) {
  auto high = client().run("SwitchFlow/1795933077899845");
  ASSERT_TRUE(high.ok());
  EXPECT_EQ(*high->artifact<std::string>("mode"), "high");
  EXPECT_EQ(*high->artifact<int64_t>("result"), 84);
  std::vector<std::string> steps = ids_of(*high->steps());
  std::sort(steps.begin(), steps.end());
  EXPECT_EQ(steps, (std::vector<std::string>{"end", "high", "start"}));
  auto low = client().run("SwitchFlow/1795933081281228");
  EXPECT_EQ(*low->artifact<int64_t>("result"), 4);

  auto branch = client().run("BranchFlow/1795933058338677");
  ASSERT_TRUE(branch.ok());
  EXPECT_EQ(*branch->artifact<std::string>("common"), "shared");
  EXPECT_EQ(*branch->artifact<std::string>("from_a"), "A");
  EXPECT_EQ(*branch->artifact<std::vector<int64_t>>("xs"), (std::vector<int64_t>{10, 20}));
  auto join = branch->step("join")->task();
  ASSERT_TRUE(join.ok());
  EXPECT_EQ(join->parent_task_pathspecs()->size(), 2u);
}

TEST_F(GoldenClientTest, NamespaceMismatch) {
  Client nobody = client(Namespace::user("nobody"));
  EXPECT_ERROR(nobody.run(kLinearRun), StatusCode::kFailedPrecondition,
               "Run 'LinearFlow/1795933055265084' is not in namespace 'user:nobody'");
  EXPECT_ERROR(nobody.run(kLinearRun), StatusCode::kFailedPrecondition, "--all-namespaces");
  EXPECT_ERROR(nobody.flow("LinearFlow"), StatusCode::kFailedPrecondition,
               "Flow 'LinearFlow' has no runs in namespace 'user:nobody'");
  EXPECT_ERROR(nobody.task(std::string(kLinearRun) + "/start/1"), StatusCode::kFailedPrecondition,
               "not in namespace");
  EXPECT_TRUE(nobody.in_namespace(Namespace::global()).run(kLinearRun).ok());
  EXPECT_TRUE(client(Namespace::of("linear")).run(kLinearRun).ok());  // any tag is a namespace
  EXPECT_TRUE(client(Namespace::of("runtime:dev")).flow("LinearFlow").ok());
  EXPECT_EQ(nobody.current_namespace().to_string(), "user:nobody");
  EXPECT_EQ(Namespace::global().to_string(), "None");
}

TEST_F(GoldenClientTest, MissingObjectsAndBadPathspecs) {
  Client c = client();
  EXPECT_ERROR(c.run("LinearFlow/1"), StatusCode::kNotFound, "Run 'LinearFlow/1' does not exist");
  EXPECT_ERROR(c.run("NoSuchFlow/1"), StatusCode::kNotFound, "Flow 'NoSuchFlow' does not exist");
  EXPECT_ERROR(c.flow("NoSuchFlow"), StatusCode::kNotFound, "Flow 'NoSuchFlow' does not exist");
  EXPECT_ERROR(c.step(std::string(kLinearRun) + "/nope"), StatusCode::kNotFound,
               "Step 'LinearFlow/1795933055265084/nope' does not exist");
  EXPECT_ERROR(c.task(std::string(kLinearRun) + "/start/99"), StatusCode::kNotFound,
               "Task 'LinearFlow/1795933055265084/start/99' does not exist");
  EXPECT_ERROR(c.run("LinearFlow"), StatusCode::kInvalidArgument, "expected FLOW/RUN_ID");
  EXPECT_ERROR(c.run("LinearFlow/1/start"), StatusCode::kInvalidArgument, "expected FLOW/RUN_ID");
  EXPECT_ERROR(c.task("LinearFlow//start/1"), StatusCode::kInvalidArgument,
               "expected FLOW/RUN_ID/STEP/TASK_ID");
  EXPECT_ERROR(c.artifact(std::string(kLinearRun) + "/start/1"), StatusCode::kInvalidArgument,
               "ARTIFACT");
}

TEST_F(GoldenWriteTest, TagMutation) {
  auto run = client().run(kLinearRun);
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(run->add_tag("client-added").ok());
  EXPECT_EQ(run->user_tags(), (std::vector<std::string>{"client-added", "fixture", "linear"}));
  ASSERT_TRUE(run->add_tags({"t1", "t2"}).ok());
  EXPECT_EQ(run->user_tags(),
            (std::vector<std::string>{"client-added", "fixture", "linear", "t1", "t2"}));
  ASSERT_TRUE(run->replace_tag("t1", "t1-replaced").ok());
  EXPECT_EQ(run->user_tags(), (std::vector<std::string>{"client-added", "fixture", "linear",
                                                        "t1-replaced", "t2"}));
  ASSERT_TRUE(run->remove_tags({"t1-replaced", "t2", "client-added"}).ok());
  EXPECT_EQ(run->user_tags(), (std::vector<std::string>{"fixture", "linear"}));
  ASSERT_TRUE(run->add_tag("kept").ok());
  // Persisted: a fresh lookup sees it, and tags are sticky on steps and tasks.
  EXPECT_TRUE(client().run(kLinearRun)->has_tag("kept"));
  EXPECT_TRUE(client().task(std::string(kLinearRun) + "/end/3")->has_tag("kept"));
  EXPECT_EQ(client().flow("LinearFlow")->runs({"kept"})->size(), 1u);
  // Adding a system tag is a no-op; removing one, or invalid tags, are errors.
  ASSERT_TRUE(run->add_tag("user:tester").ok());
  EXPECT_EQ(run->user_tags(), (std::vector<std::string>{"fixture", "kept", "linear"}));
  EXPECT_ERROR(run->remove_tag("user:tester"), StatusCode::kInvalidArgument, "user:tester");
  EXPECT_ERROR(run->add_tag(""), StatusCode::kInvalidArgument, "empty");
  EXPECT_ERROR(run->add_tag(std::string(501, 'x')), StatusCode::kInvalidArgument, "500");
  std::vector<std::string> many;
  for (int i = 0; i < 60; ++i) many.push_back("tag" + std::to_string(i));
  EXPECT_ERROR(run->add_tags(many), StatusCode::kInvalidArgument, "50");
  EXPECT_EQ(run->user_tags(), (std::vector<std::string>{"fixture", "kept", "linear"}));
}

TEST_F(GoldenWriteTest, OpensByMetaflowRules) {
  // The nearest .metaflow above the working directory.
  std::filesystem::create_directories(dir_.path() / "a" / "b");
  ClientOptions by_cwd;
  by_cwd.cwd = dir_.path() / "a" / "b";
  by_cwd.username = "tester";
  auto c = Client::open(by_cwd);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  EXPECT_EQ(c->datastore_root(), root_);
  EXPECT_EQ(c->current_namespace(), Namespace::user("tester"));
  EXPECT_TRUE(c->run(kLinearRun).ok());
  // The sysroot (METAFLOW_DATASTORE_SYSROOT_LOCAL) holds .metaflow.
  ClientOptions by_sysroot;
  by_sysroot.sysroot = dir_.path().string();
  by_sysroot.username = "tester";
  EXPECT_TRUE(Client::open(by_sysroot).ok());
  ClientOptions empty;
  empty.sysroot = (dir_.path() / "a").string();
  EXPECT_ERROR(Client::open(empty), StatusCode::kNotFound, "no datastore at");
  ClientOptions service = by_sysroot;
  service.metadata = "service";
  EXPECT_ERROR(Client::open(service), StatusCode::kInvalidArgument, "METAFLOW_SERVICE_URL is not set");
  ClientOptions unknown = by_sysroot;
  unknown.metadata = "etcd";
  EXPECT_ERROR(Client::open(unknown), StatusCode::kInvalidArgument, "unknown metadata provider 'etcd'");
  unknown = by_sysroot;
  unknown.datastore = "gcs";
  EXPECT_ERROR(Client::open(unknown), StatusCode::kInvalidArgument, "unknown datastore 'gcs'");
  ClientOptions s3 = by_sysroot;
  s3.datastore = "s3";
  EXPECT_ERROR(Client::open(s3), StatusCode::kInvalidArgument, "no root is set");
  s3.s3.root = "gs://bucket";
  EXPECT_ERROR(Client::open(s3), StatusCode::kInvalidArgument, "METAFLOW_DATASTORE_SYSROOT_S3");
  EXPECT_ERROR(Client::open(ClientOptions{}), StatusCode::kInvalidArgument, "cwd");
}

TEST_F(GoldenClientTest, AttachesToCallerBackends) {
  LocalStorage storage(root_);
  LocalMetadataProvider metadata(storage, {.user_name = "tester", .clock = {}});
  Client c = client_detail::attach_client(metadata, storage, Namespace::global());
  EXPECT_TRUE(c.datastore_root().empty());
  EXPECT_EQ(c.flows()->size(), 8u);
  EXPECT_EQ(*c.run(kLinearRun)->artifact<int64_t>("int_val"), 43);
}

}  // namespace
}  // namespace conflux
