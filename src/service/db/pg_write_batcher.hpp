// PgWriteBatcher: group commit for PostgreSQL's one-statement writes (create a run or task,
// heartbeats, metadata and artifact rows).
//
// Each such write on its own costs PostgreSQL a round trip, a transaction and a WAL flush, and
// under load the flushes and the process switches around them take most of the database's CPU.
// So concurrent writes are queued; a leader takes up to `max_batch` of them and sends them on one
// connection as one transaction in libpq's pipeline mode (PgConnection::run_batch): one round
// trip, one commit. If any statement fails (a duplicate run id, a missing parent), the whole
// transaction is rolled back, and each statement runs again on its own to give every writer its
// own answer. A lone write runs by itself in autocommit, with no extra cost.
//
// Deadlocks: a batch locks rows (a heartbeat's task row, a new run's unique key) one statement
// after the other, so two batches taking the same rows in different orders could deadlock, and
// PostgreSQL would break that only after deadlock_timeout (1 s). So a service has one batch in
// flight at a time. Its statements also run in one canonical order (by SQL, then values), which
// makes such cycles unlikely between the batches of several replicas on one database; should a
// deadlock happen anyway, the batch fails and its statements run one by one as above.
//
// Lost connections: if the server ended the session (SQLSTATE 57P*, e.g. a restart), nothing in
// the batch ran, and it is retried on another connection (every pooled one may be stale: up to
// pool size + 1 tries). A connection lost any other way fails the writes of its batch: their
// COMMIT may have happened, so they are not repeated.
//
// Thread safety: run() is safe to call concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "service/db/group_commit_queue.hpp"
#include "service/db/pg_connection.hpp"

namespace conflux::service {

class PgConnectionPool;

class PgWriteBatcher {
 public:
  explicit PgWriteBatcher(PgConnectionPool& pool, size_t max_batch = 16) : pool_(pool), queue_(max_batch) {}

  // Runs one statement that writes (`?` placeholders, as PgConnection::query) and returns its
  // result once it is committed.
  Result<PgResult> run(const std::string& sql, const std::vector<PgValue>& params);

  // Batches of two or more statements whose transaction failed (so their statements were run
  // one by one): a conflict, a bad value, or a deadlock.
  uint64_t failed_batches() const { return failed_batches_.load(std::memory_order_relaxed); }

 private:
  struct Pending : GroupCommitQueue::Item {
    PgStatementRef statement{};
    std::optional<Result<PgResult>> result;
  };
  // Runs `batch` (Pending items) and fills in every result (called by the queue's leader).
  void run_batch(const std::vector<GroupCommitQueue::Item*>& items);

  PgConnectionPool& pool_;
  GroupCommitQueue queue_;
  std::atomic<uint64_t> failed_batches_{0};
};

}  // namespace conflux::service
