#include "metadata/service_metadata_provider.hpp"

#include "base/percent_encode.hpp"

#include <chrono>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

namespace conflux {

namespace {

using json = nlohmann::json;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Percent-encodes one path component.
std::string encode(std::string_view part) { return percent_encode(part); }

std::string run_path(std::string_view flow, std::string_view run) {
  return "/flows/" + encode(flow) + "/runs/" + encode(run);
}
std::string step_path(std::string_view flow, std::string_view run, std::string_view step) {
  return run_path(flow, run) + "/steps/" + encode(step);
}
std::string task_path(std::string_view flow, std::string_view run, std::string_view step, std::string_view task) {
  return step_path(flow, run, step) + "/tasks/" + encode(task);
}

// The service returns ids as numbers in some places and strings in others.
std::string id_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return "";
}

Status http_error(const std::string& what, const ServiceMetadataProvider::Response& r) {
  std::string body = r.body.size() > 300 ? r.body.substr(0, 300) + "..." : r.body;
  if (r.status == 401 || r.status == 403) {
    return Status::failed_precondition(what + ": the metadata service refused the request (HTTP " +
                                       std::to_string(r.status) + "); check METAFLOW_SERVICE_HEADERS");
  }
  if (r.status == 404) return Status::not_found(what + ": not found in the metadata service");
  return Status(r.status >= 500 ? StatusCode::kUnavailable : StatusCode::kInvalidArgument,
                what + ": the metadata service answered HTTP " + std::to_string(r.status) + " " + body);
}

template <class Record>
Result<std::vector<Record>> parse_list(const std::vector<std::string>& items) {
  std::vector<Record> out;
  for (const auto& text : items) {
    CONFLUX_ASSIGN_OR_RETURN(Record r, Record::from_json(text));
    out.push_back(std::move(r));
  }
  return out;
}

json tags_body(std::string_view flow, const RunTags& tags, const std::string& user) {
  return json{{"flow_id", flow}, {"user_name", user}, {"tags", tags.tags}, {"system_tags", tags.system_tags},
              {"ts_epoch", now_ms()}};
}

}  // namespace

Result<std::unique_ptr<ServiceMetadataProvider>> ServiceMetadataProvider::create(ServiceOptions options) {
  const std::string url = options.url;  // a copy: `options` moves into the provider below
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos || (url.compare(0, scheme_end, "http") != 0 && url.compare(0, scheme_end, "https") != 0)) {
    return Status::invalid_argument("metadata service URL '" + url + "' must start with http:// or https://");
  }
  size_t path_start = url.find('/', scheme_end + 3);
  std::unique_ptr<ServiceMetadataProvider> provider(new ServiceMetadataProvider(std::move(options)));
  provider->scheme_host_port_ = url.substr(0, path_start);
  if (path_start != std::string::npos) provider->prefix_ = url.substr(path_start);
  while (!provider->prefix_.empty() && provider->prefix_.back() == '/') provider->prefix_.pop_back();
  if (provider->scheme_host_port_.size() <= scheme_end + 3) {
    return Status::invalid_argument("metadata service URL '" + url + "' has no host");
  }
  return provider;
}

ServiceMetadataProvider::ServiceMetadataProvider(ServiceOptions options)
    : options_(std::move(options)), http_(options_.headers, options_.timeout_seconds) {}
ServiceMetadataProvider::~ServiceMetadataProvider() = default;

