// The service beyond metaflow-service's corpus: bad input, auth, size limit, delete, metrics,
// and unique ids under concurrent writers. In-process server on 127.0.0.1, on a fresh SQLite file
// and on a fresh PostgreSQL database (backend_param.hpp).
#include <gtest/gtest.h>
#include <mutex>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <set>
#include <thread>
#include <nlohmann/json.hpp>

#include "card/task_cards.hpp"
#include "conflux/cards.hpp"
#include "conflux/current.hpp"
#include "datastore/local_storage.hpp"
#include "service/clock.hpp"
#include "service/db/pg_connection.hpp"
#include "service/db/pg_connection_pool.hpp"
#include "service/db/pg_write_batcher.hpp"
#include "service/service_fixture.hpp"
#include "service/metrics.hpp"
#include "service/server.hpp"
#include "testutil/testutil.hpp"

namespace conflux::service {
namespace {

using Json = nlohmann::json;

// Tests of the PostgreSQL backend's own machinery (connection pool, statistics, batches).
class PostgresServiceTest : public ServiceTest {};

TEST_P(ServiceTest, BadInputGets4xxWithJsonAndLeavesDatabaseIntact) {
  start();
  if (IsSkipped() || HasFatalFailure()) return;
  auto c = client();
  make_run(c);
  struct Case { const char* method; const char* path; const char* body; int status; };
  const Case cases[] = {
      {"POST", "/flows/G", "{not json", 400},
      {"POST", "/flows/G", "[1,2]", 400},
      {"POST", "/flows/G", R"({"tags": "notalist"})", 400},
      {"POST", "/flows/G", R"({"user_name": 5})", 400},
      {"POST", "/flows/F/run", R"({"run_number": 7})", 400},
      {"POST", "/flows/F/run", R"({"run_number": "123"})", 400},
      {"POST", "/flows/Nope/run", "{}", 404},
      {"POST", "/flows/F/runs/999/steps/s/step", "{}", 404},
      {"POST", "/flows/F/runs/1/steps/nostep/task", "{}", 404},
      {"POST", "/flows/F/runs/1/steps/s/tasks/99/metadata", "[]", 400},
      {"POST", "/flows/F/runs/1/steps/s/tasks/1/metadata", R"({"a":1})", 400},
      {"POST", "/flows/F/runs/1/steps/s/tasks/1/metadata", R"([{"field_name": 3}])", 400},
      {"POST", "/flows/F/runs/1/steps/s/tasks/1/artifact", R"([{"attempt_id": "x"}])", 400},
      {"PATCH", "/flows/F/runs/1/tag/mutate", R"({"tags_to_add": "x"})", 400},
      {"PATCH", "/flows/F/runs/1/tag/mutate", R"({"tags_to_add": [1]})", 400},
      {"GET", "/flows?_limit=abc", nullptr, 400},
      {"GET", "/flows?_cursor=%%%", nullptr, 400},
      {"GET", "/flows/F/runs?ts_epoch:ge=1;DROP", nullptr, 400},
      {"GET", "/flows/F/runs/1/steps/s/filtered_tasks?pattern=(", nullptr, 400},
      {"GET", "/nowhere", nullptr, 404},
  };
  for (const Case& k : cases) {
    httplib::Result r = std::string(k.method) == "GET"    ? c.Get(k.path)
                        : std::string(k.method) == "POST" ? c.Post(k.path, k.body, "application/json")
                                                          : c.Patch(k.path, k.body, "application/json");
    ASSERT_TRUE(r) << k.path;
    EXPECT_EQ(r->status, k.status) << k.method << " " << k.path << " " << (k.body ? k.body : "") << " -> " << r->body;
    EXPECT_FALSE(Json::parse(r->body, nullptr, false).is_discarded()) << k.path << ": " << r->body;
  }
  // Injection attempts are stored and matched as plain values.
  std::string evil = "x'); DROP TABLE runs; --";
  EXPECT_EQ(c.Patch("/flows/F/runs/1/tag/mutate", Json{{"tags_to_add", {evil}}}.dump(), "application/json")->status, 200);
  auto runs = c.Get("/flows/F/runs?_tags:any=x%27%29%3B%20DROP%20TABLE%20runs%3B%20--");
  ASSERT_EQ(runs->status, 200);
  EXPECT_EQ(Json::parse(runs->body).size(), 1u);
  EXPECT_EQ(c.Get("/flows/F%27%20OR%201=1--")->status, 404);
  EXPECT_EQ(c.Get("/flows/F/runs/1")->status, 200);
  EXPECT_EQ(Json::parse(c.Get("/flows")->body).size(), 1u);
}

TEST_P(ServiceTest, TheUiApiServesATasksCardsFromTheDatastore) {
  // A task's card, as a step writes it.
  LocalStorage datastore(dir_.path() / "datastore");
  {
    DecoratorSpec card;
    card.name = "card";
    card.attributes = {{"type", "blank"}, {"id", "report"}, {"refresh_interval", 1}};
    CardTaskFacts facts;
    facts.task = {"F", "1", "s", "2"};
    TaskCards cards(datastore, {card}, facts);
    current().card("report").append(cards::ProgressBar({.max = 4, .value = 2}), "pb");
    current().card("report").refresh();
  }
  ServerOptions options;
  options.datastore = &datastore;
  start(options);
  if (IsSkipped()) return;
  auto c = client();
  auto list = c.Get("/api/flows/F/runs/1/steps/s/tasks/2/cards");
  ASSERT_EQ(list->status, 200) << list->body;
  Json body = Json::parse(list->body);
  EXPECT_EQ(body["status"], 200);
  EXPECT_EQ(body["pages"]["self"], 1);
  EXPECT_TRUE(body["pages"]["next"].is_null());
  ASSERT_EQ(body["data"].size(), 1u);
  EXPECT_EQ(body["data"][0]["type"], "blank");
  EXPECT_EQ(body["data"][0]["id"], "report");
  const std::string hash = body["data"][0]["hash"];

  auto html = c.Get("/api/flows/F/runs/1/steps/s/tasks/2/cards/" + hash.substr(0, 6));
  ASSERT_EQ(html->status, 200);
  EXPECT_EQ(html->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(html->get_header_value("Content-Security-Policy").rfind("sandbox allow-scripts;", 0), 0u);
  EXPECT_NE(html->body.find("METAFLOW_RELOAD_TOKEN = \"runtime-1\""), std::string::npos);
  auto data = c.Get("/api/flows/F/runs/1/steps/s/tasks/2/cards/" + hash + "/data");
  ASSERT_EQ(data->status, 200);
  Json live = Json::parse(data->body);
  EXPECT_EQ(live["type"], "blank");
  EXPECT_EQ(live["data"]["reload_token"], "runtime-1");
  EXPECT_EQ(live["data"]["data"]["pb"]["value"], 2);

  // No such card, a task without cards, a hash prefix too short to pick one.
  auto missing = c.Get("/api/flows/F/runs/1/steps/s/tasks/2/cards/ffffffffff");
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(Json::parse(missing->body)["detail"], "task F/1/s/2 has no card 'ffffffffff'");
  auto none = c.Get("/api/flows/F/runs/1/steps/s/tasks/3/cards");
  ASSERT_EQ(none->status, 200);
  EXPECT_TRUE(Json::parse(none->body)["data"].empty());
  EXPECT_EQ(c.Get("/api/flows/F/runs/1/steps/s/tasks/2/cards/" + hash.substr(0, 3))->status, 404);
}

TEST_P(ServiceTest, TheUiApiSaysWhenItHasNoDatastore) {
  start();
  if (IsSkipped()) return;
  auto res = client().Get("/api/flows/F/runs/1/steps/s/tasks/2/cards");
  ASSERT_EQ(res->status, 404);
  Json body = Json::parse(res->body);
  EXPECT_EQ(body["title"], "datastore-not-configured");
  EXPECT_NE(body["detail"].get<std::string>().find("METAFLOW_DATASTORE_SYSROOT_LOCAL"), std::string::npos);
}

TEST_P(ServiceTest, BearerTokenRequiredExceptPing) {
  ServerOptions o;
  o.auth = BearerAuth(std::vector<BearerAuth::Token>{{"ci", "s3cret"}});
  start(o);
  if (IsSkipped() || HasFatalFailure()) return;
  auto c = client();
  EXPECT_EQ(c.Get("/ping")->status, 200);
  auto denied = c.Get("/flows");
  EXPECT_EQ(denied->status, 401);
  EXPECT_EQ(Json::parse(denied->body)["status"], 401);
  EXPECT_EQ(denied->body.find("s3cret"), std::string::npos);
  EXPECT_EQ(c.Get("/flows", {{"Authorization", "Bearer wrong"}})->status, 401);
  EXPECT_EQ(c.Get("/flows", {{"Authorization", "Bearer s3cret"}})->status, 200);
}

// Every mutating request, refused ones included, leaves one audit line naming the token's
// principal; reads and heartbeats leave none.
TEST_P(ServiceTest, AuditLogNamesThePrincipalOfEveryMutatingCall) {
  ServerOptions o;
  o.auth = BearerAuth(std::vector<BearerAuth::Token>{{"alice", "a-secret"}, {"bob", "b-secret"}});
  std::mutex mu;
  std::vector<Json> lines;
  o.audit_log = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(mu);
    lines.push_back(Json::parse(line));
  };
  start(o);
  if (IsSkipped() || HasFatalFailure()) return;
  auto c = client();
  httplib::Headers alice = {{"Authorization", "Bearer a-secret"}}, bob = {{"Authorization", "Bearer b-secret"}};
  EXPECT_EQ(c.Post("/flows/F", alice, R"({"user_name": "carol"})", "application/json")->status, 200);
  EXPECT_EQ(c.Post("/flows/F/run", alice, R"({"user_name": "carol"})", "application/json")->status, 200);
  EXPECT_EQ(c.Get("/flows", alice)->status, 200);
  EXPECT_TRUE(c.Post("/flows/F/runs/1/heartbeat", alice, "{}", "application/json"));  // 200, or 404 "too early"
  EXPECT_EQ(c.Patch("/flows/F/runs/1/tag/mutate", bob, R"({"tags_to_add": ["x"]})", "application/json")->status, 200);
  EXPECT_EQ(c.Delete("/flows/F/runs/1", {{"Authorization", "Bearer wrong"}})->status, 401);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0]["principal"], "alice");
  EXPECT_EQ(lines[0]["user_name"], "carol");
  EXPECT_EQ(lines[0]["status"], 200);
  EXPECT_EQ(lines[0]["path"], "/flows/F");
  EXPECT_EQ(lines[1]["audit"].get<std::string>().substr(0, 5), "POST ");
  EXPECT_EQ(lines[2]["principal"], "bob");
  EXPECT_EQ(lines[2]["audit"].get<std::string>().substr(0, 6), "PATCH ");
  EXPECT_EQ(lines[3]["principal"], "unauthenticated");
  EXPECT_EQ(lines[3]["status"], 401);
  for (const Json& line : lines) {
    EXPECT_EQ(line.dump().find("secret"), std::string::npos);
    EXPECT_TRUE(line.contains("time") && line.contains("remote"));
  }
}

