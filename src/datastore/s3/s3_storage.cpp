#include "datastore/s3/s3_storage.hpp"

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <deque>
#include <future>
#include <thread>

#include "base/parallel_for.hpp"
#include "datastore/random_bits.hpp"
#include "datastore/s3/s3_time.hpp"
#include "datastore/s3/s3_xml.hpp"
#include "datastore/storage_key.hpp"

namespace conflux {

namespace {

constexpr std::string_view kMetaPrefix = "x-amz-meta-";
constexpr std::string_view kTempPrefix = ".cfxtmp-";

std::string parent_of(std::string_view key) {
  size_t slash = key.rfind('/');
  return slash == std::string_view::npos ? "" : std::string(key.substr(0, slash + 1));
}

std::string temp_name() {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64, random_u64());
  return std::string(kTempPrefix) + buf;
}

void add_metadata_headers(const ObjectMetadata& metadata,
                          std::vector<std::pair<std::string, std::string>>* headers) {
  for (const auto& [name, value] : metadata) headers->emplace_back(std::string(kMetaPrefix) + name, value);
}

// The user metadata (x-amz-meta-* headers, lowercased by the client) of a HEAD or GET answer.
ObjectMetadata metadata_of(const S3Response& r) {
  ObjectMetadata out;
  for (const auto& [name, value] : r.headers) {
    if (name.substr(0, kMetaPrefix.size()) == kMetaPrefix) out[name.substr(kMetaPrefix.size())] = value;
  }
  return out;
}

}  // namespace

// ---- streaming writer -------------------------------------------------------------------------

class S3Storage::Writer final : public StorageWriter {
 public:
  Writer(S3Storage& storage, std::string key, bool overwrite)
      : storage_(storage), key_(std::move(key)), overwrite_(overwrite) {}

  ~Writer() override {
    if (upload_id_.empty() || done_) return;
    wait_all();
    // Best effort: an aborted upload leaves no object; stores that refuse the abort (s3rver: 405)
    // expire the parts themselves.
    S3Request req{"DELETE", temp_object_, {{"uploadId", upload_id_}}, {}, {}};
    (void)storage_.client_.send(req);
  }

  const std::string& key() const override { return key_; }

  void write(const void* data, size_t n) override {
    if (done_ || !status_.ok() || n == 0) return;
    const char* p = static_cast<const char*>(data);
    const size_t part = storage_.options_.part_size;
    while (n > 0) {
      // A full buffer is sent only once more bytes arrive: the last part always waits for commit,
      // so a small object never starts a multipart upload.
      if (buffer_.size() == part) {
        flush_part();
        if (!status_.ok()) return;
      }
      size_t take = std::min(n, part - buffer_.size());
      buffer_.append(p, take);
      p += take;
      n -= take;
    }
  }

  Status status() const override { return status_; }

  Status set_metadata(const ObjectMetadata& metadata) override {
    metadata_ = metadata;
    return Status();
  }

  Status commit_as(std::string_view key) override {
    if (done_) return Status::failed_precondition("writer for '" + key_ + "' already committed");
    CONFLUX_RETURN_IF_ERROR(check_storage_key(key));
    if (!status_.ok()) {
      done_ = true;
      return status_;
    }
    if (upload_id_.empty()) {  // small: one PUT straight to the final key
      done_ = true;
      Status s = storage_.save_with_metadata(key, buffer_, overwrite_, metadata_);
      std::string().swap(buffer_);
      return s;
    }
    flush_part();
    wait_all();
    done_ = true;
    if (!status_.ok()) {
      (void)abort_upload();
      return status_;
    }
    CONFLUX_RETURN_IF_ERROR(complete());
    const std::string target = storage_.object_key(key);
    Status s;
    if (!overwrite_) {
      Result<S3Response> h = storage_.head(target);
      if (!h.ok()) {
        s = h.status();
      } else if (h->status == 200) {
        s = Status::already_exists("s3://" + storage_.client_.bucket() + "/" + target +
                                   " already exists");
      }
    }
    if (s.ok()) s = storage_.copy(temp_object_, target, metadata_);
    Status rm = storage_.remove_object(temp_object_);
    return s.ok() ? rm : s;
  }

