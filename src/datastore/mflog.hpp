// mflog: Metaflow's structured log lines, "[MFLOG|0|<UTC ISO timestamp>Z|<source>|<id>]<message>"
// (metaflow/mflog/mflog.py), used for every task log file so Metaflow's client can merge and show
// them.
//
// decorate() produces a line exactly like mflog.decorate; parse_mflog_line() accepts what
// mflog.parse accepts (including the "[!" should-persist marker) and rejects the rest;
// merge_mflogs() orders the lines of several log files like mflog.merge_logs. All functions are
// thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conflux {

inline constexpr std::string_view kMflogRuntimeSource = "runtime";  // lines minted by the runtime
inline constexpr std::string_view kMflogTaskSource = "task";        // lines minted inside the task

using MflogClock = std::chrono::system_clock;

// "2026-11-29T06:17:36.780848": UTC, always six fractional digits, no trailing 'Z'.
std::string mflog_timestamp(MflogClock::time_point t);

// A random (version 4) UUID in canonical text form, the default line id.
std::string mflog_line_id();

// Appends "[MFLOG|0|<ts>Z|<source>|<id>]<line>" to `out`. `line` is copied verbatim: include its
// trailing '\n' if the line should end with one (Metaflow passes lines as read, newline included).
void append_mflog_line(std::string& out, std::string_view source, std::string_view line,
                       MflogClock::time_point now, std::string_view id);

// Same, with the current time and a fresh id.
void append_mflog_line(std::string& out, std::string_view source, std::string_view line);

struct MflogLine {
  bool structured = false;      // false: not an mflog line; only `msg` (the raw line) is set
  bool should_persist = false;  // the line started with "[!"
  std::string timestamp;        // as written, without the 'Z'
  std::optional<MflogClock::time_point> utc;  // parsed timestamp (microsecond precision)
  std::string source;
  std::string id;
  std::string msg;  // the text after ']', without the line's '\n'
};

// Parses one line (a trailing '\n' is ignored). nullopt if it is not a valid mflog line.
std::optional<MflogLine> parse_mflog_line(std::string_view line);

// Splits each blob into lines and merges them: lines sorted by timestamp text (ties broken like
// Python's tuple order: persist flag, source, id, message), blobs merged stably in argument order;
// lines that are not mflog lines sort last (Metaflow gives them the year 3000), with
// structured == false.
std::vector<MflogLine> merge_mflogs(const std::vector<std::string_view>& blobs);

}  // namespace conflux
