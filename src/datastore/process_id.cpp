#include "datastore/process_id.hpp"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <mutex>

namespace conflux {

namespace {

std::atomic<pid_t> cached_pid{0};

void forget_pid() { cached_pid.store(0, std::memory_order_relaxed); }

}  // namespace

pid_t current_pid() {
  static std::once_flag registered;
  std::call_once(registered, [] { ::pthread_atfork(nullptr, nullptr, forget_pid); });
  pid_t pid = cached_pid.load(std::memory_order_relaxed);
  if (pid == 0) {
    pid = ::getpid();
    cached_pid.store(pid, std::memory_order_relaxed);
  }
  return pid;
}

}  // namespace conflux