 private:
  Status start_upload() {
    temp_object_ = storage_.object_key(parent_of(key_) + temp_name());
    S3Request req{"POST", temp_object_, {{"uploads", ""}}, {}, {}};
    storage_.add_encryption_headers(&req.headers);
    CONFLUX_ASSIGN_OR_RETURN(S3Response r, storage_.client_.send(req));
    if (r.status != 200) return s3_error(r, "starting a multipart upload of", storage_.client_.bucket(), temp_object_);
    std::optional<std::string> id = xml_value(r.body, "UploadId");
    if (!id || id->empty()) {
      return Status::io_error("starting a multipart upload of s3://" + storage_.client_.bucket() +
                              "/" + temp_object_ + ": no UploadId in the answer");
    }
    upload_id_ = *id;
    return Status();
  }

  // Sends the buffer as the next part, on a thread of its own; waits for the oldest part when
  // upload_parallelism parts are in flight, which bounds memory to that many parts.
  void flush_part() {
    if (!status_.ok()) return;
    if (upload_id_.empty()) {
      status_ = start_upload();
      if (!status_.ok()) return;
    }
    while (static_cast<int>(in_flight_.size()) >= storage_.options_.upload_parallelism) wait_oldest();
    if (!status_.ok()) return;
    int number = static_cast<int>(etags_.size() + in_flight_.size()) + 1;
    auto body = std::make_shared<std::string>(std::move(buffer_));
    buffer_.clear();
    buffer_.reserve(storage_.options_.part_size);
    S3Client* client = &storage_.client_;
    std::string object = temp_object_, upload = upload_id_;
    in_flight_.push_back(std::async(std::launch::async, [client, object, upload, number, body]() -> Result<std::string> {
      S3Request req{"PUT", object, {{"partNumber", std::to_string(number)}, {"uploadId", upload}}, {}, *body};
      CONFLUX_ASSIGN_OR_RETURN(S3Response r, client->send(req));
      if (r.status != 200) return s3_error(r, "uploading part " + std::to_string(number) + " of", client->bucket(), object);
      auto it = r.headers.find("etag");
      if (it == r.headers.end()) {
        return Status::io_error("uploading part " + std::to_string(number) + " of s3://" +
                                client->bucket() + "/" + object + ": no ETag in the answer");
      }
      return it->second;
    }));
  }

  void wait_oldest() {
    Result<std::string> etag = in_flight_.front().get();
    in_flight_.pop_front();
    if (!etag.ok()) {
      if (status_.ok()) status_ = etag.status();
    } else {
      etags_.push_back(*etag);
    }
  }

  void wait_all() {
    while (!in_flight_.empty()) wait_oldest();
  }

  Status complete() {
    std::string xml = "<CompleteMultipartUpload>";
    for (size_t i = 0; i < etags_.size(); ++i) {
      xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" +
             xml_escape(etags_[i]) + "</ETag></Part>";
    }
    xml += "</CompleteMultipartUpload>";
    S3Request req{"POST", temp_object_, {{"uploadId", upload_id_}}, {{"Content-Type", "application/xml"}}, xml};
    CONFLUX_ASSIGN_OR_RETURN(S3Response r, storage_.client_.send(req));
    if (r.status != 200) {
      return s3_error(r, "completing the multipart upload of", storage_.client_.bucket(), temp_object_);
    }
    return Status();
  }

  Status abort_upload() {
    S3Request req{"DELETE", temp_object_, {{"uploadId", upload_id_}}, {}, {}};
    return storage_.client_.send(req).status();
  }

  S3Storage& storage_;
  const std::string key_;
  const bool overwrite_;
  ObjectMetadata metadata_;
  std::string buffer_;
  std::string temp_object_;
  std::string upload_id_;
  std::vector<std::string> etags_;  // of the finished parts, in order
  std::deque<std::future<Result<std::string>>> in_flight_;
  Status status_;
  bool done_ = false;
};

// ---- ranged reader ----------------------------------------------------------------------------

class S3Storage::RangeSource final : public ByteSource {
 public:
  RangeSource(S3Client& client, std::string object, uint64_t size, std::string first)
      : client_(client), object_(std::move(object)), size_(size), chunk_(std::move(first)) {}

  Result<size_t> read(void* buf, size_t n) override {
    if (pos_ == chunk_.size()) {
      if (offset_ + chunk_.size() >= size_) return size_t{0};
      offset_ += chunk_.size();
      chunk_.clear();
      pos_ = 0;
      CONFLUX_RETURN_IF_ERROR(fetch());
    }
    size_t k = std::min(n, chunk_.size() - pos_);
    std::copy_n(chunk_.data() + pos_, k, static_cast<char*>(buf));
    pos_ += k;
    return k;
  }

