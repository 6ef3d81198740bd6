// gzip encoding and decoding (zlib) for CAS blobs, compatible with Python's gzip module: what we
// write, gzip.decompress() reads; what Metaflow writes (gzip.GzipFile, level 3), we read. Decoding
// accepts concatenated members and zero padding between them, as Python does.
//
// The one-shot functions reuse a per-thread zlib stream (deflateReset instead of deflateInit2 saves
// the 256 KiB allocation per small blob) and are thread-safe. GzipSink and GunzipSource are used by
// one thread at a time.
#pragma once

#include <zlib.h>

#include <memory>
#include <string>
#include <string_view>

#include "conflux/byte_stream.hpp"
#include "conflux/status.hpp"

namespace conflux {

inline constexpr int kMetaflowGzipLevel = 3;  // compresslevel of Metaflow's _pack_v1

// gzip of `data` at `level` (0-9).
Result<std::string> gzip_compress(std::string_view data, int level = kMetaflowGzipLevel);

// The decompressed content of a gzip file held in memory (the members of a ParallelGzipSink are
// decoded in parallel). Corruption if malformed or truncated.
Result<std::string> gunzip(std::string_view data);

// A ByteSink that gzips everything written and forwards the compressed bytes to `out`.
class GzipSink final : public ByteSink {
 public:
  // REQUIRES: `out` outlives this sink.
  explicit GzipSink(ByteSink& out, int level = kMetaflowGzipLevel);
  ~GzipSink() override;
  GzipSink(const GzipSink&) = delete;
  GzipSink& operator=(const GzipSink&) = delete;

  void write(const void* data, size_t n) override;
  Status status() const override;
  // Flushes the gzip trailer into `out`. REQUIRES: called once, after the last write().
  Status finish();

 private:
  void pump(int flush);

  ByteSink& out_;
  z_stream zs_{};
  bool initialized_ = false;
  bool finished_ = false;
  Status status_;
};

// A ByteSource that yields the decompressed content of the gzip stream read from `in`.
class GunzipSource final : public ByteSource {
 public:
  explicit GunzipSource(std::unique_ptr<ByteSource> in);
  ~GunzipSource() override;
  GunzipSource(const GunzipSource&) = delete;
  GunzipSource& operator=(const GunzipSource&) = delete;

  Result<size_t> read(void* buf, size_t n) override;

 private:
  // Makes input available; returns false at the end of `in_`.
  Result<bool> fill();

  std::unique_ptr<ByteSource> in_;
  std::unique_ptr<unsigned char[]> in_buf_;
  z_stream zs_{};
  bool initialized_ = false;
  bool in_eof_ = false;
  // Between members (initially too: an empty input is an empty stream, as for Python's gzip).
  bool member_done_ = true;
  bool eof_ = false;
  Status status_;
};

}  // namespace conflux
