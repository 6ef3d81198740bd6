// Task lineage (Metaflow's Task.parent_task_pathspecs / child_task_pathspecs).
//
// Metaflow finds the steps before (or after) a task's step in the `_graph_info` artifact, then
// keeps those steps' tasks whose "foreach-execution-path" metadata ("outer:0,inner:1": the
// step:index of every foreach frame) matches a pattern derived from this task's path and the
// step types: any task, the same path, a path cut to the enclosing foreach, or a path one foreach
// deeper. We follow the same rules with two deliberate differences:
//  * a task without that metadata (Conflux's runtime does not write it) gets its path from its
//    `_foreach_stack` artifact, which holds the same frames;
//  * paths are compared exactly (Metaflow's regex.match would also let "a:1" match "a:10"),
//    and a task is never its own parent or child (a switch step that loops to itself).
#include <algorithm>
#include <map>

#include "client/client_state.hpp"

namespace conflux {

namespace {

struct StepShape {
  std::string type;
  std::vector<std::string> next;
};

using GraphShape = std::vector<std::pair<std::string, StepShape>>;  // in _graph_info order

enum class Match { kAny, kExact, kDeeper };

struct PathPattern {
  Match match = Match::kAny;
  std::string path;

  bool matches(const std::string& candidate) const {
    switch (match) {
      case Match::kAny: return true;
      case Match::kExact: return candidate == path;
      case Match::kDeeper: return candidate.starts_with(path + ",");
    }
    return false;
  }
};

Result<GraphShape> load_graph(const Task& task) {
  CONFLUX_ASSIGN_OR_RETURN(Value info, task.artifact_value("_graph_info"));
  const Value* steps = info.get("steps");
  if (steps == nullptr || !steps->is_dict()) {
    return Status::corruption("task '" + task.pathspec() + "': _graph_info has no 'steps'");
  }
  GraphShape out;
  for (const auto& [key, node] : steps->as_dict()) {
    if (!key.is_str() || !node.is_dict()) continue;
    StepShape shape;
    if (const Value* type = node.get("type"); type != nullptr && type->is_str()) {
      shape.type = type->as_str();
    }
    if (const Value* next = node.get("next");
        next != nullptr && (next->is_list() || next->is_tuple())) {
      for (const Value& n : next->items()) {
        if (n.is_str()) shape.next.push_back(n.as_str());
      }
    }
    out.emplace_back(key.as_str(), std::move(shape));
  }
  return out;
}

const StepShape* find_step(const GraphShape& graph, const std::string& name) {
  for (const auto& [n, shape] : graph) {
    if (n == name) return &shape;
  }
  return nullptr;
}

std::vector<std::string> previous_steps(const GraphShape& graph, const std::string& step) {
  std::vector<std::string> out;
  for (const auto& [name, shape] : graph) {
    if (std::find(shape.next.begin(), shape.next.end(), step) != shape.next.end()) {
      out.push_back(name);
    }
  }
  return out;
}

bool is_foreach_split(const std::string& type) {
  return type == "split-foreach" || type == "split-parallel";
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t comma = path.find(',', start);
    if (comma == std::string::npos) comma = path.size();
    out.push_back(path.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::string first_components(const std::string& path, size_t n) {
  std::vector<std::string> parts = split_path(path);
  std::string out;
  for (size_t i = 0; i < n && i < parts.size(); ++i) out += (i ? "," : "") + parts[i];
  return out;
}

// The pattern a neighbour's path must match. `toward_parent`: looking at previous steps.
PathPattern neighbour_pattern(const GraphShape& graph, const std::string& step,
                              const std::vector<std::string>& steps, const std::string& current,
                              bool toward_parent) {
  if (steps.size() > 1) {  // static join (parents) or static split (children)
    return current.empty() ? PathPattern{} : PathPattern{Match::kExact, current};
  }
  if (current.empty()) return PathPattern{};
  const StepShape* self = find_step(graph, step);
  const std::string type = self != nullptr ? self->type : "";
  size_t depth = split_path(current).size();
  const StepShape* other = find_step(graph, steps.front());
  std::string other_type = other != nullptr ? other->type : "";
  if (toward_parent) {
    if (type == "join") return {Match::kDeeper, current};  // a foreach join's inputs
    if (is_foreach_split(other_type)) {
      if (depth == 1) return PathPattern{};
      return {Match::kExact, first_components(current, depth - 1)};
    }
    return {Match::kExact, current};
  }
  if (is_foreach_split(type)) return {Match::kDeeper, current};
  if (previous_steps(graph, steps.front()).size() > 1) other_type = "static-join";
  if (other_type == "join") {
    if (depth == 1) return PathPattern{};
    return {Match::kExact, first_components(current, depth - 1)};
  }
  return {Match::kExact, current};
}

Result<std::vector<std::string>> neighbours(const Task& task, bool toward_parent) {
  CONFLUX_ASSIGN_OR_RETURN(GraphShape graph, load_graph(task));
  const std::string& step = task.path().step;
  std::vector<std::string> steps;
  if (toward_parent) {
    steps = previous_steps(graph, step);
  } else if (const StepShape* self = find_step(graph, step)) {
    steps = self->next;
  }
  if (steps.empty()) return std::vector<std::string>();
  CONFLUX_ASSIGN_OR_RETURN(std::string current, task.foreach_execution_path());
  PathPattern pattern = neighbour_pattern(graph, step, steps, current, toward_parent);

  const client_detail::StatePtr state = client_detail::global_state(task.core().state);
  const Pathspec& p = task.path();
  std::vector<std::string> out;
  for (const std::string& s : steps) {
    Result<std::vector<TaskRecord>> records = state->metadata().list_tasks(p.flow, p.run_id, s);
    if (!records.ok()) return records.status();
    std::sort(records->begin(), records->end(), [](const TaskRecord& a, const TaskRecord& b) {
      return client_detail::id_less(a.task_id, b.task_id);
    });
    for (const TaskRecord& record : *records) {
      Task candidate(client_detail::task_core(state, record), std::nullopt);
      if (candidate.pathspec() == task.pathspec()) continue;
      if (pattern.match != Match::kAny) {
        CONFLUX_ASSIGN_OR_RETURN(std::string path, candidate.foreach_execution_path());
        if (!pattern.matches(path)) continue;
      }
      out.push_back(candidate.pathspec());
    }
  }
  return out;
}

Result<std::vector<Task>> tasks_of(const Task& task, const std::vector<std::string>& pathspecs) {
  Client global(client_detail::global_state(task.core().state));
  std::vector<Task> out;
  for (const std::string& p : pathspecs) {
    CONFLUX_ASSIGN_OR_RETURN(Task t, global.task(p));
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> Task::parent_task_pathspecs() const {
  return neighbours(*this, true);
}

Result<std::vector<std::string>> Task::child_task_pathspecs() const {
  return neighbours(*this, false);
}

Result<std::vector<Task>> Task::parent_tasks() const {
  CONFLUX_ASSIGN_OR_RETURN(std::vector<std::string> pathspecs, parent_task_pathspecs());
  return tasks_of(*this, pathspecs);
}

Result<std::vector<Task>> Task::child_tasks() const {
  CONFLUX_ASSIGN_OR_RETURN(std::vector<std::string> pathspecs, child_task_pathspecs());
  return tasks_of(*this, pathspecs);
}

}  // namespace conflux
