// The Argo Workflows compiler: the shape of what it generates for each kind of step, how step
// decorators map onto pods, the ids a foreach join recomputes, the names, the schedule and
// trigger objects, and the errors for what Argo cannot express. Every compiled document also
// passes the official schema in strict mode and Argo's lint rules (tests/tools/validate_argo.py).
#include <gtest/gtest.h>

#include <conflux/conflux.hpp>

#include "deploy/deploy_test_flow.hpp"

#include <regex>

#include "deploy/argo/argo_workflow.hpp"
#include "datastore/local_storage.hpp"
#include "deploy/yaml_writer.hpp"
#include "flow/lint.hpp"
#include "flow/schedule.hpp"
#include "runtime/remote/remote_task.hpp"
#include "task/input_paths.hpp"
#include "testutil/testutil.hpp"

namespace {

using conflux::Artifact;
using conflux::Graph;
using conflux::Inputs;
using oj = nlohmann::ordered_json;
using namespace conflux::testing;  // NOLINT: test helpers

template <int kId>
using TestFlow = conflux::testing::DeployTestFlow<kId>;
#define F(id) TestFlow<id>

conflux::ArgoWorkflowOptions options() {
  conflux::ArgoWorkflowOptions o;
  o.image = "registry.example.com/runner:1";
  o.task_command = {"--quiet", "--datastore", "s3", "--datastore-root", "s3://bucket/mf"};
  o.env = {{"METAFLOW_SERVICE_URL", "http://metaflow-service:8080"}};
  o.code_url = "s3://bucket/mf/TestFlow/data/ab/abc";
  o.code_sha = "abc";
  o.code_ds = "s3";
  o.ds_type = "s3";
  o.ds_root = "s3://bucket/mf";
  o.username = "alice";
  return o;
}

struct Compiled {
  conflux::Result<std::vector<oj>> docs = conflux::Status::internal("not compiled");
  std::vector<conflux::LintProblem> problems;
  const oj& doc(size_t i = 0) const { return docs.value().at(i); }
  const oj& tmpl(const std::string& name) const {
    for (const auto& t : doc()["spec"]["templates"]) {
      if (t["name"] == name) return t;
    }
    static const oj none;
    ADD_FAILURE() << "no template " << name;
    return none;
  }
  const oj& task(const std::string& dag, const std::string& name) const {
    for (const auto& t : tmpl(dag)["dag"]["tasks"]) {
      if (t["name"] == name) return t;
    }
    static const oj none;
    ADD_FAILURE() << "no task " << name << " in " << dag;
    return none;
  }
  // The task-run description of a step's container.
  nlohmann::json description(const std::string& step) const {
    return nlohmann::json::parse(tmpl(step)["container"]["args"][2].get<std::string>());
  }
};

template <int kId>
Compiled compile(void (*declare)(Graph<TestFlow<kId>>&), conflux::ArgoWorkflowOptions o = options()) {
  TestFlow<kId>::declare = declare;
  static conflux::FlowDescription description;  // FlowGraph keeps a pointer to it
  description = conflux::describe_flow<TestFlow<kId>>("TestFlow");
  static std::unique_ptr<conflux::FlowGraph> graph;
  graph = std::make_unique<conflux::FlowGraph>(description);
  Compiled c;
  c.problems = conflux::lint_flow(*graph);
  c.docs = conflux::compile_argo_workflow(*graph, o);
  return c;
}

std::string args_text(const oj& task) {
  std::string out;
  for (const auto& p : task["arguments"]["parameters"]) out += p["name"].get<std::string>() + "=" + p["value"].get<std::string>() + ";";
  return out;
}

// Argo's substitution of {{...}} references, for checking what a task sees.
std::string substitute(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [ref, value] : values) {
    for (size_t at; (at = text.find("{{" + ref + "}}")) != std::string::npos;) text.replace(at, ref.size() + 4, value);
  }
  return text;
}

// Writes the documents and runs the schema and lint check on them.
void expect_valid(const std::vector<oj>& docs, const std::string& what) {
  TempDir dir;
  auto file = dir.path() / (what + ".yaml");
  write_file(file, conflux::to_yaml(docs));
  auto r = run_command({"/usr/bin/python3", CONFLUX_SOURCE_DIR "/tests/tools/validate_argo.py", file.string()});
  EXPECT_EQ(r.exit_code, 0) << what << ":\n" << r.out << r.err << conflux::to_yaml(docs);
}