Result<ServiceMetadataProvider::Response> ServiceMetadataProvider::request(const std::string& method,
                                                                           const std::string& path,
                                                                           const std::string& body) {
  std::string url = scheme_host_port_ + prefix_ + path;
  std::mt19937 rng(std::random_device{}());
  std::string last_error;
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    if (attempt > 0) {
      // Exponential backoff with jitter: 50 ms, 100 ms, 200 ms, ...
      int base = 50 << (attempt - 1);
      std::this_thread::sleep_for(std::chrono::milliseconds(base + static_cast<int>(rng() % base)));
    }
    Result<HttpResponse> result = http_.send(method, url, body);
    if (!result.ok()) {
      const Status& error = result.status();
      if (error.code() == StatusCode::kFailedPrecondition && error.message().rfind("TLS: ", 0) == 0) {
        // Not transient: retrying cannot help.
        return Status::unavailable("the TLS certificate of the metadata service at " + options_.url +
                                   " is not trusted (for a private CA, set SSL_CERT_FILE to its certificate): " +
                                   error.message().substr(5));
      }
      if (error.code() != StatusCode::kUnavailable) return error;
      last_error = error.message();
      continue;
    }
    if (result->status >= 500 && attempt + 1 < options_.max_attempts) {
      last_error = "HTTP " + std::to_string(result->status);
      continue;
    }
    Response r;
    r.status = static_cast<int>(result->status);
    r.body = std::move(result->body);
    r.next_cursor = std::move(result->next_cursor);
    return r;
  }
  return Status::unavailable("cannot reach the metadata service at " + options_.url + " (" + method + " " + path +
                             "): " + last_error);
}

Result<std::vector<std::string>> ServiceMetadataProvider::get_list(const std::string& path) {
  std::vector<std::string> items;
  std::string cursor;
  for (int page = 0; page < 100000; ++page) {
    std::string url = path + (cursor.empty() ? "" : (path.find('?') == std::string::npos ? "?" : "&") +
                                                        std::string("_cursor=") + encode(cursor));
    CONFLUX_ASSIGN_OR_RETURN(Response r, request("GET", url, ""));
    if (r.status == 404) return Status::not_found(path + " does not exist in the metadata service");
    if (r.status != 200) return http_error("GET " + path, r);
    json body = json::parse(r.body, nullptr, false);
    if (!body.is_array()) return Status::corruption("GET " + path + ": the metadata service did not return a list");
    for (const auto& item : body) items.push_back(item.dump());
    if (r.next_cursor.empty()) break;
    cursor = r.next_cursor;
  }
  return items;
}

Status ServiceMetadataProvider::ensure_flow(std::string_view flow) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (known_.count(std::string(flow))) return Status();
  }
  CONFLUX_ASSIGN_OR_RETURN(Response got, request("GET", "/flows/" + encode(flow), ""));
  if (got.status == 404) {
    json body{{"flow_id", flow}, {"ts_epoch", now_ms()}};
    CONFLUX_ASSIGN_OR_RETURN(Response made, request("POST", "/flows/" + encode(flow), body.dump()));
    if (made.status != 200 && made.status != 409) return http_error("create flow " + std::string(flow), made);
  } else if (got.status != 200) {
    return http_error("flow " + std::string(flow), got);
  }
  std::lock_guard<std::mutex> lock(mu_);
  known_.insert(std::string(flow));
  return Status();
}

Status ServiceMetadataProvider::ensure_step(std::string_view flow, std::string_view run_id, std::string_view step,
                                            const RunTags& tags) {
  std::string key = step_path(flow, run_id, step);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (known_.count(key)) return Status();
  }
  CONFLUX_ASSIGN_OR_RETURN(Response got, request("GET", key, ""));
  if (got.status == 404) {
    json body = tags_body(flow, tags, options_.user_name);
    body["run_number"] = std::string(run_id);
    body["step_name"] = std::string(step);
    CONFLUX_ASSIGN_OR_RETURN(Response made, request("POST", key + "/step", body.dump()));
    if (made.status != 200 && made.status != 409) return http_error("create step " + key, made);
  } else if (got.status != 200) {
    return http_error("step " + key, got);
  }
  std::lock_guard<std::mutex> lock(mu_);
  known_.insert(key);
  return Status();
}

