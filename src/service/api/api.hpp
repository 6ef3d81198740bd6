// The metadata API of `conflux service`: metaflow-service's REST routes over a Database.
// Handlers take a parsed ApiRequest and return an ApiResponse (status, body, headers); the
// HTTP server (service/server.cpp) owns sockets, auth, limits and logging, so handlers stay
// plain functions that tests can reason about. One file per resource: flow_api.cpp,
// run_api.cpp, step_api.cpp, task_api.cpp, artifact_api.cpp, metadata_api.cpp, tag_api.cpp,
// heartbeat_api.cpp, admin_api.cpp.
//
// Compatibility notes (what Metaflow's clients observe, kept on purpose): bodies are JSON text
// with Content-Type text/plain; the METADATA_SERVICE_VERSION header is on every response except
// POST .../metadata, POST .../artifact, GET .../attempt/{n}/artifacts and GET /version;
// 400/409/422 bodies are JSON strings; heartbeat bodies are double-encoded JSON.
//
// Thread safety: handlers are safe to call concurrently (the Database and Clock are).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "datastore/storage_backend.hpp"
#include "service/clock.hpp"
#include "service/db/database.hpp"

namespace conflux::service {

class EventBus;

inline constexpr std::string_view kServiceVersion = "2.5.1";  // the metaflow-service version we speak
inline constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";
inline constexpr std::string_view kApplicationJson = "application/json";

struct ApiRequest {
  std::string method;
  std::string path;
  std::vector<std::string> params;  // the {placeholders} of the route, in order
  std::vector<std::pair<std::string, std::string>> query;  // in request order
  std::string body;

  // The first value of query parameter `name`.
  std::optional<std::string> query_value(std::string_view name) const;
};

struct ApiResponse {
  int status = 200;
  std::string body;
  std::string content_type = std::string(kTextPlain);
  bool version_header = true;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct ApiContext {
  Database& db;
  const Clock& clock;
  // Writes one line to the service log (audit events). May be empty.
  std::function<void(const std::string& line)> log;
  int64_t heartbeat_wait_seconds = 10;
  int64_t run_inactive_cutoff_seconds = 360;
  // The datastore the UI API reads cards from (service/ui_api); null: those routes say so.
  StorageBackend* datastore = nullptr;
  // Where writes announce the run and task rows they change (the UI's live updates); may be null.
  EventBus* events = nullptr;
};

using ApiHandler = ApiResponse (*)(ApiContext&, const ApiRequest&);

// flow_api.cpp
ApiResponse get_all_flows(ApiContext& ctx, const ApiRequest& req);
ApiResponse get_flow(ApiContext& ctx, const ApiRequest& req);
ApiResponse create_flow(ApiContext& ctx, const ApiRequest& req);
// run_api.cpp
ApiResponse get_all_runs(ApiContext& ctx, const ApiRequest& req);
ApiResponse get_run(ApiContext& ctx, const ApiRequest& req);
ApiResponse create_run(ApiContext& ctx, const ApiRequest& req);
ApiResponse delete_run(ApiContext& ctx, const ApiRequest& req);
// tag_api.cpp
ApiResponse mutate_run_tags(ApiContext& ctx, const ApiRequest& req);
// heartbeat_api.cpp
ApiResponse run_heartbeat(ApiContext& ctx, const ApiRequest& req);
ApiResponse task_heartbeat(ApiContext& ctx, const ApiRequest& req);
// step_api.cpp
ApiResponse get_steps(ApiContext& ctx, const ApiRequest& req);
ApiResponse get_step(ApiContext& ctx, const ApiRequest& req);
ApiResponse create_step(ApiContext& ctx, const ApiRequest& req);
// task_api.cpp
ApiResponse get_tasks(ApiContext& ctx, const ApiRequest& req);
ApiResponse get_filtered_tasks(ApiContext& ctx, const ApiRequest& req);
ApiResponse get_task(ApiContext& ctx, const ApiRequest& req);
ApiResponse create_task(ApiContext& ctx, const ApiRequest& req);
// artifact_api.cpp
ApiResponse get_artifact(ApiContext& ctx, const ApiRequest& req);
ApiResponse get_artifact_attempt(ApiContext& ctx, const ApiRequest& req);
ApiResponse get_task_artifacts(ApiContext& ctx, const ApiRequest& req);
ApiResponse get_task_attempt_artifacts(ApiContext& ctx, const ApiRequest& req);
ApiResponse get_step_artifacts(ApiContext& ctx, const ApiRequest& req);
ApiResponse get_run_artifacts(ApiContext& ctx, const ApiRequest& req);
ApiResponse create_artifacts(ApiContext& ctx, const ApiRequest& req);
// metadata_api.cpp
ApiResponse get_task_metadata(ApiContext& ctx, const ApiRequest& req);
ApiResponse get_run_metadata(ApiContext& ctx, const ApiRequest& req);
ApiResponse create_metadata(ApiContext& ctx, const ApiRequest& req);
// admin_api.cpp
ApiResponse ping(ApiContext& ctx, const ApiRequest& req);
ApiResponse version(ApiContext& ctx, const ApiRequest& req);
ApiResponse healthcheck(ApiContext& ctx, const ApiRequest& req);
ApiResponse auth_token(ApiContext& ctx, const ApiRequest& req);

}  // namespace conflux::service
