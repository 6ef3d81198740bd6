// LocalStorage: a StorageBackend over a directory of the local filesystem (Metaflow's local
// datastore).
//
// A key maps to <root>/<key>. Objects are published by writing a temporary file in the destination
// directory (named ".cfxtmp-<pid>-<n>", never listed, and skipped by Metaflow's globs because of
// the leading dot) and renaming it over the final name; no-overwrite publishes use
// renameat2(RENAME_NOREPLACE) (link()+unlink() where unsupported), so concurrent writers of one key
// cannot clobber each other. Nothing is fsync'ed: a crash can lose recent objects but never exposes
// a partial one. Parent directories are created on demand (only after an ENOENT, to save syscalls).
//
// Thread safety: safe for concurrent use from any number of threads and processes.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "datastore/storage_backend.hpp"

namespace conflux {

class LocalStorage final : public StorageBackend {
 public:
  // `root` need not exist yet; it is created by the first write.
  explicit LocalStorage(const std::filesystem::path& root);

  LocalStorage(const LocalStorage&) = delete;
  LocalStorage& operator=(const LocalStorage&) = delete;

  // The root directory, without a trailing '/'.
  const std::string& root() const { return root_; }
  // <root>/<key>.
  std::string full_path(std::string_view key) const;

  std::string_view type() const override { return "local"; }
  Result<bool> exists(std::string_view key) override;
  Result<uint64_t> size(std::string_view key) override;
  Result<std::string> load(std::string_view key) override;
  Status save(std::string_view key, std::string_view bytes, bool overwrite) override;
  Result<std::unique_ptr<StorageWriter>> begin_write(std::string_view key, bool overwrite) override;
  Result<std::unique_ptr<ByteSource>> open(std::string_view key) override;
  Result<std::vector<ListEntry>> list(std::string_view prefix) override;
  Status remove(std::string_view key) override;
  Result<std::vector<ObjectInfo>> list_tree(std::string_view prefix) override;
  Status touch(std::string_view key) override;
  // Renames the file to a hidden name first, then checks its time: a concurrent touch() either
  // came first (the file is renamed back) or finds no file.
  Result<bool> remove_if_older(std::string_view key,
                               std::chrono::system_clock::time_point cutoff) override;
  // Renames the directory to a hidden name (readers stop seeing it at once), then deletes it.
  Status remove_tree(std::string_view prefix) override;
  // Builds the directory as a hidden temporary one (files opened relative to it, no rename each),
  // then renames it into place without replacing anything.
  Status save_new_directory(std::string_view dir_key, const std::vector<NewFile>& files) override;

  // True for the names of in-flight temporary files.
  static bool is_temp_name(std::string_view name);

 private:
  std::string root_;
};

}  // namespace conflux
