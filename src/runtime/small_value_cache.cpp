#include "runtime/small_value_cache.hpp"

#include "conflux/codec.hpp"

namespace conflux {

Result<Value> SmallValueCache::load(const std::string& sha) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = values_.find(sha); it != values_.end()) return it->second;
  }
  CONFLUX_ASSIGN_OR_RETURN(std::string bytes, cas_.load_all(sha));
  CONFLUX_ASSIGN_OR_RETURN(Value value, read_pickle_from_string(bytes));
  if (bytes.size() <= kMaxBlobBytes) {
    std::lock_guard<std::mutex> lock(mu_);
    if (values_.size() >= kMaxEntries) values_.clear();
    values_.emplace(sha, value);
  }
  return value;
}

}  // namespace conflux
