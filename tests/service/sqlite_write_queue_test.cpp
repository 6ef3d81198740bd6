// Group commit (SqliteWriteQueue) and background checkpoints (SqliteCheckpointer): concurrent
// writes all land with unique ids, a failing write rolls back alone even when it shared a
// transaction, and the WAL stays bounded under a steady stream of writes. Also the schema's
// query plans that must not depend on planner statistics.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "service/db/sqlite_connection.hpp"
#include "service/db/sqlite_database.hpp"
#include "service/db/sqlite_write_queue.hpp"
#include "service/migrations.hpp"
#include "testutil/testutil.hpp"

namespace conflux::service {
namespace {

std::unique_ptr<SqliteConnection> open_connection(const std::filesystem::path& file) {
  Result<SqliteConnection*> c = SqliteConnection::open(file.string(), 5000);
  EXPECT_TRUE(c.ok()) << c.status().to_string();
  return std::unique_ptr<SqliteConnection>(c.ok() ? *c : nullptr);
}

int64_t count_rows(SqliteConnection& c, const std::string& sql) {
  Result<Statement> q = c.query(sql, {});
  EXPECT_TRUE(q.ok());
  EXPECT_TRUE(*q->next());
  return q->int64(0);
}

TEST(SqliteWriteQueueTest, ConcurrentWritesShareTransactionsAndFailuresRollBackAlone) {
  conflux::testing::TempDir dir;
  auto writer = open_connection(dir.path() / "q.db");
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->exec_script("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, who INTEGER, n INTEGER)").ok());
  SqliteWriteQueue queue(*writer);

  // Count transactions through the commit hook's view: the WAL listener fires once per commit.
  std::atomic<int> commits{0};
  writer->set_wal_listener([&](int) { ++commits; });

  constexpr int kThreads = 8, kWrites = 150;
  std::vector<std::set<int64_t>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        int64_t id = 0;
        bool fail = (i % 5 == 4);  // every fifth write inserts two rows, then fails
        Status s = queue.run([&](SqliteConnection& c) -> Status {
          CONFLUX_RETURN_IF_ERROR(c.exec("INSERT INTO t (who, n) VALUES (?, ?)", {int64_t{t}, int64_t{i}}).status());
          id = c.last_insert_rowid();
          if (fail) {
            CONFLUX_RETURN_IF_ERROR(c.exec("INSERT INTO t (who, n) VALUES (?, ?)", {int64_t{t}, int64_t{-i}}).status());
            return Status::invalid_argument("write " + std::to_string(i) + " refused");
          }
          return Status();
        });
        if (fail) {
          EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.to_string();
        } else {
          EXPECT_TRUE(s.ok()) << s.to_string();
          ids[t].insert(id);
        }
      }
    });
  }
  for (auto& th : threads) th.join();

  auto reader = open_connection(dir.path() / "q.db");
  const int64_t kept = kThreads * kWrites * 4 / 5;
  EXPECT_EQ(count_rows(*reader, "SELECT count(*) FROM t"), kept);
  EXPECT_EQ(count_rows(*reader, "SELECT count(*) FROM t WHERE n < 0 OR n % 5 = 4"), 0);
  std::set<int64_t> all;
  for (const auto& s : ids) all.insert(s.begin(), s.end());
  EXPECT_EQ(static_cast<int64_t>(all.size()), kept);
  // Each id a writer saw is the row it wrote.
  for (int t = 0; t < kThreads; ++t) {
    for (int64_t id : ids[t]) {
      Result<Statement> q = reader->query("SELECT who FROM t WHERE id = ?", {id});
      ASSERT_TRUE(q.ok());
      ASSERT_TRUE(*q->next());
      EXPECT_EQ(q->int64(0), t);
    }
  }
  // Writers overlapped, so some transactions carried several writes.
  EXPECT_LT(commits.load(), kThreads * kWrites) << "no write shared a transaction";
}

