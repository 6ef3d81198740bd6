// The UI API (/api) over the service's database: the envelope, keyset pages, filters and their
// errors, the stored run and task status as metadata and heartbeats move it, a run's tasks, a
// task's attempts and metadata, and live events. On SQLite and PostgreSQL (backend_param.hpp).
// The datastore routes (parameters, DAG, artifacts, logs) are tested end to end with real flows
// in tests/service_flows.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "service/service_fixture.hpp"

namespace conflux::service {
namespace {

using Json = nlohmann::json;

class UiApiTest : public ServiceTest {
 protected:
  Json get(httplib::Client& c, const std::string& path, int want = 200) {
    auto res = c.Get(path);
    EXPECT_TRUE(res) << path;
    if (!res) return Json();
    EXPECT_EQ(res->status, want) << path << ": " << res->body;
    return Json::parse(res->body, nullptr, false);
  }
  void post(httplib::Client& c, const std::string& path, const Json& body) {
    auto res = c.Post(path, body.dump(), "application/json");
    ASSERT_TRUE(res) << path;
    ASSERT_EQ(res->status, 200) << path << ": " << res->body;
  }
  // A run of `flow` by `user` with one task per step in `steps`; returns its run number.
  int64_t make_run(httplib::Client& c, const std::string& flow, const std::string& user, const Json& tags,
                   const std::vector<std::string>& steps) {
    c.Post("/flows/" + flow, "{}", "application/json");
    auto res = c.Post("/flows/" + flow + "/run",
                      Json{{"user_name", user}, {"tags", tags}, {"system_tags", {"user:" + user}}}.dump(),
                      "application/json");
    EXPECT_EQ(res->status, 200) << res->body;
    const int64_t run = Json::parse(res->body)["run_number"];
    for (const std::string& step : steps) {
      post(c, path(flow, run) + "/steps/" + step + "/step", Json::object());
      post(c, path(flow, run) + "/steps/" + step + "/task", Json::object());
    }
    return run;
  }
  static std::string path(const std::string& flow, int64_t run) { return "/flows/" + flow + "/runs/" + std::to_string(run); }
  // metadata rows `field=value` on a task, tagged with the attempt.
  void metadata(httplib::Client& c, const std::string& task_path, const std::vector<std::pair<std::string, std::string>>& rows,
                int attempt = 0) {
    Json body = Json::array();
    for (const auto& [field, value] : rows) {
      body.push_back({{"field_name", field}, {"value", value}, {"type", field}, {"user_name", "u"},
                      {"tags", {"attempt_id:" + std::to_string(attempt)}}});
    }
    post(c, task_path + "/metadata", body);
  }
  // The task id of `step`'s only task (from the metadata API: the UI's task list leaves out
  // `_parameters`).
  int64_t task_id(httplib::Client& c, const std::string& flow, int64_t run, const std::string& step) {
    Json tasks = get(c, path(flow, run) + "/steps/" + step + "/tasks");
    EXPECT_EQ(tasks.size(), 1u);
    return tasks.empty() ? -1 : tasks[0]["task_id"].get<int64_t>();
  }
  std::string task_path(httplib::Client& c, const std::string& flow, int64_t run, const std::string& step) {
    return path(flow, run) + "/steps/" + step + "/tasks/" + std::to_string(task_id(c, flow, run, step));
  }
};

TEST_P(UiApiTest, RunsArePagedByKeysetNewestFirstWithLinksNext) {
  start();
  if (IsSkipped()) return;
  auto c = client();
  std::vector<int64_t> made;
  for (int i = 0; i < 7; ++i) made.push_back(make_run(c, "PageFlow", "ann", Json::array(), {}));
  Json first = get(c, "/api/runs?_limit=3");
  EXPECT_EQ(first["status"], 200);
  EXPECT_EQ(first["query"]["_limit"], "3");
  std::vector<int64_t> seen;
  Json page = first;
  for (int pages = 0; pages < 10; ++pages) {
    for (const Json& r : page["data"]) seen.push_back(r["run_number"]);
    if (page["links"]["next"].is_null()) break;
    page = get(c, page["links"]["next"].get<std::string>());
  }
  std::vector<int64_t> want(made.rbegin(), made.rend());
  EXPECT_EQ(seen, want) << "every run once, newest first";
  EXPECT_EQ(first["data"].size(), 3u);
  EXPECT_TRUE(first["links"]["next"].get<std::string>().find("_after=") != std::string::npos);
  EXPECT_TRUE(page["links"]["next"].is_null()) << "the last page has no next";

  // The run row the UI shows.
  Json row = first["data"][0];
  EXPECT_EQ(row["flow_id"], "PageFlow");
  EXPECT_EQ(row["user"], "ann");
  EXPECT_EQ(row["status"], "running");
  EXPECT_EQ(row["end_step"], "end");
  EXPECT_TRUE(row["finished_at"].is_null());
  EXPECT_TRUE(row["duration"].is_number());
  EXPECT_EQ(row["system_tags"], Json({"user:ann"}));
}

TEST_P(UiApiTest, RunsFilterByFlowUserStatusTagsAndTime) {
  start();
  if (IsSkipped()) return;
  auto c = client();
  const int64_t a = make_run(c, "Alpha", "ann", {"team:x", "exp:1"}, {"end"});
  const int64_t b = make_run(c, "Beta", "bob", {"team:x"}, {"end"});
  const int64_t d = make_run(c, "Beta", "ann", {"team:y"}, {"end"});
  metadata(c, task_path(c, "Alpha", a, "end"), {{"attempt", "0"}, {"attempt_ok", "True"}});
  metadata(c, task_path(c, "Beta", b, "end"), {{"attempt", "0"}, {"attempt_ok", "False"}});
  auto numbers = [&](const std::string& query) {
    std::set<int64_t> out;
    const Json page = get(c, "/api/runs?" + query);
    for (const Json& r : page["data"]) out.insert(r["run_number"].get<int64_t>());
    return out;
  };
  EXPECT_EQ(numbers("flow_id=Beta"), (std::set<int64_t>{b, d}));
  EXPECT_EQ(numbers("flow_id=Alpha,Beta"), (std::set<int64_t>{a, b, d}));
  EXPECT_EQ(numbers("flow_id:co=lph"), (std::set<int64_t>{a}));
  EXPECT_EQ(numbers("user=ann"), (std::set<int64_t>{a, d}));
  EXPECT_EQ(numbers("status=completed"), (std::set<int64_t>{a}));
  EXPECT_EQ(numbers("status=failed"), (std::set<int64_t>{b}));
  EXPECT_EQ(numbers("status=running"), (std::set<int64_t>{d}));
  EXPECT_EQ(numbers("status=completed,failed"), (std::set<int64_t>{a, b}));
  EXPECT_EQ(numbers("_tags=team:x"), (std::set<int64_t>{a, b}));
  EXPECT_EQ(numbers("_tags=team:x,exp:1"), (std::set<int64_t>{a}));
  EXPECT_EQ(numbers("_tags:any=exp:1,team:y"), (std::set<int64_t>{a, d}));
  EXPECT_EQ(numbers("_tags=user:bob"), (std::set<int64_t>{b})) << "system tags count";
  EXPECT_EQ(numbers("_tags=team:x&status=failed"), (std::set<int64_t>{b}));
  EXPECT_EQ(numbers("_tags=team:x&_limit=1").size(), 1u);
  Json all = get(c, "/api/runs");
  const int64_t ts_b = all["data"][1]["ts_epoch"];
  EXPECT_TRUE(numbers("ts_epoch:ge=" + std::to_string(ts_b)).contains(b));
  EXPECT_TRUE(numbers("ts_epoch:gt=" + std::to_string(ts_b + 100000000)).empty());
  EXPECT_EQ(numbers("_order=-ts_epoch&_page=1&user=bob"), (std::set<int64_t>{b})) << "UIB's defaults accepted";

  // One flow's runs, and the flows.
  EXPECT_EQ(get(c, "/api/flows/Beta/runs?status=failed")["data"].size(), 1u);
  get(c, "/api/flows/Nope/runs", 404);
  Json flows = get(c, "/api/flows");
  EXPECT_EQ(flows["data"].size(), 2u);
  EXPECT_EQ(get(c, "/api/flows/Alpha")["data"]["flow_id"], "Alpha");
  EXPECT_EQ(get(c, "/api/flows/autocomplete?flow_id:co=et")["data"], Json({"Beta"}));
  EXPECT_EQ(get(c, "/api/tags/autocomplete?tag:co=team")["data"], Json({"team:x", "team:y"}));

  // Bad input: a 400 in the envelope's error shape that names what is wrong.
  auto bad = [&](const std::string& query, const std::string& mention) {
    Json e = get(c, "/api/runs?" + query, 400);
    EXPECT_EQ(e["status"], 400);
    EXPECT_EQ(e["type"], "about:blank");
    EXPECT_NE(e["detail"].get<std::string>().find(mention), std::string::npos) << query << ": " << e.dump();
  };
  bad("colour=red", "unknown query parameter 'colour'");
  bad("_sort=x", "'_sort'");
  bad("status=sleeping", "sleeping");
  bad("flow_id:regex=x", "regex");
  bad("ts_epoch:ge=yesterday", "yesterday");
  bad("_limit=0", "_limit");
  bad("_limit=many", "many");
  bad("_after=not-a-cursor", "malformed cursor");
  bad("_after=eyJ0c19lcG9jaCI6MX0", "malformed cursor");  // {"ts_epoch":1}: no run_number
  bad("_page=2", "links.next");
  bad("_order=%2Bts_epoch", "_order");
}

TEST_P(UiApiTest, RunStatusIsStoredFromTheRealEndStepAndTheCurrentStep) {
  start();
  if (IsSkipped()) return;
  auto c = client();
  const int64_t run = make_run(c, "EndFlow", "ann", Json::array(), {"_parameters", "start", "finish"});
  metadata(c, task_path(c, "EndFlow", run, "_parameters"), {{"end_step", "finish"}});
  const std::string url = "/api/flows/EndFlow/runs/" + std::to_string(run);
  EXPECT_EQ(get(c, url)["data"]["end_step"], "finish");
  metadata(c, task_path(c, "EndFlow", run, "start"), {{"attempt", "0"}});
  Json r = get(c, url)["data"];
  EXPECT_EQ(r["current_step"], "start");
  EXPECT_EQ(r["status"], "running");
  metadata(c, task_path(c, "EndFlow", run, "start"), {{"attempt_ok", "True"}});
  EXPECT_EQ(get(c, url)["data"]["status"], "running") << "start is not the end";
  const std::string finish = task_path(c, "EndFlow", run, "finish");
  metadata(c, finish, {{"attempt", "0"}});
  EXPECT_EQ(get(c, url)["data"]["current_step"], "finish");
  metadata(c, finish, {{"attempt_ok", "False"}});
  r = get(c, url)["data"];
  EXPECT_EQ(r["status"], "failed");
  EXPECT_TRUE(r["finished_at"].is_number());
  metadata(c, finish, {{"attempt", "1"}}, 1);  // a retry of the end step: running again
  r = get(c, url)["data"];
  EXPECT_EQ(r["status"], "running");
  EXPECT_TRUE(r["finished_at"].is_null());
  metadata(c, finish, {{"attempt_ok", "True"}}, 1);
  r = get(c, url)["data"];
  EXPECT_EQ(r["status"], "completed");
  EXPECT_GE(r["duration"].get<int64_t>(), 0);

  // The task rows and the attempts follow the same metadata.
  Json tasks = get(c, url + "/tasks");
  ASSERT_EQ(tasks["data"].size(), 2u) << "_parameters is not a task of the UI";
  EXPECT_EQ(tasks["data"][0]["step_name"], "start");
  EXPECT_EQ(tasks["data"][0]["status"], "completed");
  EXPECT_EQ(tasks["data"][1]["attempt_id"], 1);
  Json attempts = get(c, "/api" + finish + "/attempts")["data"];
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0]["status"], "failed");
  EXPECT_EQ(attempts[1]["status"], "completed");
  Json meta = get(c, "/api" + finish + "/metadata")["data"];
  EXPECT_EQ(meta.size(), 4u);
  EXPECT_EQ(get(c, "/api" + finish)["data"]["status"], "completed");
  get(c, "/api" + path("EndFlow", run) + "/steps/finish/tasks/999999", 404);
  get(c, "/api/flows/EndFlow/runs/999999", 404);
}