  std::optional<uint64_t> remaining() const override { return size_ - offset_ - pos_; }

  // GET bytes=offset_..offset_+range-1; the object's size must not have changed.
  Status fetch() {
    const uint64_t last = std::min<uint64_t>(size_, offset_ + range_) - 1;
    S3Request req{"GET", object_, {}, {{"Range", "bytes=" + std::to_string(offset_) + "-" + std::to_string(last)}}, {}};
    CONFLUX_ASSIGN_OR_RETURN(S3Response r, client_.send(req));
    if (r.status != 206 && r.status != 200) return s3_error(r, "reading", client_.bucket(), object_);
    if (r.status == 200) r.body = r.body.substr(std::min<uint64_t>(offset_, r.body.size()));
    if (r.body.size() != last - offset_ + 1 && !(r.status == 200 && r.body.size() >= last - offset_ + 1)) {
      return Status::corruption("reading s3://" + client_.bucket() + "/" + object_ + ": expected " +
                                std::to_string(last - offset_ + 1) + " bytes at offset " +
                                std::to_string(offset_) + ", got " + std::to_string(r.body.size()) +
                                " (was the object replaced while being read?)");
    }
    r.body.resize(last - offset_ + 1);
    chunk_ = std::move(r.body);
    return Status();
  }

  void set_range(size_t range) { range_ = range; }

 private:
  S3Client& client_;
  const std::string object_;
  const uint64_t size_;
  std::string chunk_;
  size_t pos_ = 0;
  uint64_t offset_ = 0;  // of chunk_ in the object
  size_t range_ = size_t{8} << 20;
};

// ---- S3Storage --------------------------------------------------------------------------------

Result<std::unique_ptr<S3Storage>> S3Storage::open(const S3Options& s3) {
  if (s3.root.empty()) {
    return Status::invalid_argument("the datastore is 's3' but no root is set (METAFLOW_DATASTORE_SYSROOT_S3, e.g. "
                                    "s3://my-bucket/metaflow)");
  }
  S3StorageOptions options;
  CONFLUX_ASSIGN_OR_RETURN(options.location, parse_s3_url(s3.root, "METAFLOW_DATASTORE_SYSROOT_S3"));
  options.client.credentials = {s3.access_key_id, s3.secret_access_key, s3.session_token};
  options.client.region = s3.region;
  if (s3.access_key_id.empty()) {
    // No key pair: the rest of the AWS credential chain, fetched on the first request.
    options.client.credential_provider = make_chain_provider(s3.chain, s3.region);
  }
  if (!s3.endpoint_url.empty()) {
    CONFLUX_ASSIGN_OR_RETURN(options.client.endpoint, parse_s3_endpoint(s3.endpoint_url));
  }
  CONFLUX_ASSIGN_OR_RETURN(options.client.addressing, parse_s3_addressing(s3.addressing, !s3.endpoint_url.empty()));
  if (s3.retry_count < 0 || s3.retry_count > 100) {
    return Status::invalid_argument("METAFLOW_S3_RETRY_COUNT must be from 0 to 100, not " +
                                    std::to_string(s3.retry_count));
  }
  options.client.max_attempts = s3.retry_count + 1;
  if (s3.part_size_mib != 0) {
    if (s3.part_size_mib < 5 || s3.part_size_mib > 5120) {
      return Status::invalid_argument("CONFLUX_S3_PART_SIZE_MIB must be from 5 to 5120, not " +
                                      std::to_string(s3.part_size_mib));
    }
    options.part_size = static_cast<size_t>(s3.part_size_mib) << 20;
  }
  const std::string& sse = s3.server_side_encryption;
  if (!sse.empty() && sse != "AES256" && sse != "aws:kms" && sse != "aws:kms:dsse") {
    return Status::invalid_argument("METAFLOW_S3_SERVER_SIDE_ENCRYPTION must be AES256 (SSE-S3), aws:kms (SSE-KMS) "
                                    "or aws:kms:dsse, not '" + sse + "'");
  }
  if (!s3.sse_kms_key_id.empty() && !sse.starts_with("aws:kms")) {
    return Status::invalid_argument("CONFLUX_S3_SSE_KMS_KEY_ID is set but METAFLOW_S3_SERVER_SIDE_ENCRYPTION is '" +
                                    sse + "': a KMS key needs aws:kms");
  }
  options.server_side_encryption = sse;
  options.sse_kms_key_id = s3.sse_kms_key_id;
  return create(std::move(options));
}

