// Fast random 64-bit values for unique names (staging objects, mflog line ids). Not cryptographic.
// Each thread has its own generator, reseeded from std::random_device when the process id changes,
// so a forked child never repeats its parent's sequence. Thread-safe.
#pragma once

#include <cstdint>

namespace conflux {

uint64_t random_u64();

}  // namespace conflux
