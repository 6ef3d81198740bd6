#include "datastore/gzip_codec.hpp"

#include <algorithm>
#include <climits>
#include <cstring>

#include "datastore/gzip_members.hpp"
#include "datastore/parallel_gzip.hpp"

namespace conflux {

namespace {

constexpr int kGzipWindowBits = 15 + 16;  // 32 KiB window, gzip wrapper
constexpr int kMemLevel = 8;              // zlib's default, as Python uses
constexpr size_t kChunk = 64 * 1024;

Status zlib_error(std::string_view what, int code, const z_stream& zs) {
  std::string msg = "gzip " + std::string(what) + " failed (zlib " + std::to_string(code);
  if (zs.msg != nullptr) msg += std::string(": ") + zs.msg;
  msg += ")";
  if (code == Z_DATA_ERROR || code == Z_BUF_ERROR) return Status::corruption(std::move(msg));
  return Status::internal(std::move(msg));
}

// A deflate stream kept per thread and reset between uses.
struct ThreadDeflater {
  z_stream zs{};
  bool initialized = false;
  int level = -1;
  ~ThreadDeflater() {
    if (initialized) deflateEnd(&zs);
  }
  int prepare(int new_level) {
    if (initialized && level == new_level) return deflateReset(&zs);
    if (initialized) deflateEnd(&zs);
    zs = z_stream{};
    initialized = false;
    int rc =
        deflateInit2(&zs, new_level, Z_DEFLATED, kGzipWindowBits, kMemLevel, Z_DEFAULT_STRATEGY);
    if (rc == Z_OK) {
      initialized = true;
      level = new_level;
    }
    return rc;
  }
};

// A ByteSource over a caller-owned buffer.
class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::string_view data) : data_(data) {}
  Result<size_t> read(void* buf, size_t n) override {
    n = std::min(n, data_.size());
    std::memcpy(buf, data_.data(), n);
    data_.remove_prefix(n);
    return n;
  }

 private:
  std::string_view data_;
};

}  // namespace

Result<std::string> gzip_compress(std::string_view data, int level) {
  thread_local ThreadDeflater deflater;
  int rc = deflater.prepare(level);
  if (rc != Z_OK) return zlib_error("init", rc, deflater.zs);
  z_stream& zs = deflater.zs;
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(data.size())));
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(std::min<size_t>(out.size(), UINT_MAX));
  const char* in = data.data();
  size_t remaining = data.size();
  while (true) {
    const size_t take = std::min<size_t>(remaining, UINT_MAX);
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in));
    zs.avail_in = static_cast<uInt>(take);
    const bool last = take == remaining;
    rc = deflate(&zs, last ? Z_FINISH : Z_NO_FLUSH);
    in += take - zs.avail_in;
    remaining -= take - zs.avail_in;
    if (rc == Z_STREAM_END) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) return zlib_error("compression", rc, zs);
    if (zs.avail_out == 0) {  // deflateBound is exact for one-shot use; grow just in case
      const size_t used = out.size();
      out.resize(used * 2 + kChunk);
      zs.next_out = reinterpret_cast<Bytef*>(out.data() + used);
      zs.avail_out = static_cast<uInt>(std::min<size_t>(out.size() - used, UINT_MAX));
    }
  }
  out.resize(zs.total_out);
  return out;
}

Result<std::string> gunzip(std::string_view data) {
  // Large blobs are members a ParallelGzipSink wrote: decode those on every core.
  std::unique_ptr<ByteSource> source = std::make_unique<MemorySource>(data);
  if (gzip_member_size(data.substr(0, kGzipMemberHeaderSize))) {
    source = std::make_unique<ParallelGunzipSource>(std::move(source));
  } else {
    source = std::make_unique<GunzipSource>(std::move(source));
  }
  std::string out;
  if (data.size() >= 18) {  // ISIZE (size mod 2^32 of the last member) is a good capacity hint
    uint32_t isize;
    std::memcpy(&isize, data.data() + data.size() - 4, 4);  // little-endian hosts only matter here
    out.reserve(std::min<size_t>(isize, size_t{1} << 30));
  }
  size_t len = 0;
  while (true) {
    if (out.size() - len < kChunk) out.resize(std::max(out.capacity(), len + kChunk));
    CONFLUX_ASSIGN_OR_RETURN(size_t got, source->read(out.data() + len, out.size() - len));
    if (got == 0) break;
    len += got;
  }
  out.resize(len);
  return out;
}

