#include "service/router.hpp"

#include "service/ui_api/ui_api.hpp"

namespace conflux::service {

namespace {

struct Route {
  const char* method;
  const char* pattern;
  ApiHandler handler;
};

const Route kRoutes[] = {
    {"GET", "/ping", ping},
    {"GET", "/version", version},
    {"GET", "/healthcheck", healthcheck},
    {"GET", "/auth/token", auth_token},
    {"GET", "/flows", get_all_flows},
    {"GET", "/flows/{flow_id}", get_flow},
    {"POST", "/flows/{flow_id}", create_flow},
    {"GET", "/flows/{flow_id}/runs", get_all_runs},
    {"GET", "/flows/{flow_id}/runs/{run_number}", get_run},
    {"DELETE", "/flows/{flow_id}/runs/{run_number}", delete_run},
    {"POST", "/flows/{flow_id}/run", create_run},
    {"POST", "/flows/{flow_id}/runs/{run_number}/heartbeat", run_heartbeat},
    {"PATCH", "/flows/{flow_id}/runs/{run_number}/tag/mutate", mutate_run_tags},
    {"GET", "/flows/{flow_id}/runs/{run_number}/steps", get_steps},
    {"GET", "/flows/{flow_id}/runs/{run_number}/steps/{step_name}", get_step},
    {"POST", "/flows/{flow_id}/runs/{run_number}/steps/{step_name}/step", create_step},
    {"GET", "/flows/{flow_id}/runs/{run_number}/steps/{step_name}/tasks", get_tasks},
    {"GET", "/flows/{flow_id}/runs/{run_number}/steps/{step_name}/filtered_tasks", get_filtered_tasks},
    {"GET", "/flows/{flow_id}/runs/{run_number}/steps/{step_name}/tasks/{task_id}", get_task},
    {"POST", "/flows/{flow_id}/runs/{run_number}/steps/{step_name}/task", create_task},
    {"POST", "/flows/{flow_id}/runs/{run_number}/steps/{step_name}/tasks/{task_id}/heartbeat", task_heartbeat},
    {"GET", "/flows/{flow_id}/runs/{run_number}/steps/{step_name}/tasks/{task_id}/artifacts", get_task_artifacts},
    {"GET", "/flows/{flow_id}/runs/{run_number}/steps/{step_name}/tasks/{task_id}/artifacts/{artifact_name}",
     get_artifact},
    {"GET",
     "/flows/{flow_id}/runs/{run_number}/steps/{step_name}/tasks/{task_id}/artifacts/{artifact_name}/attempt/"
     "{attempt_id}",
     get_artifact_attempt},
    {"GET", "/flows/{flow_id}/runs/{run_number}/steps/{step_name}/tasks/{task_id}/attempt/{attempt_id}/artifacts",
     get_task_attempt_artifacts},
    {"GET", "/flows/{flow_id}/runs/{run_number}/steps/{step_name}/artifacts", get_step_artifacts},
    {"GET", "/flows/{flow_id}/runs/{run_number}/artifacts", get_run_artifacts},
    {"POST", "/flows/{flow_id}/runs/{run_number}/steps/{step_name}/tasks/{task_id}/artifact", create_artifacts},
    {"GET", "/flows/{flow_id}/runs/{run_number}/steps/{step_name}/tasks/{task_id}/metadata", get_task_metadata},
    {"GET", "/flows/{flow_id}/runs/{run_number}/metadata", get_run_metadata},
    {"POST", "/flows/{flow_id}/runs/{run_number}/steps/{step_name}/tasks/{task_id}/metadata", create_metadata},
    // The UI API (service/ui_api). Fixed paths before the {placeholders} they would match.
    {"GET", "/api/version", ui_version},
    {"GET", "/api/features", ui_features},
    {"GET", "/api/runs", ui_runs},
    {"GET", "/api/flows", ui_flows},
    {"GET", "/api/flows/autocomplete", ui_flows_autocomplete},
    {"GET", "/api/tags/autocomplete", ui_tags_autocomplete},
    {"GET", "/api/flows/{flow_id}", ui_flow},
    {"GET", "/api/flows/{flow_id}/runs", ui_flow_runs},
    {"GET", "/api/flows/{flow_id}/runs/{run_number}", ui_run},
    {"GET", "/api/flows/{flow_id}/runs/{run_number}/parameters", ui_run_parameters},
    {"GET", "/api/flows/{flow_id}/runs/{run_number}/dag", ui_run_dag},
    {"GET", "/api/flows/{flow_id}/runs/{run_number}/steps", ui_run_steps},
    {"GET", "/api/flows/{flow_id}/runs/{run_number}/tasks", ui_run_tasks},
    {"GET", "/api/flows/{flow_id}/runs/{run_number}/steps/{step_name}/tasks/{task_id}", ui_task},
    {"GET", "/api/flows/{flow_id}/runs/{run_number}/steps/{step_name}/tasks/{task_id}/attempts", ui_task_attempts},
    {"GET", "/api/flows/{flow_id}/runs/{run_number}/steps/{step_name}/tasks/{task_id}/metadata", ui_task_metadata},
    {"GET", "/api/flows/{flow_id}/runs/{run_number}/steps/{step_name}/tasks/{task_id}/artifacts", ui_task_artifacts},
    {"GET", "/api/flows/{flow_id}/runs/{run_number}/steps/{step_name}/tasks/{task_id}/artifacts/{name}/value",
     ui_artifact_value},
    {"GET", "/api/flows/{flow_id}/runs/{run_number}/steps/{step_name}/tasks/{task_id}/logs/{stream}", ui_task_log},
    {"GET", "/api/flows/{flow_id}/runs/{run_number}/steps/{step_name}/tasks/{task_id}/logs/{stream}/download",
     ui_task_log_download},
    {"GET", "/api/flows/{flow_id}/runs/{run_number}/steps/{step_name}/tasks/{task_id}/cards", ui_task_cards},
    {"GET", "/api/flows/{flow_id}/runs/{run_number}/steps/{step_name}/tasks/{task_id}/cards/{hash}", ui_card_html},
    {"GET", "/api/flows/{flow_id}/runs/{run_number}/steps/{step_name}/tasks/{task_id}/cards/{hash}/data",
     ui_card_data},
};

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 1;  // paths start with '/'
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

// The route table's patterns, split into segments once.
const std::vector<std::vector<std::string_view>>& split_patterns() {
  static const std::vector<std::vector<std::string_view>> patterns = [] {
    std::vector<std::vector<std::string_view>> out;
    for (const Route& r : kRoutes) out.push_back(split(r.pattern));
    return out;
  }();
  return patterns;
}

bool match_pattern(const std::vector<std::string_view>& want, const std::vector<std::string_view>& parts,
                   std::vector<std::string>* params) {
  if (want.size() != parts.size()) return false;
  params->clear();
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].starts_with("{")) {
      if (parts[i].empty()) return false;
      params->emplace_back(parts[i]);
    } else if (want[i] != parts[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

RouteMatch match_route(std::string_view method, std::string_view path) {
  RouteMatch m;
  if (!path.starts_with("/")) return m;
  std::vector<std::string_view> parts = split(path);
  const auto& patterns = split_patterns();
  std::vector<std::string> params;
  for (size_t i = 0; i < std::size(kRoutes); ++i) {
    const Route& r = kRoutes[i];
    if (!match_pattern(patterns[i], parts, &params)) continue;
    if (method == r.method) {
      m.handler = r.handler;
      m.label = r.pattern;
      m.params = std::move(params);
      return m;
    }
    m.path_known = true;
  }
  return m;
}

}  // namespace conflux::service
