// One gzip member of a large blob: the unit ParallelGzipSink compresses and ParallelGunzipSource
// decompresses, each on its own thread.
//
// A large blob is stored as a sequence of complete gzip members (RFC 1952 allows any number;
// Python's gzip, and so Metaflow, reads them as one stream), each holding one chunk of the
// content. Every member carries its own total size in a gzip "extra" subfield ('C','X', 4 bytes,
// little-endian), so a reader can find the next member without inflating this one and decode
// members in parallel; readers that do not know the subfield skip it, as RFC 1952 requires.
// Chunks that do not compress are stored (deflate's stored blocks) rather than grow.
//
// Compression uses ISA-L when libisal.so.2 is present (isal_library.hpp), else zlib: the bytes
// differ, the format does not.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "conflux/status.hpp"

namespace conflux {

// Header: 10 fixed bytes with FLG.FEXTRA, XLEN (2), then the subfield: 'C', 'X', LEN=4 (2), size (4).
inline constexpr size_t kGzipMemberHeaderSize = 20;
inline constexpr size_t kGzipMemberTrailerSize = 8;  // CRC-32 and ISIZE
// The most content one member holds (ISIZE must not wrap; readers allocate this much per member).
inline constexpr size_t kGzipMemberMaxContent = size_t{64} << 20;

// An owned byte buffer (not zero-filled on allocation: members are MiBs).
struct MemberBuffer {
  std::unique_ptr<char[]> data;
  size_t size = 0;
  std::string_view view() const { return {data.get(), size}; }
};

// Which deflate implementation compresses and decompresses members.
enum class DeflateEngine { kIsal, kZlib };
// ISA-L where libisal.so.2 loads, else zlib.
DeflateEngine best_deflate_engine();

// The complete member holding `content`. REQUIRES: content.size() <= kGzipMemberMaxContent, and
// ISA-L available if `engine` is kIsal.
MemberBuffer gzip_member(std::string_view content, DeflateEngine engine = best_deflate_engine());

// If `header` (kGzipMemberHeaderSize bytes) opens a member gzip_member wrote, the member's total
// size in bytes; otherwise nullopt (another gzip writer's member, or not gzip at all).
std::optional<uint32_t> gzip_member_size(std::string_view header);

// The content of the complete `member` (as gzip_member_size measured it). Corruption when the
// deflate data, the CRC-32 or the size disagree.
Result<MemberBuffer> gunzip_member(std::string_view member,
                                   DeflateEngine engine = best_deflate_engine());

}  // namespace conflux