GzipSink::GzipSink(ByteSink& out, int level) : out_(out) {
  int rc = deflateInit2(&zs_, level, Z_DEFLATED, kGzipWindowBits, kMemLevel, Z_DEFAULT_STRATEGY);
  if (rc == Z_OK) {
    initialized_ = true;
  } else {
    status_ = zlib_error("init", rc, zs_);
  }
}

GzipSink::~GzipSink() {
  if (initialized_) deflateEnd(&zs_);
}

void GzipSink::pump(int flush) {
  unsigned char buf[kChunk];
  do {
    zs_.next_out = buf;
    zs_.avail_out = sizeof(buf);
    int rc = deflate(&zs_, flush);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      status_ = zlib_error("compression", rc, zs_);
      return;
    }
    const size_t produced = sizeof(buf) - zs_.avail_out;
    if (produced > 0) out_.write(buf, produced);
    if (rc == Z_STREAM_END) return;
  } while (zs_.avail_out == 0 || (flush == Z_FINISH));
}

void GzipSink::write(const void* data, size_t n) {
  if (!status_.ok() || finished_) return;
  const auto* p = static_cast<const unsigned char*>(data);
  while (n > 0 && status_.ok()) {
    const size_t take = std::min<size_t>(n, UINT_MAX);
    zs_.next_in = const_cast<unsigned char*>(p);
    zs_.avail_in = static_cast<uInt>(take);
    pump(Z_NO_FLUSH);
    p += take;
    n -= take;
  }
}

Status GzipSink::status() const {
  if (!status_.ok()) return status_;
  return out_.status();
}

Status GzipSink::finish() {
  if (status_.ok() && !finished_) {
    zs_.next_in = nullptr;
    zs_.avail_in = 0;
    pump(Z_FINISH);
    finished_ = true;
  }
  return status();
}

GunzipSource::GunzipSource(std::unique_ptr<ByteSource> in)
    : in_(std::move(in)), in_buf_(new unsigned char[kChunk]) {
  int rc = inflateInit2(&zs_, kGzipWindowBits);
  if (rc == Z_OK) {
    initialized_ = true;
  } else {
    status_ = zlib_error("init", rc, zs_);
  }
}

GunzipSource::~GunzipSource() {
  if (initialized_) inflateEnd(&zs_);
}

Result<bool> GunzipSource::fill() {
  if (zs_.avail_in > 0) return true;
  if (in_eof_) return false;
  Result<size_t> got = in_->read(in_buf_.get(), kChunk);
  if (!got.ok()) return got.status();
  if (*got == 0) {
    in_eof_ = true;
    return false;
  }
  zs_.next_in = in_buf_.get();
  zs_.avail_in = static_cast<uInt>(*got);
  return true;
}

Result<size_t> GunzipSource::read(void* buf, size_t n) {
  if (!status_.ok()) return status_;
  if (eof_ || n == 0) return size_t{0};
  n = std::min<size_t>(n, UINT_MAX);
  zs_.next_out = static_cast<Bytef*>(buf);
  zs_.avail_out = static_cast<uInt>(n);
  while (zs_.avail_out == n) {  // until some output, or the end
    if (member_done_) {
      // Between members: skip zero padding; anything else starts a new member.
      while (true) {
        CONFLUX_ASSIGN_OR_RETURN(bool more, fill());
        if (!more) {
          eof_ = true;
          return size_t{0};
        }
        while (zs_.avail_in > 0 && *zs_.next_in == 0) ++zs_.next_in, --zs_.avail_in;
        if (zs_.avail_in > 0) break;
      }
      inflateReset(&zs_);
      member_done_ = false;
    }
    CONFLUX_ASSIGN_OR_RETURN(bool more, fill());
    if (!more) {
      status_ = Status::corruption("gzip stream is truncated");
      return status_;
    }
    int rc = inflate(&zs_, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      member_done_ = true;
    } else if (rc != Z_OK && !(rc == Z_BUF_ERROR && zs_.avail_in == 0)) {
      status_ = zlib_error("decompression", rc, zs_);
      return status_;
    }
  }
  return n - zs_.avail_out;
}

}  // namespace conflux