Result<std::string> ServiceMetadataProvider::new_run_id(std::string_view flow, const RunTags& tags) {
  CONFLUX_RETURN_IF_ERROR(ensure_flow(flow));
  CONFLUX_ASSIGN_OR_RETURN(Response r, request("POST", "/flows/" + encode(flow) + "/run",
                                               tags_body(flow, tags, options_.user_name).dump()));
  if (r.status != 200) return http_error("create a run of " + std::string(flow), r);
  json body = json::parse(r.body, nullptr, false);
  std::string id = body.is_object() && body.contains("run_number") ? id_text(body["run_number"]) : "";
  if (id.empty()) return Status::corruption("the metadata service returned no run_number");
  return id;
}

Status ServiceMetadataProvider::register_run_id(std::string_view flow, std::string_view run_id, const RunTags& tags) {
  CONFLUX_RETURN_IF_ERROR(ensure_flow(flow));
  CONFLUX_ASSIGN_OR_RETURN(Response got, request("GET", run_path(flow, run_id), ""));
  if (got.status == 200) return Status();
  json body = tags_body(flow, tags, options_.user_name);
  body["run_number"] = std::string(run_id);
  CONFLUX_ASSIGN_OR_RETURN(Response made, request("POST", "/flows/" + encode(flow) + "/run", body.dump()));
  if (made.status != 200 && made.status != 409) return http_error("register run " + std::string(run_id), made);
  return Status();
}

Result<std::string> ServiceMetadataProvider::new_task_id(std::string_view flow, std::string_view run_id,
                                                         std::string_view step, const RunTags& tags) {
  CONFLUX_RETURN_IF_ERROR(ensure_step(flow, run_id, step, tags));
  json body = tags_body(flow, tags, options_.user_name);
  body["run_number"] = std::string(run_id);
  body["step_name"] = std::string(step);
  CONFLUX_ASSIGN_OR_RETURN(Response r, request("POST", step_path(flow, run_id, step) + "/task", body.dump()));
  if (r.status != 200) return http_error("create a task of " + std::string(step), r);
  json parsed = json::parse(r.body, nullptr, false);
  std::string id = parsed.is_object() && parsed.contains("task_id") ? id_text(parsed["task_id"]) : "";
  if (id.empty()) return Status::corruption("the metadata service returned no task_id");
  return id;
}

Status ServiceMetadataProvider::register_step(std::string_view flow, std::string_view run_id,
                                              std::string_view step, const RunTags& tags) {
  return ensure_step(flow, run_id, step, tags);
}

Status ServiceMetadataProvider::register_task_id(std::string_view flow, std::string_view run_id, std::string_view step,
                                                 std::string_view task_id, const RunTags& tags) {
  CONFLUX_ASSIGN_OR_RETURN(Response got, request("GET", task_path(flow, run_id, step, task_id), ""));
  if (got.status == 200) return Status();
  if (got.status != 404) return http_error("task " + std::string(task_id), got);
  // Ids the service did not hand out can only be names (metaflow-service keeps numbers for itself).
  CONFLUX_RETURN_IF_ERROR(ensure_step(flow, run_id, step, tags));
  json body = tags_body(flow, tags, options_.user_name);
  body["run_number"] = std::string(run_id);
  body["step_name"] = std::string(step);
  body["task_id"] = std::string(task_id);
  CONFLUX_ASSIGN_OR_RETURN(Response made, request("POST", step_path(flow, run_id, step) + "/task", body.dump()));
  if (made.status != 200 && made.status != 409) return http_error("register task " + std::string(task_id), made);
  return Status();
}

Status ServiceMetadataProvider::register_metadata(std::string_view flow, std::string_view run_id,
                                                  std::string_view step, std::string_view task_id,
                                                  std::span<const MetaDatum> data) {
  json rows = json::array();
  int64_t ts = now_ms();
  for (const MetaDatum& d : data) {
    json value = d.value_is_json ? json::parse(d.value, nullptr, false) : json(d.value);
    rows.push_back({{"flow_id", flow}, {"run_number", run_id}, {"step_name", step}, {"task_id", task_id},
                    {"field_name", d.field}, {"type", d.type}, {"value", value}, {"tags", d.tags},
                    {"user_name", options_.user_name}, {"ts_epoch", ts}});
  }
  CONFLUX_ASSIGN_OR_RETURN(Response r, request("POST", task_path(flow, run_id, step, task_id) + "/metadata", rows.dump()));
  if (r.status != 200) return http_error("register metadata of task " + std::string(task_id), r);
  return Status();
}

