#include "task/input_task.hpp"

namespace conflux {

Result<std::unique_ptr<InputTask>> InputTask::open(StorageBackend& storage, ContentAddressedStore& cas,
                                                   const std::string& flow, const std::string& pathspec,
                                                   std::optional<int> known_attempt) {
  size_t a = pathspec.find('/');
  size_t b = a == std::string::npos ? a : pathspec.find('/', a + 1);
  if (b == std::string::npos || pathspec.find('/', b + 1) != std::string::npos) {
    return Status::invalid_argument("input path '" + pathspec + "' is not run/step/task");
  }
  std::unique_ptr<InputTask> task(new InputTask(cas));
  task->pathspec_ = pathspec;
  task->step_ = pathspec.substr(a + 1, b - a - 1);
  task->task_id_ = pathspec.substr(b + 1);
  TaskDataStore ds(storage, flow, pathspec.substr(0, a), task->step_, task->task_id_);
  auto attempt = known_attempt ? Result<int>(*known_attempt) : ds.latest_done_attempt();
  if (!attempt.ok()) return attempt.status().with_context("input task " + flow + "/" + pathspec);
  auto index = ds.load_index(*attempt);
  if (!index.ok()) return index.status().with_context("input task " + flow + "/" + pathspec);
  task->index_ = std::move(index).value();
  return task;
}

namespace {

// What the index says the content weighs (0: not recorded, as by some writers: unknown).
std::optional<uint64_t> content_size_hint(const ArtifactEntry& entry) {
  if (entry.info.size == 0) return std::nullopt;
  return entry.info.size;
}

}  // namespace

Result<bool> InputTask::load_into(std::string_view name, ArtifactSlot& slot) {
  const ArtifactEntry* entry = index_.find(name);
  if (!entry) return false;
  auto source = cas_.load(entry->sha, content_size_hint(*entry));
  if (!source.ok()) return source.status().with_context("artifact '" + std::string(name) + "'");
  FingerprintSource fingerprinted(**source);
  Status decoded = slot.decode(fingerprinted);
  if (!decoded.ok()) {
    return decoded.with_context("artifact '" + std::string(name) + "' of " + pathspec_ + " (" +
                                entry->info.type + ")");
  }
  fingerprints_[entry->sha] = fingerprinted.fingerprint();
  return true;
}

const ContentFingerprint* InputTask::fingerprint_of(std::string_view sha) const {
  auto it = fingerprints_.find(sha);
  return it != fingerprints_.end() ? &it->second : nullptr;
}

Result<Value> InputTask::value(std::string_view name) {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  const ArtifactEntry* entry = index_.find(name);
  if (!entry) return Status::not_found("task " + pathspec_ + " has no artifact '" + std::string(name) + "'");
  auto source = cas_.load(entry->sha, content_size_hint(*entry));
  if (!source.ok()) return source.status().with_context("artifact '" + std::string(name) + "'");
  auto value = read_pickle(**source);
  if (!value.ok()) return value.status().with_context("artifact '" + std::string(name) + "' of " + pathspec_);
  values_.emplace(std::string(name), *value);
  return std::move(value).value();
}

}  // namespace conflux
