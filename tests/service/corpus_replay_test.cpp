// Replays tests/data/metaflow-service/exchanges.jsonl (Metaflow 2.19 <-> metaflow-service,
// recorded on a fresh database) against the service on a fresh SQLite database and on a fresh
// PostgreSQL database (backend_param.hpp), and compares
// every answer: status, the headers Metaflow reads, and the body up to timestamps and ids.
//
// The service runs in-process on a ManualClock driven by the recorded timeline (the newest
// ts_epoch seen so far; a recorded heartbeat 200 proves at least 10 s had passed since the
// previous one), so heartbeat answers match the recording. Recorded ids (run_number, task_id)
// are mapped to ours as objects are created, and so are pagination cursors.
// Lists are compared as multisets except paginated ones (metaflow-service's unpaginated
// listings have no ORDER BY); tags as sets (the reference returns Python set order).
// Deliberate differences: where metaflow-service crashes with a 500 and a Python traceback on
// a client mistake (numeric run_id; a step for an unknown run), we answer 400 / 404.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "service/clock.hpp"
#include "service/backend_param.hpp"
#include "service/metrics.hpp"
#include "service/server.hpp"
#include "testutil/testutil.hpp"

namespace conflux::service {
namespace {

using Json = nlohmann::json;

struct Replay {
  std::map<std::string, std::string> runs, tasks, cursors;
  std::map<std::tuple<std::string, std::string>, int64_t> run_hb;
  std::map<std::tuple<std::string, std::string, std::string, std::string>, int64_t> task_hb;
};

void collect_ts(const Json& j, int64_t& now) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "ts_epoch" && it->is_number_integer()) now = std::max(now, it->get<int64_t>());
      else collect_ts(*it, now);
    }
  } else if (j.is_array()) {
    for (const auto& e : j) collect_ts(e, now);
  }
}

std::vector<std::string> split(const std::string& p) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= p.size()) {
    size_t s = p.find('/', start);
    if (s == std::string::npos) s = p.size();
    out.push_back(p.substr(start, s - start));
    start = s + 1;
  }
  return out;
}

std::string map_id(const std::map<std::string, std::string>& m, const std::string& v) {
  auto it = m.find(v);
  return it == m.end() ? v : it->second;
}

std::string map_path(const Replay& r, const std::string& path) {
  std::vector<std::string> parts = split(path);
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string p = parts[i];
    if (i > 0 && parts[i - 1] == "runs") p = map_id(r.runs, p);
    if (i > 0 && parts[i - 1] == "tasks") p = map_id(r.tasks, p);
    out += "/" + p;
  }
  return out;
}

// Replaces recorded ids inside a recorded value (request body or expected response).
void map_ids(const Replay& r, Json& j) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() == "run_number" || it.key() == "task_id") {
        const auto& m = it.key() == "run_number" ? r.runs : r.tasks;
        if (it->is_number_integer()) {
          std::string s = map_id(m, std::to_string(it->get<int64_t>()));
          *it = std::stoll(s);
        } else if (it->is_string()) {
          *it = map_id(m, it->get<std::string>());
        }
      } else {
        map_ids(r, *it);
      }
    }
  } else if (j.is_array()) {
    for (auto& e : j) map_ids(r, e);
  }
}

// Timestamps and metadata ids vary; tags are sets.
void normalize(Json& j) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      if (k == "ts_epoch" || k == "last_heartbeat_ts" || k == "finished_at") {
        *it = it->is_null() ? Json("<null>") : Json("<ts>");
      } else if (k == "id" && it->is_number_integer()) {
        *it = "<id>";
      } else if ((k == "tags" || k == "system_tags") && it->is_array()) {
        std::vector<std::string> v;
        for (const auto& t : *it) v.push_back(t.dump());
        std::sort(v.begin(), v.end());
        *it = v;
      } else {
        normalize(*it);
      }
    }
  } else if (j.is_array()) {
    for (auto& e : j) normalize(e);
  }
}

Json unordered(Json j) {
  if (!j.is_array()) return j;
  std::vector<std::string> v;
  for (const auto& e : j) v.push_back(e.dump());
  std::sort(v.begin(), v.end());
  return v;
}

