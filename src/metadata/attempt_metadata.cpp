#include "metadata/attempt_metadata.hpp"

#include <charconv>
#include <map>

namespace conflux {

std::vector<MetadataRow> metadata_for_attempt(const std::vector<MetadataRow>& rows, int attempt) {
  constexpr int64_t kFarFuture = 32503680000000;  // Metaflow's "year 3000" bound, in ms
  bool all_tagged = true;
  std::map<int, int64_t> attempt_start;
  std::vector<MetadataRow> out;
  for (const MetadataRow& row : rows) {
    if (row.field_name == "attempt") {
      int n = 0;
      const char* end = row.value.data() + row.value.size();
      auto [ptr, ec] = std::from_chars(row.value.data(), end, n);
      if (ec == std::errc() && ptr == end) attempt_start[n] = row.ts_epoch;
    }
    std::optional<int> id = row.attempt_id();
    if (!id.has_value()) {
      all_tagged = false;
    } else if (*id == attempt) {
      out.push_back(row);
    }
  }
  if (all_tagged) return out;
  out.clear();
  auto start = attempt_start.find(attempt);
  if (start == attempt_start.end()) return out;
  auto next = attempt_start.find(attempt + 1);
  const int64_t end_ts = next == attempt_start.end() ? kFarFuture : next->second;
  for (const MetadataRow& row : rows) {
    if (row.ts_epoch >= start->second && row.ts_epoch < end_ts) out.push_back(row);
  }
  return out;
}

}  // namespace conflux
