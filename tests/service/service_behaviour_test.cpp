// The service beyond metaflow-service's corpus: bad input, auth, size limit, delete, metrics,
// and unique ids under concurrent writers. In-process server on 127.0.0.1, fresh SQLite file.
#include <gtest/gtest.h>
#include <mutex>
#include <httplib.h>

#include <fstream>
#include <set>
#include <thread>
#include <nlohmann/json.hpp>

#include "service/clock.hpp"
#include "service/db/sqlite_database.hpp"
#include "service/metrics.hpp"
#include "service/server.hpp"
#include "testutil/testutil.hpp"

namespace conflux::service {
namespace {

using Json = nlohmann::json;

class ServiceTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}) {
    SqliteOptions db_options;
    db_options.path = dir_.path() / "service.db";
    auto db = SqliteDatabase::open(db_options);
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    ASSERT_TRUE(db_->migrate().ok());
    options.port = 0;
    options.threads = 16;
    options.event_log = [this](const std::string& l) { std::lock_guard<std::mutex> g(mu_); events_.push_back(l); };
    auto server = Server::create(options, *db_, clock_, metrics_);
    ASSERT_TRUE(server.ok()) << server.status().to_string();
    server_ = std::move(*server);
    server_->start();
  }
  httplib::Client client() { return httplib::Client("127.0.0.1", server_->port()); }
  void make_run(httplib::Client& c) {
    ASSERT_EQ(c.Post("/flows/F", "{}", "application/json")->status, 200);
    ASSERT_EQ(c.Post("/flows/F/run", R"({"user_name":"u","tags":["t"],"system_tags":["user:u"]})", "application/json")->status, 200);
    ASSERT_EQ(c.Post("/flows/F/runs/1/steps/s/step", "{}", "application/json")->status, 200);
    ASSERT_EQ(c.Post("/flows/F/runs/1/steps/s/task", "{}", "application/json")->status, 200);
  }
  void TearDown() override {
    if (server_) server_->stop();
  }
  conflux::testing::TempDir dir_;
  SystemClock clock_;
  Metrics metrics_;
  std::unique_ptr<SqliteDatabase> db_;
  std::unique_ptr<Server> server_;
  std::mutex mu_;
  std::vector<std::string> events_;
};

TEST_F(ServiceTest, BadInputGets4xxWithJsonAndLeavesDatabaseIntact) {
  start();
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

TEST_F(ServiceTest, BearerTokenRequiredExceptPing) {
  ServerOptions o;
  o.auth = BearerAuth({"s3cret"});
  start(o);
  auto c = client();
  EXPECT_EQ(c.Get("/ping")->status, 200);
  auto denied = c.Get("/flows");
  EXPECT_EQ(denied->status, 401);
  EXPECT_EQ(Json::parse(denied->body)["status"], 401);
  EXPECT_EQ(denied->body.find("s3cret"), std::string::npos);
  EXPECT_EQ(c.Get("/flows", {{"Authorization", "Bearer wrong"}})->status, 401);
  EXPECT_EQ(c.Get("/flows", {{"Authorization", "Bearer s3cret"}})->status, 200);
}

TEST_F(ServiceTest, OversizedBodyIs413) {
  ServerOptions o;
  o.max_body_bytes = 1024;
  start(o);
  auto c = client();
  auto r = c.Post("/flows/F", std::string(4096, ' ') + "{}", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(Json::parse(r->body)["status"], 413);
  EXPECT_EQ(c.Get("/flows/F")->status, 404);
}

TEST_F(ServiceTest, DeleteRunRemovesItsMetadataAndAudits) {
  start();
  auto c = client();
  make_run(c);
  ASSERT_EQ(c.Post("/flows/F/runs/1/steps/s/tasks/1/metadata", R"([{"field_name":"a","value":"b","type":"c"}])", "application/json")->status, 200);
  auto d = c.Delete("/flows/F/runs/1");
  ASSERT_EQ(d->status, 200) << d->body;
  EXPECT_EQ(Json::parse(d->body)["deleted"]["metadata"], 1);
  EXPECT_EQ(c.Get("/flows/F/runs/1")->status, 404);
  EXPECT_EQ(c.Get("/flows/F/runs/1/steps/s/tasks/1/metadata")->body, "[]");
  EXPECT_EQ(c.Delete("/flows/F/runs/1")->status, 404);
  std::lock_guard<std::mutex> g(mu_);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_NE(events_[0].find("delete_run"), std::string::npos);
}

TEST_F(ServiceTest, MetricsCountRequests) {
  start();
  auto c = client();
  c.Get("/ping");
  auto m = c.Get("/metrics");
  ASSERT_EQ(m->status, 200);
  EXPECT_NE(m->body.find("conflux_service_requests_total{route=\"/ping\",method=\"GET\",status=\"200\"} 1"), std::string::npos) << m->body;
  EXPECT_NE(m->body.find("conflux_service_db_operation_duration_seconds"), std::string::npos);
}

TEST_F(ServiceTest, ConcurrentCreationsGetUniqueIds) {
  start();
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

}  // namespace
}  // namespace conflux::service
