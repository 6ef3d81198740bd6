// PgConnectionPool: up to `max_size` PgConnections to one PostgreSQL URL, opened on demand and
// kept open for reuse. A caller that finds every connection in use waits (up to `wait_timeout`)
// for one to come back, so a burst of requests queues here instead of exhausting the server's
// max_connections. A connection returned lost or inside a transaction is closed, not reused.
//
// Thread safety: all methods are safe to call concurrently; a Lease belongs to one thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "service/db/pg_connection.hpp"

namespace conflux::service {

class PgConnectionPool {
 public:
  class Lease {
   public:
    Lease(PgConnectionPool* pool, std::unique_ptr<PgConnection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (conn_) pool_->release(std::move(conn_));
    }
    PgConnection& operator*() const { return *conn_; }
    PgConnection* operator->() const { return conn_.get(); }

   private:
    PgConnectionPool* pool_;
    std::unique_ptr<PgConnection> conn_;
  };

  PgConnectionPool(std::string url, int max_size, std::chrono::milliseconds wait_timeout);
  ~PgConnectionPool();
  PgConnectionPool(const PgConnectionPool&) = delete;
  PgConnectionPool& operator=(const PgConnectionPool&) = delete;

  // An idle connection, a new one if fewer than max_size are open, else the next one returned.
  // Unavailable if none comes back within wait_timeout or PostgreSQL cannot be reached.
  Result<Lease> acquire();
  int max_size() const { return max_size_; }

 private:
  void release(std::unique_ptr<PgConnection> conn);

  const std::string url_;
  const int max_size_;
  const std::chrono::milliseconds wait_timeout_;
  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // GUARDED_BY(mu_)
  int open_ = 0;                                     // GUARDED_BY(mu_): idle + leased
};

}  // namespace conflux::service
