// TaskMemo: a Task's metadata rows and artifact list, read once on first use and shared by the
// Task's copies. Internal to src/client; thread-safe (a mutex per memo: concurrent first uses read
// once).
#pragma once

#include <mutex>
#include <optional>
#include <vector>

#include "conflux/client_objects.hpp"

namespace conflux::client_detail {

struct TaskMemo {
  std::mutex mutex;
  std::optional<Result<std::vector<MetadataEntry>>> metadata;
  std::optional<Result<std::vector<DataArtifact>>> artifacts;

  // The memoized value of `slot`, computing it with `read` the first time.
  template <class T, class Read>
  Result<T> get(std::optional<Result<T>> TaskMemo::*slot, Read read) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!(this->*slot)) this->*slot = read();
    return *(this->*slot);
  }
};

}  // namespace conflux::client_detail