TEST_P(ServiceTest, OversizedBodyIs413) {
  ServerOptions o;
  o.max_body_bytes = 1024;
  start(o);
  if (IsSkipped() || HasFatalFailure()) return;
  auto c = client();
  auto r = c.Post("/flows/F", std::string(4096, ' ') + "{}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(Json::parse(r->body)["status"], 413);
  EXPECT_EQ(c.Get("/flows/F")->status, 404);
}

// Two runs with the same steps, tasks, metadata and artifacts; deleting one empties every table
// it touched (checked in the database, not through the API that hides them) and leaves the
// other whole.
TEST_P(ServiceTest, DeleteRunRemovesItsMetadataAndAudits) {
  start();
  if (IsSkipped() || HasFatalFailure()) return;
  auto c = client();
  ASSERT_EQ(c.Post("/flows/F", "{}", "application/json")->status, 200);
  const std::string artifact =
      R"([{"name":"x","location":"/l","ds_type":"local","sha":"s","type":"metaflow.artifact","content_type":"gzip+pickle-v4","attempt_id":0}])";
  std::map<int64_t, std::vector<int64_t>> task_ids;  // by run
  for (int run = 1; run <= 2; ++run) {
    ASSERT_EQ(c.Post("/flows/F/run", "{}", "application/json")->status, 200);
    std::string r = "/flows/F/runs/" + std::to_string(run);
    for (const char* step : {"start", "end"}) {
      std::string s = r + "/steps/" + step;
      ASSERT_EQ(c.Post(s + "/step", "{}", "application/json")->status, 200);
      auto task = c.Post(s + "/task", "{}", "application/json");
      ASSERT_EQ(task->status, 200);
      int64_t id = Json::parse(task->body)["task_id"].get<int64_t>();
      task_ids[run].push_back(id);
      std::string t = s + "/tasks/" + std::to_string(id);
      ASSERT_EQ(c.Post(t + "/metadata", R"([{"field_name":"a","value":"b","type":"c"}])", "application/json")->status, 200);
      ASSERT_EQ(c.Post(t + "/artifact", artifact, "application/json")->status, 200);
    }
  }
  auto count_rows = [&](int64_t run) {
    ObjectKey key = ObjectKey::parse(std::to_string(run));
    std::map<std::string, size_t> n;
    n["runs"] = db_->get_run("F", key).value().has_value() ? 1 : 0;
    auto steps = db_->list_steps("F", key).value();
    n["steps"] = steps.size();
    n["run metadata"] = db_->list_run_metadata("F", key).value().size();
    n["artifacts"] = db_->list_artifacts({.flow_id = "F", .run = key}).value().size();
    n["tasks"] = 0;
    n["task metadata"] = 0;
    for (const char* step : {"start", "end"}) {
      n["tasks"] += db_->list_tasks("F", key, step).value().size();
      for (int64_t id : task_ids[run]) {
        n["task metadata"] += db_->list_task_metadata("F", key, step, ObjectKey::parse(std::to_string(id))).value().size();
      }
    }
    return n;
  };
  const std::map<std::string, size_t> whole = {{"runs", 1},      {"steps", 2},         {"tasks", 2},
                                               {"artifacts", 2}, {"run metadata", 2}, {"task metadata", 2}};
  ASSERT_EQ(count_rows(1), whole);
  ASSERT_EQ(count_rows(2), whole);

  auto d = c.Delete("/flows/F/runs/1");
  ASSERT_EQ(d->status, 200) << d->body;
  Json deleted = Json::parse(d->body)["deleted"];
  EXPECT_EQ(deleted["steps"], 2) << d->body;
  EXPECT_EQ(deleted["tasks"], 2) << d->body;
  EXPECT_EQ(deleted["metadata"], 2) << d->body;
  EXPECT_EQ(deleted["artifacts"], 2) << d->body;
  const std::map<std::string, size_t> empty = {{"runs", 0},      {"steps", 0},         {"tasks", 0},
                                               {"artifacts", 0}, {"run metadata", 0}, {"task metadata", 0}};
  EXPECT_EQ(count_rows(1), empty);
  EXPECT_EQ(count_rows(2), whole) << "deleting run 1 touched run 2";
  EXPECT_EQ(c.Get("/flows/F/runs/1")->status, 404);
  EXPECT_EQ(c.Get("/flows/F/runs/2")->status, 200);
  EXPECT_EQ(c.Delete("/flows/F/runs/1")->status, 404);
  std::lock_guard<std::mutex> g(mu_);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_NE(events_[0].find("delete_run"), std::string::npos);
}

TEST_P(ServiceTest, MetricsCountRequests) {
  start();
  if (IsSkipped() || HasFatalFailure()) return;
  auto c = client();
  // One kept-alive connection: a request's metrics are recorded after its answer is sent, and
  // before the next request on the same connection is read.
  c.set_keep_alive(true);
  ASSERT_EQ(c.Get("/ping")->status, 200);
  ASSERT_EQ(c.Get("/flows")->status, 200);
  auto m = c.Get("/metrics");
  ASSERT_EQ(m->status, 200);
  EXPECT_NE(m->body.find("conflux_service_requests_total{route=\"/ping\",method=\"GET\",status=\"200\"} 1"), std::string::npos) << m->body;
  EXPECT_NE(m->body.find("conflux_service_requests_total{route=\"/flows\",method=\"GET\",status=\"200\"} 1"), std::string::npos) << m->body;
  // Database operation timings are wired up by `conflux service` (checked in service_process_test).
}

// Requests with many rows (a task registering hundreds of artifacts) are stored whole, and
// duplicates inside one request count once.
TEST_P(ServiceTest, LargeMetadataAndArtifactBatchesAreStoredWhole) {
  start();
  if (IsSkipped() || HasFatalFailure()) return;
  auto c = client();
  make_run(c);
  Json metadata = Json::array();
  for (int i = 0; i < 1234; ++i) {
    metadata.push_back({{"field_name", "f" + std::to_string(i)}, {"value", std::to_string(i)}, {"type", "t"},
                        {"tags", Json::array()}, {"system_tags", Json::array()}});
  }
  auto m = c.Post("/flows/F/runs/1/steps/s/tasks/1/metadata", metadata.dump(), "application/json");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 200) << m->body;
  auto listed = c.Get("/flows/F/runs/1/steps/s/tasks/1/metadata");
  ASSERT_TRUE(listed);
  EXPECT_EQ(Json::parse(listed->body).size(), 1234u);

  Json artifacts = Json::array();
  for (int i = 0; i < 1100; ++i) {
    artifacts.push_back({{"name", "a" + std::to_string(i)}, {"location", "/l"}, {"ds_type", "local"},
                         {"sha", "s"}, {"type", "metaflow.artifact"}, {"content_type", "gzip+pickle-v4"},
                         {"attempt_id", 0}});
  }
  artifacts.push_back(artifacts[7]);  // a duplicate (task, attempt, name)
  auto a = c.Post("/flows/F/runs/1/steps/s/tasks/1/artifact", artifacts.dump(), "application/json");
  ASSERT_TRUE(a);
  ASSERT_EQ(a->status, 200) << a->body;
  EXPECT_EQ(Json::parse(a->body)["artifacts_created"], 1100);
  auto stored = c.Get("/flows/F/runs/1/steps/s/tasks/1/artifacts");
  ASSERT_TRUE(stored);
  EXPECT_EQ(Json::parse(stored->body).size(), 1100u);
}

