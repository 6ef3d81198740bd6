#include "gc/blob_sweep.hpp"

#include <mutex>
#include <unordered_map>
#include <vector>

#include "base/parallel_for.hpp"

namespace conflux::gc {

namespace {

bool is_sha(std::string_view s) {
  if (s.size() != 40) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

constexpr std::string_view kFlagSuffix = "_meta";

}  // namespace

Result<SweepCounts> sweep_blobs(StorageBackend& datastore, const std::string& flow,
                                const std::unordered_set<std::string>& referenced,
                                std::chrono::system_clock::time_point cutoff, bool dry_run) {
  CONFLUX_ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects, datastore.list_tree(flow + "/data"));
  std::vector<const ObjectInfo*> blobs;
  std::vector<const ObjectInfo*> flags;
  std::unordered_map<std::string, bool> blob_present;  // sha -> still there
  for (const ObjectInfo& o : objects) {
    std::string_view name = std::string_view(o.key).substr(o.key.rfind('/') + 1);
    if (is_sha(name)) {
      blobs.push_back(&o);
      blob_present[std::string(name)] = true;
    } else if (name.ends_with(kFlagSuffix) && is_sha(name.substr(0, name.size() - kFlagSuffix.size()))) {
      flags.push_back(&o);
    }
  }

  SweepCounts counts;
  std::mutex mutex;
  Status first_error;
  const int parallelism = datastore.remote() ? 16 : 1;
  parallel_for(blobs.size(), parallelism, [&](size_t i) {
    const ObjectInfo& blob = *blobs[i];
    std::string sha = blob.key.substr(blob.key.rfind('/') + 1);
    bool removed = false;
    Status s;
    if (!referenced.contains(sha) && blob.modified < cutoff) {
      if (dry_run) {
        removed = true;
      } else {
        Result<bool> r = datastore.remove_if_older(blob.key, cutoff);
        if (r.ok()) removed = *r;
        else s = r.status();
      }
    }
    std::lock_guard<std::mutex> lock(mutex);
    if (!s.ok() && first_error.ok()) first_error = s.with_context("sweeping flow " + flow);
    if (removed) {
      ++counts.blobs;
      counts.bytes += blob.size;
      blob_present[sha] = false;
    } else {
      ++counts.kept;
    }
  });
  CONFLUX_RETURN_IF_ERROR(first_error);
  if (dry_run) return counts;

  // Flags whose blob is gone. A writer re-saving the blob touches the flag first (see
  // ContentAddressedStore::publish_flag), so remove_if_older leaves a flag in use alone.
  std::vector<const ObjectInfo*> orphans;
  for (const ObjectInfo* flag : flags) {
    std::string name = flag->key.substr(flag->key.rfind('/') + 1);
    auto it = blob_present.find(name.substr(0, name.size() - kFlagSuffix.size()));
    if ((it == blob_present.end() || !it->second) && flag->modified < cutoff) orphans.push_back(flag);
  }
  std::vector<Status> results(orphans.size());
  parallel_for(orphans.size(), parallelism, [&](size_t i) {
    Result<bool> r = datastore.remove_if_older(orphans[i]->key, cutoff);
    if (!r.ok()) results[i] = r.status();
  });
  for (const Status& s : results) CONFLUX_RETURN_IF_ERROR(s.with_context("sweeping flow " + flow));
  return counts;
}

}  // namespace conflux::gc
