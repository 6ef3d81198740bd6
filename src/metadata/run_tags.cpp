#include "metadata/run_tags.hpp"

#include <algorithm>
#include <set>

namespace conflux {

namespace {

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// Number of code points, or npos if `s` is not valid UTF-8.
size_t utf8_length(const std::string& s) {
  size_t count = 0;
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t len = b < 0x80                   ? 1
                 : (b >= 0xc2 && b <= 0xdf) ? 2
                 : (b >= 0xe0 && b <= 0xef) ? 3
                 : (b >= 0xf0 && b <= 0xf4) ? 4
                                            : 0;
    if (len == 0 || i + len > s.size()) return std::string::npos;
    uint32_t cp = len == 1 ? b : len == 2 ? (b & 0x1f) : len == 3 ? (b & 0x0f) : (b & 0x07);
    for (size_t k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xc0) != 0x80) return std::string::npos;
      cp = (cp << 6) | (c & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::string::npos;
    i += len;
    ++count;
  }
  return count;
}

}  // namespace

Status validate_tag(const std::string& tag) {
  const size_t len = utf8_length(tag);
  if (len == std::string::npos) return Status::invalid_argument("tags must be valid UTF-8");
  if (len == 0) return Status::invalid_argument("tags must not be empty strings");
  if (len > kMaxTagLength) {
    return Status::invalid_argument("tag is too long: " + std::to_string(len) + " > " +
                                    std::to_string(kMaxTagLength) + " characters");
  }
  return Status();
}

Status validate_user_tags(const std::vector<std::string>& tags,
                          const std::vector<std::string>& existing) {
  const std::set<std::string> next(tags.begin(), tags.end());
  if (next.size() > kMaxUserTags) {
    const std::set<std::string> before(existing.begin(), existing.end());
    if (before.size() < next.size()) {
      return Status::invalid_argument("cannot increase the size of a run's tag set beyond " +
                                      std::to_string(kMaxUserTags));
    }
  }
  for (const std::string& tag : next) CONFLUX_RETURN_IF_ERROR(validate_tag(tag));
  return Status();
}

Result<TagMutation> plan_tag_mutation(const RunRecord& run, const std::vector<std::string>& to_add,
                                      const std::vector<std::string>& to_remove) {
  std::vector<std::string> system_removed;
  for (const std::string& t : to_remove) {
    if (contains(run.system_tags, t) && !contains(system_removed, t)) system_removed.push_back(t);
  }
  if (!system_removed.empty()) {
    std::sort(system_removed.begin(), system_removed.end());
    std::string names;
    for (const std::string& t : system_removed) names += (names.empty() ? "'" : ", '") + t + "'";
    return Status::invalid_argument("cannot remove system tags of run '" + run.flow_id + "/" +
                                    run.run_number + "': " + names);
  }
  TagMutation m;
  for (const std::string& t : to_add) {
    if (!contains(run.system_tags, t) && !contains(m.added, t)) m.added.push_back(t);
  }
  for (const std::string& t : run.tags) {
    if (!contains(to_remove, t) && !contains(m.tags, t)) m.tags.push_back(t);
  }
  for (const std::string& t : m.added) {
    if (!contains(m.tags, t)) m.tags.push_back(t);
  }
  const std::set<std::string> before(run.tags.begin(), run.tags.end());
  const std::set<std::string> after(m.tags.begin(), m.tags.end());
  m.changed = before != after;
  if (m.changed) CONFLUX_RETURN_IF_ERROR(validate_user_tags(m.tags, run.tags));
  return m;
}

bool tag_mutation_applied(const std::vector<std::string>& final_tags, const TagMutation& mutation,
                          const std::vector<std::string>& to_remove) {
  for (const std::string& t : mutation.added) {
    if (!contains(final_tags, t)) return false;
  }
  for (const std::string& t : to_remove) {
    if (contains(final_tags, t) && !contains(mutation.added, t)) return false;
  }
  return true;
}

}  // namespace conflux
