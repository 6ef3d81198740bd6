// ArgoServer: the Argo Server's REST API (what the `argo` CLI talks to), for deploying compiled
// templates and for the runs of a deployed flow: create or update a WorkflowTemplate and its
// CronWorkflow, submit a run from the template, list its runs, terminate one, delete the
// deployment. Authenticated with a bearer token (ARGO_TOKEN, as the argo CLI takes it).
//
// Thread safety: calls may come from any thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "conflux/status.hpp"
#include "metadata/service_http.hpp"

namespace conflux {

struct ArgoRun {
  std::string name;   // the Workflow's; the run id is "argo-" + name
  std::string phase;  // Pending, Running, Succeeded, Failed, Error
  std::string started_at, finished_at;
};

class ArgoServer {
 public:
  // `url`: http(s)://host:port of the Argo Server; `token`: the bearer token ("" for none; a
  // leading "Bearer " is accepted, as ARGO_TOKEN holds it).
  ArgoServer(std::string url, std::string token);

  // Creates the object, or replaces the one of that name (kind WorkflowTemplate or CronWorkflow).
  Status apply(const std::string& ns, const nlohmann::ordered_json& object);
  // Submits a run of template `name` with parameters NAME=VALUE; returns the Workflow's name.
  Result<std::string> submit(const std::string& ns, const std::string& name,
                             const std::vector<std::string>& parameters);
  Result<std::vector<ArgoRun>> list_runs(const std::string& ns, const std::string& template_name);
  Result<ArgoRun> get_run(const std::string& ns, const std::string& workflow);
  Status terminate(const std::string& ns, const std::string& workflow);
  // Deletes the template and its CronWorkflow; those already gone are not errors. Returns how
  // many objects it deleted.
  Result<int> delete_deployment(const std::string& ns, const std::string& name);

 private:
  Result<HttpResponse> call(const std::string& method, const std::string& path, const std::string& body);

  std::string url_;
  std::unique_ptr<ServiceHttp> http_;
};

}  // namespace conflux