Status ServiceMetadataProvider::register_artifacts(std::string_view flow, std::string_view run_id,
                                                   std::string_view step, std::string_view task_id, int attempt,
                                                   std::span<const ArtifactRef> artifacts, const RunTags& tags) {
  json rows = json::array();
  int64_t ts = now_ms();
  for (const ArtifactRef& a : artifacts) {
    rows.push_back({{"flow_id", flow}, {"run_number", run_id}, {"step_name", step}, {"task_id", task_id},
                    {"attempt_id", attempt}, {"name", a.name}, {"content_type", a.content_type},
                    {"type", "metaflow.artifact"}, {"sha", a.sha}, {"ds_type", a.ds_type},
                    {"location", a.url.empty() ? ":root:" + a.ds_root : a.url}, {"user_name", options_.user_name},
                    {"tags", tags.tags}, {"system_tags", tags.system_tags}, {"ts_epoch", ts}});
  }
  CONFLUX_ASSIGN_OR_RETURN(Response r, request("POST", task_path(flow, run_id, step, task_id) + "/artifact", rows.dump()));
  if (r.status != 200) return http_error("register artifacts of task " + std::string(task_id), r);
  return Status();
}

Result<std::vector<FlowRecord>> ServiceMetadataProvider::list_flows() {
  CONFLUX_ASSIGN_OR_RETURN(auto items, get_list("/flows"));
  return parse_list<FlowRecord>(items);
}

Result<FlowRecord> ServiceMetadataProvider::get_flow(std::string_view flow) {
  CONFLUX_ASSIGN_OR_RETURN(Response r, request("GET", "/flows/" + encode(flow), ""));
  if (r.status != 200) return http_error("flow " + std::string(flow), r);
  return FlowRecord::from_json(r.body);
}

Result<std::vector<RunRecord>> ServiceMetadataProvider::list_runs(std::string_view flow) {
  CONFLUX_ASSIGN_OR_RETURN(auto items, get_list("/flows/" + encode(flow) + "/runs"));
  return parse_list<RunRecord>(items);
}

Result<RunRecord> ServiceMetadataProvider::get_run(std::string_view flow, std::string_view run_id) {
  CONFLUX_ASSIGN_OR_RETURN(Response r, request("GET", run_path(flow, run_id), ""));
  if (r.status != 200) return http_error("run " + std::string(flow) + "/" + std::string(run_id), r);
  return RunRecord::from_json(r.body);
}

Result<std::vector<StepRecord>> ServiceMetadataProvider::list_steps(std::string_view flow, std::string_view run_id) {
  CONFLUX_ASSIGN_OR_RETURN(auto items, get_list(run_path(flow, run_id) + "/steps"));
  return parse_list<StepRecord>(items);
}

Result<StepRecord> ServiceMetadataProvider::get_step(std::string_view flow, std::string_view run_id,
                                                     std::string_view step) {
  CONFLUX_ASSIGN_OR_RETURN(Response r, request("GET", step_path(flow, run_id, step), ""));
  if (r.status != 200) return http_error("step " + std::string(step), r);
  return StepRecord::from_json(r.body);
}

Result<std::vector<TaskRecord>> ServiceMetadataProvider::list_tasks(std::string_view flow, std::string_view run_id,
                                                                    std::string_view step) {
  CONFLUX_ASSIGN_OR_RETURN(auto items, get_list(step_path(flow, run_id, step) + "/tasks"));
  return parse_list<TaskRecord>(items);
}