TEST(SqliteWriteQueueTest, FailedCommitIsReportedToEveryWriterOfTheBatch) {
  conflux::testing::TempDir dir;
  auto writer = open_connection(dir.path() / "q.db");
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->exec_script("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)").ok());
  // A deferred foreign key fails at COMMIT, not at the statement.
  ASSERT_TRUE(writer->exec_script("PRAGMA foreign_keys=ON; CREATE TABLE child (p INTEGER REFERENCES t (id) "
                                  "DEFERRABLE INITIALLY DEFERRED)").ok());
  SqliteWriteQueue queue(*writer);
  Status s = queue.run([](SqliteConnection& c) { return c.exec("INSERT INTO child (p) VALUES (42)", {}).status(); });
  EXPECT_FALSE(s.ok());
  auto reader = open_connection(dir.path() / "q.db");
  EXPECT_EQ(count_rows(*reader, "SELECT count(*) FROM child"), 0);
  // The queue still works afterwards.
  EXPECT_TRUE(queue.run([](SqliteConnection& c) { return c.exec("INSERT INTO t (v) VALUES ('x')", {}).status(); }).ok());
  EXPECT_EQ(count_rows(*reader, "SELECT count(*) FROM t"), 1);
}

TEST(SqliteCheckpointerTest, WalStaysBoundedUnderSteadyConcurrentWrites) {
  conflux::testing::TempDir dir;
  SqliteOptions options;
  options.path = dir.path() / "s.db";
  options.checkpoint_pages = 64;  // 256 KiB
  auto db = SqliteDatabase::open(options);
  ASSERT_TRUE(db.ok()) << db.status().to_string();
  ASSERT_TRUE((*db)->migrate().ok());
  FlowRecord flow;
  flow.flow_id = "F";
  flow.tags = "[]";
  flow.system_tags = "[]";
  ASSERT_TRUE((*db)->create_flow(flow).ok());

  constexpr int kThreads = 4, kRuns = 4000;
  std::atomic<uintmax_t> max_wal{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      RunRecord run;
      run.flow_id = "F";
      run.tags = "[\"" + std::string(200, 'x') + "\"]";  // a few runs per page: many pages
      run.system_tags = "[]";
      for (int i = 0; i < kRuns; ++i) {
        ASSERT_TRUE((*db)->create_run(run).ok());
        std::error_code ec;
        uintmax_t size = std::filesystem::file_size(options.path.string() + "-wal", ec);
        if (!ec && size > max_wal.load()) max_wal = size;
      }
    });
  }
  for (auto& th : threads) th.join();
  Result<std::vector<RunRecord>> runs = (*db)->list_runs("F");
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->size(), static_cast<size_t>(kThreads * kRuns));
  // Without the writer finishing the checkpoints the WAL never restarts and grows with every
  // write (16000 runs of 300 bytes: tens of MiB).
  EXPECT_LT(max_wal.load(), uintmax_t{16} << 20) << "the WAL grew to " << max_wal.load() << " bytes";
}


// Without planner statistics (a fresh database: nothing has run ANALYZE), a task's metadata must
// still be found through the task's own index, in the order the API returns it, not by walking
// every row of its run through metadata_run_ts (33 ms per task in a run of 10,000 tasks).
TEST(SqliteSchemaTest, TaskMetadataIsReadThroughTheTaskIndexWithoutStatistics) {
  conflux::testing::TempDir dir;
  auto c = open_connection(dir.path() / "schema.db");
  ASSERT_TRUE(c);
  for (const conflux::service::Migration& m : conflux::service::sqlite_migrations()) {
    ASSERT_TRUE(c->exec_script(std::string(m.sql)).ok()) << m.name;
  }
  Result<Statement> plan = c->query(
      "EXPLAIN QUERY PLAN SELECT * FROM metadata WHERE flow_id = ? AND run_number = ? AND step_name = ? "
      "AND task_id = ? ORDER BY ts_epoch DESC, id DESC LIMIT ?",
      {std::string("F"), int64_t{1}, std::string("work"), int64_t{7}, int64_t{1001}});
  ASSERT_TRUE(plan.ok()) << plan.status().to_string();
  std::string detail;
  while (*plan->next()) detail += plan->text(3) + "\n";
  EXPECT_NE(detail.find("USING INDEX metadata_task"), std::string::npos) << detail;
  EXPECT_EQ(detail.find("TEMP B-TREE"), std::string::npos) << detail;
}

}  // namespace
}  // namespace conflux::service
