// ContentAddressedStore: a flow's blobs keyed by the SHA-1 of their (uncompressed) content, in
// Metaflow's layout: <Flow>/data/<sha[:2]>/<sha> plus <sha>_meta = {"cas_raw": <bool>,
// "cas_version": 1}. On backends with object metadata (S3) there is no `_meta` object: the same JSON
// is the blob's "metaflow-user-attributes" metadata, as Metaflow's S3 datastore writes it.
//
// Blobs are gzip'd, as Metaflow's _pack_v1 does, unless the caller asks for raw ("cas_raw": true,
// which Metaflow readers honour). A save streams: the content is hashed on the fly and buffered up
// to CasOptions::gzip_threshold bytes, then gzip'd in one go (zlib, level 3 as Metaflow); past the
// threshold it is compressed on every core as it comes (ParallelGzipSink: a multi-member gzip that
// Python's gzip reads, written straight to a temporary object), so a large blob is never held in
// memory and costs little more wall time than storing it raw. Loading decodes such blobs on every
// core too. A blob is written once: saving content that already exists discards the temporary and
// touches the blob (refreshes its modification time; on an object store a small blob is PUT
// again), so that `conflux gc` never sweeps a value a running task just reused
// (docs/operations.md).
//
// Publication order and concurrency: `_meta` is published (no-overwrite) before the blob, so a
// reader that finds a blob always finds its flag. The first `_meta` published for a sha fixes the
// encoding: a writer that finds a different flag already there re-encodes to match it, so
// concurrent writers of one sha (threads or processes, even with different thresholds) always leave
// a blob that agrees with its `_meta`. Reading follows Metaflow (content_addressed_store.py
// load_blobs): no `_meta` next to an existing blob means a legacy gzip blob; `_meta` without
// "cas_version" (and not raw), or with a version other than 1, is an error.
//
// Thread safety: all methods are safe to call concurrently; the only mutable state is the set of
// blobs a caller vouched for (assume_exists), behind a mutex.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "conflux/byte_stream.hpp"
#include "conflux/status.hpp"
#include "datastore/storage_backend.hpp"

namespace conflux {

struct CasOptions {
  // Blobs of at most this many bytes are buffered and gzip'd in one go; larger ones stream
  // through a ParallelGzipSink.
  size_t gzip_threshold = size_t{1} << 20;
  int gzip_level = 3;
};

enum class CasEncoding {
  kAuto,  // gzip
  kRaw,   // always raw (code packages, card data: Metaflow's raw=True)
};

struct CasSaveResult {
  std::string sha;    // 40 lowercase hex digits
  uint64_t size = 0;  // uncompressed bytes
  // Stored raw. When deduplicated, this is the encoding this call would have chosen (the existing
  // blob's flag is not read).
  bool raw = false;
  bool deduplicated = false;  // the blob already existed; nothing new was published
};

class ContentAddressedStore {
 public:
  // Streams the content into the sink; a non-OK return aborts the save.
  using WriterFn = std::function<Status(ByteSink&)>;

  // REQUIRES: `storage` outlives the store.
  ContentAddressedStore(StorageBackend& storage, std::string flow_name, CasOptions options = {});

  const std::string& flow_name() const { return flow_; }

  // Saves the bytes `writer` produces. Errors name the flow (and the sha once known).
  Result<CasSaveResult> save(const WriterFn& writer, CasEncoding encoding = CasEncoding::kAuto);
  Result<CasSaveResult> save_bytes(std::string_view bytes,
                                   CasEncoding encoding = CasEncoding::kAuto);

  // Streams the original content of blob `sha` (gunzipped unless raw). NotFound if absent.
  // `content_size`, when the caller knows it (an artifact index records it), lets an object store
  // answer a small blob with one request instead of a lookup and a ranged read.
  Result<std::unique_ptr<ByteSource>> load(std::string_view sha,
                                           std::optional<uint64_t> content_size = std::nullopt);
  // The whole original content; for small blobs.
  Result<std::string> load_all(std::string_view sha);
  Result<bool> contains(std::string_view sha);

  // The caller vouches that blob `sha` exists: it is referenced by a committed task of a run still
  // in progress (a task's inputs), so nothing deletes it. Saving that content then sends no request
  // at all: a task re-saves many of its parent's values (its name, _task_ok, None, ...), and on an
  // object store each lookup is a round trip.
  void assume_exists(std::string_view sha);

  // --- Moving blobs between datastores unchanged (conflux export / import) ---
  struct StoredBlob {
    std::unique_ptr<ByteSource> bytes;  // as stored: gzip'd unless raw
    bool raw = false;
    uint64_t stored_size = 0;
  };
  // The blob's stored bytes and encoding; NotFound if absent.
  Result<StoredBlob> open_stored(std::string_view sha);
  // Publishes blob `sha` from stored bytes in encoding `raw` that `writer` streams, unless it
  // exists (then it is touched, like a reused value). True if it was already there. The bytes are
  // trusted to be that blob (the importer checks the bundle's integrity, not each SHA-1).
  Result<bool> put_stored(std::string_view sha, bool raw, const WriterFn& writer);

  // "<Flow>/data/<sha[:2]>/<sha>"; the flag lives at blob_key(sha) + "_meta" (or on the blob, see
  // above).
  std::string blob_key(std::string_view sha) const;

 private:
  class Sink;

  Result<CasSaveResult> publish(Sink& sink, CasEncoding encoding);
  Result<CasSaveResult> publish_with_object_flag(Sink& sink, const std::string& key,
                                                 CasSaveResult result);
  Status publish_flag(std::string_view sha, const std::string& meta_key, bool* raw);
  Status reencode_spill(Sink& sink, const std::string& sha, const std::string& key, bool* dedup);
  // The stored encoding of an existing blob: true = raw.
  Result<bool> stored_raw_flag(std::string_view sha, const std::string& meta_key);
  Status check_sha(std::string_view sha) const;
  std::string context(std::string_view sha) const;
  // The cas_raw flag in a blob's object metadata (none: a legacy gzip blob, as in Metaflow).
  Result<bool> raw_flag_of(std::string_view sha, const ObjectMetadata& metadata) const;

  bool known_to_exist(std::string_view sha) const;

  StorageBackend& storage_;
  const std::string flow_;
  const CasOptions options_;
  mutable std::mutex known_mutex_;
  std::unordered_set<std::string> known_;  // assume_exists()
  const Status flow_status_;
};

}  // namespace conflux
