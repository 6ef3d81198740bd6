// Clock: where the service reads the time (ts_epoch of new objects, heartbeats, run status).
// SystemClock is the wall clock; ManualClock is set by tests (the corpus replay drives it with
// the recorded timeline so heartbeat ages match the recording).
//
// Thread safety: both implementations are safe for concurrent use.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace conflux::service {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t now_ms() const = 0;
  int64_t now_seconds() const { return now_ms() / 1000; }
};

class SystemClock final : public Clock {
 public:
  int64_t now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t ms = 0) : ms_(ms) {}
  int64_t now_ms() const override { return ms_.load(); }
  void set_ms(int64_t ms) { ms_.store(ms); }

 private:
  std::atomic<int64_t> ms_;
};

}  // namespace conflux::service
