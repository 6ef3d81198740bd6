// KubernetesApi: the calls the Kubernetes launcher makes to the API server, as plain HTTP(S)
// requests: through `kubectl proxy` on this machine (CONFLUX_KUBERNETES_API=http://127.0.0.1:8001;
// kubectl then handles kubeconfig, exec plugins and TLS, which Conflux does not reimplement), or
// from inside a cluster with the pod's service-account token and CA.
//
// Thread safety: calls may come from any thread.
#pragma once

#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "conflux/status.hpp"
#include "metadata/service_http.hpp"

namespace conflux {

struct KubernetesEndpoint {
  std::string base_url;  // "http://127.0.0.1:8001" or "https://10.0.0.1:443"
  std::string token;     // a bearer token, "" through kubectl proxy
  std::string ca_file;   // the cluster's CA, "" through kubectl proxy
};

// `api` (CONFLUX_KUBERNETES_API) if set, else in-cluster from KUBERNETES_SERVICE_HOST/_PORT and
// the service account's files; FailedPrecondition saying what to set otherwise.
Result<KubernetesEndpoint> kubernetes_endpoint(const std::string& api);

class KubernetesApi {
 public:
  explicit KubernetesApi(KubernetesEndpoint endpoint);

  std::string where() const { return endpoint_.base_url; }
  // Creates a Job; AlreadyExists if one of that name exists (a repeated creation).
  Status create_job(const std::string& ns, const nlohmann::ordered_json& job);
  // The Jobs, and the pods, that carry `label_selector` ("key=value"): their `items`.
  Result<nlohmann::json> list_jobs(const std::string& ns, const std::string& label_selector);
  Result<nlohmann::json> list_pods(const std::string& ns, const std::string& label_selector);
  // Deletes a Job and its pods (propagationPolicy Background); a Job already gone is not an error.
  Status delete_job(const std::string& ns, const std::string& name);

 private:
  Result<HttpResponse> call(const std::string& method, const std::string& path, const std::string& body);

  KubernetesEndpoint endpoint_;
  std::unique_ptr<ServiceHttp> http_;
};

}  // namespace conflux
