#include "task/content_fingerprint.hpp"

// Header-only use of Debian's libxxhash-dev: nothing to link, nothing to load at start-up.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace conflux {

struct FingerprintSink::State {
  XXH3_state_t xxh;
  uint64_t size = 0;
};

FingerprintSink::FingerprintSink() : state_(std::make_unique<State>()) { XXH3_128bits_reset(&state_->xxh); }

FingerprintSink::~FingerprintSink() = default;

void FingerprintSink::write(const void* data, size_t n) {
  XXH3_128bits_update(&state_->xxh, data, n);
  state_->size += n;
}

ContentFingerprint FingerprintSink::fingerprint() const {
  const XXH128_hash_t h = XXH3_128bits_digest(&state_->xxh);
  return ContentFingerprint{h.high64, h.low64, state_->size};
}

FingerprintSource::FingerprintSource(ByteSource& in) : in_(in) {}

Result<size_t> FingerprintSource::read(void* buf, size_t n) {
  Result<size_t> got = in_.read(buf, n);
  if (got.ok()) sink_.write(buf, *got);
  return got;
}

}  // namespace conflux
