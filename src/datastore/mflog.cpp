#include "datastore/mflog.hpp"

#include <algorithm>
#include <tuple>

#include "datastore/random_bits.hpp"

namespace conflux {

namespace {

constexpr std::string_view kMissingTimestamp = "3000-01-01T00:00:00.000000";

void append_digits(std::string& out, unsigned value, int width) {
  char buf[8];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out.append(buf, static_cast<size_t>(width));
}

// Reads 1..max_digits digits at s[pos]; strptime-style.
bool read_number(std::string_view s, size_t& pos, size_t min_digits, size_t max_digits,
                 unsigned* out) {
  size_t n = 0;
  unsigned v = 0;
  while (pos + n < s.size() && n < max_digits && s[pos + n] >= '0' && s[pos + n] <= '9') {
    v = v * 10 + static_cast<unsigned>(s[pos + n] - '0');
    ++n;
  }
  if (n < min_digits) return false;
  pos += n;
  *out = v;
  return true;
}

bool expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

// strptime(ts, "%Y-%m-%dT%H:%M:%S.%f") followed by datetime validation.
std::optional<MflogClock::time_point> parse_timestamp(std::string_view s) {
  using namespace std::chrono;
  size_t pos = 0;
  unsigned y, mo, d, h, mi, sec, frac;
  if (!read_number(s, pos, 4, 4, &y) || !expect(s, pos, '-') || !read_number(s, pos, 1, 2, &mo) ||
      !expect(s, pos, '-') || !read_number(s, pos, 1, 2, &d) || !expect(s, pos, 'T') ||
      !read_number(s, pos, 1, 2, &h) || !expect(s, pos, ':') || !read_number(s, pos, 1, 2, &mi) ||
      !expect(s, pos, ':') || !read_number(s, pos, 1, 2, &sec) || !expect(s, pos, '.')) {
    return std::nullopt;
  }
  const size_t frac_start = pos;
  if (!read_number(s, pos, 1, 6, &frac) || pos != s.size()) return std::nullopt;
  for (size_t digits = pos - frac_start; digits < 6; ++digits) frac *= 10;
  if (y < 1 || h > 23 || mi > 59 || sec > 59) return std::nullopt;
  const year_month_day ymd{year(static_cast<int>(y)), month(mo), day(d)};
  if (!ymd.ok()) return std::nullopt;
  const auto tp = sys_days(ymd) + hours(h) + minutes(mi) + seconds(sec) + microseconds(frac);
  return time_point_cast<MflogClock::duration>(tp);
}

bool key_less(const MflogLine& a, const MflogLine& b) {
  return std::tie(a.timestamp, a.should_persist, a.source, a.id, a.msg) <
         std::tie(b.timestamp, b.should_persist, b.source, b.id, b.msg);
}

}  // namespace

std::string mflog_timestamp(MflogClock::time_point t) {
  using namespace std::chrono;
  const auto us = floor<microseconds>(t);
  const auto day_start = floor<days>(us);
  const year_month_day ymd{day_start};
  const hh_mm_ss hms{us - day_start};
  std::string out;
  out.reserve(26);
  append_digits(out, static_cast<unsigned>(static_cast<int>(ymd.year())), 4);
  out += '-';
  append_digits(out, static_cast<unsigned>(ymd.month()), 2);
  out += '-';
  append_digits(out, static_cast<unsigned>(ymd.day()), 2);
  out += 'T';
  append_digits(out, static_cast<unsigned>(hms.hours().count()), 2);
  out += ':';
  append_digits(out, static_cast<unsigned>(hms.minutes().count()), 2);
  out += ':';
  append_digits(out, static_cast<unsigned>(hms.seconds().count()), 2);
  out += '.';
  append_digits(out, static_cast<unsigned>(hms.subseconds().count()), 6);
  return out;
}

std::string mflog_line_id() {
  uint64_t hi = random_u64();
  uint64_t lo = random_u64();
  hi = (hi & ~uint64_t{0xf000}) | 0x4000;                      // version 4
  lo = (lo & ~(uint64_t{0xc} << 60)) | (uint64_t{0x8} << 60);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 15; i >= 0; --i) {
    out += kHex[(hi >> (i * 4)) & 0xf];
    if (i == 8 || i == 4) out += '-';
  }
  out += '-';
  for (int i = 15; i >= 0; --i) {
    out += kHex[(lo >> (i * 4)) & 0xf];
    if (i == 12) out += '-';
  }
  return out;
}

void append_mflog_line(std::string& out, std::string_view source, std::string_view line,
                       MflogClock::time_point now, std::string_view id) {
  out += "[MFLOG|0|";
  out += mflog_timestamp(now);
  out += "Z|";
  out += source;
  out += '|';
  out += id;
  out += ']';
  out += line;
}

void append_mflog_line(std::string& out, std::string_view source, std::string_view line) {
  append_mflog_line(out, source, line, MflogClock::now(), mflog_line_id());
}

std::optional<MflogLine> parse_mflog_line(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  MflogLine out;
  size_t pos = 0;
  if (line.starts_with("[!")) {
    out.should_persist = true;
    pos = 2;
  }
  constexpr std::string_view kHead = "[MFLOG|0|";
  if (line.substr(pos, kHead.size()) != kHead) return std::nullopt;
  pos += kHead.size();
  // The regex (.+?)Z\|(.+?)\|(.+?)\](.*): shortest timestamp, then shortest source, then shortest
  // id that let the whole pattern match.
  for (size_t ts_end = line.find("Z|", pos + 1); ts_end != std::string_view::npos;
       ts_end = line.find("Z|", ts_end + 1)) {
    const size_t src_start = ts_end + 2;
    const size_t src_end = line.find('|', src_start + 1);
    if (src_end == std::string_view::npos) continue;
    const size_t id_end = line.find(']', src_end + 2);
    if (id_end == std::string_view::npos) continue;
    out.timestamp = std::string(line.substr(pos, ts_end - pos));
    out.source = std::string(line.substr(src_start, src_end - src_start));
    out.id = std::string(line.substr(src_end + 1, id_end - src_end - 1));
    out.msg = std::string(line.substr(id_end + 1));
    out.utc = parse_timestamp(out.timestamp);
    if (!out.utc.has_value()) return std::nullopt;  // like mflog.parse: strptime failure => None
    out.structured = true;
    return out;
  }
  return std::nullopt;
}

std::vector<MflogLine> merge_mflogs(const std::vector<std::string_view>& blobs) {
  // One stable sort of all lines in blob order equals Metaflow's per-blob sort + stable heap merge.
  std::vector<MflogLine> all;
  for (std::string_view blob : blobs) {
    size_t start = 0;
    while (start < blob.size()) {
      size_t nl = blob.find('\n', start);
      const size_t end = nl == std::string_view::npos ? blob.size() : nl;
      std::string_view raw = blob.substr(start, end - start);
      start = nl == std::string_view::npos ? blob.size() : nl + 1;
      std::optional<MflogLine> parsed = parse_mflog_line(raw);
      if (!parsed.has_value()) {
        parsed.emplace();
        parsed->timestamp = std::string(kMissingTimestamp);
        parsed->msg = std::string(raw);
      }
      all.push_back(std::move(*parsed));
    }
  }
  std::stable_sort(all.begin(), all.end(), key_less);
  return all;
}

}  // namespace conflux
