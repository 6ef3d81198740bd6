// ByteSink and ByteSource: the streaming byte interfaces the artifact codec reads and writes.
//
// A ByteSink receives bytes in order (a pickle being written, a file, a gzip stream, a hash); a
// ByteSource hands them out in order (a pickle being read). Both are deliberately tiny so that
// the datastore can stack them (pickle -> sha1 + gzip -> file) without intermediate buffers, and
// so that multi-hundred-MiB numpy payloads can travel straight between a std::vector and a file.
// Callers should issue large writes/reads: implementations are free to do a syscall per call.
//
// StringSink and StringViewSource are the in-memory implementations. None of these classes is
// safe for concurrent use; each is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "conflux/status.hpp"

namespace conflux {

// Streaming byte sink. write() never fails by return value: a sink that hits an I/O error
// latches it and reports it via status(); later writes are ignored.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Appends `n` bytes from `data`. The sink does not keep `data` after returning.
  virtual void write(const void* data, size_t n) = 0;
  // The first error the sink hit, or OK.
  virtual Status status() const { return Status(); }
};

// Streaming byte source. read() returns the number of bytes read, 0 at end of stream.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `n` bytes into `buf`. Returns 0 only at end of stream (or when n == 0); a short
  // read does not mean end of stream.
  virtual Result<size_t> read(void* buf, size_t n) = 0;
  // The number of bytes still to come, if the source knows it (a file, a memory buffer). Readers
  // use it to reject impossible lengths in corrupt input before allocating; nullopt is safe.
  virtual std::optional<uint64_t> remaining() const { return std::nullopt; }
};

// Appends everything written to a std::string: its own (see str()/take()) or a caller's.
class StringSink final : public ByteSink {
 public:
  StringSink() : out_(&own_) {}
  // Appends to `*out`, which must outlive the sink.
  explicit StringSink(std::string* out) : out_(out) {}
  StringSink(const StringSink&) = delete;
  StringSink& operator=(const StringSink&) = delete;

  void write(const void* data, size_t n) override {
    out_->append(static_cast<const char*>(data), n);
  }
  // The bytes written so far.
  const std::string& str() const { return *out_; }
  // Moves the bytes out, leaving the sink empty.
  std::string take() {
    std::string s = std::move(*out_);
    out_->clear();
    return s;
  }

 private:
  std::string own_;
  std::string* out_;
};

// Reads from a borrowed memory buffer, which must outlive the source.
class StringViewSource final : public ByteSource {
 public:
  explicit StringViewSource(std::string_view data) : data_(data) {}

  Result<size_t> read(void* buf, size_t n) override;
  std::optional<uint64_t> remaining() const override { return data_.size() - pos_; }
  // Bytes consumed so far.
  size_t position() const { return pos_; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace conflux
