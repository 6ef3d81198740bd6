#include "service/db/pg_write_batcher.hpp"

#include <algorithm>

#include "service/db/pg_connection_pool.hpp"

namespace conflux::service {

Result<PgResult> PgWriteBatcher::run(const std::string& sql, const std::vector<PgValue>& params) {
  Pending me;
  me.statement = PgStatementRef{&sql, &params};
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&me);
  while (!me.done) {
    if (leaders_ >= max_leaders_ || queue_.empty()) {
      me.cv.wait(lock);
      continue;
    }
    // Lead: take up to max_batch_ queued writes, oldest first (this one, unless older ones fill
    // the batch; then it leads or rides again next round).
    ++leaders_;
    size_t n = std::min(queue_.size(), max_batch_);
    std::vector<Pending*> batch(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    lock.unlock();
    run_batch(batch);
    lock.lock();
    for (Pending* p : batch) {
      p->done = true;
      if (p != &me) p->cv.notify_one();
    }
    --leaders_;
    if (!queue_.empty()) queue_.front()->cv.notify_one();  // the oldest waiter leads next
  }
  return std::move(*me.result);
}

void PgWriteBatcher::run_batch(const std::vector<Pending*>& batch) {
  for (int attempt = 0;; ++attempt) {
    const bool may_retry = attempt < pool_.max_size();
    Result<PgConnectionPool::Lease> lease = pool_.acquire();
    if (!lease.ok()) {
      for (Pending* p : batch) p->result.emplace(lease.status());
      return;
    }
    PgConnection& conn = **lease;
    if (batch.size() == 1) {
      Result<PgResult> r = conn.query(*batch[0]->statement.sql, *batch[0]->statement.params);
      if (!r.ok() && conn.lost() && conn.ended_by_server() && may_retry) continue;
      batch[0]->result.emplace(std::move(r));
      return;
    }
    std::vector<PgStatementRef> statements;
    for (Pending* p : batch) statements.push_back(p->statement);
    Result<std::vector<PgResult>> results = conn.run_batch(statements);
    if (results.ok()) {
      for (size_t i = 0; i < batch.size(); ++i) batch[i]->result.emplace(std::move((*results)[i]));
      return;
    }
    if (conn.lost()) {
      if (conn.ended_by_server() && may_retry) continue;
      for (Pending* p : batch) p->result.emplace(results.status());
      return;
    }
    // One of them failed and the transaction rolled back: run each alone for its own answer.
    for (Pending* p : batch) p->result.emplace(conn.query(*p->statement.sql, *p->statement.params));
    return;
  }
}

}  // namespace conflux::service