Result<std::unique_ptr<S3Storage>> S3Storage::create(S3StorageOptions options) {
  if (options.location.bucket.empty()) return Status::invalid_argument("S3 datastore: no bucket given");
  if (options.part_size < (size_t{1} << 16)) {
    return Status::invalid_argument("S3 datastore: part size " + std::to_string(options.part_size) +
                                    " is too small");
  }
  if (options.range_size == 0 || options.upload_parallelism < 1) {
    return Status::invalid_argument("S3 datastore: range size and parallelism must be positive");
  }
  return std::unique_ptr<S3Storage>(new S3Storage(std::move(options)));
}

S3Storage::S3Storage(S3StorageOptions options)
    : options_(std::move(options)), client_(options_.client, options_.location.bucket) {}

std::string S3Storage::object_key(std::string_view key) const {
  if (options_.location.prefix.empty()) return std::string(key);
  if (key.empty()) return options_.location.prefix;
  return options_.location.prefix + "/" + std::string(key);
}

bool S3Storage::is_temp_name(std::string_view name) { return name.substr(0, kTempPrefix.size()) == kTempPrefix; }

void S3Storage::add_encryption_headers(std::vector<std::pair<std::string, std::string>>* headers) const {
  if (options_.server_side_encryption.empty()) return;
  headers->emplace_back("x-amz-server-side-encryption", options_.server_side_encryption);
  if (!options_.sse_kms_key_id.empty()) {
    headers->emplace_back("x-amz-server-side-encryption-aws-kms-key-id", options_.sse_kms_key_id);
  }
}

Result<S3Response> S3Storage::head(const std::string& object) {
  S3Request req{"HEAD", object, {}, {}, {}};
  CONFLUX_ASSIGN_OR_RETURN(S3Response r, client_.send(req));
  if (r.status != 200 && r.status != 404) return s3_error(r, "looking up", client_.bucket(), object);
  return r;
}

Result<bool> S3Storage::exists(std::string_view key) {
  CONFLUX_RETURN_IF_ERROR(check_storage_key(key));
  CONFLUX_ASSIGN_OR_RETURN(S3Response r, head(object_key(key)));
  return r.status == 200;
}

Result<uint64_t> S3Storage::size(std::string_view key) {
  CONFLUX_RETURN_IF_ERROR(check_storage_key(key));
  const std::string object = object_key(key);
  CONFLUX_ASSIGN_OR_RETURN(S3Response r, head(object));
  if (r.status == 404) return s3_error(r, "sizing", client_.bucket(), object);
  auto it = r.headers.find("content-length");
  if (it == r.headers.end()) {
    return Status::io_error("sizing s3://" + client_.bucket() + "/" + object + ": no Content-Length");
  }
  return static_cast<uint64_t>(std::stoull(it->second));
}

Result<std::string> S3Storage::load(std::string_view key) {
  CONFLUX_ASSIGN_OR_RETURN(ObjectWithMetadata object, load_with_metadata(key));
  return std::move(object.bytes);
}

Result<StorageBackend::ObjectWithMetadata> S3Storage::load_with_metadata(std::string_view key) {
  CONFLUX_RETURN_IF_ERROR(check_storage_key(key));
  const std::string object = object_key(key);
  S3Request req{"GET", object, {}, {}, {}};
  CONFLUX_ASSIGN_OR_RETURN(S3Response r, client_.send(req));
  if (r.status != 200) return s3_error(r, "loading", client_.bucket(), object);
  if (auto it = r.headers.find("content-length");
      it != r.headers.end() && std::to_string(r.body.size()) != it->second) {
    return Status::unavailable("loading s3://" + client_.bucket() + "/" + object +
                               ": the connection dropped mid-object");
  }
  return ObjectWithMetadata{std::move(r.body), metadata_of(r)};
}

Status S3Storage::save(std::string_view key, std::string_view bytes, bool overwrite) {
  return save_with_metadata(key, bytes, overwrite, {});
}

