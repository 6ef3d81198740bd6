#include "datastore/storage_key.hpp"

namespace conflux {

namespace {

bool is_bad_component(std::string_view c) { return c.empty() || c == "." || c == ".."; }

}  // namespace

Status check_storage_key(std::string_view key) {
  if (key.empty()) return Status::invalid_argument("empty storage key");
  if (key.find('\0') != std::string_view::npos) {
    return Status::invalid_argument("storage key contains a NUL byte");
  }
  size_t start = 0;
  while (true) {
    size_t slash = key.find('/', start);
    std::string_view part =
        key.substr(start, slash == std::string_view::npos ? key.npos : slash - start);
    if (is_bad_component(part)) {
      return Status::invalid_argument("invalid storage key '" + std::string(key) +
                                      "': empty, '.' or '..' component");
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return Status();
}

Status check_key_component(std::string_view name, std::string_view what) {
  if (is_bad_component(name) || name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos) {
    return Status::invalid_argument("invalid " + std::string(what) + " '" + std::string(name) +
                                    "': must be non-empty, not '.' or '..', without '/'");
  }
  return Status();
}

std::string join_key(std::initializer_list<std::string_view> parts) {
  size_t n = 0;
  for (std::string_view p : parts) n += p.size() + 1;
  std::string out;
  out.reserve(n);
  for (std::string_view p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

}  // namespace conflux