// The LIKE forms of the filter grammar match the same runs on both backends: case-insensitive,
// `%` and `_` as wildcards, integer columns matched as text.
TEST_P(ServiceTest, LikeFiltersMatchTheSameOnBothBackends) {
  start();
  if (IsSkipped() || HasFatalFailure()) return;
  auto c = client();
  ASSERT_EQ(c.Post("/flows/F", "{}", "application/json")->status, 200);
  for (const char* body : {R"({"run_number": "named-Apple", "user_name": "tester", "tags": ["Alpha-1"]})",
                           R"({"run_number": "named-banana", "user_name": "tester", "tags": ["beta"]})",
                           R"({"run_number": "other", "user_name": "someone", "tags": []})"}) {
    ASSERT_EQ(c.Post("/flows/F/run", body, "application/json")->status, 200) << body;
  }
  auto count = [&](const std::string& query) -> int {
    auto r = c.Get("/flows/F/runs?" + query);
    if (!r || r->status != 200) return -1;
    return static_cast<int>(Json::parse(r->body).size());
  };
  EXPECT_EQ(count("run_id:co=APP"), 1);
  EXPECT_EQ(count("run_id:sw=named-"), 2);
  EXPECT_EQ(count("run_id:ew=ANA"), 1);
  EXPECT_EQ(count("run_id:li=n_med%25"), 2);
  EXPECT_EQ(count("user_name:sw=TEST"), 2);
  EXPECT_EQ(count("_tags:likeany=alp,bet"), 2);
  EXPECT_EQ(count("_tags:likeall=alp,bet"), 0);
  EXPECT_EQ(count("run_number:li=%25"), 3);  // an integer column, matched as text
  EXPECT_EQ(count("run_number:co=zzz"), 0);
}

