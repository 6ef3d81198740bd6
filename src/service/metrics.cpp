#include "service/metrics.hpp"

#include <atomic>
#include <cstdio>

namespace conflux::service {

void Metrics::Histogram::observe(double v) {
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (v <= kBuckets[i]) ++buckets[i];
  }
  ++count;
  sum += v;
}

Metrics::Shard& Metrics::shard() {
  static std::atomic<size_t> next{0};
  thread_local size_t index = next++ % kShards;
  return shards_[index];
}

void Metrics::record_request(std::string_view route, std::string_view method, int status, double seconds) {
  Shard& s = shard();
  std::lock_guard<std::mutex> lock(s.mu);
  auto key = std::make_tuple(std::string(route), std::string(method), status);
  ++s.requests[key];
  auto it = s.latency.find(route);
  if (it == s.latency.end()) it = s.latency.emplace(std::string(route), Histogram{}).first;
  it->second.observe(seconds);
}

void Metrics::record_db(std::string_view op, double seconds) {
  Shard& s = shard();
  std::lock_guard<std::mutex> lock(s.mu);
  auto it = s.db.find(op);
  if (it == s.db.end()) it = s.db.emplace(std::string(op), Histogram{}).first;
  it->second.observe(seconds);
}

void Metrics::Histogram::add(const Histogram& other) {
  for (size_t i = 0; i < kBuckets.size(); ++i) buckets[i] += other.buckets[i];
  count += other.count;
  sum += other.sum;
}

namespace {
std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}
// Label values are route templates and operation names; escape anyway (\\, \", \n).
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}
}  // namespace

std::string Metrics::render() const {
  std::map<std::tuple<std::string, std::string, int>, uint64_t, std::less<>> requests;
  std::map<std::string, Histogram, std::less<>> latency, db_ops;
  for (Shard& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    for (const auto& [k, v] : s.requests) requests[k] += v;
    for (const auto& [k, h] : s.latency) latency[k].add(h);
    for (const auto& [k, h] : s.db) db_ops[k].add(h);
  }
  std::string out;
  out += "# HELP conflux_service_requests_total HTTP requests by route, method and status.\n";
  out += "# TYPE conflux_service_requests_total counter\n";
  for (const auto& [key, count] : requests) {
    out += "conflux_service_requests_total{route=\"" + label(std::get<0>(key)) + "\",method=\"" +
           label(std::get<1>(key)) + "\",status=\"" + std::to_string(std::get<2>(key)) + "\"} " +
           std::to_string(count) + "\n";
  }
  auto histograms = [&](const char* name, const char* help, const char* label_name,
                        const std::map<std::string, Histogram, std::less<>>& hs) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " histogram\n";
    for (const auto& [key, h] : hs) {
      std::string l = std::string(label_name) + "=\"" + label(key) + "\"";
      for (size_t i = 0; i < kBuckets.size(); ++i) {
        out += std::string(name) + "_bucket{" + l + ",le=\"" + number(kBuckets[i]) + "\"} " +
               std::to_string(h.buckets[i]) + "\n";
      }
      out += std::string(name) + "_bucket{" + l + ",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
      out += std::string(name) + "_sum{" + l + "} " + number(h.sum) + "\n";
      out += std::string(name) + "_count{" + l + "} " + std::to_string(h.count) + "\n";
    }
  };
  histograms("conflux_service_request_duration_seconds", "Request latency by route.", "route", latency);
  histograms("conflux_service_db_operation_duration_seconds", "Database operation latency.", "op", db_ops);
  return out;
}

}  // namespace conflux::service
