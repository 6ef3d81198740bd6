#include "gc/blob_references.hpp"

#include <mutex>

#include <nlohmann/json.hpp>

#include "base/parallel_for.hpp"
#include "conflux/codec.hpp"
#include "datastore/artifact_index.hpp"
#include "datastore/content_addressed_store.hpp"
#include "task/foreach_chunks.hpp"

namespace conflux::gc {

namespace {

// The slices of a wide foreach, which its split task lists in an artifact (task/foreach_chunks.hpp),
// those still there (tasks decode the whole sequence without them, so an unreadable list or a
// swept slice is no error; export copies what is listed here).
Status chunk_references(StorageBackend& datastore, std::string_view key, const ArtifactEntry& chunks,
                        std::vector<std::string>* out) {
  std::string_view flow = key.substr(0, key.find('/'));
  ContentAddressedStore cas(datastore, std::string(flow));
  Result<std::string> bytes = cas.load_all(chunks.sha);
  if (!bytes.ok()) return bytes.status().is_not_found() ? Status() : bytes.status().with_context(std::string(key));
  Result<Value> value = read_pickle_from_string(*bytes);
  if (!value.ok()) return Status();
  Result<std::vector<std::string>> shas = foreach_chunk_shas(*value);
  if (!shas.ok()) return Status();
  for (std::string& sha : *shas) {
    CONFLUX_ASSIGN_OR_RETURN(bool present, cas.contains(sha));
    if (present) out->push_back(std::move(sha));
  }
  return Status();
}

Status references_in(StorageBackend& datastore, std::string_view key, std::string_view text,
                     std::vector<std::string>* out) {
  if (key.ends_with(".data.json")) {
    Result<ArtifactIndex> index = ArtifactIndex::from_json(text);
    if (!index.ok()) return index.status().with_context(std::string(key));
    for (const ArtifactEntry& e : index->artifacts) out->push_back(e.sha);
    if (const ArtifactEntry* chunks = index->find(kForeachChunksArtifact)) {
      return chunk_references(datastore, key, *chunks, out);
    }
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
      s = references_in(datastore, *keys[i], *text, &found);
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
