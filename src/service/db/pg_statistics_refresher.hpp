// PgStatisticsRefresher: keeps PostgreSQL's planner statistics of the service's tables fresh.
//
// The planner picks indexes from table statistics, which autovacuum refreshes about once a
// minute at best. The service grows tables from empty to tens of thousands of rows in seconds
// (a large foreach), and with statistics from when `tasks` was empty PostgreSQL looks a task up
// through the (flow, run, step) index and filters every task of the step, instead of using the
// task_id key: lookups and heartbeats slow down a hundredfold until autovacuum catches up. This
// thread checks pg_stat_user_tables every second and ANALYZEs a table once 500 rows and 10% of
// it have changed since its last analysis (by any service replica), if it owns the table.
//
// Thread safety: construction and destruction on one thread; the work runs on its own thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace conflux::service {

class PgConnectionPool;

class PgStatisticsRefresher {
 public:
  // Starts the thread; it borrows connections from `pool`, which must outlive this object.
  explicit PgStatisticsRefresher(PgConnectionPool& pool,
                                 std::chrono::milliseconds interval = std::chrono::milliseconds(1000));
  ~PgStatisticsRefresher();  // stops the thread
  PgStatisticsRefresher(const PgStatisticsRefresher&) = delete;
  PgStatisticsRefresher& operator=(const PgStatisticsRefresher&) = delete;

 private:
  void loop();
  // One check, and ANALYZE where due.
  void refresh();

  PgConnectionPool& pool_;
  const std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace conflux::service
