// InputTask: a committed task whose artifacts a new task reads: the parent of a step, or one input
// of a join. Artifacts are decoded only when asked for (a task loads only what it reads).
//
// Used by one task process, one thread.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "conflux/codec.hpp"
#include "conflux/flow_base.hpp"
#include "conflux/value.hpp"
#include "datastore/artifact_index.hpp"
#include "datastore/content_addressed_store.hpp"
#include "datastore/task_datastore.hpp"
#include "task/content_fingerprint.hpp"

namespace conflux {

class InputTask {
 public:
  // Opens the latest committed attempt of `pathspec` ("run/step/task" of `flow`), or `attempt` when
  // the caller knows which one committed (the runtime does: it is read without looking it up).
  // Errors name the task.
  static Result<std::unique_ptr<InputTask>> open(StorageBackend& storage, ContentAddressedStore& cas,
                                                 const std::string& flow, const std::string& pathspec,
                                                 std::optional<int> attempt = std::nullopt);

  const std::string& pathspec() const { return pathspec_; }
  const std::string& step() const { return step_; }
  const std::string& task_id() const { return task_id_; }
  const ArtifactIndex& index() const { return index_; }
  bool has(std::string_view name) const { return index_.find(name) != nullptr; }

  // Decodes artifact `name` into `slot`. Returns false if the task has no such artifact.
  Result<bool> load_into(std::string_view name, ArtifactSlot& slot);
  // The fingerprint of blob `sha` as load_into() read it, if it did.
  const ContentFingerprint* fingerprint_of(std::string_view sha) const;
  // Decodes artifact `name` as a generic value (internal artifacts, foreach items).
  Result<Value> value(std::string_view name);

 private:
  InputTask(ContentAddressedStore& cas) : cas_(cas) {}
  ContentAddressedStore& cas_;
  std::string pathspec_;
  std::string step_;
  std::string task_id_;
  ArtifactIndex index_;
  std::map<std::string, Value, std::less<>> values_;  // decoded cache
  std::map<std::string, ContentFingerprint, std::less<>> fingerprints_;  // by sha, of loaded slots
};

}  // namespace conflux
