#include "service/db/pg_write_batcher.hpp"

#include <algorithm>

#include "service/db/pg_connection_pool.hpp"

namespace conflux::service {

namespace {
// A total order on values (NULL first, then integers, then text).
bool value_less(const PgValue& a, const PgValue& b) {
  if (a.index() != b.index()) return a.index() < b.index();
  if (const auto* n = std::get_if<int64_t>(&a)) return *n < std::get<int64_t>(b);
  if (const auto* t = std::get_if<std::string>(&a)) return *t < std::get<std::string>(b);
  return false;  // both NULL
}
}  // namespace

Result<PgResult> PgWriteBatcher::run(const std::string& sql, const std::vector<PgValue>& params) {
  Pending me;
  me.statement = PgStatementRef{&sql, &params};
  queue_.submit(me, [this](const std::vector<GroupCommitQueue::Item*>& batch) { run_batch(batch); });
  return std::move(*me.result);
}

void PgWriteBatcher::run_batch(const std::vector<GroupCommitQueue::Item*>& items) {
  std::vector<Pending*> batch;
  for (GroupCommitQueue::Item* item : items) batch.push_back(static_cast<Pending*>(item));
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
    // The canonical order (see the header): by SQL, then by values.
    std::vector<Pending*> ordered = batch;
    std::sort(ordered.begin(), ordered.end(), [](const Pending* a, const Pending* b) {
      if (*a->statement.sql != *b->statement.sql) return *a->statement.sql < *b->statement.sql;
      return std::lexicographical_compare(a->statement.params->begin(), a->statement.params->end(),
                                          b->statement.params->begin(), b->statement.params->end(), value_less);
    });
    std::vector<PgStatementRef> statements;
    for (Pending* p : ordered) statements.push_back(p->statement);
    Result<std::vector<PgResult>> results = conn.run_batch(statements);
    if (results.ok()) {
      for (size_t i = 0; i < ordered.size(); ++i) ordered[i]->result.emplace(std::move((*results)[i]));
      return;
    }
    if (conn.lost()) {
      if (conn.ended_by_server() && may_retry) continue;
      for (Pending* p : batch) p->result.emplace(results.status());
      return;
    }
    // One of them failed and the transaction rolled back: run each alone for its own answer.
    failed_batches_.fetch_add(1, std::memory_order_relaxed);
    for (Pending* p : batch) p->result.emplace(conn.query(*p->statement.sql, *p->statement.params));
    return;
  }
}

}  // namespace conflux::service
