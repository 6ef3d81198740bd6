#include "service/db/sqlite_write_queue.hpp"

#include "service/db/sqlite_connection.hpp"

namespace conflux::service {

Status SqliteWriteQueue::run(const Body& body) {
  Pending me;
  me.body = &body;
  queue_.submit(me, [this](const std::vector<GroupCommitQueue::Item*>& batch) { commit_batch(batch); });
  return me.status;
}

void SqliteWriteQueue::commit_batch(const std::vector<GroupCommitQueue::Item*>& items) {
  std::vector<Pending*> batch;
  for (GroupCommitQueue::Item* item : items) batch.push_back(static_cast<Pending*>(item));
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
