// `conflux service` as a real process: SIGTERM while clients keep writing (every acknowledged
// write is stored, the request in flight finishes, the process exits 0), and TLS end to end (a
// flow registers its run over https with the service's certificate trusted via SSL_CERT_FILE;
// untrusted, it fails with a clear message).
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <regex>
#include <thread>

#include "metadata/service_metadata_provider.hpp"
#include "service/db/sqlite_connection.hpp"
#include "testutil/service_process.hpp"
#include "testutil/testutil.hpp"

namespace conflux::testing {
namespace {

namespace fs = std::filesystem;


int64_t count_rows(const fs::path& db, const std::string& sql) {
  auto conn = service::SqliteConnection::open(db.string(), 5000);
  EXPECT_TRUE(conn.ok()) << conn.status().to_string();
  std::unique_ptr<service::SqliteConnection> c(*conn);
  auto q = c->query(sql, {});
  EXPECT_TRUE(q.ok()) << q.status().to_string();
  EXPECT_TRUE(*q->next());
  return q->int64(0);
}

TEST(ServiceProcessTest, SigtermUnderLoadFinishesInFlightRequestsAndLosesNothing) {
  TempDir dir;
  fs::path db = dir.path() / "service.db";
  ServiceProcess service({"--db", db.string(), "--access-log", "/dev/null"}, dir.path() / "service.log");
  int port = service.port();
  ASSERT_NE(port, 0) << service.log();
  httplib::Client setup("127.0.0.1", port);
  ASSERT_EQ(setup.Post("/flows/F", "{}", "application/json")->status, 200);

  // Hold the database's write lock from here, so that the writes sent now are in flight (waiting
  // inside the service) when SIGTERM arrives.
  auto locker_conn = service::SqliteConnection::open(db.string(), 5000);
  ASSERT_TRUE(locker_conn.ok());
  std::unique_ptr<service::SqliteConnection> locker(*locker_conn);
  ASSERT_TRUE(locker->exec_script("BEGIN IMMEDIATE").ok());

  std::atomic<bool> stop{false};
  std::atomic<int64_t> acknowledged{0}, refused{0}, bad{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      httplib::Client c("127.0.0.1", port);
      c.set_read_timeout(30);
      while (!stop) {
        auto r = c.Post("/flows/F/run", "{}", "application/json");
        if (!r) {
          ++refused;  // the service had stopped listening: never received, never stored
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        } else if (r->status == 200) {
          ++acknowledged;
        } else {
          ++bad;
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  service.signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(service.wait_exit(std::chrono::milliseconds(0)), -1) << "exited with requests in flight";
  ASSERT_TRUE(locker->exec_script("COMMIT").ok());  // let the in-flight writes finish
  EXPECT_EQ(service.wait_exit(std::chrono::seconds(15)), 0) << service.log();
  stop = true;
  for (auto& c : clients) c.join();

  EXPECT_EQ(bad.load(), 0);
  EXPECT_GE(acknowledged.load(), 4) << "the writes in flight at SIGTERM were not answered";
  EXPECT_EQ(count_rows(db, "SELECT count(*) FROM runs"), acknowledged.load())
      << "acknowledged runs missing, or unacknowledged ones stored";
  EXPECT_NE(service.log().find("finishing the requests in flight"), std::string::npos) << service.log();
  EXPECT_NE(service.log().find("conflux service: stopped"), std::string::npos) << service.log();
}

// The client ports of the requests in an access log, in order, once it holds more than `after`
// lines and nothing new came for 300 ms (the log is written out every 100 ms).
std::vector<int> access_log_ports(const fs::path& log, size_t after) {
  auto read_ports = [&] {
    std::vector<int> ports;
    std::string text = read_file(log);
    std::regex port_re("\"remote_port\": *([0-9]+)");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), port_re); it != std::sregex_iterator(); ++it) {
      ports.push_back(std::stoi((*it)[1]));
    }
    return ports;
  };
  std::vector<int> ports = read_ports();
  for (int i = 0; i < 100 && ports.size() <= after; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ports = read_ports();
  }
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::vector<int> again = read_ports();
    if (again.size() == ports.size()) return ports;
    ports = std::move(again);
  }
}

// The provider keeps connections open between calls; after the service has closed an idle one
// (keep-alive timeout, 2 s), the next call must reconnect, not fail. The access log's client
// ports prove both: the same port while the connection is kept, a new one after the service
// closed it.
TEST(ServiceProcessTest, ProviderSurvivesTheServiceClosingIdleConnections) {
  TempDir dir;
  fs::path access_log = dir.path() / "access.log";
  ServiceProcess service({"--db", (dir.path() / "service.db").string(), "--access-log", access_log.string()},
                         dir.path() / "service.log");
  int port = service.port();
  ASSERT_NE(port, 0) << service.log();
  auto provider = ServiceMetadataProvider::create({.url = "http://127.0.0.1:" + std::to_string(port), .user_name = "u"});
  ASSERT_TRUE(provider.ok()) << provider.status().to_string();
  auto first = (*provider)->new_run_id("KeepAliveFlow", {});
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  auto second = (*provider)->new_run_id("KeepAliveFlow", {});
  ASSERT_TRUE(second.ok()) << second.status().to_string();
  std::vector<int> kept = access_log_ports(access_log, 1);
  ASSERT_GE(kept.size(), 2u) << read_file(access_log);
  for (int p : kept) EXPECT_EQ(p, kept[0]) << "calls in quick succession did not share a connection";

  std::this_thread::sleep_for(std::chrono::milliseconds(2600));
  auto third = (*provider)->new_run_id("KeepAliveFlow", {});
  ASSERT_TRUE(third.ok()) << third.status().to_string();
  EXPECT_NE(*first, *third);
  std::vector<int> all = access_log_ports(access_log, kept.size());
  ASSERT_GT(all.size(), kept.size()) << read_file(access_log);
  for (size_t i = kept.size(); i < all.size(); ++i) {
    EXPECT_NE(all[i], kept[0]) << "the call after the idle timeout did not open a new connection";
  }
  // The service times its database operations for /metrics.
  httplib::Client c("127.0.0.1", port);
  auto m = c.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_TRUE(std::regex_search(m->body, std::regex("conflux_service_db_operation_duration_seconds_count\\{op=\"create_run\"\\} 3")))
      << m->body;
}

TEST(ServiceProcessTest, TlsServesFlowsThatTrustItsCertificate) {
  TempDir dir;
  fs::path cert = dir.path() / "cert.pem", key = dir.path() / "key.pem";
  CommandResult made = run_command({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                                    key.string(), "-out", cert.string(), "-days", "2", "-subj", "/CN=127.0.0.1",
                                    "-addext", "subjectAltName=IP:127.0.0.1"});
  ASSERT_EQ(made.exit_code, 0) << made.err;

  // A key that does not belong to the certificate is refused at start, by name.
  fs::path other_key = dir.path() / "other.pem";
  ASSERT_EQ(run_command({"/usr/bin/openssl", "genrsa", "-out", other_key.string(), "2048"}).exit_code, 0);
  CommandResult mismatch = run_command({build_path("bin/conflux").string(), "service", "--port", "0", "--db",
                                        (dir.path() / "x.db").string(), "--tls-cert", cert.string(), "--tls-key",
                                        other_key.string()});
  EXPECT_EQ(mismatch.exit_code, 1);
  EXPECT_NE(mismatch.err.find("cannot load the TLS certificate"), std::string::npos) << mismatch.err;

  ServiceProcess service({"--db", (dir.path() / "service.db").string(), "--tls-cert", cert.string(), "--tls-key",
                          key.string(), "--access-log", "/dev/null"},
                         dir.path() / "service.log");
  int port = service.port();
  ASSERT_NE(port, 0) << service.log();
  std::string url = "https://127.0.0.1:" + std::to_string(port);

  httplib::SSLClient tls("127.0.0.1", port);
  tls.set_ca_cert_path(cert.c_str());
  tls.enable_server_certificate_verification(true);
  auto pong = tls.Get("/ping");
  ASSERT_TRUE(pong) << httplib::to_string(pong.error());
  EXPECT_EQ(pong->status, 200);
  httplib::Client plain("127.0.0.1", port);
  EXPECT_FALSE(plain.Get("/ping")) << "plain HTTP answered on the TLS port";

  std::map<std::string, std::string> env = {{"METAFLOW_DATASTORE_SYSROOT_LOCAL", (dir.path() / "ds").string()},
                                            {"METAFLOW_DEFAULT_METADATA", "service"},
                                            {"METAFLOW_SERVICE_URL", url}};
  CommandResult untrusted = run_command({build_path("examples/hello").string(), "run"}, env);
  EXPECT_NE(untrusted.exit_code, 0);
  EXPECT_NE((untrusted.out + untrusted.err).find("is not trusted"), std::string::npos) << untrusted.out << untrusted.err;

  env["SSL_CERT_FILE"] = cert.string();
  CommandResult run = run_command({build_path("examples/hello").string(), "run"}, env);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  auto runs = tls.Get("/flows/HelloFlow/runs");
  ASSERT_TRUE(runs);
  EXPECT_EQ(runs->status, 200);
  EXPECT_NE(runs->body.find("\"run_number\""), std::string::npos) << runs->body;
  service.signal(SIGTERM);
  EXPECT_EQ(service.wait_exit(std::chrono::seconds(10)), 0) << service.log();
}

// `conflux service backup` while clients keep writing: the copy is a consistent database that a
// new service serves, holding every run acknowledged before the backup began.
TEST(ServiceProcessTest, BackupCopiesTheDatabaseWhileItServes) {
  TempDir dir;
  const fs::path db = dir.path() / "service.db";
  ServiceProcess service({"--db", db.string()}, dir.path() / "service.log");
  int port = service.port();
  ASSERT_NE(port, 0) << service.log();
  httplib::Client c("127.0.0.1", port);
  ASSERT_EQ(c.Post("/flows/F", "{}", "application/json")->status, 200);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(c.Post("/flows/F/run", "{}", "application/json")->status, 200);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    httplib::Client w("127.0.0.1", port);
    while (!stop) w.Post("/flows/F/run", "{}", "application/json");
  });
  const fs::path backup = dir.path() / "backup.db";
  CommandResult r = run_command({build_path("bin/conflux").string(), "service", "backup", "--db", db.string(), "--to",
                                 backup.string()});
  stop = true;
  writer.join();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(backup.string() + ".partial"));
  EXPECT_GE(count_rows(backup, "SELECT count(*) FROM runs"), 20);

  ServiceProcess restored({"--db", backup.string()}, dir.path() / "restored.log");
  int restored_port = restored.port();
  ASSERT_NE(restored_port, 0) << restored.log();
  httplib::Client rc("127.0.0.1", restored_port);
  auto runs = rc.Get("/flows/F/runs");
  ASSERT_TRUE(runs);
  EXPECT_EQ(runs->status, 200);

  CommandResult again = run_command({build_path("bin/conflux").string(), "service", "backup", "--db", db.string(),
                                     "--to", backup.string()});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
  CommandResult pg = run_command({build_path("bin/conflux").string(), "service", "backup", "--db",
                                  "postgresql://u@127.0.0.1/db", "--to", (dir.path() / "x").string()});
  EXPECT_EQ(pg.exit_code, 2);
  EXPECT_NE(pg.err.find("pg_dump"), std::string::npos) << pg.err;
}

}  // namespace
}  // namespace conflux::testing
