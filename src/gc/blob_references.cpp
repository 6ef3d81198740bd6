#include "gc/blob_references.hpp"

#include <mutex>

#include <nlohmann/json.hpp>

#include "base/parallel_for.hpp"
#include "datastore/artifact_index.hpp"

namespace conflux::gc {

namespace {

Status references_in(std::string_view key, std::string_view text, std::vector<std::string>* out) {
  if (key.ends_with(".data.json")) {
    Result<ArtifactIndex> index = ArtifactIndex::from_json(text);
    if (!index.ok()) return index.status().with_context(std::string(key));
    for (const ArtifactEntry& e : index->artifacts) out->push_back(e.sha);
    return Status();
  }
  nlohmann::json begin = nlohmann::json::parse(text, nullptr, false);
  if (!begin.is_object()) return Status::corruption(std::string(key) + " is not a JSON object");
  auto sha = begin.find("code_package_sha");
  if (sha != begin.end() && sha->is_string()) out->push_back(sha->get<std::string>());
  return Status();
}

}  // namespace

Status add_references(StorageBackend& datastore, const std::vector<const CatalogedRun*>& runs,
                      std::unordered_set<std::string>* shas) {
  std::vector<const std::string*> keys;
  for (const CatalogedRun* run : runs) {
    for (const std::string& key : run->reference_keys) keys.push_back(&key);
  }
  std::mutex mutex;
  Status first_error;
  parallel_for(keys.size(), datastore.remote() ? 16 : 1, [&](size_t i) {
    std::vector<std::string> found;
    Status s;
    Result<std::string> text = datastore.load(*keys[i]);
    if (text.ok()) {
      s = references_in(*keys[i], *text, &found);
    } else if (!text.status().is_not_found()) {
      s = text.status();
    }
    std::lock_guard<std::mutex> lock(mutex);
    if (!s.ok() && first_error.ok()) first_error = s;
    for (std::string& sha : found) shas->insert(std::move(sha));
  });
  return first_error;
}

}  // namespace conflux::gc
