#include "service/db/pg_connection_pool.hpp"

namespace conflux::service {

PgConnectionPool::PgConnectionPool(std::string url, int max_size, std::chrono::milliseconds wait_timeout)
    : url_(std::move(url)), max_size_(max_size < 1 ? 1 : max_size), wait_timeout_(wait_timeout) {}

PgConnectionPool::~PgConnectionPool() = default;

Result<PgConnectionPool::Lease> PgConnectionPool::acquire() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!returned_.wait_for(lock, wait_timeout_, [this] { return !idle_.empty() || open_ < max_size_; })) {
      return Status::unavailable("all " + std::to_string(max_size_) +
                                 " PostgreSQL connections stayed busy for " +
                                 std::to_string(wait_timeout_.count()) + " ms");
    }
    if (!idle_.empty()) {
      std::unique_ptr<PgConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    ++open_;  // reserve the slot; connect without holding the lock
  }
  Result<std::unique_ptr<PgConnection>> conn = PgConnection::open(url_);
  if (!conn.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
    returned_.notify_one();
    return conn.status();
  }
  return Lease(this, std::move(*conn));
}

void PgConnectionPool::release(std::unique_ptr<PgConnection> conn) {
  const bool unusable = conn->unusable();
  if (unusable) conn.reset();  // close it before taking the lock
  std::lock_guard<std::mutex> lock(mu_);
  if (unusable) {
    --open_;
  } else {
    idle_.push_back(std::move(conn));
  }
  returned_.notify_one();
}

}  // namespace conflux::service
