#include "datastore/gzip_members.hpp"

#include <zlib.h>

#include <cstring>
#include <memory>
#include <string>

#include "datastore/isal_library.hpp"

namespace conflux {

namespace {

// ISA-L's level 2: on float arrays it stores less than zlib's level 3 (Metaflow's choice) at about
// several times the speed, on text about 5% more; level 3 matches zlib on text but costs 10% more wall time
// for a 256 MiB artifact end to end (docs/design/performance.md). zlib's own level 3 is the fallback.
constexpr int kIsalLevel = 2;
constexpr int kZlibLevel = 3;
constexpr size_t kStoredBlockMax = 65535;

void put_le16(char* p, uint32_t v) {
  p[0] = static_cast<char>(v & 0xff);
  p[1] = static_cast<char>((v >> 8) & 0xff);
}
void put_le32(char* p, uint32_t v) {
  put_le16(p, v & 0xffff);
  put_le16(p + 2, v >> 16);
}
uint32_t get_le32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return u[0] | (u[1] << 8) | (u[2] << 16) | (static_cast<uint32_t>(u[3]) << 24);
}

constexpr unsigned char kHeaderPrefix[16] = {
    0x1f, 0x8b, 8, 4,  // magic, deflate, FLG = FEXTRA
    0, 0, 0, 0,        // MTIME unset, as a stream without a file name
    0, 255,            // XFL, OS = unknown
    8, 0,              // XLEN
    'C', 'X', 4, 0};   // our subfield: id, LEN

uint32_t crc_of(std::string_view data) {
  uLong crc = crc32(0, nullptr, 0);
  const char* p = data.data();
  size_t n = data.size();
  while (n > 0) {  // zlib's length is a uInt
    const uInt take = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(p), take);
    p += take;
    n -= take;
  }
  return static_cast<uint32_t>(crc);
}

// Raw deflate of `in` into `out` (capacity `cap`); the bytes written, or nullopt when they would not
// fit (the content does not compress).
std::optional<size_t> deflate_isal(std::string_view in, char* out, size_t cap) {
  thread_local std::unique_ptr<uint8_t[]> level_buf(new uint8_t[ISAL_DEF_LVL3_DEFAULT]);
  isal_zstream zs;
  isal::api().deflate_stateless_init(&zs);
  zs.level = kIsalLevel;
  zs.level_buf = level_buf.get();
  zs.level_buf_size = ISAL_DEF_LVL3_DEFAULT;
  zs.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uint32_t>(in.size());
  zs.next_out = reinterpret_cast<uint8_t*>(out);
  zs.avail_out = static_cast<uint32_t>(cap);
  zs.end_of_stream = 1;
  zs.flush = NO_FLUSH;
  if (isal::api().deflate_stateless(&zs) != COMP_OK) return std::nullopt;
  return zs.total_out;
}

std::optional<size_t> deflate_zlib(std::string_view in, char* out, size_t cap) {
  z_stream zs{};
  if (deflateInit2(&zs, kZlibLevel, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) return std::nullopt;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out);
  zs.avail_out = static_cast<uInt>(cap);
  const int rc = deflate(&zs, Z_FINISH);
  const size_t produced = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return std::nullopt;
  return produced;
}

// Deflate's stored blocks holding `in` verbatim (at least one block: an empty chunk too).
size_t deflate_stored(std::string_view in, char* out) {
  char* p = out;
  size_t offset = 0;
  do {
    const size_t len = std::min(kStoredBlockMax, in.size() - offset);
    const bool last = offset + len == in.size();
    *p++ = static_cast<char>(last ? 1 : 0);  // BFINAL, BTYPE = 00, then padding to the byte
    put_le16(p, static_cast<uint32_t>(len));
    put_le16(p + 2, static_cast<uint32_t>(~len & 0xffff));
    std::memcpy(p + 4, in.data() + offset, len);
    p += 4 + len;
    offset += len;
  } while (offset < in.size());
  return static_cast<size_t>(p - out);
}

size_t stored_size(size_t n) { return n + 5 * (n / kStoredBlockMax + 1); }

}  // namespace

