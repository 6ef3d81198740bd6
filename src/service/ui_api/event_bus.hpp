// EventBus: the service's live updates for the web UI (GET /api/events, Server-Sent Events).
// The write path publishes each change of a run or task row, as the UI API shows it, to the
// resources the row belongs to (as UIB's notify.py::resource_list: a run to /runs,
// /flows/F/runs and /flows/F/runs/R; a task to /flows/F/runs/R/tasks); each open event stream
// subscribes to one resource and receives its messages in order. Events come from this process's
// own writes: replicas of the service behind one database each see their own (PostgreSQL's
// LISTEN/NOTIFY would join them; not done yet).
//
// A subscriber that falls behind by more than kMaxQueued messages loses the oldest (the UI
// refetches what it shows when it reconnects or sees a gap).
//
// Thread safety: all methods are safe to call concurrently.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conflux::service {

class EventBus {
 public:
  static constexpr size_t kMaxQueued = 10000;

  // `max_subscribers`: each open stream holds one of the server's worker threads, so the server
  // allows a share of them (the rest keep serving the API).
  explicit EventBus(size_t max_subscribers) : max_subscribers_(max_subscribers) {}

  class Subscription {
   public:
    // The next message (JSON text), waiting up to `timeout`; nullopt on timeout or once the bus
    // closed (closed() tells which).
    std::optional<std::string> next(std::chrono::milliseconds timeout);
    bool closed() const;
    const std::string& resource() const { return resource_; }

   private:
    friend class EventBus;
    explicit Subscription(EventBus& bus, std::string resource) : bus_(bus), resource_(std::move(resource)) {}
    EventBus& bus_;
    std::string resource_;
    std::deque<std::string> queue_;  // GUARDED_BY(bus_.mu_)
  };

  // nullptr when max_subscribers streams are open already or the bus is closed.
  std::shared_ptr<Subscription> subscribe(std::string resource);
  void unsubscribe(const std::shared_ptr<Subscription>& s);
  // True when someone listens to `resource` (publishers skip building rows nobody reads).
  bool wanted(std::string_view resource) const;
  bool any_subscriber() const;
  // Delivers {"type": type, "resource": resource, "data": <data_json>} to its subscribers.
  void publish(std::string_view resource, std::string_view type, const std::string& data_json);
  // Wakes every subscriber for good (the server is stopping).
  void close();

 private:
  const size_t max_subscribers_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool closed_ = false;                                  // GUARDED_BY(mu_)
  std::vector<std::shared_ptr<Subscription>> subs_;      // GUARDED_BY(mu_)
};

}  // namespace conflux::service
