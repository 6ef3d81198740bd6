#include "datastore/content_addressed_store.hpp"

#include <nlohmann/json.hpp>
#include <algorithm>
#include <cstring>
#include <optional>
#include <utility>

#include "datastore/gzip_codec.hpp"
#include "datastore/parallel_gzip.hpp"
#include "datastore/random_bits.hpp"
#include "datastore/sha1.hpp"
#include "datastore/storage_key.hpp"

namespace conflux {

namespace {

constexpr std::string_view kMetaGzip = R"({"cas_raw": false, "cas_version": 1})";
constexpr std::string_view kMetaRaw = R"({"cas_raw": true, "cas_version": 1})";
constexpr size_t kReadChunk = 256 * 1024;
// Metaflow's name for the JSON-encoded user metadata on an S3 object (s3.py, s3op.py).
constexpr std::string_view kUserAttributes = "metaflow-user-attributes";
// On object stores, blobs up to this size are PUT without looking them up first: sending them again
// when they exist costs about what the lookup would.
constexpr size_t kPutWithoutLookup = 64 * 1024;

// Adds "<flow>/<sha>" context to the errors of a source.
class ContextSource final : public ByteSource {
 public:
  ContextSource(std::unique_ptr<ByteSource> inner, std::string context)
      : inner_(std::move(inner)), context_(std::move(context)) {}
  Result<size_t> read(void* buf, size_t n) override {
    Result<size_t> r = inner_->read(buf, n);
    if (!r.ok()) return r.status().with_context(context_);
    return r;
  }
  std::optional<uint64_t> remaining() const override { return inner_->remaining(); }

 private:
  std::unique_ptr<ByteSource> inner_;
  std::string context_;
};

// A source over a string it owns.
class OwnedStringSource final : public ByteSource {
 public:
  explicit OwnedStringSource(std::string data) : data_(std::move(data)) {}
  Result<size_t> read(void* buf, size_t n) override {
    n = std::min(n, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  std::optional<uint64_t> remaining() const override { return data_.size() - pos_; }

 private:
  std::string data_;
  size_t pos_ = 0;
};

// Metaflow's decision (load_blobs): missing meta => legacy gzip; raw flag wins; else version 1
// only.
Result<bool> parse_raw_flag(const std::string& meta_text) {
  nlohmann::json meta = nlohmann::json::parse(meta_text, nullptr, /*allow_exceptions=*/false);
  if (!meta.is_object()) return Status::corruption("unparseable _meta: " + meta_text);
  auto raw = meta.find("cas_raw");
  if (raw != meta.end() && raw->is_boolean() && raw->get<bool>()) return true;
  auto version = meta.find("cas_version");
  if (version == meta.end() || !version->is_number_integer()) {
    return Status::corruption("could not extract the encoding version from _meta: " + meta_text);
  }
  if (version->get<int64_t>() != 1) {
    return Status::not_supported("unknown encoding version " +
                                 std::to_string(version->get<int64_t>()) +
                                 " (written by a newer Metaflow?)");
  }
  return false;
}

}  // namespace

// Hashes, counts and buffers up to the threshold, then spills to a temporary storage object:
// gzip'd by a ParallelGzipSink, or raw when the caller asked for raw.
class ContentAddressedStore::Sink final : public ByteSink {
 public:
  Sink(StorageBackend& storage, std::string staging_key, size_t threshold, bool raw)
      : storage_(storage), staging_key_(std::move(staging_key)), threshold_(threshold), raw_(raw) {}

  void write(const void* data, size_t n) override {
    if (!status_.ok() || n == 0) return;
    sha_.update(data, n);
    size_ += n;
    if (spill_ == nullptr) {
      if (buffer_.size() + n <= threshold_) {
        buffer_.append(static_cast<const char*>(data), n);
        return;
      }
      Result<std::unique_ptr<StorageWriter>> w = storage_.begin_write(staging_key_, false);
      if (!w.ok()) {
        status_ = w.status();
        return;
      }
      spill_ = std::move(w).value();
      if (!raw_) gzip_ = std::make_unique<ParallelGzipSink>(*spill_);
      spill_target().write(buffer_.data(), buffer_.size());
      std::string().swap(buffer_);
    }
    spill_target().write(data, n);
  }

  Status status() const override {
    if (!status_.ok()) return status_;
    return spill_ != nullptr ? spill_->status() : Status();
  }

  // Completes the spilled content (the gzip members still in flight). REQUIRES: spilled.
  Status finish_spill() { return gzip_ != nullptr ? gzip_->finish() : spill_->status(); }
  // Whether the spilled content is stored raw. REQUIRES: spilled.
  bool spilled_raw() const { return gzip_ == nullptr; }