// A second service on a busy port must fail loudly, not share the port (SO_REUSEPORT) and take
// half of the first one's connections.
TEST_P(ServiceTest, SecondServiceOnTheSamePortIsRefused) {
  start();
  if (IsSkipped() || HasFatalFailure()) return;
  ServerOptions options;
  options.port = server_->port();
  auto second = Server::create(options, *db_, *clock_, metrics_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("address in use"), std::string::npos) << second.status().to_string();
}

// PostgreSQL restarted, or an administrator or proxy closed the service's connections: the pooled
// connections are dead, and the next requests must still succeed on new ones.
TEST_P(PostgresServiceTest, ClosedPostgresConnectionsAreReplaced) {
  start();
  if (IsSkipped() || HasFatalFailure()) return;
  auto c0 = client();
  make_run(c0);
  // Several requests at once so that the pool holds several connections.
  std::vector<std::thread> warm;
  for (int t = 0; t < 4; ++t) {
    warm.emplace_back([&] {
      auto c = client();
      for (int i = 0; i < 10; ++i) c.Get("/flows/F/runs/1/steps/s/tasks");
    });
  }
  for (auto& t : warm) t.join();

  auto admin = PgConnection::open(db_url_);
  ASSERT_TRUE(admin.ok()) << admin.status().to_string();
  auto killed = (*admin)->query(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
      "WHERE datname = current_database() AND pid <> pg_backend_pid()", {});
  ASSERT_TRUE(killed.ok()) << killed.status().to_string();
  ASSERT_GE(killed->int64(0, 0), 1) << "the service held no connection to close";

  auto c = client();
  for (int i = 0; i < 6; ++i) {  // reads and writes, more than the connections closed
    auto read = c.Get("/flows/F/runs/1");
    ASSERT_TRUE(read);
    EXPECT_EQ(read->status, 200) << read->body;
    auto write = c.Post("/flows/F/run", "{}", "application/json");
    ASSERT_TRUE(write);
    EXPECT_EQ(write->status, 200) << write->body;
  }
}

