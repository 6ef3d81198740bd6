// Streaming tar files for run bundles: entries of any number of bytes (under 8 GiB each) go to and
// come from disk without being held in memory.
//
// TarFileWriter writes to "<path>.partial" and renames it to <path> in finish(), so a bundle that
// exists is complete. TarFileReader walks the entries in order; each entry's bytes are a ByteSource
// valid until next(). A file that ends inside an entry or without tar's end blocks is Corruption
// ("truncated").
//
// Thread safety: one thread per object.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "conflux/byte_stream.hpp"
#include "conflux/status.hpp"
#include "package/tar_archive.hpp"

namespace conflux::transfer {

// Streams everything `in` yields into `out` (1 MiB at a time); the first error of either.
Status copy_stream(ByteSource& in, ByteSink& out);

class TarFileWriter {
 public:
  static Result<std::unique_ptr<TarFileWriter>> create(const std::filesystem::path& path);
  ~TarFileWriter();  // an unfinished file is removed

  // One entry of `size` bytes that `fill` writes (exactly `size` bytes, else an error).
  Status add(std::string_view path, uint64_t size, const std::function<Status(ByteSink&)>& fill);
  Status add(std::string_view path, std::string_view bytes);
  // Writes the end blocks, flushes, and renames into place.
  Status finish();

 private:
  TarFileWriter(std::filesystem::path path, std::FILE* file);
  std::filesystem::path path_;
  std::filesystem::path partial_;
  std::FILE* file_;
};

class TarFileReader {
 public:
  static Result<std::unique_ptr<TarFileReader>> open(const std::filesystem::path& path);
  ~TarFileReader();

  // The next entry's header, or nullopt at the end of the archive.
  Result<std::optional<TarHeader>> next();
  // The current entry's bytes (read them before calling next(); unread bytes are skipped).
  ByteSource& data();
  Result<std::string> read_all();

 private:
  class EntrySource;
  TarFileReader(std::filesystem::path path, std::FILE* file);
  std::filesystem::path path_;
  std::FILE* file_;
  std::unique_ptr<EntrySource> entry_;
  uint64_t offset_ = 0;  // of the next header
};

}  // namespace conflux::transfer
