// StorageBackend: the seam through which the datastore and the local metadata provider touch
// storage.
//
// A backend stores opaque byte objects under '/'-separated keys relative to its root (see
// storage_key.hpp). Every publish is atomic: a reader sees either no object or the complete object,
// never a partial one. Writers that lose a no-overwrite race get AlreadyExists and leave nothing
// behind. The interface deliberately has no notion of directories beyond list(), so an object store
// (S3: conditional PUT for no-overwrite, multipart upload for streaming, copy for commit_as) can
// implement it.
//
// Thread safety: implementations are safe for concurrent use from many threads and processes
// without external synchronization. A StorageWriter or ByteSource returned by a backend is used by
// one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "conflux/byte_stream.hpp"
#include "conflux/status.hpp"

namespace conflux {

// User metadata kept on an object itself (S3's x-amz-meta-<name> headers): lowercase names without
// the x-amz-meta- prefix, to values.
using ObjectMetadata = std::map<std::string, std::string>;

// One child of a listed prefix.
struct ListEntry {
  std::string name;      // the child's last key component, not the full key
  bool is_file = false;  // false: a "directory" (a prefix with children)
};

// One object of a listed tree.
struct ObjectInfo {
  std::string key;  // relative to the backend's root
  uint64_t size = 0;
  // When the object was last written or touch()ed.
  std::chrono::system_clock::time_point modified;
};

// A streaming writer for one object. Bytes go to a private temporary object; nothing is visible
// under any key until commit()/commit_as() succeeds. Destroying a writer that was not committed
// discards everything written. write() latches the first error; status() reports it and commit
// returns it.
class StorageWriter : public ByteSink {
 public:
  // The key given to begin_write().
  virtual const std::string& key() const = 0;

  // Publishes the bytes written so far under `key` (which may differ from key(); it must live on
  // the same backend). Returns AlreadyExists (and discards the data) if the writer was opened with
  // overwrite == false and `key` exists. After the first call the writer is inert: later writes are
  // ignored and later commits fail with FailedPrecondition.
  virtual Status commit_as(std::string_view key) = 0;

  // Publishes under key().
  Status commit() { return commit_as(key()); }

  // Attaches user metadata to the object commit()/commit_as() publishes. Only for backends whose
  // supports_object_metadata() is true; NotSupported otherwise.
  virtual Status set_metadata(const ObjectMetadata& metadata) {
    (void)metadata;
    return Status::not_supported("this storage backend keeps no object metadata");
  }
};

class StorageBackend {
 public:
  virtual ~StorageBackend() = default;

  // "local", "s3": the ds_type recorded in metadata.
  virtual std::string_view type() const = 0;

  // True if an object is stored under `key`.
  virtual Result<bool> exists(std::string_view key) = 0;

  // Size in bytes of the object under `key`; NotFound if absent.
  virtual Result<uint64_t> size(std::string_view key) = 0;

  // The whole object under `key`; NotFound if absent. Meant for small objects.
  virtual Result<std::string> load(std::string_view key) = 0;

  // Atomically publishes `bytes` under `key`, creating parents as needed. If `overwrite` is false
  // and `key` exists, nothing is written and AlreadyExists is returned (atomically: of two
  // concurrent no-overwrite saves exactly one succeeds).
  virtual Status save(std::string_view key, std::string_view bytes, bool overwrite) = 0;

  // Starts a streaming write of an object that will be published under `key` (or another key, see
  // StorageWriter::commit_as). `overwrite` applies at commit time, as for save().
  virtual Result<std::unique_ptr<StorageWriter>> begin_write(std::string_view key,
                                                             bool overwrite) = 0;

  // Opens the object under `key` for streaming reads; NotFound if absent.
  virtual Result<std::unique_ptr<ByteSource>> open(std::string_view key) = 0;

  // The direct children of `prefix` ("" for the root), in no particular order. A prefix with no
  // children, or that does not exist, yields an empty list. In-flight temporary objects are never
  // listed.
  virtual Result<std::vector<ListEntry>> list(std::string_view prefix) = 0;

  // Removes the object under `key`. Removing an absent object succeeds.
  virtual Status remove(std::string_view key) = 0;

  // --- Garbage collection (src/gc): what `conflux gc` needs to find and drop unused objects ---
  // Every object below `prefix` ("" for all), recursively, temporaries excluded, in no particular
  // order. A missing prefix yields an empty list.
  virtual Result<std::vector<ObjectInfo>> list_tree(std::string_view prefix) = 0;
  // Sets the object's modified time to now without changing its bytes or metadata: a writer that
  // reuses a stored blob says so, and the collector spares blobs touched within its grace period.
  // NotFound if absent.
  virtual Status touch(std::string_view key) = 0;
  // Removes the object only if it was last modified before `cutoff`; true if it was removed,
  // false if it was newer or absent. On local storage this is atomic with respect to touch(): a
  // touch either lands first (the object stays) or finds the object gone (NotFound, and the
  // writer publishes it again). On S3 the check is a HEAD just before the DELETE: a touch in
  // between (one round trip) is lost (see docs/operations.md).
  virtual Result<bool> remove_if_older(std::string_view key,
                                       std::chrono::system_clock::time_point cutoff) = 0;
  // Removes every object below `prefix` (a run's files). Not atomic in general: an interrupted
  // call leaves some objects, and calling it again finishes the job.
  virtual Status remove_tree(std::string_view prefix) {
    CONFLUX_ASSIGN_OR_RETURN(std::vector<ObjectInfo> objects, list_tree(prefix));
    for (const ObjectInfo& object : objects) CONFLUX_RETURN_IF_ERROR(remove(object.key));
    return Status();
  }