Status S3Storage::save_with_metadata(std::string_view key, std::string_view bytes, bool overwrite,
                                     const ObjectMetadata& metadata) {
  CONFLUX_RETURN_IF_ERROR(check_storage_key(key));
  const std::string object = object_key(key);
  auto exists_error = [&] {
    return Status::already_exists("s3://" + client_.bucket() + "/" + object + " already exists");
  };
  S3Request req{"PUT", object, {}, {}, bytes};
  add_encryption_headers(&req.headers);
  if (!overwrite) {
    CONFLUX_ASSIGN_OR_RETURN(S3Response h, head(object));
    if (h.status == 200) return exists_error();
    req.headers.emplace_back("If-None-Match", "*");
  }
  add_metadata_headers(metadata, &req.headers);
  CONFLUX_ASSIGN_OR_RETURN(S3Response r, client_.send(req));
  if (r.status == 412) {
    // The key exists. If our own first attempt stored it and only its answer was lost, the
    // retry lands here: the object then holds exactly our bytes, and the write succeeded.
    S3Request get{"GET", object, {}, {}, {}};
    CONFLUX_ASSIGN_OR_RETURN(S3Response stored, client_.send(get));
    if (stored.status == 200 && stored.body == bytes) return Status();
    return exists_error();
  }
  if (r.status != 200) return s3_error(r, "saving", client_.bucket(), object);
  return Status();
}

Status S3Storage::save_immutable_with_metadata(std::string_view key, std::string_view bytes,
                                               const ObjectMetadata& metadata) {
  CONFLUX_RETURN_IF_ERROR(check_storage_key(key));
  const std::string object = object_key(key);
  S3Request req{"PUT", object, {}, {{"If-None-Match", "*"}}, bytes};
  add_encryption_headers(&req.headers);
  add_metadata_headers(metadata, &req.headers);
  CONFLUX_ASSIGN_OR_RETURN(S3Response r, client_.send(req));
  // 412: it exists (ours, if only our first attempt's answer was lost: the same bytes either way).
  if (r.status == 412) return Status::already_exists("s3://" + client_.bucket() + "/" + object + " already exists");
  if (r.status != 200) return s3_error(r, "saving", client_.bucket(), object);
  return Status();
}

Result<ObjectMetadata> S3Storage::load_metadata(std::string_view key) {
  CONFLUX_RETURN_IF_ERROR(check_storage_key(key));
  const std::string object = object_key(key);
  CONFLUX_ASSIGN_OR_RETURN(S3Response r, head(object));
  if (r.status == 404) return s3_error(r, "reading the metadata of", client_.bucket(), object);
  return metadata_of(r);
}

Result<std::unique_ptr<StorageWriter>> S3Storage::begin_write(std::string_view key, bool overwrite) {
  CONFLUX_RETURN_IF_ERROR(check_storage_key(key));
  return std::unique_ptr<StorageWriter>(std::make_unique<Writer>(*this, std::string(key), overwrite));
}

Result<std::unique_ptr<ByteSource>> S3Storage::open(std::string_view key) {
  CONFLUX_ASSIGN_OR_RETURN(OpenedObject opened, open_with_metadata(key));
  return std::move(opened.source);
}

Result<StorageBackend::OpenedObject> S3Storage::open_with_metadata(std::string_view key) {
  CONFLUX_RETURN_IF_ERROR(check_storage_key(key));
  const std::string object = object_key(key);
  // HEAD first: it tells the size, so an empty object is never fetched with a Range (s3rver
  // answers such a request with a Content-Length of 1 and no byte, which stalls the transfer).
  CONFLUX_ASSIGN_OR_RETURN(S3Response h, head(object));
  if (h.status == 404) return s3_error(h, "opening", client_.bucket(), object);
  auto length = h.headers.find("content-length");
  if (length == h.headers.end()) {
    return Status::io_error("opening s3://" + client_.bucket() + "/" + object + ": no Content-Length");
  }
  const uint64_t total = std::stoull(length->second);
  auto source = std::make_unique<RangeSource>(client_, object, total, std::string());
  source->set_range(options_.range_size);
  if (total > 0) CONFLUX_RETURN_IF_ERROR(source->fetch());
  return OpenedObject{std::move(source), metadata_of(h)};
}

