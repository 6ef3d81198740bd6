// Query-building pieces both SQL backends use: the run and task key conditions, page trimming,
// and the timer that reports each Database operation's duration (metrics).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "service/db/database.hpp"
#include "service/db/sql_value.hpp"

namespace conflux::service::sql {

// Appends " AND <prefix>run_number = ?" for a numeric run key, " AND <prefix>run_id = ?" for a
// named one.
inline void add_run_key(std::string& sql, std::vector<SqlValue>& params, const ObjectKey& run,
                        const char* prefix = "") {
  if (run.number) {
    sql += std::string(" AND ") + prefix + "run_number = ?";
    params.emplace_back(*run.number);
  } else {
    sql += std::string(" AND ") + prefix + "run_id = ?";
    params.emplace_back(run.name);
  }
}

// The same for tasks: task_id or task_name.
inline void add_task_key(std::string& sql, std::vector<SqlValue>& params, const ObjectKey& task,
                         const char* prefix = "") {
  if (task.number) {
    sql += std::string(" AND ") + prefix + "task_id = ?";
    params.emplace_back(*task.number);
  } else {
    sql += std::string(" AND ") + prefix + "task_name = ?";
    params.emplace_back(task.name);
  }
}

// Page queries fetch limit + 1 rows: one more than the limit means there is a next page.
template <class T>
void trim_page(Page<T>& page, int64_t limit) {
  if (static_cast<int64_t>(page.items.size()) > limit) {
    page.items.resize(static_cast<size_t>(limit));
    page.has_more = true;
  }
}

// Reports the time from construction to destruction to `report` (if set) as operation `op`.
class OpTimer {
 public:
  using Report = std::function<void(std::string_view op, double seconds)>;
  OpTimer(const Report& report, std::string_view op)
      : report_(report), op_(op), start_(std::chrono::steady_clock::now()) {}
  ~OpTimer() {
    if (report_) report_(op_, std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
  }
  OpTimer(const OpTimer&) = delete;
  OpTimer& operator=(const OpTimer&) = delete;

 private:
  const Report& report_;
  std::string_view op_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace conflux::service::sql
