#include "datastore/parallel_gzip.hpp"

#include <algorithm>
#include <cstring>
#include <system_error>
#include <thread>
#include <utility>

#include "datastore/gzip_codec.hpp"

namespace conflux {

namespace {

size_t thread_count(int requested) {
  if (requested > 0) return static_cast<size_t>(requested);
  return std::max(1u, std::thread::hardware_concurrency());
}

// Runs fn on a new thread; on this one if no thread can be started (the work must still be done).
template <class T, class Fn>
std::future<T> start_async(const Fn& fn) {
  try {
    return std::async(std::launch::async, fn);
  } catch (const std::system_error&) {
    std::promise<T> done;
    done.set_value(fn());
    return done.get_future();
  }
}

// Reads until `n` bytes or the end of `in`; the count read.
Result<size_t> read_full(ByteSource& in, char* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    CONFLUX_ASSIGN_OR_RETURN(size_t r, in.read(buf + got, n - got));
    if (r == 0) break;
    got += r;
  }
  return got;
}

// Bytes already read from a source, then the rest of it.
class PrefixedSource final : public ByteSource {
 public:
  PrefixedSource(std::string prefix, std::unique_ptr<ByteSource> rest)
      : prefix_(std::move(prefix)), rest_(std::move(rest)) {}
  Result<size_t> read(void* buf, size_t n) override {
    if (pos_ == prefix_.size()) return rest_->read(buf, n);
    n = std::min(n, prefix_.size() - pos_);
    std::memcpy(buf, prefix_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string prefix_;
  size_t pos_ = 0;
  std::unique_ptr<ByteSource> rest_;
};

}  // namespace

ParallelGzipSink::ParallelGzipSink(ByteSink& out, ParallelGzipOptions options)
    : out_(out),
      chunk_size_(std::clamp<size_t>(options.chunk_size, 1, kGzipMemberMaxContent)),
      // One more than the workers, so a worker never waits for the writer to hand it a chunk.
      max_in_flight_(thread_count(options.threads) + 1) {
  chunk_.reserve(chunk_size_);
}

ParallelGzipSink::~ParallelGzipSink() = default;  // futures of std::async wait for their threads

void ParallelGzipSink::write(const void* data, size_t n) {
  if (finished_ || !out_.status().ok()) return;
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const size_t take = std::min(n, chunk_size_ - chunk_.size());
    chunk_.append(p, take);
    p += take;
    n -= take;
    if (chunk_.size() == chunk_size_) submit();
  }
}

void ParallelGzipSink::submit() {
  if (in_flight_.size() >= max_in_flight_) write_oldest();
  auto content = std::make_shared<const std::string>(std::move(chunk_));
  chunk_ = std::string();
  chunk_.reserve(chunk_size_);
  in_flight_.push_back(start_async<MemberBuffer>([content] { return gzip_member(*content); }));
  any_member_ = true;
}

void ParallelGzipSink::write_oldest() {
  MemberBuffer member = in_flight_.front().get();
  in_flight_.pop_front();
  out_.write(member.data.get(), member.size);
}

Status ParallelGzipSink::status() const { return out_.status(); }

Status ParallelGzipSink::finish() {
  if (!finished_) {
    if (!chunk_.empty() || !any_member_) submit();
    while (!in_flight_.empty()) write_oldest();
    finished_ = true;
  }
  return out_.status();
}

ParallelGunzipSource::ParallelGunzipSource(std::unique_ptr<ByteSource> in, int threads)
    : in_(std::move(in)), max_in_flight_(thread_count(threads) + 1) {}

ParallelGunzipSource::~ParallelGunzipSource() = default;

Result<bool> ParallelGunzipSource::schedule_next() {
  char header[kGzipMemberHeaderSize];
  CONFLUX_ASSIGN_OR_RETURN(size_t got, read_full(*in_, header, sizeof(header)));
  std::optional<uint32_t> size = gzip_member_size(std::string_view(header, got));
  if (!size) {
    members_done_ = true;
    if (got > 0) {  // not one of our members: zlib decodes the rest, whatever it is
      tail_ = std::make_unique<GunzipSource>(
          std::make_unique<PrefixedSource>(std::string(header, got), std::move(in_)));
    }
    return false;
  }
  auto member = std::make_shared<MemberBuffer>();
  member->data.reset(new char[*size]);
  member->size = *size;
  std::memcpy(member->data.get(), header, sizeof(header));
  CONFLUX_ASSIGN_OR_RETURN(size_t rest, read_full(*in_, member->data.get() + sizeof(header),
                                                  *size - sizeof(header)));
  if (rest != *size - sizeof(header)) return Status::corruption("gzip stream is truncated");
  in_flight_.push_back(
      start_async<Result<MemberBuffer>>([member] { return gunzip_member(member->view()); }));
  return true;
}

Result<size_t> ParallelGunzipSource::read(void* buf, size_t n) {
  if (!status_.ok()) return status_;
  if (n == 0) return size_t{0};
  while (current_pos_ == current_.size) {
    while (!members_done_ && in_flight_.size() < max_in_flight_) {
      Result<bool> scheduled = schedule_next();
      if (!scheduled.ok()) {
        status_ = scheduled.status();
        return status_;
      }
    }
    if (in_flight_.empty()) return tail_ != nullptr ? tail_->read(buf, n) : Result<size_t>(size_t{0});
    Result<MemberBuffer> member = in_flight_.front().get();
    in_flight_.pop_front();
    if (!member.ok()) {
      status_ = member.status();
      return status_;
    }
    current_ = std::move(member).value();
    current_pos_ = 0;
  }
  n = std::min(n, current_.size - current_pos_);
  std::memcpy(buf, current_.data.get() + current_pos_, n);
  current_pos_ += n;
  return n;
}

}  // namespace conflux
