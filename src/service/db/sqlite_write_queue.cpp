#include "service/db/sqlite_write_queue.hpp"

#include "service/db/sqlite_connection.hpp"

namespace conflux::service {

Status SqliteWriteQueue::run(const Body& body) {
  Pending me;
  me.body = &body;
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&me);
  while (!me.done) {
    if (leader_active_) {
      me.cv.wait(lock);
      continue;
    }
    // Lead: take up to max_batch_ queued writes, oldest first. This one is among them unless
    // max_batch_ older ones are waiting, in which case it leads again next round.
    leader_active_ = true;
    size_t n = std::min(queue_.size(), max_batch_);
    std::vector<Pending*> batch(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    lock.unlock();
    commit_batch(batch);
    lock.lock();
    for (Pending* p : batch) {
      p->done = true;
      if (p != &me) p->cv.notify_one();
    }
    // Wake the oldest waiter to lead the next batch (unless a newcomer takes the lead first;
    // then the oldest waiter rides in that batch).
    leader_active_ = false;
    if (!queue_.empty()) queue_.front()->cv.notify_one();
  }
  return me.status;
}

void SqliteWriteQueue::commit_batch(const std::vector<Pending*>& batch) {
  if (checkpoint_wanted_.exchange(false, std::memory_order_relaxed)) {
    // Best effort: if it cannot finish (a reader holds old frames), a later request retries.
    (void)writer_.checkpoint_passive();
  }
  Status begin = writer_.exec_script("BEGIN IMMEDIATE");
  if (!begin.ok()) {
    for (Pending* p : batch) p->status = begin;
    return;
  }
  if (batch.size() == 1) {
    // Alone: the transaction itself is the unit of rollback.
    Pending* p = batch.front();
    p->status = (*p->body)(writer_);
    if (p->status.ok()) p->status = writer_.exec_script("COMMIT");
    if (!p->status.ok()) (void)writer_.exec_script("ROLLBACK");
    return;
  }
  for (Pending* p : batch) {
    Status s = writer_.exec("SAVEPOINT write_queue", {}).status();
    if (s.ok()) s = (*p->body)(writer_);
    if (s.ok()) {
      s = writer_.exec("RELEASE write_queue", {}).status();
    } else {
      (void)writer_.exec("ROLLBACK TO write_queue", {});
      (void)writer_.exec("RELEASE write_queue", {});
    }
    p->status = s;
  }
  Status commit = writer_.exec_script("COMMIT");
  if (!commit.ok()) {
    (void)writer_.exec_script("ROLLBACK");
    for (Pending* p : batch) {
      if (p->status.ok()) p->status = commit;
    }
  }
}

}  // namespace conflux::service