TEST_P(UiApiTest, LateRowsAboutAnOlderAttemptDoNotUndoANewerOne) {
  start();
  if (IsSkipped()) return;
  auto c = client();
  const int64_t run = make_run(c, "LateFlow", "ann", Json::array(), {"end"});
  const std::string end = task_path(c, "LateFlow", run, "end");
  const std::string url = "/api/flows/LateFlow/runs/" + std::to_string(run);
  metadata(c, end, {{"attempt", "0"}}, 0);
  metadata(c, end, {{"attempt", "1"}}, 1);
  metadata(c, end, {{"attempt_ok", "False"}}, 0);  // attempt 0's verdict, arriving late
  EXPECT_EQ(get(c, "/api" + end)["data"]["status"], "running");
  EXPECT_EQ(get(c, "/api" + end)["data"]["attempt_id"], 1);
  EXPECT_EQ(get(c, url)["data"]["status"], "running");
  metadata(c, end, {{"attempt", "0"}}, 0);  // a stale start of attempt 0
  EXPECT_EQ(get(c, "/api" + end)["data"]["attempt_id"], 1);
  // The newer attempt of the end step fails (the value read as Python would, spaces and all).
  metadata(c, end, {{"attempt_ok", " false "}}, 1);
  Json r = get(c, url)["data"];
  EXPECT_EQ(r["status"], "failed");
  EXPECT_TRUE(r["finished_at"].is_number());
}

