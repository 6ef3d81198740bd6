// ContentFingerprint: a fast 128-bit hash (XXH3) of an artifact's serialized bytes, taken while a
// task loads the artifact from its input, so that deciding at the end of the task whether the
// value changed costs one serialization through XXH3 (tens of GB/s) instead of through SHA-1
// (about 1.5 GB/s): a 256 MiB artifact read through a non-const `->` no longer costs a full SHA-1.
//
// Both directions of a mistake are safe but one: equal fingerprints of different bytes would keep
// the input's value. XXH3-128's chance of that for a changed value is 2^-128 (no adversary
// chooses these bytes: they are the task's own values).
#pragma once

#include <cstdint>
#include <memory>

#include "conflux/byte_stream.hpp"
#include "conflux/status.hpp"

namespace conflux {

struct ContentFingerprint {
  uint64_t high = 0;
  uint64_t low = 0;
  uint64_t size = 0;
  bool operator==(const ContentFingerprint&) const = default;
};

// Fingerprints what is written to it (and keeps nothing).
class FingerprintSink final : public ByteSink {
 public:
  FingerprintSink();
  ~FingerprintSink() override;
  void write(const void* data, size_t n) override;
  ContentFingerprint fingerprint() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Passes `in` through and fingerprints the bytes read so far.
class FingerprintSource final : public ByteSource {
 public:
  explicit FingerprintSource(ByteSource& in);
  Result<size_t> read(void* buf, size_t n) override;
  std::optional<uint64_t> remaining() const override { return in_.remaining(); }
  ContentFingerprint fingerprint() const { return sink_.fingerprint(); }

 private:
  ByteSource& in_;
  FingerprintSink sink_;
};

}  // namespace conflux
