// ServiceMetadataProvider: metadata kept by a metadata service (`conflux service`, or Netflix's
// metaflow-service) over its REST API, as Metaflow's own service provider does
// (plugins/metadata_providers/service.py): flows, runs, steps and tasks are created with POSTs
// (run and task ids are the service's), metadata rows and artifact records are posted in
// batches, lists are read with GETs (following X-Next-Cursor pages), heartbeats keep runs and
// tasks alive. Transient failures (connection errors, 5xx) are retried with backoff.
// Connections are kept open and reused (keep-alive): a task makes a handful of calls, and over
// https a new connection per call would cost a TLS handshake each.
//
// Thread safety: safe for concurrent use (a call borrows an idle connection, or opens one).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "metadata/metadata_provider.hpp"
#include "metadata/service_http.hpp"

namespace conflux {

struct ServiceOptions {
  std::string url;                             // e.g. http://127.0.0.1:8080 (may end in a path)
  std::map<std::string, std::string> headers;  // METAFLOW_SERVICE_HEADERS, e.g. Authorization
  std::string user_name;
  int timeout_seconds = 30;
  int max_attempts = 4;  // per request, for transient failures
};

class ServiceMetadataProvider final : public MetadataProvider {
 public:
  // InvalidArgument if the URL is not http(s)://host[:port][/prefix].
  static Result<std::unique_ptr<ServiceMetadataProvider>> create(ServiceOptions options);
  ~ServiceMetadataProvider() override;

  std::string_view type() const override { return "service"; }

  Result<std::string> new_run_id(std::string_view flow, const RunTags& tags) override;
  Status register_run_id(std::string_view flow, std::string_view run_id, const RunTags& tags) override;
  Result<std::string> new_task_id(std::string_view flow, std::string_view run_id, std::string_view step,
                                  const RunTags& tags) override;
  Status register_step(std::string_view flow, std::string_view run_id, std::string_view step,
                       const RunTags& tags) override;
  Status register_task_id(std::string_view flow, std::string_view run_id, std::string_view step,
                          std::string_view task_id, const RunTags& tags) override;
  Status register_metadata(std::string_view flow, std::string_view run_id, std::string_view step,
                           std::string_view task_id, std::span<const MetaDatum> data) override;
  Status register_artifacts(std::string_view flow, std::string_view run_id, std::string_view step,
                            std::string_view task_id, int attempt, std::span<const ArtifactRef> artifacts,
                            const RunTags& tags) override;

  Result<std::vector<FlowRecord>> list_flows() override;
  Result<FlowRecord> get_flow(std::string_view flow) override;
  Result<std::vector<RunRecord>> list_runs(std::string_view flow) override;
  Result<RunRecord> get_run(std::string_view flow, std::string_view run_id) override;
  Result<std::vector<StepRecord>> list_steps(std::string_view flow, std::string_view run_id) override;
  Result<StepRecord> get_step(std::string_view flow, std::string_view run_id, std::string_view step) override;
  Result<std::vector<TaskRecord>> list_tasks(std::string_view flow, std::string_view run_id,
                                             std::string_view step) override;
  Result<TaskRecord> get_task(std::string_view flow, std::string_view run_id, std::string_view step,
                              std::string_view task_id) override;
  Result<std::vector<MetadataRow>> list_metadata(std::string_view flow, std::string_view run_id,
                                                 std::string_view step, std::string_view task_id,
                                                 std::optional<int> attempt) override;
  Result<std::vector<ArtifactRow>> list_artifacts(std::string_view flow, std::string_view run_id,
                                                  std::string_view step, std::string_view task_id,
                                                  std::optional<int> attempt) override;
  // DELETE /flows/F/runs/R (conflux service has it; metaflow-service answers 405: NotSupported).
  Status delete_run(std::string_view flow, std::string_view run_id) override;
  Result<RunRecord> mutate_run_tags(std::string_view flow, std::string_view run_id,
                                    const std::vector<std::string>& to_add,
                                    const std::vector<std::string>& to_remove) override;
  Status heartbeat_run(std::string_view flow, std::string_view run_id) override;
  Status heartbeat_task(std::string_view flow, std::string_view run_id, std::string_view step,
                        std::string_view task_id) override;

  struct Response {
    int status = 0;
    std::string body;
    std::string next_cursor;  // X-Next-Cursor
  };
  // One request with retries. `body` empty for GET. Returns the response whatever its status
  // (callers decide); an error only if the service could not be reached.
  Result<Response> request(const std::string& method, const std::string& path, const std::string& body);

 private:
  explicit ServiceMetadataProvider(ServiceOptions options);
  Status ensure_flow(std::string_view flow);
  Status ensure_step(std::string_view flow, std::string_view run_id, std::string_view step, const RunTags& tags);
  // GETs a list, following pages.
  Result<std::vector<std::string>> get_list(const std::string& path);

  ServiceOptions options_;
  std::string scheme_host_port_;
  std::string prefix_;
  std::mutex mu_;
  std::set<std::string> known_;  // flows and steps created by this process  GUARDED_BY(mu_)
  ServiceHttp http_;  // connections kept open between requests
};

}  // namespace conflux
