// A minimal POSIX ustar writer and reader for code packages: regular files only, written in the
// order given with one fixed mtime and owner, so the same files always give the same bytes
// (Metaflow's packages are reproducible the same way). Python's tarfile reads what we write. The
// header functions serve streaming writers and readers too (run bundles, src/transfer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conflux/status.hpp"

namespace conflux {

struct TarEntry {
  std::string path;  // relative, '/'-separated, no "..", at most 255 bytes
  std::string data;
  uint32_t mode = 0644;
};

inline constexpr size_t kTarBlock = 512;

// The header block of a regular file of `size` bytes (the data follows, padded to a block).
// InvalidArgument for a path tar cannot hold or a size of 8 GiB or more.
Result<std::string> tar_file_header(std::string_view path, uint64_t size, uint32_t mode, int64_t mtime);
// Zero bytes that pad `size` bytes of data to a whole block.
inline size_t tar_padding(uint64_t size) { return static_cast<size_t>((kTarBlock - size % kTarBlock) % kTarBlock); }

struct TarHeader {
  std::string path;
  uint64_t size = 0;
  uint32_t mode = 0;
  char type = '0';  // '0' (or NUL) regular file, '5' directory, ...
};
// Parses one header block; nullopt for a zero block (the end of the archive). Corruption for a
// bad checksum or number, and for an unsafe path ("..", absolute). `offset` is for messages.
Result<std::optional<TarHeader>> parse_tar_header(const char* block, uint64_t offset);

// The tar stream (with its two zero end blocks). InvalidArgument for a path tar cannot hold.
Result<std::string> write_tar(const std::vector<TarEntry>& entries, int64_t mtime);

// The regular files of a tar stream. Corruption for a malformed header or checksum; directories
// are skipped; links and devices are refused; paths that would leave the extraction directory
// ("..", absolute) are refused.
Result<std::vector<TarEntry>> read_tar(std::string_view bytes);

}  // namespace conflux
