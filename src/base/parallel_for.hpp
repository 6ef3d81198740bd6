// parallel_for: runs fn(0), ..., fn(n-1) on up to `parallelism` threads (the caller's thread is
// one of them) and returns when all have run. Indices are handed out one at a time, so uneven
// items balance. `fn` must be safe to call concurrently for different indices and must not throw.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace conflux {

template <class Fn>
void parallel_for(size_t n, int parallelism, Fn fn) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  size_t threads = std::min<size_t>(n, static_cast<size_t>(std::max(parallelism, 1)));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
}

}  // namespace conflux