Result<std::vector<ListEntry>> S3Storage::list(std::string_view prefix) {
  if (!prefix.empty()) CONFLUX_RETURN_IF_ERROR(check_storage_key(prefix));
  std::string object_prefix = object_key(prefix);
  if (!object_prefix.empty()) object_prefix += "/";
  std::vector<ListEntry> out;
  std::string token;
  while (true) {
    S3Request req{"GET", "", {{"list-type", "2"}, {"delimiter", "/"}, {"prefix", object_prefix}}, {}, {}};
    if (!token.empty()) req.query.emplace_back("continuation-token", token);
    CONFLUX_ASSIGN_OR_RETURN(S3Response r, client_.send(req));
    if (r.status != 200) return s3_error(r, "listing", client_.bucket(), object_prefix);
    for (std::string_view block : xml_blocks(r.body, "Contents")) {
      std::string key = xml_value(block, "Key").value_or("");
      if (key.size() <= object_prefix.size()) continue;
      std::string name = key.substr(object_prefix.size());
      if (!is_temp_name(name)) out.push_back({std::move(name), true});
    }
    for (std::string_view block : xml_blocks(r.body, "CommonPrefixes")) {
      std::string p = xml_value(block, "Prefix").value_or("");
      if (p.size() <= object_prefix.size() + 1) continue;
      out.push_back({p.substr(object_prefix.size(), p.size() - object_prefix.size() - 1), false});
    }
    if (xml_value(r.body, "IsTruncated").value_or("false") != "true") break;
    token = xml_value(r.body, "NextContinuationToken").value_or("");
    if (token.empty()) break;
  }
  return out;
}

Status S3Storage::remove(std::string_view key) {
  CONFLUX_RETURN_IF_ERROR(check_storage_key(key));
  return remove_object(object_key(key));
}

Status S3Storage::remove_object(const std::string& object) {
  S3Request req{"DELETE", object, {}, {}, {}};
  CONFLUX_ASSIGN_OR_RETURN(S3Response r, client_.send(req));
  if (r.status != 204 && r.status != 200 && r.status != 404) {
    return s3_error(r, "removing", client_.bucket(), object);
  }
  return Status();
}

Result<std::vector<ObjectInfo>> S3Storage::list_tree(std::string_view prefix) {
  if (!prefix.empty()) CONFLUX_RETURN_IF_ERROR(check_storage_key(prefix));
  std::string object_prefix = object_key(prefix);
  if (!object_prefix.empty()) object_prefix += "/";
  const size_t root_length = options_.location.prefix.empty() ? 0 : options_.location.prefix.size() + 1;
  std::vector<ObjectInfo> out;
  std::string token;
  while (true) {
    S3Request req{"GET", "", {{"list-type", "2"}, {"prefix", object_prefix}}, {}, {}};
    if (!token.empty()) req.query.emplace_back("continuation-token", token);
    CONFLUX_ASSIGN_OR_RETURN(S3Response r, client_.send(req));
    if (r.status != 200) return s3_error(r, "listing", client_.bucket(), object_prefix);
    for (std::string_view block : xml_blocks(r.body, "Contents")) {
      std::string key = xml_value(block, "Key").value_or("");
      if (key.size() <= object_prefix.size() || key.size() <= root_length) continue;
      std::string_view name = std::string_view(key).substr(key.rfind('/') + 1);
      if (is_temp_name(name)) continue;
      const std::string modified_text = xml_value(block, "LastModified").value_or("");
      auto modified = parse_iso8601_utc(modified_text);
      if (!modified) {
        return Status::io_error("listing s3://" + client_.bucket() + "/" + object_prefix +
                                ": unreadable LastModified '" + modified_text + "' of " + key);
      }
      uint64_t size = std::strtoull(xml_value(block, "Size").value_or("0").c_str(), nullptr, 10);
      out.push_back(ObjectInfo{key.substr(root_length), size, *modified});
    }
    if (xml_value(r.body, "IsTruncated").value_or("false") != "true") break;
    token = xml_value(r.body, "NextContinuationToken").value_or("");
    if (token.empty()) break;
  }
  return out;
}

