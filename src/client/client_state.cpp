#include "client/client_state.hpp"

#include <algorithm>
#include <set>

#include "datastore/task_datastore.hpp"

namespace conflux::client_detail {

namespace {

std::vector<std::string> sorted_unique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

ObjectCore make_core(const StatePtr& state, Pathspec path, const std::string& user_name,
                     const std::vector<std::string>& tags,
                     const std::vector<std::string>& system_tags, int64_t ts_epoch) {
  ObjectCore core;
  core.state = state;
  core.path = std::move(path);
  core.user_name = user_name;
  core.user_tags = sorted_unique(tags);
  core.system_tags = sorted_unique(system_tags);
  std::vector<std::string> all = core.user_tags;
  all.insert(all.end(), core.system_tags.begin(), core.system_tags.end());
  core.tags = sorted_unique(std::move(all));
  core.created_at = time_from_ms(ts_epoch);
  return core;
}

std::string capitalized(std::string_view kind) {
  std::string out(kind);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

}  // namespace

StatePtr global_state(const StatePtr& state) {
  if (state->ns.is_global()) return state;
  auto copy = std::make_shared<ClientState>(*state);
  copy->ns = Namespace::global();
  return copy;
}

ClientTime time_from_ms(int64_t ms) { return ClientTime(std::chrono::milliseconds(ms)); }

ObjectCore flow_core(const StatePtr& state, const FlowRecord& record) {
  Pathspec path;
  path.flow = record.flow_id;
  path.depth = 1;
  return make_core(state, std::move(path), "", {}, {}, record.ts_epoch);
}

ObjectCore run_core(const StatePtr& state, const RunRecord& record) {
  Pathspec path;
  path.flow = record.flow_id;
  path.run_id = record.run_number;
  path.depth = 2;
  return make_core(state, std::move(path), record.user_name, record.tags, record.system_tags,
                   record.ts_epoch);
}

ObjectCore step_core(const StatePtr& state, const StepRecord& record) {
  Pathspec path;
  path.flow = record.flow_id;
  path.run_id = record.run_number;
  path.step = record.step_name;
  path.depth = 3;
  return make_core(state, std::move(path), record.user_name, record.tags, record.system_tags,
                   record.ts_epoch);
}

ObjectCore task_core(const StatePtr& state, const TaskRecord& record) {
  Pathspec path;
  path.flow = record.flow_id;
  path.run_id = record.run_number;
  path.step = record.step_name;
  path.task_id = record.task_id;
  path.depth = 4;
  return make_core(state, std::move(path), record.user_name, record.tags, record.system_tags,
                   record.ts_epoch);
}

Status namespace_mismatch(std::string_view kind, const std::string& pathspec,
                          const Namespace& ns) {
  return Status::failed_precondition(capitalized(kind) + " '" + pathspec +
                                     "' is not in namespace '" + ns.to_string() + "'" +
                                     kSwitchNamespaceHint);
}

Status check_namespace(std::string_view kind, const ObjectCore& core) {
  const Namespace& ns = core.state->ns;
  if (ns.contains(core.tags)) return Status();
  return namespace_mismatch(kind, core.path.to_string(), ns);
}

Status lookup_error(std::string_view kind, const std::string& pathspec, const Status& status) {
  if (status.is_not_found()) {
    return Status::not_found(capitalized(kind) + " '" + pathspec + "' does not exist");
  }
  return status.with_context(std::string(kind) + " '" + pathspec + "'");
}

bool has_all_tags(const std::vector<std::string>& tags, const std::vector<std::string>& wanted) {
  return std::all_of(wanted.begin(), wanted.end(), [&](const std::string& t) {
    return std::find(tags.begin(), tags.end(), t) != tags.end();
  });
}

bool id_less(const std::string& a, const std::string& b) {
  auto numeric = [](const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  bool na = numeric(a), nb = numeric(b);
  if (na != nb) return na;  // numeric ids first
  if (na && a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

Status check_attempt(int attempt) {
  if (attempt < 0 || attempt >= TaskDataStore::kMaxAttempts) {
    return Status::invalid_argument("attempt " + std::to_string(attempt) + " is out of range: " +
                                    "attempts are numbered 0 to " +
                                    std::to_string(TaskDataStore::kMaxAttempts - 1));
  }
  return Status();
}

}  // namespace conflux::client_detail