TEST(ArgoWorkflowTest, LinearFlowIsOneDagOfContainerTemplates) {
  auto c = compile<1>([](Graph<F(1)>& g) {
    g.step("start", &F(1)::step_fn).next("load_data");
    g.step("load_data", &F(1)::step_fn).next("end");
    g.step("end", &F(1)::step_fn);
  });
  ASSERT_TRUE(c.docs.ok()) << c.docs.status().to_string();
  ASSERT_EQ(c.docs->size(), 1u);
  const oj& wt = c.doc();
  EXPECT_EQ(wt["kind"], "WorkflowTemplate");
  EXPECT_EQ(wt["metadata"]["name"], "testflow");
  EXPECT_EQ(wt["spec"]["entrypoint"], "TestFlow");
  EXPECT_EQ(wt["spec"]["arguments"]["parameters"][0], (oj{{"name", "width"}, {"value", "3"}, {"description", "how wide"}}));
  // '_' is not allowed in Argo names.
  const oj& load = c.task("TestFlow", "load-data");
  EXPECT_EQ(load["depends"], "start.Succeeded");
  EXPECT_EQ(args_text(load), "input-paths=argo-{{workflow.name}}/start/{{tasks.start.outputs.parameters.task-id}};");
  EXPECT_FALSE(c.task("TestFlow", "start").contains("depends"));
  // The container runs task-run; the step name in its command keeps its '_'.
  const oj& container = c.tmpl("load-data")["container"];
  EXPECT_EQ(container["image"], "registry.example.com/runner:1");
  EXPECT_EQ(container["command"], oj::array({"conflux"}));
  EXPECT_EQ(container["args"][0], "task-run");
  auto task = conflux::RemoteTask::from_json(substitute(container["args"][2].get<std::string>(),
                                                          {{"workflow.name", "testflow-x1"}, {"retries", "0"},
                                                           {"inputs.parameters.input-paths", "argo-testflow-x1/start/t-1"},
                                                           {"workflow.creationTimestamp", "2026-12-07T00:00:00Z"}}));
  ASSERT_TRUE(task.ok()) << task.status().to_string();
  EXPECT_EQ(task->run_id, "argo-testflow-x1");
  EXPECT_EQ(task->step, "load_data");
  ASSERT_TRUE(task->deployed);
  EXPECT_EQ(task->deployed->input_paths, "argo-testflow-x1/start/t-1");
  EXPECT_EQ(task->deployed->outputs_dir, "/mnt/out");
  EXPECT_EQ(c.tmpl("load-data")["outputs"]["parameters"][0]["valueFrom"]["path"], "/mnt/out/task_id");
  // start stores the parameters: their values arrive base64-encoded from the workflow's arguments.
  auto start = c.description("start");
  EXPECT_TRUE(start["deployed"]["init_parameters"]);
  EXPECT_EQ(start["deployed"]["parameters_base64"]["width"], "{{=toBase64(workflow.parameters['width'])}}");
  expect_valid(*c.docs, "linear");
}

TEST(ArgoWorkflowTest, StaticJoinWaitsForEveryBranchAndGetsBothPaths) {
  auto c = compile<2>([](Graph<F(2)>& g) {
    g.step("start", &F(2)::step_fn).next("a", "b");
    g.step("a", &F(2)::step_fn).next("join");
    g.step("b", &F(2)::step_fn).next("join");
    g.join("join", &F(2)::join_fn).next("end");
    g.step("end", &F(2)::step_fn);
  });
  ASSERT_TRUE(c.docs.ok()) << c.docs.status().to_string();
  const oj& join = c.task("TestFlow", "join");
  EXPECT_EQ(join["depends"], "a.Succeeded && b.Succeeded");
  std::string paths = substitute(join["arguments"]["parameters"][0]["value"],
                                 {{"workflow.name", "wf"}, {"tasks.a.outputs.parameters.task-id", "t-a"},
                                  {"tasks.b.outputs.parameters.task-id", "t-b"}});
  auto decoded = conflux::decompress_input_paths(paths);
  ASSERT_TRUE(decoded.ok()) << paths;
  EXPECT_EQ(*decoded, (std::vector<std::string>{"argo-wf/a/t-a", "argo-wf/b/t-b"}));
  expect_valid(*c.docs, "branch");
}