TEST_P(UiApiTest, ALoopbackServiceAnswersOnlyToItsOwnNames) {
  start();
  if (IsSkipped()) return;
  auto c = client();
  for (const char* host : {"127.0.0.1", "localhost:8080", "[::1]:80"}) {
    EXPECT_EQ(c.Get("/api/runs", {{"Host", host}})->status, 200) << host;
  }
  auto rebound = c.Get("/api/runs", {{"Host", "evil.example:8080"}});
  EXPECT_EQ(rebound->status, 403);
  EXPECT_NE(rebound->body.find("evil.example"), std::string::npos);
  EXPECT_EQ(c.Get("/ui/", {{"Host", "evil.example"}})->status, 403);
  EXPECT_EQ(c.Get("/flows", {{"Host", "evil.example"}})->status, 200) << "the metadata API's clients are not browsers";
}

TEST_P(UiApiTest, RunsWhoseHeartbeatStoppedFailAndComeBackWithIt) {
  manual_clock_.set_ms(1'000'000'000'000);
  clock_ = &manual_clock_;
  ServerOptions options;
  options.sweep_seconds = 0;  // swept by hand below
  start(options);
  if (IsSkipped()) return;
  auto c = client();
  c.Post("/flows/HbFlow", "{}", "application/json");
  auto created = c.Post("/flows/HbFlow/run", R"({"user_name":"u","system_tags":["metaflow_version:2.12.0"]})",
                        "application/json");
  ASSERT_EQ(created->status, 200);
  const int64_t run = Json::parse(created->body)["run_number"];
  const std::string url = "/api/flows/HbFlow/runs/" + std::to_string(run);
  EXPECT_EQ(get(c, url)["data"]["status"], "running");
  auto expired = db_->expire_stale(manual_clock_.now_seconds() + 100, 360);
  ASSERT_TRUE(expired.ok());
  EXPECT_TRUE(expired->runs.empty()) << "a fresh heartbeat";
  manual_clock_.set_ms(manual_clock_.now_ms() + 400'000);
  expired = db_->expire_stale(manual_clock_.now_seconds(), 360);
  ASSERT_TRUE(expired.ok());
  ASSERT_EQ(expired->runs.size(), 1u);
  Json r = get(c, url)["data"];
  EXPECT_EQ(r["status"], "failed");
  EXPECT_TRUE(r["finished_at"].is_null());
  EXPECT_EQ(get(c, "/api/runs?status=failed")["data"].size(), 1u);
  // The run was alive after all: its next heartbeat makes it running again.
  ASSERT_EQ(c.Post("/flows/HbFlow/runs/" + std::to_string(run) + "/heartbeat", "", "application/json")->status, 200);
  EXPECT_EQ(get(c, url)["data"]["status"], "running");
}

TEST_P(UiApiTest, ARunsTasksArePagedAndFilteredByStepAndStatus) {
  start();
  if (IsSkipped()) return;
  auto c = client();
  const int64_t run = make_run(c, "WideFlow", "ann", Json::array(), {"start"});
  post(c, path("WideFlow", run) + "/steps/body/step", Json::object());
  for (int i = 0; i < 25; ++i) post(c, path("WideFlow", run) + "/steps/body/task", Json::object());
  const std::string base = "/api/flows/WideFlow/runs/" + std::to_string(run) + "/tasks";
  Json page = get(c, base + "?_limit=10");
  std::vector<int64_t> ids;
  while (true) {
    for (const Json& t : page["data"]) ids.push_back(t["task_id"]);
    if (page["links"]["next"].is_null()) break;
    page = get(c, page["links"]["next"].get<std::string>());
  }
  ASSERT_EQ(ids.size(), 26u);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
  EXPECT_EQ(get(c, base + "?step_name=body&_limit=1000")["data"].size(), 25u);
  EXPECT_EQ(get(c, base + "?status=pending")["data"].size(), 26u);
  EXPECT_EQ(get(c, base + "?status=running")["data"].size(), 0u);
  EXPECT_EQ(get(c, base + "?status=bored", 400)["title"], "bad-filter");
  EXPECT_EQ(get(c, base + "?_after=%%%", 400)["title"], "bad-request");
  EXPECT_EQ(get(c, base + "?foreach=1", 400)["title"], "unknown-parameter");
  get(c, "/api/flows/WideFlow/runs/424242/tasks", 404);
}

TEST_P(UiApiTest, EventsStreamTheRowsTheWritePathChanges) {
  start();
  if (IsSkipped()) return;
  auto c = client();
  c.Post("/flows/LiveFlow", "{}", "application/json");
  std::atomic<bool> connected{false};
  std::string received;
  std::mutex mu;
  std::thread listener([&] {
    httplib::Client sse("127.0.0.1", server_->port());
    sse.set_read_timeout(10, 0);
    sse.Get("/api/events?resource=/runs", [&](const char* data, size_t n) {
      std::lock_guard lock(mu);
      received.append(data, n);
      connected = true;
      // Stop after the run's INSERT and its UPDATE arrived.
      return received.find("\"UPDATE\"") == std::string::npos;
    });
  });
  for (int i = 0; i < 500 && !connected; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(connected) << "the stream opens with a comment at once";
  const int64_t run = make_run(c, "LiveFlow", "ann", Json::array(), {"end"});
  metadata(c, task_path(c, "LiveFlow", run, "end"), {{"attempt", "0"}, {"attempt_ok", "True"}});
  listener.join();
  std::lock_guard lock(mu);
  EXPECT_EQ(received.rfind("retry: 2000\n", 0), 0u) << received;
  const size_t insert = received.find("data: {\"type\":\"INSERT\",\"resource\":\"/runs\"");
  const size_t update = received.find("data: {\"type\":\"UPDATE\",\"resource\":\"/runs\"");
  ASSERT_NE(insert, std::string::npos) << received;
  ASSERT_NE(update, std::string::npos) << received;
  EXPECT_LT(insert, update);
  EXPECT_NE(received.find("\"status\":\"completed\"", update), std::string::npos) << received;
  // A resource the stream does not know.
  EXPECT_EQ(get(c, "/api/events?resource=/elsewhere", 400)["title"], "bad-resource");
}

TEST_P(UiApiTest, TheWebUiIsServedAtUi) {
  start();
  if (IsSkipped()) return;
  auto c = client();
  for (const char* page : {"/ui", "/ui/", "/ui/runs/F/1", "/ui/flows/F"}) {
    auto res = c.Get(page);
    ASSERT_EQ(res->status, 200) << page;
    EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
    EXPECT_NE(res->body.find("/ui/assets/app.js"), std::string::npos);
    EXPECT_NE(res->get_header_value("Content-Security-Policy").find("script-src 'self'"), std::string::npos);
  }
  auto js = c.Get("/ui/assets/app.js");
  ASSERT_EQ(js->status, 200);
  EXPECT_EQ(js->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_GT(js->body.size(), 1000u);
  EXPECT_EQ(c.Get("/ui/assets/nope.js")->status, 404);
  auto root = c.Get("/");
  EXPECT_EQ(root->status, 302);
  EXPECT_EQ(root->get_header_value("Location"), "/ui/");
}

CONFLUX_INSTANTIATE_BACKENDS(UiApiTest);

}  // namespace
}  // namespace conflux::service
