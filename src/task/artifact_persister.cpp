#include "task/artifact_persister.hpp"

#include "conflux/codec.hpp"
#include "datastore/sha1.hpp"

namespace conflux {

void ArtifactPersister::add(ArtifactEntry entry) {
  if (auto it = written_at_.find(entry.name); it != written_at_.end()) {
    written_[it->second] = std::move(entry);
    return;
  }
  written_at_[entry.name] = written_.size();
  written_.push_back(std::move(entry));
}

Status ArtifactPersister::save_slot(const ArtifactSlot& slot) {
  auto saved = cas_.save([&slot](ByteSink& sink) { return slot.encode(sink); });
  if (!saved.ok()) return saved.status().with_context("cannot save artifact '" + slot.name() + "'");
  ArtifactEntry entry;
  entry.name = slot.name();
  entry.sha = saved->sha;
  entry.info.size = saved->size;
  entry.info.type = slot.python_type();
  add(std::move(entry));
  return Status();
}

namespace {

// A sink that only hashes: to learn whether a value changed without writing it anywhere.
class HashingSink : public ByteSink {
 public:
  void write(const void* data, size_t n) override { sha_.update(data, n); }
  Result<std::string> digest() { return sha_.hex_digest(); }

 private:
  Sha1 sha_;
};

}  // namespace

Result<bool> ArtifactPersister::save_slot_if_changed(const ArtifactSlot& slot, const std::string& input_sha,
                                                    const ContentFingerprint* loaded) {
  if (loaded != nullptr) {
    FingerprintSink fingerprint;
    CONFLUX_RETURN_IF_ERROR(slot.encode(fingerprint));
    if (fingerprint.fingerprint() == *loaded) return false;
    CONFLUX_RETURN_IF_ERROR(save_slot(slot));
    return true;
  }
  HashingSink hasher;
  CONFLUX_RETURN_IF_ERROR(slot.encode(hasher));
  CONFLUX_ASSIGN_OR_RETURN(std::string sha, hasher.digest());
  if (sha == input_sha) return false;
  CONFLUX_RETURN_IF_ERROR(save_slot(slot));
  return true;
}

Status ArtifactPersister::save_value(const std::string& name, const Value& value) {
  auto saved = cas_.save([&value](ByteSink& sink) { return write_pickle(value, sink); });
  if (!saved.ok()) return saved.status().with_context("cannot save artifact '" + name + "'");
  ArtifactEntry entry;
  entry.name = name;
  entry.sha = saved->sha;
  entry.info.size = saved->size;
  entry.info.type = value.python_type();
  add(std::move(entry));
  return Status();
}

void ArtifactPersister::pass_down(const ArtifactEntry& entry) { passed_.push_back(entry); }

bool ArtifactPersister::has(const std::string& name) const {
  if (written_at_.count(name)) return true;
  for (const auto& e : passed_) {
    if (e.name == name) return true;
  }
  return false;
}

ArtifactIndex ArtifactPersister::build(int attempt) const {
  ArtifactIndex index;
  index.attempt = attempt;
  index.python_version = "conflux";
  index.artifacts = written_;
  std::map<std::string, bool> seen;
  for (const auto& e : written_) seen[e.name] = true;
  for (const auto& e : passed_) {
    if (seen.emplace(e.name, true).second) index.artifacts.push_back(e);
  }
  return index;
}

}  // namespace conflux