Result<TaskRecord> ServiceMetadataProvider::get_task(std::string_view flow, std::string_view run_id,
                                                     std::string_view step, std::string_view task_id) {
  CONFLUX_ASSIGN_OR_RETURN(Response r, request("GET", task_path(flow, run_id, step, task_id), ""));
  if (r.status != 200) return http_error("task " + std::string(task_id), r);
  return TaskRecord::from_json(r.body);
}

Result<std::vector<MetadataRow>> ServiceMetadataProvider::list_metadata(std::string_view flow, std::string_view run_id,
                                                                        std::string_view step, std::string_view task_id,
                                                                        std::optional<int> attempt) {
  CONFLUX_ASSIGN_OR_RETURN(auto items, get_list(task_path(flow, run_id, step, task_id) + "/metadata"));
  CONFLUX_ASSIGN_OR_RETURN(auto rows, parse_list<MetadataRow>(items));
  if (!attempt) return rows;
  std::vector<MetadataRow> out;
  for (auto& row : rows) {
    if (row.attempt_id() == attempt) out.push_back(std::move(row));
  }
  return out;
}

Result<std::vector<ArtifactRow>> ServiceMetadataProvider::list_artifacts(std::string_view flow, std::string_view run_id,
                                                                         std::string_view step, std::string_view task_id,
                                                                         std::optional<int> attempt) {
  std::string path = task_path(flow, run_id, step, task_id);
  if (attempt) path += "/attempt/" + std::to_string(*attempt);
  CONFLUX_ASSIGN_OR_RETURN(auto items, get_list(path + "/artifacts"));
  return parse_list<ArtifactRow>(items);
}

Result<RunRecord> ServiceMetadataProvider::mutate_run_tags(std::string_view flow, std::string_view run_id,
                                                           const std::vector<std::string>& to_add,
                                                           const std::vector<std::string>& to_remove) {
  json body{{"tags_to_add", to_add}, {"tags_to_remove", to_remove}};
  CONFLUX_ASSIGN_OR_RETURN(Response r, request("PATCH", run_path(flow, run_id) + "/tag/mutate", body.dump()));
  if (r.status != 200) return http_error("change the tags of run " + std::string(run_id), r);
  return get_run(flow, run_id);
}

Status ServiceMetadataProvider::delete_run(std::string_view flow, std::string_view run_id) {
  CONFLUX_ASSIGN_OR_RETURN(Response r, request("DELETE", run_path(flow, run_id), ""));
  if (r.status == 200) return Status();
  if (r.status == 404 && r.body.find("does not exist") != std::string::npos) {
    return Status::not_found("run " + std::string(flow) + "/" + std::string(run_id) + " does not exist");
  }
  if (r.status == 404 || r.status == 405) {
    return Status::not_supported("the metadata service at " + options_.url + " cannot delete runs (no DELETE "
                                 "/flows/{flow}/runs/{run}: metaflow-service has none; conflux service does)");
  }
  return http_error("delete run " + std::string(flow) + "/" + std::string(run_id), r);
}

Status ServiceMetadataProvider::heartbeat_run(std::string_view flow, std::string_view run_id) {
  CONFLUX_ASSIGN_OR_RETURN(Response r, request("POST", run_path(flow, run_id) + "/heartbeat", "{}"));
  // metaflow-service answers a too-early heartbeat with 404 and a wait time: not an error.
  if (r.status != 200 && r.status != 404) return http_error("run heartbeat", r);
  return Status();
}

Status ServiceMetadataProvider::heartbeat_task(std::string_view flow, std::string_view run_id, std::string_view step,
                                               std::string_view task_id) {
  CONFLUX_ASSIGN_OR_RETURN(Response r, request("POST", task_path(flow, run_id, step, task_id) + "/heartbeat", "{}"));
  if (r.status != 200 && r.status != 404) return http_error("task heartbeat", r);
  return Status();
}

}  // namespace conflux
