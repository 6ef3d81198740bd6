#include "service/db/sqlite_checkpointer.hpp"

#include <chrono>
#include <cstdio>

#include "service/db/sqlite_connection.hpp"

namespace conflux::service {

SqliteCheckpointer::SqliteCheckpointer(std::unique_ptr<SqliteConnection> connection, int threshold_pages,
                                       std::function<void()> after_checkpoint)
    : connection_(std::move(connection)),
      threshold_pages_(threshold_pages),
      after_checkpoint_(std::move(after_checkpoint)),
      thread_([this] { loop(); }) {}

SqliteCheckpointer::~SqliteCheckpointer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void SqliteCheckpointer::wal_committed(int wal_pages) {
  if (wal_pages < threshold_pages_) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (wanted_) return;
    wanted_ = true;
  }
  cv_.notify_one();
}

void SqliteCheckpointer::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return wanted_ || stopping_; });
    if (stopping_) return;
    wanted_ = false;
    lock.unlock();
    Status s = connection_->checkpoint_passive();
    // A failed checkpoint loses nothing (the WAL keeps every commit); say so and retry later.
    if (!s.ok()) std::fprintf(stderr, "conflux service: background checkpoint failed: %s\n", s.to_string().c_str());
    if (s.ok() && after_checkpoint_) after_checkpoint_();
    lock.lock();
    // While a reader pins the WAL it cannot restart and stays above the threshold: pace the
    // checkpoints instead of running one after every commit.
    cv_.wait_for(lock, std::chrono::milliseconds(5), [this] { return stopping_; });
  }
}

}  // namespace conflux::service