TEST(ArgoWorkflowTest, ForeachRunsItsBodyOncePerSplitAndTheJoinRecomputesTheIds) {
  auto c = compile<3>([](Graph<F(3)>& g) {
    g.step("start", &F(3)::step_fn).foreach_(&F(3)::items, "train");
    g.step("train", &F(3)::step_fn).next("score");
    g.step("score", &F(3)::step_fn).next("join");
    g.join("join", &F(3)::join_fn).next("end");
    g.step("end", &F(3)::step_fn);
  });
  ASSERT_TRUE(c.docs.ok()) << c.docs.status().to_string();
  const oj& fan = c.task("TestFlow", "start-foreach-items");
  EXPECT_EQ(fan["withParam"], "{{tasks.start.outputs.parameters.num-splits}}");
  EXPECT_EQ(fan["depends"], "start.Succeeded");
  EXPECT_EQ(c.task("TestFlow", "join")["depends"], "start-foreach-items.Succeeded");
  // The body: train gets the split index, score (the last step) the body's root path too.
  EXPECT_FALSE(c.task("start-foreach-items", "train").contains("depends"));
  EXPECT_EQ(c.task("start-foreach-items", "score")["depends"], "train.Succeeded");
  EXPECT_NE(c.description("train")["argv"].dump().find("--split-index"), std::string::npos);
  EXPECT_EQ(c.description("score")["argv"].dump().find("--split-index"), std::string::npos);
  std::vector<std::string> outputs;
  for (const auto& p : c.tmpl("start")["outputs"]["parameters"]) outputs.push_back(p["name"]);
  EXPECT_EQ(outputs, (std::vector<std::string>{"task-id", "num-splits", "split-cardinality"}));

  // The ids the join recomputes are those the body's last tasks gave themselves.
  std::map<std::string, std::string> common = {{"workflow.name", "wf"}, {"workflow.creationTimestamp", "2026-12-07T01:02:03Z"},
                                               {"retries", "0"}};
  std::string root = "argo-wf/start/t-0123456789ab";
  std::vector<std::string> body_paths;
  for (int i = 0; i < 3; ++i) {
    auto values = common;
    values["inputs.parameters.root-input-path"] = root;
    values["inputs.parameters.split-index"] = std::to_string(i);
    values["inputs.parameters.input-paths"] = "argo-wf/train/t-" + std::to_string(i);
    auto score = conflux::RemoteTask::from_json(substitute(c.description("score").dump(), values));
    ASSERT_TRUE(score.ok()) << score.status().to_string();
    body_paths.push_back("argo-wf/score/" + conflux::deployed_task_id(score->deployed->task_id_seed));
  }
  auto values = common;
  values["inputs.parameters.foreach-parent"] = root;
  values["inputs.parameters.split-cardinality"] = "3";
  auto join = conflux::RemoteTask::from_json(substitute(c.description("join").dump(), values));
  ASSERT_TRUE(join.ok()) << join.status().to_string();
  EXPECT_EQ(join->deployed->join_count, 3);
  EXPECT_EQ(conflux::foreach_join_input_paths("argo-wf", join->deployed->join_step, join->deployed->join_seed, 3),
            conflux::compress_input_paths(body_paths));
  expect_valid(*c.docs, "foreach");
}

