#include "datastore/s3/s3_time.hpp"

#include <array>
#include <charconv>
#include <string>

namespace conflux {

namespace {

// Reads exactly `digits` digits at text[*pos].
std::optional<int> read_number(std::string_view text, size_t* pos, size_t digits) {
  if (*pos + digits > text.size()) return std::nullopt;
  int value = 0;
  auto [end, ec] = std::from_chars(text.data() + *pos, text.data() + *pos + digits, value);
  if (ec != std::errc() || end != text.data() + *pos + digits) return std::nullopt;
  *pos += digits;
  return value;
}

bool expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

struct Clock {
  int h, mi, s;
};

// "HH:MM:SS" at text[*pos].
std::optional<Clock> read_clock(std::string_view text, size_t* pos) {
  auto h = read_number(text, pos, 2);
  if (!h || !expect(text, pos, ':')) return std::nullopt;
  auto mi = read_number(text, pos, 2);
  if (!mi || !expect(text, pos, ':')) return std::nullopt;
  auto s = read_number(text, pos, 2);
  if (!s) return std::nullopt;
  return Clock{*h, *mi, *s};
}

std::optional<std::chrono::system_clock::time_point> make_time(int y, int mo, int d, int h, int mi,
                                                               int s, int ms) {
  using namespace std::chrono;
  year_month_day ymd{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 60) return std::nullopt;
  return system_clock::time_point(sys_days(ymd).time_since_epoch() + hours(h) + minutes(mi) +
                                  seconds(s) + milliseconds(ms));
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_iso8601_utc(std::string_view text) {
  size_t pos = 0;
  auto y = read_number(text, &pos, 4);
  if (!y || !expect(text, &pos, '-')) return std::nullopt;
  auto mo = read_number(text, &pos, 2);
  if (!mo || !expect(text, &pos, '-')) return std::nullopt;
  auto d = read_number(text, &pos, 2);
  if (!d || !expect(text, &pos, 'T')) return std::nullopt;
  auto clock = read_clock(text, &pos);
  if (!clock) return std::nullopt;
  int ms = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    std::string frac(text.substr(start, pos - start));
    if (frac.empty()) return std::nullopt;
    frac.resize(3, '0');
    ms = std::stoi(frac);
  }
  if (!expect(text, &pos, 'Z') || pos != text.size()) return std::nullopt;
  return make_time(*y, *mo, *d, clock->h, clock->mi, clock->s, ms);
}

std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text) {
  // "Sun, 06 Dec 2026 23:16:43 GMT" (RFC 7231's IMF-fixdate, what S3 sends).
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() != 29 || text.substr(3, 2) != ", " || text.substr(25) != " GMT") return std::nullopt;
  size_t pos = 5;
  auto d = read_number(text, &pos, 2);
  if (!d || !expect(text, &pos, ' ')) return std::nullopt;
  int mo = 0;
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (text.substr(pos, 3) == kMonths[i]) mo = static_cast<int>(i) + 1;
  }
  pos += 3;
  if (mo == 0 || !expect(text, &pos, ' ')) return std::nullopt;
  auto y = read_number(text, &pos, 4);
  if (!y || !expect(text, &pos, ' ')) return std::nullopt;
  auto clock = read_clock(text, &pos);
  if (!clock) return std::nullopt;
  return make_time(*y, mo, *d, clock->h, clock->mi, clock->s, 0);
}

}  // namespace conflux