DeflateEngine best_deflate_engine() {
  return isal::available() ? DeflateEngine::kIsal : DeflateEngine::kZlib;
}

MemberBuffer gzip_member(std::string_view content, DeflateEngine engine) {
  const size_t cap = stored_size(content.size());
  MemberBuffer m;
  m.data.reset(new char[kGzipMemberHeaderSize + cap + kGzipMemberTrailerSize]);
  char* body = m.data.get() + kGzipMemberHeaderSize;
  // Compressed output must come out smaller than the stored form, or the stored form is used.
  std::optional<size_t> packed = engine == DeflateEngine::kIsal ? deflate_isal(content, body, content.size())
                                                   : deflate_zlib(content, body, content.size());
  const size_t body_size = packed ? *packed : deflate_stored(content, body);
  m.size = kGzipMemberHeaderSize + body_size + kGzipMemberTrailerSize;
  std::memcpy(m.data.get(), kHeaderPrefix, sizeof(kHeaderPrefix));
  put_le32(m.data.get() + sizeof(kHeaderPrefix), static_cast<uint32_t>(m.size));
  put_le32(body + body_size, crc_of(content));
  put_le32(body + body_size + 4, static_cast<uint32_t>(content.size()));
  return m;
}

std::optional<uint32_t> gzip_member_size(std::string_view header) {
  if (header.size() < kGzipMemberHeaderSize) return std::nullopt;
  // Everything but MTIME, XFL and OS must match what gzip_member writes.
  for (size_t i : {0, 1, 2, 3, 10, 11, 12, 13, 14, 15}) {
    if (static_cast<unsigned char>(header[i]) != kHeaderPrefix[i]) return std::nullopt;
  }
  const uint32_t size = get_le32(header.data() + sizeof(kHeaderPrefix));
  if (size < kGzipMemberHeaderSize + kGzipMemberTrailerSize + 1) return std::nullopt;
  return size;
}

Result<MemberBuffer> gunzip_member(std::string_view member, DeflateEngine engine) {
  if (member.size() < kGzipMemberHeaderSize + kGzipMemberTrailerSize + 1) {
    return Status::corruption("gzip member of " + std::to_string(member.size()) + " bytes is truncated");
  }
  const char* trailer = member.data() + member.size() - kGzipMemberTrailerSize;
  const uint32_t want_crc = get_le32(trailer);
  const uint32_t isize = get_le32(trailer + 4);
  if (isize > kGzipMemberMaxContent) {
    return Status::corruption("gzip member claims " + std::to_string(isize) +
                              " bytes of content, more than any writer puts in one");
  }
  const std::string_view body =
      member.substr(kGzipMemberHeaderSize, member.size() - kGzipMemberHeaderSize - kGzipMemberTrailerSize);
  MemberBuffer out;
  out.data.reset(new char[isize == 0 ? 1 : isize]);
  out.size = isize;
  bool ok = false;
  if (engine == DeflateEngine::kIsal) {
    inflate_state st;
    isal::api().inflate_init(&st);
    st.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(body.data()));
    st.avail_in = static_cast<uint32_t>(body.size());
    st.next_out = reinterpret_cast<uint8_t*>(out.data.get());
    st.avail_out = isize;
    st.crc_flag = ISAL_DEFLATE;
    ok = isal::api().inflate_stateless(&st) == ISAL_DECOMP_OK && st.total_out == isize &&
         st.block_state == ISAL_BLOCK_FINISH;
  } else {
    z_stream zs{};
    if (inflateInit2(&zs, -15) == Z_OK) {
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
      zs.avail_in = static_cast<uInt>(body.size());
      zs.next_out = reinterpret_cast<Bytef*>(out.data.get());
      zs.avail_out = isize;
      ok = inflate(&zs, Z_FINISH) == Z_STREAM_END && zs.total_out == isize;
      inflateEnd(&zs);
    }
  }
  if (!ok) return Status::corruption("gzip member's deflate data is damaged or does not hold its stated size");
  if (crc_of(out.view()) != want_crc) return Status::corruption("gzip member's CRC-32 does not match its content");
  return out;
}

}  // namespace conflux