TEST(ArgoWorkflowTest, NestedForeachPassesBothRootsDown) {
  auto c = compile<4>([](Graph<F(4)>& g) {
    g.step("start", &F(4)::step_fn).foreach_(&F(4)::items, "outer");
    g.step("outer", &F(4)::step_fn).foreach_(&F(4)::inner, "cell");
    g.step("cell", &F(4)::step_fn).next("inner_join");
    g.join("inner_join", &F(4)::join_fn).next("outer_join");
    g.join("outer_join", &F(4)::join_fn).next("end");
    g.step("end", &F(4)::step_fn);
  });
  ASSERT_TRUE(c.docs.ok()) << c.docs.status().to_string();
  // The inner join closes the inner foreach and is the outer body's last step.
  const oj& inner_join = c.task("start-foreach-items", "inner-join");
  EXPECT_EQ(inner_join["depends"], "outer-foreach-inner.Succeeded");
  EXPECT_EQ(args_text(inner_join),
            "foreach-parent=argo-{{workflow.name}}/outer/{{tasks.outer.outputs.parameters.task-id}};"
            "split-cardinality={{tasks.outer.outputs.parameters.split-cardinality}};"
            "split-index={{inputs.parameters.split-index}};root-input-path={{inputs.parameters.root-input-path}};");
  EXPECT_EQ(c.task("start-foreach-items", "outer-foreach-inner")["withParam"],
            "{{tasks.outer.outputs.parameters.num-splits}}");
  expect_valid(*c.docs, "nested");
}

TEST(ArgoWorkflowTest, DecoratorsMapOntoTheTemplateAndPod) {
  auto c = compile<5>([](Graph<F(5)>& g) {
    g.step("start", &F(5)::step_fn).next("train");
    g.step("train", &F(5)::step_fn)
        .next("end")
        .retry(2, 3)
        .catch_("err")
        .timeout(600)
        .environment({{"MODE", "fast"}})
        .resources({.cpu = 4, .memory = 16000})
        .kubernetes({.image = "gpu-runner:2", .memory = 32000, .gpu = 1, .service_account = "trainer",
                     .node_selector = {{"pool", "gpu"}},
                     .tolerations = {{{"key", "nvidia.com/gpu"}, {"operator", "Exists"}}},
                     .secrets = {"s3-creds"}, .labels = {{"team", "ml"}}, .annotations = {{"owner", "ml-platform"}}});
    g.step("end", &F(5)::step_fn);
  });
  ASSERT_TRUE(c.docs.ok()) << c.docs.status().to_string();
  EXPECT_TRUE(c.problems.empty()) << c.problems.front().message;
  const oj& t = c.tmpl("train");
  // @retry's 2 retries plus @catch's attempt, Argo's backoff from minutes_between_retries.
  EXPECT_EQ(t["retryStrategy"], (oj{{"limit", "3"}, {"retryPolicy", "Always"}, {"backoff", {{"duration", "3m"}}}}));
  EXPECT_EQ(t["activeDeadlineSeconds"], "720");
  EXPECT_EQ(t["serviceAccountName"], "trainer");
  EXPECT_EQ(t["nodeSelector"], (oj{{"pool", "gpu"}}));
  EXPECT_EQ(t["tolerations"][0]["operator"], "Exists");
  EXPECT_EQ(t["metadata"]["labels"], (oj{{"team", "ml"}}));
  EXPECT_EQ(t["metadata"]["annotations"]["owner"], "ml-platform");
  const oj& container = t["container"];
  EXPECT_EQ(container["image"], "gpu-runner:2");
  // The larger of @resources and @kubernetes, as strings (Kubernetes quantities).
  EXPECT_EQ(container["resources"], (oj{{"requests", {{"cpu", "4"}, {"memory", "32000M"}}}, {"limits", {{"nvidia.com/gpu", "1"}}}}));
  EXPECT_EQ(container["envFrom"][0]["secretRef"]["name"], "s3-creds");
  auto d = c.description("train");
  EXPECT_EQ(d["timeout_seconds"], 600);
  EXPECT_EQ(d["env"]["MODE"], "fast");
  EXPECT_NE(d["argv"].dump().find("\"--max-user-code-retries\",\"2\""), std::string::npos);
  expect_valid(*c.docs, "decorated");
}