  Sha1 sha_;
  uint64_t size_ = 0;
  std::string buffer_;                    // the whole content while not spilled
  std::unique_ptr<StorageWriter> spill_;  // the whole content once past the threshold

 private:
  ByteSink& spill_target() { return gzip_ != nullptr ? static_cast<ByteSink&>(*gzip_) : *spill_; }

  StorageBackend& storage_;
  const std::string staging_key_;
  const size_t threshold_;
  const bool raw_;
  std::unique_ptr<ParallelGzipSink> gzip_;  // declared after spill_: destroyed before it
  Status status_;
};

ContentAddressedStore::ContentAddressedStore(StorageBackend& storage, std::string flow_name,
                                             CasOptions options)
    : storage_(storage),
      flow_(std::move(flow_name)),
      options_(options),
      flow_status_(check_key_component(flow_, "flow name")) {}

std::string ContentAddressedStore::blob_key(std::string_view sha) const {
  return join_key({flow_, "data", sha.substr(0, 2), sha});
}

std::string ContentAddressedStore::context(std::string_view sha) const {
  return "blob " + std::string(sha) + " of flow '" + flow_ + "'";
}

Status ContentAddressedStore::check_sha(std::string_view sha) const {
  bool ok = sha.size() == 40;
  for (char c : sha) ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!ok) {
    return Status::invalid_argument("invalid blob sha '" + std::string(sha) + "' for flow '" +
                                    flow_ + "': expected 40 lowercase hex digits");
  }
  return Status();
}

Result<CasSaveResult> ContentAddressedStore::save(const WriterFn& writer, CasEncoding encoding) {
  CONFLUX_RETURN_IF_ERROR(flow_status_);
  Sink sink(storage_, join_key({flow_, "data", ".cfx-incoming"}), options_.gzip_threshold,
            encoding == CasEncoding::kRaw);
  Status s = writer(sink);
  if (s.ok()) s = sink.status();
  if (s.ok() && sink.spill_ != nullptr) s = sink.finish_spill();
  if (!s.ok()) return s.with_context("saving a blob of flow '" + flow_ + "'");
  return publish(sink, encoding);
}

Result<CasSaveResult> ContentAddressedStore::save_bytes(std::string_view bytes,
                                                        CasEncoding encoding) {
  return save(
      [bytes](ByteSink& out) {
        out.write(bytes.data(), bytes.size());
        return Status();
      },
      encoding);
}

Result<CasSaveResult> ContentAddressedStore::publish(Sink& sink, CasEncoding encoding) {
  Result<std::string> digest = sink.sha_.hex_digest();
  if (!digest.ok()) return digest.status().with_context("saving a blob of flow '" + flow_ + "'");
  CasSaveResult result;
  result.sha = std::move(digest).value();
  result.size = sink.size_;
  result.raw = encoding == CasEncoding::kRaw;
  const std::string key = blob_key(result.sha);
  const std::string meta_key = key + "_meta";
  auto fail = [&](const Status& st) { return st.with_context("saving " + context(result.sha)); };

  if (known_to_exist(result.sha)) {
    result.deduplicated = true;  // the spill (if any) is discarded by its destructor
    return result;
  }
  const bool small = sink.spill_ == nullptr && sink.buffer_.size() <= kPutWithoutLookup;
  if (!(small && storage_.supports_object_metadata())) {
    // Reusing a stored blob touches it, so that `conflux gc` spares it (docs/operations.md); the
    // touch doubles as the lookup.
    Status touched = storage_.touch(key);
    if (touched.ok()) {
      result.deduplicated = true;
      return result;
    }
    if (!touched.is_not_found()) return fail(touched);
  }

  if (storage_.supports_object_metadata()) return publish_with_object_flag(sink, key, result);

  // Publish the flag first; if another writer got there first, its flag decides the encoding.
  CONFLUX_RETURN_IF_ERROR(publish_flag(result.sha, meta_key, &result.raw).with_context("saving " + context(result.sha)));

  Status bs;
  if (sink.spill_ == nullptr) {
    if (result.raw) {
      bs = storage_.save(key, sink.buffer_, /*overwrite=*/false);
    } else {
      Result<std::string> packed = gzip_compress(sink.buffer_, options_.gzip_level);
      if (!packed.ok()) return fail(packed.status());
      bs = storage_.save(key, *packed, /*overwrite=*/false);
    }
  } else if (result.raw == sink.spilled_raw()) {
    bs = sink.spill_->commit_as(key);
  } else {
    bool dedup = false;
    Status rs = reencode_spill(sink, result.sha, key, &dedup);
    if (!rs.ok()) return fail(rs);
    result.deduplicated = dedup;
    return result;
  }
  if (bs.code() == StatusCode::kAlreadyExists) {
    result.deduplicated = true;  // a concurrent writer published the same content
  } else if (!bs.ok()) {
    return fail(bs);
  }
  return result;
}

// Publishes the `_meta` flag of a blob about to be saved with no-overwrite. If another writer's
// flag is there, adopts its encoding (*raw) and touches it; a touch that finds the flag gone (gc
// swept it meanwhile) publishes it again, so the blob never lands without its flag.
Status ContentAddressedStore::publish_flag(std::string_view sha, const std::string& meta_key, bool* raw) {
  for (int round = 0; round < 3; ++round) {
    Status ms = storage_.save(meta_key, *raw ? kMetaRaw : kMetaGzip, /*overwrite=*/false);
    if (ms.ok()) return ms;
    if (ms.code() != StatusCode::kAlreadyExists) return ms;
    Result<bool> theirs = stored_raw_flag(sha, meta_key);
    if (theirs.status().code() == StatusCode::kCorruption) {
      // A damaged flag with no blob behind it (crashed writer): replace it with ours.
      return storage_.save(meta_key, *raw ? kMetaRaw : kMetaGzip, /*overwrite=*/true);
    }
    if (theirs.status().is_not_found()) continue;  // swept between our save and our read
    if (!theirs.ok()) return theirs.status();
    *raw = *theirs;
    Status touched = storage_.touch(meta_key);
    if (!touched.is_not_found()) return touched;
  }
  return Status::unavailable("the flag " + meta_key + " kept disappearing while it was saved");
}

// Object stores (Metaflow's S3 layout): the flag travels on the blob as user metadata, so blob and
// flag are published together and always agree; concurrent writers of one sha each publish a
// complete, self-consistent object, whichever wins.
Result<CasSaveResult> ContentAddressedStore::publish_with_object_flag(Sink& sink,
                                                                      const std::string& key,
                                                                      CasSaveResult result) {
  auto fail = [&](const Status& st) { return st.with_context("saving " + context(result.sha)); };
  const ObjectMetadata flag{{std::string(kUserAttributes),
                             std::string(result.raw ? kMetaRaw : kMetaGzip)}};
  Status bs;
  if (sink.spill_ != nullptr) {  // spilled content is encoded as result.raw says (see publish)
    bs = sink.spill_->set_metadata(flag);
    if (bs.ok()) bs = sink.spill_->commit_as(key);
  } else {
    // One conditional PUT (publish either just found the blob missing or skipped the lookup for
    // a small one); if it exists, its bytes are these.
    std::string packed;
    if (!result.raw) {
      Result<std::string> gz = gzip_compress(sink.buffer_, options_.gzip_level);
      if (!gz.ok()) return fail(gz.status());
      packed = std::move(gz).value();
    }
    const std::string_view bytes = result.raw ? std::string_view(sink.buffer_) : std::string_view(packed);
    bs = storage_.save_immutable_with_metadata(key, bytes, flag);
    if (bs.code() == StatusCode::kAlreadyExists) {
      // Reused: put the same content again so the blob's modified time says so and `conflux gc`
      // spares it (one PUT, where a touch is a lookup and a copy). A reader of this small blob
      // gets bytes and flag in one GET, the old object's or the new one's.
      result.deduplicated = true;
      bs = storage_.save_with_metadata(key, bytes, /*overwrite=*/true, flag);
    }
  }
  if (bs.code() == StatusCode::kAlreadyExists) {
    result.deduplicated = true;
  } else if (!bs.ok()) {
    return fail(bs);
  }
  return result;
}

// Rare path: the flag another writer published first disagrees with the encoding of our spilled
// content (one of us stores raw, the other gzip). Stage our bytes, re-encode them into the blob as
// the flag says, drop the staged copy.
Status ContentAddressedStore::reencode_spill(Sink& sink, const std::string& sha,
                                             const std::string& key, bool* dedup) {
  const std::string staged = join_key({flow_, "data", std::string_view(sha).substr(0, 2),
                                       ".cfx-restage-" + sha + "-" + std::to_string(random_u64())});
  CONFLUX_RETURN_IF_ERROR(sink.spill_->commit_as(staged));
  Status s = [&]() -> Status {
    CONFLUX_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> in, storage_.open(staged));
    if (!sink.spilled_raw()) in = std::make_unique<ParallelGunzipSource>(std::move(in));
    CONFLUX_ASSIGN_OR_RETURN(std::unique_ptr<StorageWriter> out, storage_.begin_write(key, false));
    std::optional<ParallelGzipSink> gz;
    if (sink.spilled_raw()) gz.emplace(*out);
    ByteSink& target = gz ? static_cast<ByteSink&>(*gz) : *out;
    std::string buf(kReadChunk, '\0');
    while (true) {
      CONFLUX_ASSIGN_OR_RETURN(size_t got, in->read(buf.data(), buf.size()));
      if (got == 0) break;
      target.write(buf.data(), got);
    }
    if (gz) CONFLUX_RETURN_IF_ERROR(gz->finish());
    CONFLUX_RETURN_IF_ERROR(out->status());
    Status cs = out->commit();
    if (cs.code() == StatusCode::kAlreadyExists) {
      *dedup = true;
      return Status();
    }
    return cs;
  }();
  Status rm = storage_.remove(staged);
  return s.ok() ? rm : s;
}

Result<bool> ContentAddressedStore::raw_flag_of(std::string_view sha, const ObjectMetadata& metadata) const {
  auto it = metadata.find(std::string(kUserAttributes));
  if (it == metadata.end()) return false;  // no metadata: a legacy gzip blob, as in Metaflow
  Result<bool> raw = parse_raw_flag(it->second);
  if (!raw.ok()) return raw.status().with_context(context(sha));
  return raw;
}

Result<bool> ContentAddressedStore::stored_raw_flag(std::string_view sha,
                                                    const std::string& meta_key) {
  if (storage_.supports_object_metadata()) {
    const std::string key = meta_key.substr(0, meta_key.size() - std::string_view("_meta").size());
    CONFLUX_ASSIGN_OR_RETURN(ObjectMetadata metadata, storage_.load_metadata(key));
    return raw_flag_of(sha, metadata);
  }
  Result<std::string> meta = storage_.load(meta_key);
  if (meta.status().code() == StatusCode::kNotFound) return false;  // legacy blob: gzip
  if (!meta.ok()) return meta.status();
  Result<bool> raw = parse_raw_flag(*meta);
  if (!raw.ok()) return raw.status().with_context(context(sha));
  return raw;
}

Result<std::unique_ptr<ByteSource>> ContentAddressedStore::load(std::string_view sha,
                                                                std::optional<uint64_t> content_size) {
  CONFLUX_RETURN_IF_ERROR(flow_status_);
  CONFLUX_RETURN_IF_ERROR(check_sha(sha));
  if (storage_.supports_object_metadata() && content_size && *content_size <= options_.gzip_threshold) {
    // Small: one GET brings the blob and its flag (a streamed open is a lookup, then reads).
    CONFLUX_ASSIGN_OR_RETURN(std::string content, load_all(sha));
    return std::unique_ptr<ByteSource>(std::make_unique<OwnedStringSource>(std::move(content)));
  }
  const std::string key = blob_key(sha);
  bool raw = false;
  std::unique_ptr<ByteSource> source;
  if (storage_.supports_object_metadata()) {
    Result<StorageBackend::OpenedObject> opened = storage_.open_with_metadata(key);
    if (opened.status().code() == StatusCode::kNotFound) {
      return Status::not_found(context(sha) + " does not exist");
    }
    if (!opened.ok()) return opened.status().with_context("loading " + context(sha));
    CONFLUX_ASSIGN_OR_RETURN(raw, raw_flag_of(sha, opened->metadata));
    source = std::move(opened->source);
  } else {
    Result<std::unique_ptr<ByteSource>> in = storage_.open(key);
    if (in.status().code() == StatusCode::kNotFound) {
      return Status::not_found(context(sha) + " does not exist");
    }
    if (!in.ok()) return in.status().with_context("loading " + context(sha));
    CONFLUX_ASSIGN_OR_RETURN(raw, stored_raw_flag(sha, key + "_meta"));
    source = std::move(in).value();
  }
  if (!raw) source = std::make_unique<ParallelGunzipSource>(std::move(source));
  return std::unique_ptr<ByteSource>(
      std::make_unique<ContextSource>(std::move(source), context(sha)));
}

Result<ContentAddressedStore::StoredBlob> ContentAddressedStore::open_stored(std::string_view sha) {
  CONFLUX_RETURN_IF_ERROR(flow_status_);
  CONFLUX_RETURN_IF_ERROR(check_sha(sha));
  const std::string key = blob_key(sha);
  StoredBlob out;
  Result<uint64_t> size = storage_.size(key);
  if (size.status().is_not_found()) return Status::not_found(context(sha) + " does not exist");
  if (!size.ok()) return size.status().with_context("reading " + context(sha));
  out.stored_size = *size;
  if (storage_.supports_object_metadata()) {
    Result<StorageBackend::OpenedObject> opened = storage_.open_with_metadata(key);
    if (!opened.ok()) return opened.status().with_context("reading " + context(sha));
    CONFLUX_ASSIGN_OR_RETURN(out.raw, raw_flag_of(sha, opened->metadata));
    out.bytes = std::move(opened->source);
  } else {
    CONFLUX_ASSIGN_OR_RETURN(out.raw, stored_raw_flag(sha, key + "_meta"));
    Result<std::unique_ptr<ByteSource>> in = storage_.open(key);
    if (!in.ok()) return in.status().with_context("reading " + context(sha));
    out.bytes = std::move(in).value();
  }
  return out;
}

Result<bool> ContentAddressedStore::put_stored(std::string_view sha, bool raw, const WriterFn& writer) {
  CONFLUX_RETURN_IF_ERROR(flow_status_);
  CONFLUX_RETURN_IF_ERROR(check_sha(sha));
  const std::string key = blob_key(sha);
  auto fail = [&](const Status& st) { return st.with_context("storing " + context(sha)); };
  Status touched = storage_.touch(key);
  if (touched.ok()) return true;
  if (!touched.is_not_found()) return fail(touched);
  if (!storage_.supports_object_metadata()) {
    bool flag_raw = raw;
    CONFLUX_RETURN_IF_ERROR(fail(publish_flag(sha, key + "_meta", &flag_raw)));
    if (flag_raw != raw) {
      return fail(Status::failed_precondition(
          "another writer is storing it with the other encoding at this moment; run the import again"));
    }
  }
  CONFLUX_ASSIGN_OR_RETURN(std::unique_ptr<StorageWriter> out, storage_.begin_write(key, /*overwrite=*/false));
  if (storage_.supports_object_metadata()) {
    CONFLUX_RETURN_IF_ERROR(fail(out->set_metadata({{std::string(kUserAttributes), std::string(raw ? kMetaRaw : kMetaGzip)}})));
  }
  CONFLUX_RETURN_IF_ERROR(fail(writer(*out)));
  CONFLUX_RETURN_IF_ERROR(fail(out->status()));
  Status committed = out->commit();
  if (committed.code() == StatusCode::kAlreadyExists) return true;
  CONFLUX_RETURN_IF_ERROR(fail(committed));
  return false;
}

Result<std::string> ContentAddressedStore::load_all(std::string_view sha) {
  CONFLUX_RETURN_IF_ERROR(flow_status_);
  CONFLUX_RETURN_IF_ERROR(check_sha(sha));
  const std::string key = blob_key(sha);
  bool raw = false;
  Result<std::string> blob = Status::internal("not loaded");
  if (storage_.supports_object_metadata()) {
    // The flag comes with the blob: one request on an object store.
    Result<StorageBackend::ObjectWithMetadata> object = storage_.load_with_metadata(key);
    if (object.ok()) {
      CONFLUX_ASSIGN_OR_RETURN(raw, raw_flag_of(sha, object->metadata));
      blob = std::move(object->bytes);
    } else {
      blob = object.status();
    }
  } else {
    blob = storage_.load(key);
  }
  if (blob.status().code() == StatusCode::kNotFound) {
    return Status::not_found(context(sha) + " does not exist");
  }
  if (!blob.ok()) return blob.status().with_context("loading " + context(sha));
  if (!storage_.supports_object_metadata()) {
    CONFLUX_ASSIGN_OR_RETURN(raw, stored_raw_flag(sha, key + "_meta"));
  }
  if (raw) return blob;
  Result<std::string> content = gunzip(*blob);
  if (!content.ok()) return content.status().with_context(context(sha));
  return content;
}

void ContentAddressedStore::assume_exists(std::string_view sha) {
  std::lock_guard<std::mutex> lock(known_mutex_);
  known_.emplace(sha);
}

bool ContentAddressedStore::known_to_exist(std::string_view sha) const {
  std::lock_guard<std::mutex> lock(known_mutex_);
  return !known_.empty() && known_.count(std::string(sha)) > 0;
}

Result<bool> ContentAddressedStore::contains(std::string_view sha) {
  CONFLUX_RETURN_IF_ERROR(flow_status_);
  CONFLUX_RETURN_IF_ERROR(check_sha(sha));
  return storage_.exists(blob_key(sha));
}

}  // namespace conflux
