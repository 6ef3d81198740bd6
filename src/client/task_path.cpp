#include "client/task_path.hpp"

#include <algorithm>

namespace conflux {

namespace {

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

bool numeric_less(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

}  // namespace

Result<std::vector<TaskRef>> resolve_task_path(StorageBackend& storage, const std::string& flow,
                                               const std::string& path) {
  std::vector<std::string> parts = split(path);
  if (parts.size() < 2 || parts.size() > 3 ||
      std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return p.empty(); })) {
    return Status::invalid_argument("'" + path + "' should be RUN/STEP or RUN/STEP/TASK");
  }
  const std::string& run = parts[0];
  const std::string& step = parts[1];
  // The datastore holds every run's task files, whichever metadata provider registered it.
  CONFLUX_ASSIGN_OR_RETURN(auto run_entries, storage.list(flow + "/" + run));
  if (run_entries.empty()) return Status::not_found("run " + flow + "/" + run + " does not exist");
  CONFLUX_ASSIGN_OR_RETURN(auto tasks, storage.list(flow + "/" + run + "/" + step));
  std::vector<TaskRef> out;
  for (const auto& entry : tasks) {
    if (entry.is_file || entry.name == "_meta") continue;
    if (parts.size() == 3 && entry.name != parts[2]) continue;
    out.push_back({flow, run, step, entry.name});
  }
  if (out.empty()) {
    if (parts.size() == 3) return Status::not_found("task " + flow + "/" + path + " does not exist");
    return Status::not_found("step " + flow + "/" + run + "/" + step + " has no tasks");
  }
  std::sort(out.begin(), out.end(), [](const TaskRef& a, const TaskRef& b) { return numeric_less(a.task_id, b.task_id); });
  return out;
}

}  // namespace conflux
