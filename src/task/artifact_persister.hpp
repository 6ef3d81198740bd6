// ArtifactPersister: collects the artifacts one task attempt commits. New values are serialized
// into the content-addressed store as they are added; unchanged ones are passed down from an
// input task by reference (same sha, no data copied). build() yields the attempt's data.json index.
//
// Used by one task, one thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "conflux/flow_base.hpp"
#include "conflux/value.hpp"
#include "datastore/artifact_index.hpp"
#include "datastore/content_addressed_store.hpp"
#include "task/content_fingerprint.hpp"

namespace conflux {

class ArtifactPersister {
 public:
  explicit ArtifactPersister(ContentAddressedStore& cas) : cas_(cas) {}

  // Serializes a member's current value. Errors name the artifact.
  Status save_slot(const ArtifactSlot& slot);
  // Saves a member that was loaded and then accessed mutably, unless its serialized bytes are still
  // those of blob `input_sha` (then it is passed down by reference): compared by `loaded`, the
  // fingerprint taken when the value was read from that blob, else by SHA-1. Returns true if it
  // was saved.
  Result<bool> save_slot_if_changed(const ArtifactSlot& slot, const std::string& input_sha,
                                    const ContentFingerprint* loaded);
  // Serializes a generic value (internal artifacts such as _transition).
  Status save_value(const std::string& name, const Value& value);
  // Keeps an input's artifact unless this task writes one of the same name.
  void pass_down(const ArtifactEntry& entry);
  bool has(const std::string& name) const;

  // The index of everything saved or passed down: saved values first, in the order saved.
  ArtifactIndex build(int attempt) const;

 private:
  void add(ArtifactEntry entry);

  ContentAddressedStore& cas_;
  std::vector<ArtifactEntry> written_;
  std::map<std::string, size_t> written_at_;
  std::vector<ArtifactEntry> passed_;
};

}  // namespace conflux
