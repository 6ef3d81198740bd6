#include "flow/schedule.hpp"

#include <array>
#include <cctype>
#include <sstream>
#include <vector>

namespace conflux {

namespace {

struct CronField {
  const char* name;
  int min;
  int max;
  std::vector<std::string> names;  // names for min, min+1, ... (months, days)
  bool allows_question_mark;
};

const std::array<CronField, 5>& cron_fields() {
  static const std::array<CronField, 5> fields = {{
      {"minute", 0, 59, {}, false},
      {"hour", 0, 23, {}, false},
      {"day of month", 1, 31, {}, true},
      {"month", 1, 12, {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}, false},
      // 7 is Sunday too, as in most crons (Argo's included).
      {"day of week", 0, 7, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}, true},
  }};
  return fields;
}

bool parse_number(const CronField& f, std::string text, int* out) {
  if (text.empty()) return false;
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (size_t i = 0; i < f.names.size(); ++i) {
    if (text == f.names[i]) {
      *out = f.min + static_cast<int>(i);
      return true;
    }
  }
  if (text.size() > 2) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  *out = std::stoi(text);
  return *out >= f.min && *out <= f.max;
}

Status check_field(const CronField& f, const std::string& field) {
  auto bad = [&](const std::string& why) {
    return Status::invalid_argument("the " + std::string(f.name) + " field '" + field + "' " + why);
  };
  if (field == "?") {
    if (!f.allows_question_mark) return bad("cannot be '?' (only the day fields can)");
    return Status();
  }
  std::stringstream items(field);
  std::string item;
  while (std::getline(items, item, ',')) {
    std::string range = item;
    if (size_t slash = item.find('/'); slash != std::string::npos) {
      range = item.substr(0, slash);
      std::string step = item.substr(slash + 1);
      bool digits = !step.empty() && step.size() <= 2;
      for (char c : step) digits = digits && std::isdigit(static_cast<unsigned char>(c));
      if (!digits || std::stoi(step) == 0) return bad("has an invalid step '/" + step + "'");
    }
    if (range == "*") continue;
    size_t dash = range.find('-');
    int lo = 0;
    int hi = 0;
    if (!parse_number(f, range.substr(0, dash), &lo) ||
        (dash != std::string::npos && !parse_number(f, range.substr(dash + 1), &hi))) {
      return bad("is not valid: use numbers from " + std::to_string(f.min) + " to " + std::to_string(f.max) +
                 (f.names.empty() ? "" : " or names such as " + f.names.front()) + ", '*', lists, ranges and steps");
    }
    if (dash != std::string::npos && hi < lo) return bad("has a range that runs backwards");
  }
  if (field.empty() || field.back() == ',') return bad("has an empty item");
  return Status();
}

}  // namespace

Result<std::string> normalize_cron(std::string_view text) {
  std::string t(text);
  if (!t.empty() && t.front() == '@') t.erase(0, 1);
  if (t == "hourly") return std::string("0 * * * *");
  if (t == "daily") return std::string("0 0 * * *");
  if (t == "weekly") return std::string("0 0 * * 0");
  std::vector<std::string> fields;
  std::stringstream in{std::string(text)};
  for (std::string f; in >> f;) fields.push_back(f);
  if (fields.size() != 5) {
    return Status::invalid_argument("schedule '" + std::string(text) + "' is not a cron expression: give five fields "
                                    "(minute hour day-of-month month day-of-week, e.g. \"0 6 * * *\") or hourly, "
                                    "daily, weekly; it has " + std::to_string(fields.size()));
  }
  std::string normalized;
  for (size_t i = 0; i < fields.size(); ++i) {
    Status s = check_field(cron_fields()[i], fields[i]);
    if (!s.ok()) return Status::invalid_argument("schedule '" + std::string(text) + "': " + s.message());
    normalized += (i ? " " : "") + fields[i];
  }
  return normalized;
}

}  // namespace conflux
