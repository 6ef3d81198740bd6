// Metrics: the service's counters and histograms, rendered in Prometheus' text format at
// GET /metrics: requests by route, method and status; request latency by route; database
// operation latency by operation.
//
// Thread safety: all methods are safe to call concurrently. Updates go to one of several shards,
// chosen by thread, so that worker threads recording at once rarely wait on each other's lock;
// render() adds the shards up.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace conflux::service {

class Metrics {
 public:
  void record_request(std::string_view route, std::string_view method, int status, double seconds);
  void record_db(std::string_view op, double seconds);
  // The exposition text (text/plain; version=0.0.4).
  std::string render() const;

  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
    void observe(double v);
    void add(const Histogram& other);
  };
  struct Shard {
    std::mutex mu;
    std::map<std::tuple<std::string, std::string, int>, uint64_t, std::less<>> requests;  // GUARDED_BY(mu)
    std::map<std::string, Histogram, std::less<>> latency;                                // GUARDED_BY(mu)
    std::map<std::string, Histogram, std::less<>> db;                                     // GUARDED_BY(mu)
  };
  static constexpr size_t kShards = 16;
  Shard& shard();  // the calling thread's
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace conflux::service
