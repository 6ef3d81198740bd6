// A minimal POSIX ustar writer and reader for code packages: regular files only, written in the
// order given with one fixed mtime and owner, so the same files always give the same bytes
// (Metaflow's packages are reproducible the same way). Python's tarfile reads what we write.
#pragma once

#include <cstdint>
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

// The tar stream (with its two zero end blocks). InvalidArgument for a path tar cannot hold.
Result<std::string> write_tar(const std::vector<TarEntry>& entries, int64_t mtime);

// The regular files of a tar stream. Corruption for a malformed header or checksum; directories
// are skipped; links and devices are refused; paths that would leave the extraction directory
// ("..", absolute) are refused.
Result<std::vector<TarEntry>> read_tar(std::string_view bytes);

}  // namespace conflux
