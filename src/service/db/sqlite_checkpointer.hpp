// SqliteCheckpointer: copies the WAL back into the database file on a background thread.
//
// By default SQLite checkpoints inside the commit that pushes the WAL past 1000 pages, so one
// unlucky request pays for copying and fsyncing megabytes: the service's write latency spikes.
// Here the writer connection only reports the WAL's size after each commit (a counter and, now
// and then, a notify), and this thread runs PASSIVE checkpoints on its own connection, which
// never block the writer or readers. The writer then copies the last few frames itself so that
// the WAL can restart (see SqliteWriteQueue::request_checkpoint).
//
// Thread safety: wal_committed() is called by the writer; everything else is internal.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "conflux/status.hpp"

namespace conflux::service {

class SqliteConnection;

class SqliteCheckpointer {
 public:
  // Starts the thread; `connection` is its own (not shared with readers or the writer).
  // `after_checkpoint` runs on the thread after each checkpoint (SqliteDatabase uses it to let
  // the writer finish the job: SqliteWriteQueue::request_checkpoint).
  SqliteCheckpointer(std::unique_ptr<SqliteConnection> connection, int threshold_pages,
                     std::function<void()> after_checkpoint);
  // Stops the thread (a final checkpoint happens when the last connection closes).
  ~SqliteCheckpointer();
  SqliteCheckpointer(const SqliteCheckpointer&) = delete;
  SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;

  // The writer's WAL listener: asks for a checkpoint once the WAL holds `threshold_pages`.
  void wal_committed(int wal_pages);

 private:
  void loop();

  std::unique_ptr<SqliteConnection> connection_;
  const int threshold_pages_;
  std::function<void()> after_checkpoint_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;    // GUARDED_BY(mu_)
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace conflux::service
