// SmallValueCache: decoded values of small artifacts, by content hash. Every task stores the
// same internal artifacts (_task_ok True, the same _transition for every task of a step, ...),
// and identical values share one blob, so the runtime reading each task's outcome, or resume
// scanning a 100,000-task run, reads each distinct small blob once instead of once per task.
//
// Thread safety: safe for concurrent use.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "conflux/status.hpp"
#include "conflux/value.hpp"
#include "datastore/content_addressed_store.hpp"

namespace conflux {

class SmallValueCache {
 public:
  // REQUIRES: `cas` outlives this object.
  explicit SmallValueCache(ContentAddressedStore& cas) : cas_(cas) {}

  // The value stored under `sha`, from memory when a small one was read before.
  Result<Value> load(const std::string& sha);

 private:
  static constexpr size_t kMaxBlobBytes = 1024;  // larger values are read every time
  static constexpr size_t kMaxEntries = 4096;    // then the cache starts over

  ContentAddressedStore& cas_;
  std::mutex mu_;
  std::map<std::string, Value> values_;
};

}  // namespace conflux
