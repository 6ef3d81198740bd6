#include "service/db/group_commit_queue.hpp"

#include <algorithm>

namespace conflux::service {

void GroupCommitQueue::submit(Item& item, const RunBatch& run_batch) {
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&item);
  while (!item.done) {
    // Wait while a batch runs, or while this item rides in one (it has left the queue).
    if (leading_ || queue_.empty()) {
      item.cv.wait(lock);
      continue;
    }
    leading_ = true;
    size_t n = std::min(queue_.size(), max_batch_);
    std::vector<Item*> batch(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    lock.unlock();
    run_batch(batch);
    lock.lock();
    for (Item* done : batch) {
      done->done = true;
      if (done != &item) done->cv.notify_one();
    }
    leading_ = false;
    if (!queue_.empty()) queue_.front()->cv.notify_one();  // the oldest waiter leads next
  }
}

}  // namespace conflux::service
