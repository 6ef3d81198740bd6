// ServiceTest: an in-process `conflux service` on 127.0.0.1 (any free port) over a fresh SQLite
// file or a fresh PostgreSQL database (backend_param.hpp), for the service's gtest suites.
// Included by each suite's .cpp; the fixture lives in that file's anonymous namespace.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "service/backend_param.hpp"
#include "service/clock.hpp"
#include "service/metrics.hpp"
#include "service/server.hpp"
#include "testutil/testutil.hpp"

namespace conflux::service {
namespace {

class ServiceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void start(ServerOptions options = {}) {
    open_fresh_database(GetParam(), dir_.path(), &pg_, &db_, &db_url_);
    if (IsSkipped() || HasFatalFailure()) return;
    options.port = 0;
    options.threads = 16;
    options.event_log = [this](const std::string& l) { std::lock_guard<std::mutex> g(mu_); events_.push_back(l); };
    auto server = Server::create(options, *db_, *clock_, metrics_);
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
  SystemClock system_clock_;
  ManualClock manual_clock_;
  const Clock* clock_ = &system_clock_;  // a test that sets the time points this at manual_clock_
  Metrics metrics_;
  std::unique_ptr<conflux::testing::PgTestDatabase> pg_;  // outlives db_
  std::string db_url_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<Server> server_;
  std::mutex mu_;
  std::vector<std::string> events_;
};

}  // namespace
}  // namespace conflux::service