Status S3Storage::touch(std::string_view key) {
  CONFLUX_RETURN_IF_ERROR(check_storage_key(key));
  const std::string object = object_key(key);
  CONFLUX_ASSIGN_OR_RETURN(S3Response h, head(object));
  if (h.status == 404) return s3_error(h, "touching", client_.bucket(), object);
  if (auto length = h.headers.find("content-length");
      length != h.headers.end() && std::strtoull(length->second.c_str(), nullptr, 10) >= (uint64_t{5} << 30)) {
    // CopyObject stops at 5 GiB: such a blob keeps its time (docs/operations.md).
    return Status();
  }
  const ObjectMetadata metadata = metadata_of(h);
  std::optional<std::chrono::system_clock::time_point> copied_at;
  CONFLUX_RETURN_IF_ERROR(copy(object, object, metadata, &copied_at));
  auto header = h.headers.find("last-modified");
  std::optional<std::chrono::system_clock::time_point> before;
  if (header != h.headers.end()) before = parse_http_date(header->second);
  const auto recent = std::chrono::system_clock::now() - std::chrono::seconds(2);
  if (!before || !copied_at || *copied_at > *before || *before >= recent) return Status();
  // The store kept the old time for a copy onto itself (s3rver does; S3 and MinIO do not): go
  // through a temporary object, whose copy back is a new write.
  const std::string temp = object.substr(0, object.rfind('/') + 1) + std::string(kTempPrefix) + "touch-" +
                           std::to_string(random_u64());
  Status s = copy(object, temp, metadata);
  if (s.ok()) s = copy(temp, object, metadata);
  Status rm = remove_object(temp);
  return s.ok() ? rm : s;
}

Result<bool> S3Storage::remove_if_older(std::string_view key,
                                        std::chrono::system_clock::time_point cutoff) {
  CONFLUX_RETURN_IF_ERROR(check_storage_key(key));
  const std::string object = object_key(key);
  CONFLUX_ASSIGN_OR_RETURN(S3Response h, head(object));
  if (h.status == 404) return false;
  auto header = h.headers.find("last-modified");
  std::optional<std::chrono::system_clock::time_point> modified;
  if (header != h.headers.end()) modified = parse_http_date(header->second);
  if (!modified) {
    return Status::io_error("s3://" + client_.bucket() + "/" + object +
                            ": no readable Last-Modified header; not removed");
  }
  if (*modified >= cutoff) return false;
  CONFLUX_RETURN_IF_ERROR(remove_object(object));
  return true;
}

Status S3Storage::remove_tree(std::string_view prefix) {
  CONFLUX_ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects, list_tree(prefix));
  std::vector<Status> results(objects.size());
  parallel_for(objects.size(), options_.batch_parallelism,
               [&](size_t i) { results[i] = remove(objects[i].key); });
  for (const Status& s : results) CONFLUX_RETURN_IF_ERROR(s);
  return Status();
}

Status S3Storage::copy(const std::string& from, const std::string& to, const ObjectMetadata& metadata,
                       std::optional<std::chrono::system_clock::time_point>* modified) {
  S3Request req{"PUT", to, {}, {{"x-amz-copy-source", "/" + client_.bucket() + "/" + s3_uri_encode(from, true)},
                                {"x-amz-metadata-directive", "REPLACE"}}, {}};
  add_metadata_headers(metadata, &req.headers);
  add_encryption_headers(&req.headers);
  CONFLUX_ASSIGN_OR_RETURN(S3Response r, client_.send(req));
  // A copy can fail after its 200 status line: the error is then in the body.
  if (r.status != 200 || r.body.find("<Error>") != std::string::npos) {
    return s3_error(r, "copying s3://" + client_.bucket() + "/" + from + " to", client_.bucket(), to);
  }
  if (modified != nullptr) {
    if (auto text = xml_value(r.body, "LastModified")) *modified = parse_iso8601_utc(*text);
  }
  return Status();
}

std::vector<Status> S3Storage::save_many(const std::vector<SaveItem>& items) {
  std::vector<Status> out(items.size());
  parallel_for(items.size(), options_.batch_parallelism,
               [&](size_t i) { out[i] = save(items[i].key, items[i].bytes, items[i].overwrite); });
  return out;
}

std::vector<Result<std::string>> S3Storage::load_many(const std::vector<std::string>& keys) {
  std::vector<Result<std::string>> out(keys.size(), Result<std::string>(Status::internal("not loaded")));
  parallel_for(keys.size(), options_.batch_parallelism, [&](size_t i) { out[i] = load(keys[i]); });
  return out;
}

}  // namespace conflux
