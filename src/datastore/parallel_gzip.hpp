// ParallelGzipSink and ParallelGunzipSource: gzip for large blobs, compressed and decompressed on
// every core while the content streams.
//
// The sink cuts what is written into chunks and compresses each into its own gzip member
// (gzip_members.hpp) on a worker thread, writing the members to `out` in order; the writer's
// thread only copies and moves on, so hashing and serializing overlap with compression. The source
// reads members ahead and decompresses them on worker threads. Both keep a bounded number of
// chunks in flight, so memory stays a few chunks whatever the blob's size.
//
// The source reads any gzip: a stream that does not open with a gzip_member (Metaflow's blobs,
// another tool's) or that continues with something else is decoded from there on by GunzipSource.
//
// Each object is used by one thread at a time (its workers are its own).
#pragma once

#include <deque>
#include <future>
#include <memory>
#include <string>

#include "conflux/byte_stream.hpp"
#include "conflux/status.hpp"
#include "datastore/gzip_members.hpp"

namespace conflux {

struct ParallelGzipOptions {
  size_t chunk_size = size_t{1} << 20;  // content per member; at most kGzipMemberMaxContent
  int threads = 0;                      // compressing threads; 0 = one per core
};

class ParallelGzipSink final : public ByteSink {
 public:
  // REQUIRES: `out` outlives this sink.
  explicit ParallelGzipSink(ByteSink& out, ParallelGzipOptions options = {});
  ~ParallelGzipSink() override;
  ParallelGzipSink(const ParallelGzipSink&) = delete;
  ParallelGzipSink& operator=(const ParallelGzipSink&) = delete;

  void write(const void* data, size_t n) override;
  Status status() const override;
  // Compresses what is left and writes every member to `out`. REQUIRES: called once, after the
  // last write(). The stream holds at least one member (an empty one for empty content).
  Status finish();

 private:
  void submit();           // hands the current chunk to a worker
  void write_oldest();     // waits for the oldest member and writes it to out_

  ByteSink& out_;
  const size_t chunk_size_;
  const size_t max_in_flight_;
  std::string chunk_;
  std::deque<std::future<MemberBuffer>> in_flight_;
  bool any_member_ = false;
  bool finished_ = false;
};

class ParallelGunzipSource final : public ByteSource {
 public:
  explicit ParallelGunzipSource(std::unique_ptr<ByteSource> in, int threads = 0);
  ~ParallelGunzipSource() override;
  ParallelGunzipSource(const ParallelGunzipSource&) = delete;
  ParallelGunzipSource& operator=(const ParallelGunzipSource&) = delete;

  Result<size_t> read(void* buf, size_t n) override;

 private:
  // Reads the next member from in_ and hands it to a worker; false at the end of in_ or of the
  // members (then tail_ decodes whatever follows).
  Result<bool> schedule_next();

  std::unique_ptr<ByteSource> in_;
  const size_t max_in_flight_;
  std::deque<std::future<Result<MemberBuffer>>> in_flight_;
  MemberBuffer current_;
  size_t current_pos_ = 0;
  bool members_done_ = false;          // no more members will be scheduled
  std::unique_ptr<ByteSource> tail_;   // decodes the rest of in_ once the members run out
  Status status_;
};

}  // namespace conflux