  // One object of a save_many() batch; `bytes` must stay alive during the call.
  struct SaveItem {
    std::string key;
    std::string_view bytes;
    bool overwrite = true;
  };
  // save() for many objects; one result per item, in order. Object stores override it to have
  // many requests in flight (a task's metadata files are a dozen small objects); the default
  // saves one after the other.
  virtual std::vector<Status> save_many(const std::vector<SaveItem>& items) {
    std::vector<Status> out;
    out.reserve(items.size());
    for (const SaveItem& item : items) out.push_back(save(item.key, item.bytes, item.overwrite));
    return out;
  }

  // One file of a save_new_directory() call: a plain name (no '/'); `bytes` must stay alive.
  struct NewFile {
    std::string name;
    std::string_view bytes;
  };
  // Writes `files` as the new directory `dir_key` (e.g. a task's `_meta`). The local filesystem
  // builds it under a temporary name beside it and renames it into place: readers see all of it or
  // nothing, and each file costs no rename of its own. AlreadyExists (nothing written) if `dir_key`
  // exists there. Object stores have no directories: the default saves each file (none replaces an
  // existing one), which is what a lister sees of a directory anyway.
  virtual Status save_new_directory(std::string_view dir_key, const std::vector<NewFile>& files) {
    std::vector<SaveItem> items;
    items.reserve(files.size());
    for (const NewFile& f : files) items.push_back({std::string(dir_key) + "/" + f.name, f.bytes, false});
    for (const Status& s : save_many(items)) {
      if (!s.ok() && s.code() != StatusCode::kAlreadyExists) return s;
    }
    return Status();
  }

  // Optional capability: user metadata stored with each object (object stores). Metaflow keeps the
  // content-addressed store's cas_raw/cas_version flags there on S3, and in a `_meta` object next
  // to the blob on the local filesystem, so the CAS asks which one applies. Backends without it
  // keep the defaults below.
  virtual bool supports_object_metadata() const { return false; }
  // True when every call is a network round trip (object stores): callers then prefer one listing
  // to several lookups. Local storage answers lookups from the page cache.
  virtual bool remote() const { return false; }
  // save() that attaches `metadata` to the published object.
  virtual Status save_with_metadata(std::string_view key, std::string_view bytes, bool overwrite,
                                    const ObjectMetadata& metadata) {
    (void)key, (void)bytes, (void)overwrite, (void)metadata;
    return Status::not_supported("this storage backend keeps no object metadata");
  }
  // Stores an object whose bytes never change once written (a content-addressed blob): created if
  // absent, AlreadyExists if it is there. Unlike save_with_metadata(overwrite=false), an object
  // store sends one conditional PUT (If-None-Match: *): no lookup first, no read-back of an
  // existing object, and nothing a concurrent reader is reading is ever replaced.
  virtual Status save_immutable_with_metadata(std::string_view key, std::string_view bytes,
                                              const ObjectMetadata& metadata) {
    return save_with_metadata(key, bytes, /*overwrite=*/false, metadata);
  }
  // The user metadata of the object under `key` (empty if it has none); NotFound if absent.
  virtual Result<ObjectMetadata> load_metadata(std::string_view key) {
    (void)key;
    return Status::not_supported("this storage backend keeps no object metadata");
  }
  // load() and load_metadata() together; an object store answers both with one request.
  struct ObjectWithMetadata {
    std::string bytes;
    ObjectMetadata metadata;
  };
  virtual Result<ObjectWithMetadata> load_with_metadata(std::string_view key) {
    CONFLUX_ASSIGN_OR_RETURN(std::string bytes, load(key));
    CONFLUX_ASSIGN_OR_RETURN(ObjectMetadata metadata, load_metadata(key));
    return ObjectWithMetadata{std::move(bytes), std::move(metadata)};
  }
  // open() and load_metadata() together; an object store learns both from the lookup open() makes.
  struct OpenedObject {
    std::unique_ptr<ByteSource> source;
    ObjectMetadata metadata;
  };
  virtual Result<OpenedObject> open_with_metadata(std::string_view key) {
    CONFLUX_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> source, open(key));
    CONFLUX_ASSIGN_OR_RETURN(ObjectMetadata metadata, load_metadata(key));
    return OpenedObject{std::move(source), std::move(metadata)};
  }
};

}  // namespace conflux
