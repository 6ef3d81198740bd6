// S3Storage: a StorageBackend over one bucket and key prefix of S3 or an S3-compatible store
// (MinIO, Ceph, s3rver): Metaflow's S3 datastore, keys <prefix>/<key>.
//
// How the StorageBackend contract maps onto S3:
//  - Publishing is atomic because S3 makes an object visible only when its PUT, copy or
//    CompleteMultipartUpload succeeds; a failed or abandoned upload leaves nothing under the key.
//  - No-overwrite saves check with HEAD and then PUT with `If-None-Match: *`. AWS S3 and MinIO
//    enforce that header (412 -> AlreadyExists), so there exactly one of two racing writers wins;
//    stores that ignore it (s3rver) give last-writer-wins in the window between HEAD and PUT. That is
//    harmless for the datastore's main user, the content-addressed store, whose racing writers
//    publish identical bytes.
//  - Streaming writes (begin_write) buffer up to part_size; a small object is one PUT at commit.
//    Past part_size the writer starts a multipart upload of a temporary object
//    "<dir>/.cfxtmp-<random>" next to the key, uploads up to upload_parallelism parts at once while
//    the caller keeps writing, completes it at commit and copies it under the final key (which is
//    only known at commit: commit_as), then deletes the temporary. list() never shows
//    temporaries. CopyObject limits a streamed object to 5 GiB.
//  - open() reads in ranges of range_size (GET with Range), so a large object is streamed with
//    bounded memory and each range is retried on its own.
//  - Object metadata (x-amz-meta-*) is supported: the content-addressed store keeps Metaflow's
//    cas_raw/cas_version flags there, as Metaflow does.
//
// Thread safety: all methods may be called concurrently; writers and sources are single-threaded
// (their part uploads run on threads of their own).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "conflux/s3_options.hpp"
#include "datastore/s3/s3_client.hpp"
#include "datastore/s3/s3_config.hpp"
#include "datastore/storage_backend.hpp"

namespace conflux {

struct S3StorageOptions {
  S3Location location;
  S3ClientOptions client;
  size_t part_size = size_t{8} << 20;   // multipart part size (S3's minimum is 5 MiB)
  int upload_parallelism = 4;           // parts in flight per writer
  size_t range_size = size_t{8} << 20;  // bytes per ranged GET in open()
  int batch_parallelism = 16;           // requests in flight in save_many/load_many
  // Sent with every PUT, copy and multipart upload start (x-amz-server-side-encryption and
  // x-amz-server-side-encryption-aws-kms-key-id); empty: nothing is sent.
  std::string server_side_encryption;
  std::string sse_kms_key_id;
};

class S3Storage final : public StorageBackend {
 public:
  // InvalidArgument for unusable options (part size under 5 MiB with a real endpoint is allowed:
  // tests use small parts; S3 itself rejects them).
  static Result<std::unique_ptr<S3Storage>> create(S3StorageOptions options);
  // From the public settings (root, endpoint, addressing, credentials, ...); InvalidArgument
  // names the setting that is wrong.
  static Result<std::unique_ptr<S3Storage>> open(const S3Options& options);

  S3Storage(const S3Storage&) = delete;
  S3Storage& operator=(const S3Storage&) = delete;

  // s3://bucket/prefix: the ds_root recorded in metadata.
  std::string root_url() const { return options_.location.url(); }
  const S3StorageOptions& options() const { return options_; }
  // <prefix>/<key>: the object key in the bucket.
  std::string object_key(std::string_view key) const;

  std::string_view type() const override { return "s3"; }
  Result<bool> exists(std::string_view key) override;
  Result<uint64_t> size(std::string_view key) override;
  Result<std::string> load(std::string_view key) override;
  Status save(std::string_view key, std::string_view bytes, bool overwrite) override;
  Result<std::unique_ptr<StorageWriter>> begin_write(std::string_view key, bool overwrite) override;
  Result<std::unique_ptr<ByteSource>> open(std::string_view key) override;
  Result<OpenedObject> open_with_metadata(std::string_view key) override;
  Result<std::vector<ListEntry>> list(std::string_view prefix) override;
  Status remove(std::string_view key) override;
  Result<std::vector<ObjectInfo>> list_tree(std::string_view prefix) override;
  // A copy of the object onto itself with its own metadata (S3 has no other way to change the
  // modified time): a HEAD and a server-side copy, objects up to 5 GiB. Stores that keep the old
  // time for such a copy (s3rver) get two copies through a temporary object instead.
  Status touch(std::string_view key) override;
  Result<bool> remove_if_older(std::string_view key,
                               std::chrono::system_clock::time_point cutoff) override;
  // Lists, then deletes batch_parallelism objects at a time.
  Status remove_tree(std::string_view prefix) override;

  bool supports_object_metadata() const override { return true; }
  bool remote() const override { return true; }
  Status save_immutable_with_metadata(std::string_view key, std::string_view bytes,
                                      const ObjectMetadata& metadata) override;
  Status save_with_metadata(std::string_view key, std::string_view bytes, bool overwrite,
                            const ObjectMetadata& metadata) override;
  Result<ObjectMetadata> load_metadata(std::string_view key) override;
  Result<ObjectWithMetadata> load_with_metadata(std::string_view key) override;  // one GET

  // Batch helpers: many objects at once, batch_parallelism requests in flight. One result per
  // item, in order.
  std::vector<Status> save_many(const std::vector<SaveItem>& items) override;
  std::vector<Result<std::string>> load_many(const std::vector<std::string>& keys);

  // True for the names of in-flight temporary objects.
  static bool is_temp_name(std::string_view name);

 private:
  class Writer;
  class RangeSource;
  explicit S3Storage(S3StorageOptions options);

  Result<S3Response> head(const std::string& object);
  // Adds the server-side encryption headers of the options (writes that create objects).
  void add_encryption_headers(std::vector<std::pair<std::string, std::string>>* headers) const;
  Status remove_object(const std::string& object);
  // Server-side copy of `from` to `to` (object keys), replacing the metadata with `metadata`;
  // `modified`, if given, receives the new object's time from the answer.
  Status copy(const std::string& from, const std::string& to, const ObjectMetadata& metadata,
              std::optional<std::chrono::system_clock::time_point>* modified = nullptr);

  S3StorageOptions options_;
  S3Client client_;
};

}  // namespace conflux
