// ArtifactIndex: the content of <attempt>.data.json, which maps a task attempt's artifact names to
// CAS blobs and describes each (TaskDataStore.done() in Metaflow):
//   {"datastore": "local", "version": "1.0", "attempt": 0, "python_version": "...",
//    "objects": {"<name>": "<sha>", ...},
//    "info": {"<name>": {"size": N, "type": "<class 'int'>", "encoding": "pickle-v4",
//                        "serializer_info": {"source": "metaflow"}}, ...}}
// to_json() writes exactly Metaflow's bytes (key order, separators); from_json() reads Metaflow's
// and our files, applying Metaflow's defaults for missing info. A plain value type;
// thread-compatible.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "conflux/status.hpp"

namespace conflux {

struct ArtifactInfo {
  uint64_t size = 0;  // serialized (uncompressed) bytes
  std::string type;   // Python-style type name, e.g. "<class 'float'>"
  std::string encoding = "pickle-v4";
  // Written only when non-empty, as Metaflow does.
  nlohmann::ordered_json serializer_info = nlohmann::ordered_json{{"source", "metaflow"}};
};

struct ArtifactEntry {
  std::string name;
  std::string sha;
  ArtifactInfo info;
  // False when the file had no "info" entry for this name (then `info` holds Metaflow's load
  // defaults: type "object", size 0, encoding "gzip+pickle-v2"); such entries are written back
  // without one.
  bool has_info = true;
};

struct ArtifactIndex {
  std::string datastore = "local";
  std::string version = "1.0";
  int attempt = 0;
  std::string python_version;            // Metaflow writes sys.version
  std::vector<ArtifactEntry> artifacts;  // in "objects" order

  // The entry named `name`, or nullptr.
  const ArtifactEntry* find(std::string_view name) const;

  std::string to_json() const;
  // Corruption if `text` is not a data.json object.
  static Result<ArtifactIndex> from_json(std::string_view text);
  // from_json() the general way, through a JSON document: what it falls back to for anything
  // unusual (tests compare the two).
  static Result<ArtifactIndex> from_json_document(std::string_view text);
};

}  // namespace conflux
