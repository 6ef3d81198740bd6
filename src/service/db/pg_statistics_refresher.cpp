#include "service/db/pg_statistics_refresher.hpp"

#include <set>
#include <string>

#include "service/db/pg_connection.hpp"
#include "service/db/pg_connection_pool.hpp"

namespace conflux::service {

namespace {
// The service's tables; names from here are the only ones ever put into an ANALYZE statement.
const std::set<std::string> kTables = {"flows", "runs", "steps", "tasks", "metadata", "artifacts"};
}  // namespace

PgStatisticsRefresher::PgStatisticsRefresher(PgConnectionPool& pool, std::chrono::milliseconds interval)
    : pool_(pool), interval_(interval), thread_([this] { loop(); }) {}

PgStatisticsRefresher::~PgStatisticsRefresher() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void PgStatisticsRefresher::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    refresh();
    lock.lock();
  }
}

void PgStatisticsRefresher::refresh() {
  Result<PgConnectionPool::Lease> conn = pool_.acquire();
  if (!conn.ok()) return;  // PostgreSQL is away or busy: try again next time
  Result<PgResult> due = (*conn)->query(
      "SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() "
      "AND relname IN ('flows', 'runs', 'steps', 'tasks', 'metadata', 'artifacts') "
      "AND n_mod_since_analyze >= 500 AND n_mod_since_analyze >= 0.1 * n_live_tup "
      // Only the owner may ANALYZE (others get a warning and no analysis): leave the rest to
      // autovacuum rather than retry every second.
      "AND pg_has_role((SELECT relowner FROM pg_class WHERE oid = relid), 'MEMBER')",
      {});
  if (!due.ok()) return;
  for (int i = 0; i < due->rows(); ++i) {
    std::string table = due->text(i, 0);
    if (!kTables.contains(table)) continue;
    // A failure (a lock timeout, a lost connection) is retried at the next check.
    if (!(*conn)->exec_script("ANALYZE " + table).ok()) return;
  }
}

}  // namespace conflux::service
