// GroupCommitQueue: the leader/follower queue behind group commit (SqliteWriteQueue,
// PgWriteBatcher).
//
// Callers queue an item and wait. Whenever no batch is running, one waiting caller becomes the
// leader: it takes up to `max_batch` queued items, oldest first (its own among them unless older
// ones fill the batch), runs them all through `run_batch` without the queue's lock, marks them
// done and wakes their callers, then wakes the oldest waiter to lead the next batch. So there is
// no extra thread, a lone caller runs its own item at once, and under load the items that piled
// up during one batch form the next.
//
// Thread safety: submit() is safe to call concurrently; one batch runs at a time.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <vector>

namespace conflux::service {

class GroupCommitQueue {
 public:
  // What callers queue; they derive their own item type from it.
  struct Item {
    bool done = false;  // GUARDED_BY(the queue's mutex)
    std::condition_variable cv;
  };
  using RunBatch = std::function<void(const std::vector<Item*>& batch)>;

  explicit GroupCommitQueue(size_t max_batch) : max_batch_(max_batch < 1 ? 1 : max_batch) {}

  // Queues `item` and returns once the batch holding it has run, led by this caller (which then
  // calls `run_batch`) or by another.
  void submit(Item& item, const RunBatch& run_batch);

 private:
  const size_t max_batch_;
  std::mutex mu_;
  std::vector<Item*> queue_;  // GUARDED_BY(mu_)
  bool leading_ = false;      // GUARDED_BY(mu_)
};

}  // namespace conflux::service
