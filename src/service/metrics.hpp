// Metrics: the service's counters and histograms, rendered in Prometheus' text format at
// GET /metrics: requests by route, method and status; request latency by route; database
// operation latency by operation.
//
// Thread safety: all methods are safe to call concurrently (one mutex; updates are a few
// additions, far cheaper than the requests they count).
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
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t, std::less<>> requests_;  // GUARDED_BY(mu_)
  std::map<std::string, Histogram, std::less<>> latency_;                                // GUARDED_BY(mu_)
  std::map<std::string, Histogram, std::less<>> db_;                                     // GUARDED_BY(mu_)
};

}  // namespace conflux::service
