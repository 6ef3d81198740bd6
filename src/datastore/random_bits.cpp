#include "datastore/random_bits.hpp"

#include <random>

#include "datastore/process_id.hpp"

namespace conflux {

uint64_t random_u64() {
  thread_local std::mt19937_64 rng;
  thread_local pid_t seeded_for = -1;
  const pid_t pid = current_pid();
  if (pid != seeded_for) {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd(), static_cast<unsigned>(pid)};
    rng.seed(seq);
    seeded_for = pid;
  }
  return rng();
}

}  // namespace conflux
