// The two time formats S3 answers with: ISO 8601 in listings (<LastModified>2026-12-06T23:16:43.000Z)
// and the HTTP date of a Last-Modified header (Sun, 06 Dec 2026 23:16:43 GMT). Both are UTC.
//
// Thread safety: pure functions.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace conflux {

// nullopt if `text` is not in that format.
std::optional<std::chrono::system_clock::time_point> parse_iso8601_utc(std::string_view text);
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text);

}  // namespace conflux