TEST(ArgoWorkflowTest, ScheduleAddsACronWorkflowAndTriggersASensor) {
  auto o = options();
  o.events_source = "metaflow-webhook";
  o.events_event = "metaflow-event";
  auto c = compile<6>([](Graph<F(6)>& g) {
    g.schedule("daily", "Europe/Paris").trigger("data.updated").trigger_on_finish("UpstreamFlow");
    g.step("start", &F(6)::step_fn).next("end");
    g.step("end", &F(6)::step_fn);
  }, o);
  ASSERT_TRUE(c.docs.ok()) << c.docs.status().to_string();
  ASSERT_EQ(c.docs->size(), 3u);
  const oj& cron = c.doc(1);
  EXPECT_EQ(cron["kind"], "CronWorkflow");
  EXPECT_EQ(cron["spec"]["schedules"], oj::array({"0 0 * * *"}));
  EXPECT_EQ(cron["spec"]["timezone"], "Europe/Paris");
  EXPECT_EQ(cron["spec"]["workflowSpec"]["workflowTemplateRef"]["name"], "testflow");
  const oj& sensor = c.doc(2);
  EXPECT_EQ(sensor["kind"], "Sensor");
  ASSERT_EQ(sensor["spec"]["dependencies"].size(), 2u);
  EXPECT_EQ(sensor["spec"]["dependencies"][0]["filters"]["exprs"][0]["expr"], "name == 'data.updated'");
  EXPECT_EQ(sensor["spec"]["dependencies"][1]["filters"]["exprs"][0]["expr"], "name == 'metaflow.UpstreamFlow.end'");
  EXPECT_EQ(sensor["spec"]["triggers"][0]["template"]["k8s"]["source"]["resource"]["spec"]["workflowTemplateRef"]["name"],
            "testflow");
  expect_valid(*c.docs, "scheduled");

  // Without Argo Events' settings a trigger cannot be deployed.
  auto missing = compile<7>([](Graph<F(7)>& g) {
    g.trigger("data.updated");
    g.step("start", &F(7)::step_fn).next("end");
    g.step("end", &F(7)::step_fn);
  });
  ASSERT_FALSE(missing.docs.ok());
  EXPECT_NE(missing.docs.status().message().find("CONFLUX_ARGO_EVENTS_EVENT_SOURCE"), std::string::npos);
}

TEST(ArgoWorkflowTest, WhatArgoCannotExpressIsAnErrorNamingTheStep) {
  // A switch case that skips straight to where the branches meet: the meeting step could not
  // tell when to start.
  auto sw = compile<8>([](Graph<F(8)>& g) {
    g.step("start", &F(8)::step_fn).switch_(&F(8)::choice, {{"a", "a"}, {"b", "end"}});
    g.step("a", &F(8)::step_fn).next("end");
    g.step("end", &F(8)::step_fn);
  });
  ASSERT_FALSE(sw.docs.ok());
  EXPECT_NE(sw.docs.status().message().find("step start: this switch cannot be deployed to Argo Workflows yet"),
            std::string::npos) << sw.docs.status().message();

  auto slurm = compile<9>([](Graph<F(9)>& g) {
    g.step("start", &F(9)::step_fn).next("end").slurm();
    g.step("end", &F(9)::step_fn);
  });
  ASSERT_FALSE(slurm.docs.ok());
  EXPECT_NE(slurm.docs.status().message().find("step start: @slurm"), std::string::npos);

  auto no_image = options();
  no_image.image.clear();
  auto image = compile<10>([](Graph<F(10)>& g) {
    g.step("start", &F(10)::step_fn).next("end");
    g.step("end", &F(10)::step_fn);
  }, no_image);
  ASSERT_FALSE(image.docs.ok());
  EXPECT_NE(image.docs.status().message().find("step start has no container image"), std::string::npos);

  auto bad_name = options();
  bad_name.name = "Not_Valid";
  auto named = compile<11>([](Graph<F(11)>& g) {
    g.step("start", &F(11)::step_fn).next("end");
    g.step("end", &F(11)::step_fn);
  }, bad_name);
  ASSERT_FALSE(named.docs.ok());
  EXPECT_NE(named.docs.status().message().find("'Not_Valid' is not valid"), std::string::npos);

  // A bad label value and a bad schedule are lint problems, reported by `check` and before a run.
  auto label = compile<12>([](Graph<F(12)>& g) {
    g.schedule("0 25 * * *");
    g.step("start", &F(12)::step_fn).next("end").kubernetes({.labels = {{"team", "-bad-"}}});
    g.step("end", &F(12)::step_fn);
  });
  std::string problems;
  for (const auto& p : label.problems) problems += p.message + "\n";
  EXPECT_NE(problems.find("label team=-bad- is not a valid Kubernetes label value"), std::string::npos) << problems;
  EXPECT_NE(problems.find("the hour field '25'"), std::string::npos) << problems;
}

