#include "deploy/argo/argo_server.hpp"

#include "base/percent_encode.hpp"

namespace conflux {

namespace {

constexpr int kTimeoutSeconds = 30;

std::string message_of(const HttpResponse& r) {
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string()) return j["message"].get<std::string>();
  return r.body.substr(0, 300);
}

Status http_error(const std::string& what, const HttpResponse& r) {
  std::string text = what + " (HTTP " + std::to_string(r.status) + "): " + message_of(r);
  if (r.status == 401 || r.status == 403) return Status::failed_precondition(text + " (check ARGO_TOKEN)");
  if (r.status == 404) return Status::not_found(text);
  return Status::unavailable(text);
}

ArgoRun run_of(const nlohmann::json& w) {
  ArgoRun r;
  r.name = w["metadata"].value("name", "");
  const nlohmann::json status = w.value("status", nlohmann::json::object());
  r.phase = status.value("phase", "Pending");
  r.started_at = status.value("startedAt", "");
  r.finished_at = status.value("finishedAt", "");
  return r;
}

// The Argo Server's path and body field for each kind it manages.
struct Kind {
  const char* path;
  const char* field;
};
Result<Kind> kind_of(const std::string& kind) {
  if (kind == "WorkflowTemplate") return Kind{"workflow-templates", "template"};
  if (kind == "CronWorkflow") return Kind{"cron-workflows", "cronWorkflow"};
  return Status::invalid_argument("the Argo Server does not manage " + kind + " objects: apply it with kubectl");
}

}  // namespace

ArgoServer::ArgoServer(std::string url, std::string token) : url_(std::move(url)) {
  while (!url_.empty() && url_.back() == '/') url_.pop_back();
  std::map<std::string, std::string> headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  if (token.rfind("Bearer ", 0) == 0) token = token.substr(7);
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  http_ = std::make_unique<ServiceHttp>(headers, kTimeoutSeconds);
}

Result<HttpResponse> ArgoServer::call(const std::string& method, const std::string& path, const std::string& body) {
  auto r = http_->send(method, url_ + path, body);
  if (!r.ok()) return r.status().with_context("Argo Server " + url_);
  return r;
}

Status ArgoServer::apply(const std::string& ns, const nlohmann::ordered_json& object) {
  CONFLUX_ASSIGN_OR_RETURN(Kind kind, kind_of(object.value("kind", "")));
  std::string name = object["metadata"].value("name", "");
  std::string base = std::string("/api/v1/") + kind.path + "/" + percent_encode(ns);
  nlohmann::ordered_json body = {{"namespace", ns}, {kind.field, object}};
  CONFLUX_ASSIGN_OR_RETURN(HttpResponse created, call("POST", base, body.dump()));
  if (created.status == 200) return Status();
  if (created.status != 409) return http_error("cannot create " + object.value("kind", "") + " " + name, created);
  // It exists: replace it, with the resourceVersion it has now.
  CONFLUX_ASSIGN_OR_RETURN(HttpResponse current, call("GET", base + "/" + percent_encode(name), ""));
  if (current.status != 200) return http_error("cannot read " + name, current);
  nlohmann::json live = nlohmann::json::parse(current.body, nullptr, false);
  nlohmann::ordered_json replacement = object;
  replacement["metadata"]["resourceVersion"] = live.is_object() ? live["metadata"].value("resourceVersion", "") : "";
  nlohmann::ordered_json update = {{kind.field, replacement}};
  CONFLUX_ASSIGN_OR_RETURN(HttpResponse updated, call("PUT", base + "/" + percent_encode(name), update.dump()));
  if (updated.status != 200) return http_error("cannot update " + name, updated);
  return Status();
}

Result<std::string> ArgoServer::submit(const std::string& ns, const std::string& name,
                                       const std::vector<std::string>& parameters) {
  nlohmann::json body = {{"namespace", ns},
                         {"resourceKind", "WorkflowTemplate"},
                         {"resourceName", name},
                         {"submitOptions", {{"generateName", name + "-"}, {"parameters", parameters}}}};
  CONFLUX_ASSIGN_OR_RETURN(HttpResponse r, call("POST", "/api/v1/workflows/" + percent_encode(ns) + "/submit", body.dump()));
  if (r.status != 200) return http_error("cannot submit a run of " + name, r);
  nlohmann::json w = nlohmann::json::parse(r.body, nullptr, false);
  if (!w.is_object() || !w.contains("metadata")) return Status::unavailable("the Argo Server's answer has no Workflow");
  return w["metadata"].value("name", "");
}

Result<std::vector<ArgoRun>> ArgoServer::list_runs(const std::string& ns, const std::string& template_name) {
  std::string selector = "workflows.argoproj.io/workflow-template=" + template_name;
  CONFLUX_ASSIGN_OR_RETURN(HttpResponse r, call("GET", "/api/v1/workflows/" + percent_encode(ns) +
                                                           "?listOptions.labelSelector=" + percent_encode(selector), ""));
  if (r.status != 200) return http_error("cannot list the runs of " + template_name, r);
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  std::vector<ArgoRun> runs;
  if (j.is_object() && j["items"].is_array()) {
    for (const auto& w : j["items"]) runs.push_back(run_of(w));
  }
  return runs;
}

Result<ArgoRun> ArgoServer::get_run(const std::string& ns, const std::string& workflow) {
  CONFLUX_ASSIGN_OR_RETURN(HttpResponse r, call("GET", "/api/v1/workflows/" + percent_encode(ns) + "/" + percent_encode(workflow), ""));
  if (r.status != 200) return http_error("cannot read run argo-" + workflow, r);
  return run_of(nlohmann::json::parse(r.body, nullptr, false));
}

Status ArgoServer::terminate(const std::string& ns, const std::string& workflow) {
  CONFLUX_ASSIGN_OR_RETURN(HttpResponse r, call("PUT", "/api/v1/workflows/" + percent_encode(ns) + "/" +
                                                           percent_encode(workflow) + "/terminate", "{}"));
  if (r.status != 200) return http_error("cannot terminate run argo-" + workflow, r);
  return Status();
}

Result<int> ArgoServer::delete_deployment(const std::string& ns, const std::string& name) {
  int deleted = 0;
  for (const char* path : {"cron-workflows", "workflow-templates"}) {
    CONFLUX_ASSIGN_OR_RETURN(HttpResponse r, call("DELETE", std::string("/api/v1/") + path + "/" + percent_encode(ns) + "/" +
                                                                percent_encode(name), ""));
    if (r.status == 200) ++deleted;
    else if (r.status != 404) return http_error(std::string("cannot delete ") + path + " " + name, r);
  }
  return deleted;
}

}  // namespace conflux
