#include "runtime/remote/log_tail.hpp"

#include <string>

#include "datastore/mflog.hpp"

namespace conflux {

void LogTail::pump(TaskDataStore& ds, int attempt, LogStream stream, const std::function<void(std::string_view)>& echo) {
  auto log = ds.load_log(attempt, "task", stream);
  if (!log.ok() || log->size() <= offset_) return;
  size_t end = log->rfind('\n');
  if (end == std::string::npos || end + 1 <= offset_) return;
  std::string_view fresh(log->data() + offset_, end + 1 - offset_);
  offset_ = end + 1;
  size_t start = 0;
  while (start < fresh.size()) {
    size_t nl = fresh.find('\n', start);
    std::string_view line = fresh.substr(start, nl - start);
    start = nl + 1;
    auto parsed = parse_mflog_line(line);
    if (echo) echo(parsed ? std::string_view(parsed->msg) : line);
  }
}

}  // namespace conflux