TEST(ArgoWorkflowTest, SwitchBranchesRunWhenChosenAndMeetAgain) {
  auto c = compile<14>([](Graph<F(14)>& g) {
    g.step("start", &F(14)::step_fn).switch_(&F(14)::choice, {{"x", "a1"}, {"y", "b1"}});
    g.step("a1", &F(14)::step_fn).next("a2");
    g.step("a2", &F(14)::step_fn).next("meet");
    g.step("b1", &F(14)::step_fn).next("meet");
    g.step("meet", &F(14)::step_fn).next("end");
    g.step("end", &F(14)::step_fn);
  });
  ASSERT_TRUE(c.docs.ok()) << c.docs.status().to_string();
  EXPECT_EQ(c.task("TestFlow", "a1")["when"], "{{tasks.start.outputs.parameters.switch-step}} == a1");
  EXPECT_FALSE(c.task("TestFlow", "a2").contains("when")) << "it runs only after a1, which the switch chose";
  EXPECT_EQ(c.task("TestFlow", "meet")["depends"], "a2.Succeeded || b1.Succeeded");
  EXPECT_EQ(c.tmpl("start")["outputs"]["parameters"][1]["name"], "switch-step");
  // The meeting step finds the chosen branch's last task from the switch's path alone.
  std::map<std::string, std::string> values = {{"workflow.name", "wf"}, {"workflow.creationTimestamp", "T"},
                                               {"retries", "0"}};
  std::string switch_path = "argo-wf/start/t-000000000001";
  auto id_of = [&](const std::string& step, const std::string& paths) {
    auto v = values;
    v["inputs.parameters.input-paths"] = paths;
    auto t = conflux::RemoteTask::from_json(substitute(c.description(step).dump(), v));
    return "argo-wf/" + step + "/" + conflux::deployed_task_id(t->deployed->task_id_seed);
  };
  std::string a2 = id_of("a2", id_of("a1", switch_path));
  auto v = values;
  v["inputs.parameters.switch-parent"] = switch_path;
  v["inputs.parameters.switch-choice"] = "a1";
  auto meet = conflux::RemoteTask::from_json(substitute(c.description("meet").dump(), v));
  ASSERT_TRUE(meet.ok()) << meet.status().to_string();
  TempDir dir;
  conflux::LocalStorage storage(dir.path());
  ASSERT_TRUE(conflux::resolve_deployed_task(*meet, storage).ok());
  EXPECT_EQ(meet->argv.back(), a2) << "--input-paths of meet";
  expect_valid(*c.docs, "switch");
}

TEST(ArgoWorkflowTest, ASwitchLoopingOnItselfIsARecursiveStepsTemplate) {
  auto c = compile<15>([](Graph<F(15)>& g) {
    g.step("start", &F(15)::step_fn).next("train");
    g.step("train", &F(15)::step_fn).switch_(&F(15)::choice, {{"again", "train"}, {"done", "end"}});
    g.step("end", &F(15)::step_fn);
  });
  ASSERT_TRUE(c.docs.ok()) << c.docs.status().to_string();
  const oj& loop = c.tmpl("train-loop");
  ASSERT_EQ(loop["steps"].size(), 2u);
  EXPECT_EQ(loop["steps"][0][0]["template"], "train");
  EXPECT_EQ(loop["steps"][1][0]["template"], "train-loop") << "it calls itself";
  EXPECT_EQ(loop["steps"][1][0]["when"], "{{steps.train.outputs.parameters.switch-step}} == train");
  EXPECT_EQ(c.task("TestFlow", "end")["depends"], "train-loop.Succeeded");
  EXPECT_EQ(c.description("train")["deployed"]["loop_exit"]["entry"], "{{inputs.parameters.loop-entry}}");
  EXPECT_EQ(c.description("end")["deployed"]["loop_record"]["step"], "train");
  expect_valid(*c.docs, "loop");

  auto two_exits = compile<16>([](Graph<F(16)>& g) {
    g.step("start", &F(16)::step_fn).next("train");
    g.step("train", &F(16)::step_fn).switch_(&F(16)::choice, {{"again", "train"}, {"done", "end"}, {"bad", "fix"}});
    g.step("fix", &F(16)::step_fn).next("end");
    g.step("end", &F(16)::step_fn);
  });
  ASSERT_FALSE(two_exits.docs.ok());
  EXPECT_NE(two_exits.docs.status().message().find("exactly one case that leaves the loop"), std::string::npos);
}

