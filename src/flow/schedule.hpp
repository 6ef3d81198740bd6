// Cron schedules of deployed flows (g.schedule): checked when the flow is linted, so a bad one is
// reported by `check` and before anything is deployed, not by the scheduler days later.
#pragma once

#include <string>
#include <string_view>

#include "conflux/status.hpp"

namespace conflux {

// The five-field cron expression (minute hour day-of-month month day-of-week) that `text` stands
// for: "hourly", "daily" and "weekly" (and @hourly, ...) are expanded, a five-field expression is
// checked field by field (numbers in range, lists, ranges, steps, month and day names, `?`).
// The error names the field that is wrong.
Result<std::string> normalize_cron(std::string_view text);

}  // namespace conflux
