#include "runtime/kubernetes/kubernetes_api.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "base/percent_encode.hpp"

namespace conflux {

namespace {

constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";
constexpr int kTimeoutSeconds = 30;

// The API server's own message from a Status object, else the body.
std::string api_message(const HttpResponse& r) {
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string()) return j["message"].get<std::string>();
  return r.body.substr(0, 300);
}

}  // namespace

Result<KubernetesEndpoint> kubernetes_endpoint(const std::string& api) {
  KubernetesEndpoint e;
  if (!api.empty()) {
    e.base_url = api;
    while (!e.base_url.empty() && e.base_url.back() == '/') e.base_url.pop_back();
    return e;
  }
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !*host) {
    return Status::failed_precondition(
        "cannot reach Kubernetes: set CONFLUX_KUBERNETES_API to a `kubectl proxy` address (e.g. "
        "http://127.0.0.1:8001), or run inside a cluster");
  }
  std::ifstream token_file(std::string(kServiceAccountDir) + "/token");
  std::stringstream token;
  token << token_file.rdbuf();
  if (!token_file) return Status::failed_precondition(std::string("cannot read the service account token in ") + kServiceAccountDir);
  e.token = token.str();
  while (!e.token.empty() && std::isspace(static_cast<unsigned char>(e.token.back()))) e.token.pop_back();
  e.ca_file = std::string(kServiceAccountDir) + "/ca.crt";
  std::string h = host;
  if (h.find(':') != std::string::npos) h = "[" + h + "]";  // IPv6
  e.base_url = "https://" + h + ":" + (port && *port ? port : "443");
  return e;
}

KubernetesApi::KubernetesApi(KubernetesEndpoint endpoint) : endpoint_(std::move(endpoint)) {
  std::map<std::string, std::string> headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  if (!endpoint_.token.empty()) headers["Authorization"] = "Bearer " + endpoint_.token;
  http_ = std::make_unique<ServiceHttp>(headers, kTimeoutSeconds, endpoint_.ca_file);
}

Result<HttpResponse> KubernetesApi::call(const std::string& method, const std::string& path, const std::string& body) {
  auto r = http_->send(method, endpoint_.base_url + path, body);
  if (!r.ok()) return r.status().with_context("Kubernetes API " + endpoint_.base_url);
  return r;
}

Status KubernetesApi::create_job(const std::string& ns, const nlohmann::ordered_json& job) {
  CONFLUX_ASSIGN_OR_RETURN(HttpResponse r, call("POST", "/apis/batch/v1/namespaces/" + percent_encode(ns) + "/jobs", job.dump()));
  if (r.status == 409) return Status::already_exists(api_message(r));
  if (r.status != 200 && r.status != 201) {
    return Status::invalid_argument("Kubernetes refused the Job (HTTP " + std::to_string(r.status) + "): " + api_message(r));
  }
  return Status();
}

Result<nlohmann::json> KubernetesApi::list_jobs(const std::string& ns, const std::string& label_selector) {
  CONFLUX_ASSIGN_OR_RETURN(HttpResponse r, call("GET", "/apis/batch/v1/namespaces/" + percent_encode(ns) +
                                                           "/jobs?labelSelector=" + percent_encode(label_selector), ""));
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status != 200 || !j.is_object()) {
    return Status::unavailable("cannot list Jobs (HTTP " + std::to_string(r.status) + "): " + api_message(r));
  }
  return j.value("items", nlohmann::json::array());
}

Result<nlohmann::json> KubernetesApi::list_pods(const std::string& ns, const std::string& label_selector) {
  CONFLUX_ASSIGN_OR_RETURN(HttpResponse r, call("GET", "/api/v1/namespaces/" + percent_encode(ns) +
                                                           "/pods?labelSelector=" + percent_encode(label_selector), ""));
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status != 200 || !j.is_object()) {
    return Status::unavailable("cannot list pods (HTTP " + std::to_string(r.status) + "): " + api_message(r));
  }
  return j.value("items", nlohmann::json::array());
}

Status KubernetesApi::delete_job(const std::string& ns, const std::string& name) {
  CONFLUX_ASSIGN_OR_RETURN(HttpResponse r, call("DELETE", "/apis/batch/v1/namespaces/" + percent_encode(ns) + "/jobs/" + percent_encode(name),
                                                R"({"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"})"));
  if (r.status == 200 || r.status == 202 || r.status == 404) return Status();
  return Status::unavailable("cannot delete Job " + name + " (HTTP " + std::to_string(r.status) + "): " + api_message(r));
}

}  // namespace conflux