TEST(ArgoWorkflowTest, TemplateNamesFollowArgosRules) {
  TestFlow<13>::declare = [](Graph<F(13)>& g) {
    g.step("start", &F(13)::step_fn).next("end");
    g.step("end", &F(13)::step_fn);
  };
  conflux::FlowDescription d = conflux::describe_flow<TestFlow<13>>("My_TrainingFlow");
  conflux::FlowGraph graph(d);
  EXPECT_EQ(conflux::argo_template_name(graph, std::nullopt), "my-trainingflow");
  conflux::ProjectInfo project;
  project.project_flow_name = "ranking.test.a_very_long_branch_name_for_experiments.My_TrainingFlow";
  std::string name = conflux::argo_template_name(graph, project);
  EXPECT_EQ(name.size(), 45u) << name;
  EXPECT_TRUE(std::regex_match(name, std::regex("[a-z]([a-z0-9.-]*[a-z0-9])?"))) << name;
  EXPECT_EQ(name.substr(0, 20), "ranking.test.a-very-");
}

TEST(ArgoWorkflowTest, CronExpressionsAreCheckedFieldByField) {
  EXPECT_EQ(conflux::normalize_cron("hourly").value(), "0 * * * *");
  EXPECT_EQ(conflux::normalize_cron("@weekly").value(), "0 0 * * 0");
  EXPECT_EQ(conflux::normalize_cron("*/15 6-18 ? JAN-MAR MON,FRI").value(), "*/15 6-18 ? JAN-MAR MON,FRI");
  EXPECT_NE(conflux::normalize_cron("0 0 * *").status().message().find("five fields"), std::string::npos);
  EXPECT_NE(conflux::normalize_cron("60 * * * *").status().message().find("minute field '60'"), std::string::npos);
  EXPECT_NE(conflux::normalize_cron("0 0 32 * *").status().message().find("day of month field"), std::string::npos);
  EXPECT_NE(conflux::normalize_cron("0 0 * 13 *").status().message().find("month field"), std::string::npos);
  EXPECT_NE(conflux::normalize_cron("0 ? * * *").status().message().find("cannot be '?'"), std::string::npos);
  EXPECT_NE(conflux::normalize_cron("0 5-2 * * *").status().message().find("backwards"), std::string::npos);
  EXPECT_NE(conflux::normalize_cron("*/0 * * * *").status().message().find("invalid step"), std::string::npos);
}

TEST(ArgoWorkflowTest, YamlReadsBackAsTheSameJson) {
  oj doc = {{"plain", "abc"},       {"keyword", "true"},     {"number_text", "1.0"},  {"colon", "a: b"},
            {"dash", "- x"},        {"empty", ""},           {"null_text", "null"},   {"braces", "{{workflow.name}}"},
            {"unicode", "caf\u00e9"}, {"multi", "line1\nline2"}, {"int", 3},          {"float", 0.5},
            {"bool", false},        {"null", nullptr},       {"empty_map", oj::object()}, {"empty_list", oj::array()},
            {"list", oj::array({oj{{"a", 1}, {"b", oj::array({1, "2"})}}, "x", oj::array({oj::array({1})})})},
            {"nested", {{"k", {{"deeper", "yes"}}}}}};
  TempDir dir;
  write_file(dir.path() / "doc.yaml", conflux::to_yaml({doc, oj{{"second", 2}}}));
  auto r = run_command({"/usr/bin/python3", "-c",
                        "import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))",
                        (dir.path() / "doc.yaml").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out), nlohmann::json::parse(nlohmann::json::array({doc, oj{{"second", 2}}}).dump()));
}

}  // namespace
