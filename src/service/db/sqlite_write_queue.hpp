// SqliteWriteQueue: group commit on SQLite's single writer connection.
//
// SQLite admits one writer at a time, and most of a small write's cost is the transaction around
// it (file locks, WAL frame writes of the same pages, the commit). So writers queue their bodies
// (GroupCommitQueue); the leader runs a batch of them in one transaction, each inside a
// SAVEPOINT so that a failing body rolls back alone, then commits once, and every writer gets
// its own result. A lone writer pays one extra lock and no
// savepoint. Nobody returns before the transaction holding their write has committed, so
// read-your-writes holds; durability is unchanged (each batch is one ordinary commit).
//
// Thread safety: run() is safe to call concurrently; the connection is only touched by the
// current leader.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <vector>

#include "conflux/status.hpp"
#include "service/db/group_commit_queue.hpp"

namespace conflux::service {

class SqliteConnection;

class SqliteWriteQueue {
 public:
  using Body = std::function<Status(SqliteConnection&)>;

  // `writer` must outlive the queue. At most `max_batch` bodies share one transaction.
  explicit SqliteWriteQueue(SqliteConnection& writer, size_t max_batch = 256)
      : writer_(writer), queue_(max_batch) {}

  // Runs `body` in a write transaction (possibly shared with other writers' bodies) and returns
  // its status, or the commit's if the commit failed.
  Status run(const Body& body);

  // Asks the next leader to checkpoint on the writer connection before its batch. A checkpoint
  // on another connection cannot keep up with a busy writer (new frames keep arriving), and the
  // WAL only restarts from its beginning once every frame has been copied; so after the
  // background checkpoint has copied the bulk, the writer copies the few frames left and the
  // WAL restarts instead of growing without bound.
  void request_checkpoint() { checkpoint_wanted_.store(true, std::memory_order_relaxed); }

 private:
  struct Pending : GroupCommitQueue::Item {
    const Body* body = nullptr;
    Status status;
  };
  // Runs `batch` (Pending items) in one transaction on writer_ (called by the queue's leader).
  void commit_batch(const std::vector<GroupCommitQueue::Item*>& batch);

  SqliteConnection& writer_;
  GroupCommitQueue queue_;
  std::atomic<bool> checkpoint_wanted_{false};
};

}  // namespace conflux::service