class CorpusReplay : public ::testing::TestWithParam<Backend> {};

TEST_P(CorpusReplay, EveryExchangeMatches) {
  conflux::testing::TempDir dir;
  std::unique_ptr<conflux::testing::PgTestDatabase> pg;
  std::unique_ptr<Database> db;
  open_fresh_database(GetParam(), dir.path(), &pg, &db);
  if (IsSkipped() || HasFatalFailure()) return;
  ManualClock clock(0);
  Metrics metrics;
  ServerOptions options;
  options.port = 0;
  options.threads = 4;
  auto server = Server::create(options, *db, clock, metrics);
  ASSERT_TRUE(server.ok()) << server.status().to_string();
  (*server)->start();
  httplib::Client client("127.0.0.1", (*server)->port());

  std::ifstream in(conflux::testing::test_data("metaflow-service/exchanges.jsonl"));
  ASSERT_TRUE(in.good());
  Replay r;
  int64_t now = 0;
  int compared = 0;
  std::vector<std::string> mismatches;
  std::string line;
  while (std::getline(in, line)) {
    Json e = Json::parse(line);
    if (!e.contains("seq")) continue;
    const int seq = e["seq"];
    const std::string method = e["method"];
    const std::string rec_path = e["path"];
    const int rec_status = e["status"];
    collect_ts(e["request_body"], now);
    if (method == "POST") collect_ts(e["response_body"], now);
    std::vector<std::string> parts = split(rec_path);
    bool is_hb = method == "POST" && parts.back() == "heartbeat";
    if (is_hb && rec_status == 200) {
      std::optional<int64_t> last;
      if (parts.size() > 6) {
        auto it = r.task_hb.find({parts[1], parts[3], parts[5], parts[7]});
        if (it != r.task_hb.end()) last = it->second;
      } else {
        auto it = r.run_hb.find({parts[1], parts[3]});
        if (it != r.run_hb.end()) last = it->second;
      }
      if (last && now / 1000 < *last + 10) now = (*last + 10) * 1000;
    }
    clock.set_ms(now);
    {  // the recorded service's heartbeat state, to place the clock at the next heartbeat
      const int64_t sec = now / 1000;
      auto touch = [&](auto& map, const auto& key) {
        auto it = map.find(key);
        if (it == map.end() || it->second <= sec - 10) map[key] = sec;
      };
      if (is_hb && parts.size() > 6) {
        touch(r.run_hb, std::tuple<std::string, std::string>{parts[1], parts[3]});
        touch(r.task_hb, std::tuple<std::string, std::string, std::string, std::string>{parts[1], parts[3], parts[5], parts[7]});
      } else if (is_hb) {
        touch(r.run_hb, std::tuple<std::string, std::string>{parts[1], parts[3]});
      } else if (method == "POST" && rec_status == 200 && parts.back() == "run") {
        const Json& b = e["response_body"];
        std::string run = b["run_number"].is_string() ? b["run_number"].get<std::string>() : std::to_string(b["run_number"].get<int64_t>());
        r.run_hb[{parts[1], run}] = sec;
      } else if (method == "POST" && rec_status == 200 && parts.back() == "task") {
        const Json& b = e["response_body"];
        std::string task = b["task_id"].is_string() ? b["task_id"].get<std::string>() : std::to_string(b["task_id"].get<int64_t>());
        r.task_hb[{parts[1], parts[3], parts[5], task}] = sec;
        touch(r.run_hb, std::tuple<std::string, std::string>{parts[1], parts[3]});
      }
    }

    std::string path = map_path(r, rec_path);
    std::string query = e["query"];
    for (const auto& [rec, ours] : r.cursors) {
      for (const auto& [a, b] : {std::pair{rec, ours}}) {
        std::string enc_a = a, enc_b = b;
        for (std::string* s : {&enc_a, &enc_b}) {
          size_t pos;
          while ((pos = s->find('=')) != std::string::npos) s->replace(pos, 1, "%3D");
        }
        size_t pos;
        if ((pos = query.find(enc_a)) != std::string::npos) query.replace(pos, enc_a.size(), enc_b);
        else if ((pos = query.find(a)) != std::string::npos) query.replace(pos, a.size(), b);
      }
    }
    std::string target = path + (query.empty() ? "" : "?" + query);
    std::string body;
    if (!e["request_body"].is_null()) {
      Json b = e["request_body"];
      map_ids(r, b);
      body = b.dump();
    }
    httplib::Result res = method == "GET"     ? client.Get(target)
                          : method == "POST"  ? client.Post(target, body, "application/json")
                          : method == "PATCH" ? client.Patch(target, body, "application/json")
                                              : client.Delete(target);
    ASSERT_TRUE(res) << "seq " << seq << ": no response";
    ++compared;
    std::string where = "seq " + std::to_string(seq) + " " + method + " " + rec_path + " " + std::string(e["query"]);
    int want_status = rec_status;
    if (rec_status == 500) want_status = seq == 921 ? 400 : 404;  // deliberate, see the header
    if (res->status != want_status) {
      mismatches.push_back(where + ": status " + std::to_string(res->status) + ", recorded " + std::to_string(rec_status) +
                           " body " + res->body.substr(0, 300));
      continue;
    }
    const Json& rh = e["response_headers"];
    if (rec_status != 500) {
      if (res->get_header_value("Content-Type") != rh.value("Content-Type", "")) {
        mismatches.push_back(where + ": Content-Type " + res->get_header_value("Content-Type"));
      }
      if (res->has_header("METADATA_SERVICE_VERSION") != rh.contains("METADATA_SERVICE_VERSION")) {
        mismatches.push_back(where + ": METADATA_SERVICE_VERSION header presence differs");
      }
      if (res->get_header_value("X-Limit") != rh.value("X-Limit", "")) {
        mismatches.push_back(where + ": X-Limit '" + res->get_header_value("X-Limit") + "'");
      }
      if (res->has_header("X-Next-Cursor") != rh.contains("X-Next-Cursor")) {
        mismatches.push_back(where + ": X-Next-Cursor presence differs");
      } else if (rh.contains("X-Next-Cursor")) {
        r.cursors[rh["X-Next-Cursor"]] = res->get_header_value("X-Next-Cursor");
      }
    }
    if (rec_status == 500 || rec_status == 409) continue;  // bodies are database/traceback text
    if (e.contains("response_body_text")) {
      if (res->body != e["response_body_text"]) mismatches.push_back(where + ": body " + res->body);
      continue;
    }
    Json got = Json::parse(res->body, nullptr, false);
    if (got.is_discarded()) {
      mismatches.push_back(where + ": body is not JSON: " + res->body.substr(0, 200));
      continue;
    }
    // Learn the ids of created objects.
    Json want = e["response_body"];
    if (method == "POST" && rec_status == 200 && want.is_object()) {
      if (parts.back() == "run" && want.contains("run_number")) {
        r.runs[want["run_number"].is_string() ? want["run_number"].get<std::string>() : std::to_string(want["run_number"].get<int64_t>())] =
            got["run_number"].is_string() ? got["run_number"].get<std::string>() : std::to_string(got["run_number"].get<int64_t>());
      }
      if (parts.back() == "task" && want.contains("task_id") && want["task_id"].is_number_integer()) {
        r.tasks[std::to_string(want["task_id"].get<int64_t>())] = std::to_string(got["task_id"].get<int64_t>());
      }
    }
    map_ids(r, want);
    normalize(want);
    normalize(got);
    bool paginated = rh.contains("X-Limit");
    if (!paginated) {
      want = unordered(want);
      got = unordered(got);
    }
    if (want != got) {
      mismatches.push_back(where + ":\n  got  " + got.dump().substr(0, 600) + "\n  want " + want.dump().substr(0, 600));
    }
  }
  (*server)->stop();
  EXPECT_GT(compared, 900);
  for (size_t i = 0; i < mismatches.size() && i < 40; ++i) ADD_FAILURE() << mismatches[i];
  EXPECT_EQ(mismatches.size(), 0u);
}

CONFLUX_INSTANTIATE_BACKENDS(CorpusReplay);

}  // namespace
}  // namespace conflux::service
