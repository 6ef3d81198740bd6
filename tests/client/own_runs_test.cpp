// The client on runs of our own flow binaries (examples/ and tests/flows/), each run into a fresh
// datastore: status, typed artifacts of every supported type, logs, lineage, failures, resume.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "client/client_test_util.hpp"
#include "datastore/local_storage.hpp"
#include "metadata/service_metadata_provider.hpp"
#include "service/clock.hpp"
#include "service/db/sqlite_database.hpp"
#include "service/metrics.hpp"
#include "service/server.hpp"

struct Point {
  double x = 0;
  double y = 0;
};
CONFLUX_STRUCT(Point, x, y)

namespace conflux {
namespace {

using testing::build_path;
using testing::CommandResult;
using testing::open_client;
using testing::read_file;
using testing::run_command;
using testing::TempDir;

class OwnRunsTest : public ::testing::Test {
 protected:
  // Runs `binary` with `args`; returns the new run id ("" on failure, with the output logged).
  std::string run_flow(const std::string& binary, std::vector<std::string> args,
                       std::map<std::string, std::string> env = {}, bool expect_ok = true) {
    std::filesystem::path id_file = dir_.path() / "run_id";
    std::filesystem::remove(id_file);
    std::vector<std::string> argv = {build_path(binary).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--run-id-file", id_file.string()});
    env["METAFLOW_DATASTORE_SYSROOT_LOCAL"] = dir_.path().string();
    env["USER"] = "tester";
    env.erase("METAFLOW_USER");
    CommandResult r = run_command(argv, env);
    EXPECT_EQ(r.exit_code == 0, expect_ok) << r.out << r.err;
    return std::filesystem::exists(id_file) ? read_file(id_file) : "";
  }
  Client client(Namespace ns = Namespace::user("tester")) {
    return open_client(dir_.path() / ".metaflow", ns);
  }

  TempDir dir_;
};

std::vector<std::string> ids_of(const auto& objects) {
  std::vector<std::string> out;
  for (const auto& o : objects) out.push_back(o.id());
  return out;
}

TEST_F(OwnRunsTest, HelloRunReadsBack) {
  std::string id = run_flow("examples/hello", {"run", "--tag", "greeting"});
  ASSERT_FALSE(id.empty());
  Client c = client();
  EXPECT_EQ(ids_of(*c.flows()), (std::vector<std::string>{"HelloFlow"}));
  auto flow = c.flow("HelloFlow");
  ASSERT_TRUE(flow.ok()) << flow.status().to_string();
  auto run = flow->latest_run();
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->id(), id);
  EXPECT_TRUE(*run->successful());
  EXPECT_TRUE(*run->finished());
  EXPECT_TRUE(run->finished_at()->has_value());
  EXPECT_EQ(run->user_tags(), (std::vector<std::string>{"greeting"}));
  EXPECT_TRUE(run->has_tag("user:tester"));
  EXPECT_EQ(flow->runs({"greeting"})->size(), 1u);
  EXPECT_TRUE(flow->runs({"other"})->empty());
  EXPECT_EQ(ids_of(*run->steps()), (std::vector<std::string>{"start", "end"}));
  EXPECT_EQ(*run->artifact<std::string>("message"), "Hello from Conflux");
  auto end = run->end_task();
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(*end->stdout_log(), "Hello from Conflux\n");
  EXPECT_EQ(*end->current_attempt(), 0);
  EXPECT_EQ(end->metadata_dict()->at("attempt"), "0");
  EXPECT_EQ(*end->parent_task_pathspecs(),
            (std::vector<std::string>{"HelloFlow/" + id + "/start/1"}));
  EXPECT_ERROR(end->artifact<int64_t>("message"), StatusCode::kInvalidArgument,
               "artifact 'message' of task 'HelloFlow/" + id + "/end/2' (a <class 'str'>)");
  EXPECT_ERROR(client(Namespace::user("bob")).run("HelloFlow/" + id),
               StatusCode::kFailedPrecondition, "not in namespace 'user:bob'");
}

TEST_F(OwnRunsTest, EveryArtifactTypeReadsBackTyped) {
  std::string id = run_flow("tests/flows/artifact_types_flow", {"run"});
  ASSERT_FALSE(id.empty());
  auto start = client().task("ArtifactTypesFlow/" + id + "/start/1");
  ASSERT_TRUE(start.ok()) << start.status().to_string();
  EXPECT_EQ(*start->artifact<bool>("flag"), true);
  EXPECT_EQ(*start->artifact<int64_t>("count"), 42);
  EXPECT_EQ(*start->artifact<double>("ratio"), 3.25);
  EXPECT_EQ(*start->artifact<std::string>("text"), "hello conflux \u2713");
  EXPECT_EQ(start->artifact<Bytes>("blob")->data, std::string("\x00\x01" "binary", 8));
  EXPECT_EQ(*start->artifact<std::vector<std::string>>("names"),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(*start->artifact<std::vector<double>>("weights"),
            (std::vector<double>{0.5, 0.25, 0.125}));
  EXPECT_EQ(start->data_artifact("weights")->type(), "<class 'numpy.ndarray'>");
  EXPECT_EQ(*start->artifact<std::vector<int64_t>>("ids"), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(*(start->artifact<std::map<std::string, int64_t>>("counts")),
            (std::map<std::string, int64_t>{{"x", 1}, {"y", 2}}));
  EXPECT_EQ(*start->artifact<std::set<int64_t>>("unique"), (std::set<int64_t>{1, 2, 3}));
  EXPECT_EQ(*start->artifact<std::optional<int64_t>>("maybe"), std::nullopt);
  EXPECT_EQ(*(start->artifact<std::pair<std::string, double>>("pair")),
            std::make_pair(std::string("pi"), 3.14));
  EXPECT_EQ(*(start->artifact<std::tuple<int64_t, std::string, bool>>("triple")),
            std::make_tuple(int64_t{7}, std::string("seven"), false));
  auto point = start->artifact<Point>("point");
  ASSERT_TRUE(point.ok()) << point.status().to_string();
  EXPECT_EQ(point->x, 1.5);
  EXPECT_EQ(point->y, -2);
  EXPECT_EQ((*start->artifact<nlohmann::json>("doc"))["k"][1], 2);
  EXPECT_EQ(start->artifact_value("counts")->python_repr(), "{'x': 1, 'y': 2}");
  EXPECT_EQ(*client().run("ArtifactTypesFlow/" + id)->artifact<std::string>("checked"),
            "all values read back");
  EXPECT_ERROR(start->artifact<std::vector<double>>("text"), StatusCode::kInvalidArgument,
               "artifact 'text'");
}

TEST_F(OwnRunsTest, ForeachIndexAndLineage) {
  std::string id = run_flow("examples/foreach", {"run"});
  ASSERT_FALSE(id.empty());
  const std::string run = "ShardFlow/" + id;
  auto train = client().step(run + "/train");
  ASSERT_TRUE(train.ok()) << train.status().to_string();
  auto tasks = train->tasks();
  ASSERT_TRUE(tasks.ok());
  ASSERT_EQ(tasks->size(), 4u);
  std::vector<std::string> train_paths;
  for (size_t i = 0; i < tasks->size(); ++i) {
    const Task& t = (*tasks)[i];
    train_paths.push_back(t.pathspec());
    EXPECT_EQ(*t.index(), static_cast<int64_t>(i));
    EXPECT_EQ(t.foreach_stack()->size(), 1u);
    EXPECT_EQ(*t.parent_task_pathspecs(), (std::vector<std::string>{run + "/start/1"}));
    auto children = t.child_task_pathspecs();
    ASSERT_TRUE(children.ok());
    ASSERT_EQ(children->size(), 1u);
    EXPECT_NE(children->front().find(run + "/join/"), std::string::npos);
  }
  auto join = client().run(run)->step("join")->task();
  ASSERT_TRUE(join.ok());
  EXPECT_EQ(*join->parent_task_pathspecs(), train_paths);
  EXPECT_EQ(*join->index(), std::nullopt);
  EXPECT_DOUBLE_EQ(*client().run(run)->artifact<double>("best"), 1.0);
}

TEST_F(OwnRunsTest, NestedForeachLineage) {
  std::string id = run_flow("examples/nested_foreach", {"run"});
  ASSERT_FALSE(id.empty());
  auto run = client().run("NestedForeachFlow/" + id);
  ASSERT_TRUE(run.ok());
  auto inner_joins = run->step("inner_join")->tasks();
  ASSERT_TRUE(inner_joins.ok());
  ASSERT_EQ(inner_joins->size(), 2u);
  std::set<std::string> all_inner;
  for (const Task& j : *inner_joins) {
    auto parents = j.parent_task_pathspecs();
    ASSERT_TRUE(parents.ok()) << parents.status().to_string();
    EXPECT_EQ(parents->size(), 2u);
    all_inner.insert(parents->begin(), parents->end());
    EXPECT_EQ(j.child_task_pathspecs()->size(), 1u);
    // The inner tasks under one inner_join share its outer index.
    auto parent_tasks = j.parent_tasks();
    ASSERT_TRUE(parent_tasks.ok());
    for (const Task& p : *parent_tasks) {
      EXPECT_EQ(p.foreach_stack()->front().index, j.foreach_stack()->front().index);
    }
  }
  EXPECT_EQ(all_inner.size(), 4u);
  EXPECT_EQ(run->artifact<std::vector<std::string>>("labels")->size(), 4u);
}

TEST_F(OwnRunsTest, FailedRunAndResume) {
  std::string failed = run_flow("tests/flows/failing_flow", {"run", "--mode", "env"},
                                {{"FAILING_FLOW_BREAK", "1"}}, /*expect_ok=*/false);
  ASSERT_FALSE(failed.empty());
  auto run = client().run("FailingFlow/" + failed);
  ASSERT_TRUE(run.ok());
  EXPECT_FALSE(*run->successful());
  EXPECT_FALSE(*run->finished());
  EXPECT_ERROR(run->end_task(), StatusCode::kNotFound, "has no 'end' task yet");
  auto work = run->step("work")->tasks();
  ASSERT_TRUE(work.ok());
  int failures = 0;
  for (const Task& t : *work) {
    if (*t.successful()) continue;
    ++failures;
    auto exception = t.exception();
    ASSERT_TRUE(exception.ok() && exception->has_value()) << t.pathspec();
    EXPECT_NE((*exception)->find("broken by environment"), std::string::npos) << **exception;
    EXPECT_EQ(*t.index(), 1);
  }
  EXPECT_EQ(failures, 1);

  std::string resumed = run_flow("tests/flows/failing_flow", {"resume"});
  ASSERT_FALSE(resumed.empty());
  auto again = client().run("FailingFlow/" + resumed);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(*again->successful());
  EXPECT_EQ(**again->origin_run_id(), failed);
  EXPECT_EQ(**again->origin_pathspec(), "FailingFlow/" + failed);
  EXPECT_EQ(*again->artifact<int64_t>("value"), 6);
  auto flow = client().flow("FailingFlow");
  EXPECT_EQ(flow->latest_run()->id(), resumed);
  EXPECT_EQ(flow->latest_successful_run()->id(), resumed);
  EXPECT_EQ(*run->origin_run_id(), std::nullopt);
}

// The client over the metadata service (an in-process `conflux service` on SQLite): the flow
// registers its run there, the artifacts stay in the local datastore.
TEST_F(OwnRunsTest, ServiceBackedMetadata) {
  service::SqliteOptions db_options;
  db_options.path = dir_.path() / "service.db";
  auto db = service::SqliteDatabase::open(db_options);
  ASSERT_TRUE(db.ok()) << db.status().to_string();
  ASSERT_TRUE((*db)->migrate().ok());
  service::SystemClock clock;
  service::Metrics metrics;
  service::ServerOptions server_options;
  server_options.port = 0;
  server_options.threads = 8;
  auto server = service::Server::create(server_options, **db, clock, metrics);
  ASSERT_TRUE(server.ok()) << server.status().to_string();
  (*server)->start();
  const std::string url = "http://127.0.0.1:" + std::to_string((*server)->port());

  std::string id = run_flow("examples/foreach", {"run", "--tag", "svc"},
                            {{"METAFLOW_DEFAULT_METADATA", "service"}, {"METAFLOW_SERVICE_URL", url}});
  ASSERT_FALSE(id.empty());
  // Through the public options only, as a program built against an installed Conflux would.
  ClientOptions options;
  options.datastore_root = dir_.path() / ".metaflow";
  options.metadata = "service";
  options.service_url = url;
  options.username = "tester";
  Result<Client> opened = Client::open(options);
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  Client& c = *opened;
  options.service_url = "";
  EXPECT_NE(Client::open(options).status().message().find("METAFLOW_SERVICE_URL is not set"), std::string::npos);
  options.service_url = "ftp://nowhere";
  EXPECT_EQ(Client::open(options).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ids_of(*c.flows()), (std::vector<std::string>{"ShardFlow"}));
  auto run = c.flow("ShardFlow")->latest_run();
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  EXPECT_EQ(run->id(), id);
  EXPECT_EQ(run->user_tags(), (std::vector<std::string>{"svc"}));
  EXPECT_TRUE(*run->successful());
  EXPECT_DOUBLE_EQ(*run->artifact<double>("best"), 1.0);
  auto train = run->step("train")->tasks();
  ASSERT_TRUE(train.ok());
  ASSERT_EQ(train->size(), 4u);
  EXPECT_EQ(*train->back().index(), 3);
  auto join = run->step("join")->task();
  ASSERT_TRUE(join.ok());
  EXPECT_EQ(join->parent_task_pathspecs()->size(), 4u);
  ASSERT_TRUE(run->add_tag("reviewed").ok());
  EXPECT_TRUE(c.run(run->pathspec())->has_tag("reviewed"));
  EXPECT_ERROR(c.in_namespace(Namespace::user("bob")).run(run->pathspec()),
               StatusCode::kFailedPrecondition, "not in namespace 'user:bob'");
  (*server)->stop();
}

}  // namespace
}  // namespace conflux