// A table that grows fast gets fresh planner statistics within seconds, not autovacuum's minute
// (PgStatisticsRefresher): otherwise task lookups scan every task of the step.
TEST_P(PostgresServiceTest, FastGrowingPostgresTablesAreAnalyzed) {
  start();
  if (IsSkipped() || HasFatalFailure()) return;
  auto c = client();
  make_run(c);
  for (int i = 0; i < 600; ++i) ASSERT_EQ(c.Post("/flows/F/runs/1/steps/s/task", "{}", "application/json")->status, 200);
  auto admin = PgConnection::open(db_url_);
  ASSERT_TRUE(admin.ok()) << admin.status().to_string();
  bool analyzed = false;
  for (int i = 0; i < 100 && !analyzed; ++i) {  // up to 10 s; the refresher looks every second
    auto q = (*admin)->query("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'tasks'", {});
    ASSERT_TRUE(q.ok()) << q.status().to_string();
    analyzed = q->rows() == 1 && q->text(0, 0) == "t";
    if (!analyzed) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(analyzed) << "tasks was not analyzed after 600 inserts";
}

TEST_P(ServiceTest, ConcurrentCreationsGetUniqueIds) {
  start();
  if (IsSkipped() || HasFatalFailure()) return;
  auto c0 = client();
  make_run(c0);
  std::mutex mu;
  std::set<int64_t> runs, tasks;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto c = client();
      for (int i = 0; i < 25; ++i) {
        auto r = c.Post("/flows/F/run", "{}", "application/json");
        auto k = c.Post("/flows/F/runs/1/steps/s/task", "{}", "application/json");
        std::lock_guard<std::mutex> g(mu);
        if (r && r->status == 200) runs.insert(Json::parse(r->body)["run_number"].get<int64_t>());
        if (k && k->status == 200) tasks.insert(Json::parse(k->body)["task_id"].get<int64_t>());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(runs.size(), 200u);
  EXPECT_EQ(tasks.size(), 200u);
}

// Concurrent creations where half collide on a run name: every request gets its own answer
// (the PostgreSQL backend commits concurrent writes together, and when one of a batch fails it
// must not take the others down with it), and exactly the successful ones are stored.
TEST_P(ServiceTest, ConcurrentWritesWithConflictsEachGetTheirOwnAnswer) {
  start();
  if (IsSkipped() || HasFatalFailure()) return;
  auto c0 = client();
  make_run(c0);
  std::mutex mu;
  std::set<std::string> created_names;
  int conflicts = 0, other = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto c = client();
      for (int i = 0; i < 30; ++i) {
        // Threads t and t^1 try the same 30 names.
        std::string name = "named-" + std::to_string((t / 2) * 30 + i);
        auto r = c.Post("/flows/F/run", Json{{"run_number", name}}.dump(), "application/json");
        std::lock_guard<std::mutex> g(mu);
        if (r && r->status == 200 && Json::parse(r->body)["run_number"] == name) {
          EXPECT_TRUE(created_names.insert(name).second) << name << " created twice";
        } else if (r && r->status == 409) {
          ++conflicts;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created_names.size(), 120u);
  EXPECT_EQ(conflicts, 120);
  EXPECT_EQ(other, 0);
  auto runs = c0.Get("/flows/F/runs");
  ASSERT_TRUE(runs);
  size_t named = 0;
  for (const Json& run : Json::parse(runs->body)) {
    if (run["run_number"].is_string() && run["run_number"].get<std::string>().starts_with("named-")) ++named;
  }
  EXPECT_EQ(named, 120u);
}

// Heartbeats for the same tasks from many clients at once, in different orders, all answered
// (200, or 404 for a heartbeat too soon) and none lost: on a clock set past the wait, exactly one
// heartbeat per task is stored, with that time. PgWriteBatcherNeverDeadlocks checks the batches'
// lock order itself.
TEST_P(ServiceTest, ConcurrentHeartbeatsDoNotDeadlock) {
  const int64_t t0 = 1'800'000'000;
  manual_clock_.set_ms(t0 * 1000);
  clock_ = &manual_clock_;
  start();
  if (IsSkipped() || HasFatalFailure()) return;
  auto c0 = client();
  make_run(c0);
  std::vector<int64_t> tasks;
  for (int i = 0; i < 150; ++i) {
    auto r = c0.Post("/flows/F/runs/1/steps/s/task", "{}", "application/json");
    ASSERT_EQ(r->status, 200);
    tasks.push_back(Json::parse(r->body)["task_id"].get<int64_t>());
  }
  manual_clock_.set_ms((t0 + 60) * 1000);  // every task's next heartbeat is due
  std::atomic<int> bad{0}, stored{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&, t] {
      auto c = client();
      std::vector<int64_t> order = tasks;
      if (t % 2 == 1) std::reverse(order.begin(), order.end());
      std::rotate(order.begin(), order.begin() + (t * 13) % order.size(), order.end());
      for (int64_t id : order) {
        auto r = c.Post("/flows/F/runs/1/steps/s/tasks/" + std::to_string(id) + "/heartbeat", "{}", "application/json");
        if (r && r->status == 200) {
          ++stored;
        } else if (!r || r->status != 404) {
          ++bad;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(stored.load(), static_cast<int>(tasks.size())) << "one heartbeat per task is stored, the rest are too soon";
  for (int64_t id : tasks) {
    auto task = db_->get_task("F", ObjectKey::parse("1"), "s", ObjectKey::parse(std::to_string(id)));
    ASSERT_TRUE(task.ok() && task->has_value()) << id;
    EXPECT_EQ((*task)->last_heartbeat_ts, std::optional<int64_t>(t0 + 60)) << "task " << id;
  }
}

// A heartbeat stores its time on the task and its run; one sooner than the wait after the
// last is answered 404 and changes nothing; a heartbeat for a task that does not exist is 404
// and stores nothing.
TEST_P(ServiceTest, HeartbeatsStoreTheirTimeOnTaskAndRun) {
  const int64_t t0 = 1'800'000'000;
  manual_clock_.set_ms(t0 * 1000);
  clock_ = &manual_clock_;
  start();
  if (IsSkipped() || HasFatalFailure()) return;
  auto c = client();
  make_run(c);
  const ObjectKey run = ObjectKey::parse("1"), task = ObjectKey::parse("1");
  auto stored = [&] {
    auto t = db_->get_task("F", run, "s", task).value();
    auto r = db_->get_run("F", run).value();
    return std::pair(t->last_heartbeat_ts, r->last_heartbeat_ts);
  };
  const std::string path = "/flows/F/runs/1/steps/s/tasks/1/heartbeat";
  // Creating the run and task counts as their first heartbeat.
  EXPECT_EQ(stored(), std::pair(std::optional<int64_t>(t0), std::optional<int64_t>(t0)));

  manual_clock_.set_ms((t0 + 3) * 1000);  // sooner than the 10 s wait
  EXPECT_EQ(c.Post(path, "{}", "application/json")->status, 404);
  EXPECT_EQ(stored(), std::pair(std::optional<int64_t>(t0), std::optional<int64_t>(t0)));

  manual_clock_.set_ms((t0 + 11) * 1000);
  EXPECT_EQ(c.Post(path, "{}", "application/json")->status, 200);
  EXPECT_EQ(stored(), std::pair(std::optional<int64_t>(t0 + 11), std::optional<int64_t>(t0 + 11)));

  manual_clock_.set_ms((t0 + 30) * 1000);  // the run's own heartbeat
  EXPECT_EQ(c.Post("/flows/F/runs/1/heartbeat", "{}", "application/json")->status, 200);
  EXPECT_EQ(stored(), std::pair(std::optional<int64_t>(t0 + 11), std::optional<int64_t>(t0 + 30)));

  manual_clock_.set_ms((t0 + 31) * 1000);
  EXPECT_EQ(c.Post("/flows/F/runs/1/steps/s/tasks/99/heartbeat", "{}", "application/json")->status, 404);
  EXPECT_FALSE(db_->get_task("F", run, "s", ObjectKey::parse("99")).value().has_value());
}

// The same property at the batcher itself, with updates that always lock their row: many
// writers updating the same rows in different orders, batched together, must neither deadlock
// nor lose an update.
TEST_P(PostgresServiceTest, PgWriteBatcherNeverDeadlocks) {
  start();
  if (IsSkipped() || HasFatalFailure()) return;
  auto admin = PgConnection::open(db_url_);
  ASSERT_TRUE(admin.ok()) << admin.status().to_string();
  ASSERT_TRUE((*admin)->exec_script("CREATE TABLE counters (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);"
                                    "INSERT INTO counters SELECT g, 0 FROM generate_series(1, 4) g").ok());
  PgConnectionPool pool(db_url_, 8, std::chrono::milliseconds(10000));
  PgWriteBatcher batcher(pool);
  const std::string sql = "UPDATE counters SET n = n + 1 WHERE id = ?";
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 100; ++round) {
        for (int k = 0; k < 4; ++k) {
          int64_t id = (t % 2 == 0 ? k : 3 - k) + 1;
          if (!batcher.run(sql, {id}).ok()) ++failed;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed.load(), 0);
  auto total = (*admin)->query("SELECT sum(n) FROM counters", {});
  ASSERT_TRUE(total.ok());
  EXPECT_EQ(total->int64(0, 0), 16 * 100 * 4);
  // Nothing here can fail on its own: a failed batch was a deadlock.
  EXPECT_EQ(batcher.failed_batches(), 0u) << "batches deadlocked";
}

// Two handles on one database (two service processes, or replicas on one PostgreSQL) creating
// runs and tasks at once still hand out every id once.
TEST_P(ServiceTest, TwoDatabaseHandlesGetUniqueIds) {
  start();
  if (IsSkipped() || HasFatalFailure()) return;
  auto c0 = client();
  make_run(c0);
  DatabaseSpec spec;
  spec.url = db_url_;
  auto other = open_database(spec);
  ASSERT_TRUE(other.ok()) << other.status().to_string();
  std::mutex mu;
  std::set<int64_t> runs, tasks;
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    Database* db = t % 2 == 0 ? db_.get() : other->get();
    threads.emplace_back([&, db] {
      for (int i = 0; i < 30; ++i) {
        RunRecord run;
        run.flow_id = "F";
        run.ts_epoch = 1;
        auto r = db->create_run(run);
        TaskRecord task;
        task.flow_id = "F";
        task.run_number = 1;
        task.step_name = "s";
        task.ts_epoch = 1;
        auto k = db->create_task(task);
        std::lock_guard<std::mutex> g(mu);
        EXPECT_TRUE(r.ok()) << r.status().to_string();
        EXPECT_TRUE(k.ok()) << k.status().to_string();
        if (r.ok()) runs.insert(r->run_number);
        if (k.ok()) tasks.insert(k->task_id);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(runs.size(), 180u);
  EXPECT_EQ(tasks.size(), 180u);
  auto listed = db_->list_runs("F");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 181u);
}

CONFLUX_INSTANTIATE_BACKENDS(ServiceTest);
INSTANTIATE_TEST_SUITE_P(Backend, PostgresServiceTest, ::testing::Values(Backend::kPostgres), backend_test_name);

}  // namespace
}  // namespace conflux::service
