// Pathspec parsing: "Flow/run/step/task/artifact" and its prefixes.
#include <array>

#include "conflux/client_objects.hpp"

namespace conflux {

namespace {

constexpr std::array<std::string_view, 5> kForms = {
    "FLOW", "FLOW/RUN_ID", "FLOW/RUN_ID/STEP", "FLOW/RUN_ID/STEP/TASK_ID",
    "FLOW/RUN_ID/STEP/TASK_ID/ARTIFACT"};
constexpr std::array<std::string_view, 5> kKinds = {"flow", "run", "step", "task", "artifact"};

}  // namespace

std::string Pathspec::to_string() const {
  std::string out = flow;
  const std::string* parts[] = {&run_id, &step, &task_id, &artifact};
  for (int i = 1; i < depth; ++i) out += "/" + *parts[i - 1];
  return out;
}

std::string Pathspec::parent() const {
  if (depth <= 1) return "";
  Pathspec p = *this;
  p.depth = depth - 1;
  return p.to_string();
}

std::string_view Pathspec::kind() const {
  return depth >= 1 && depth <= 5 ? kKinds[depth - 1] : std::string_view("object");
}

Result<Pathspec> Pathspec::parse(std::string_view text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t slash = text.find('/', start);
    parts.emplace_back(text.substr(start, slash == std::string_view::npos ? text.size() - start
                                                                          : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() > 5) {
    return Status::invalid_argument("invalid pathspec '" + std::string(text) +
                                    "': at most 5 components (" + std::string(kForms[4]) + ")");
  }
  for (const std::string& p : parts) {
    if (p.empty()) {
      return Status::invalid_argument("invalid pathspec '" + std::string(text) +
                                      "': empty component (expected " +
                                      std::string(kForms[parts.size() - 1]) + ")");
    }
  }
  Pathspec out;
  out.depth = static_cast<int>(parts.size());
  std::string* fields[] = {&out.flow, &out.run_id, &out.step, &out.task_id, &out.artifact};
  for (size_t i = 0; i < parts.size(); ++i) *fields[i] = parts[i];
  return out;
}

Result<Pathspec> Pathspec::parse(std::string_view text, int depth) {
  Result<Pathspec> parsed = parse(text);
  if (!parsed.ok() || parsed->depth != depth) {
    return Status::invalid_argument("invalid pathspec '" + std::string(text) + "' for a " +
                                    std::string(kKinds[depth - 1]) + ": expected " +
                                    std::string(kForms[depth - 1]));
  }
  return parsed;
}

}  // namespace conflux
