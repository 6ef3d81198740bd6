#include "runtime/remote/remote_task.hpp"

#include <nlohmann/json.hpp>

namespace conflux {

std::string RemoteTask::to_json_line() const {
  nlohmann::json j = {{"flow", flow},         {"run_id", run_id},     {"step", step},
                      {"task_id", task_id},   {"attempt", attempt},   {"argv", argv},
                      {"env", env},           {"code_url", code_url}, {"code_sha", code_sha},
                      {"code_ds", code_ds},   {"ds_type", ds_type},   {"ds_root", ds_root},
                      {"timeout_seconds", timeout_seconds}, {"sync_local_metadata", sync_local_metadata}};
  if (deployed) j["deployed"] = deployed->to_json();
  // One line: JSON escapes every newline inside strings. Bytes that are not UTF-8 (a tag, a path)
  // become U+FFFD rather than an exception.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<RemoteTask> RemoteTask::from_json(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return Status::invalid_argument("the task description is not a JSON object");
  RemoteTask t;
  auto str = [&](const char* key, std::string& out, bool required) -> Status {
    if (!j.contains(key)) {
      return required ? Status::invalid_argument(std::string("the task description has no \"") + key + "\"") : Status();
    }
    if (!j[key].is_string()) return Status::invalid_argument(std::string("\"") + key + "\" must be a string");
    out = j[key].get<std::string>();
    return Status();
  };
  CONFLUX_RETURN_IF_ERROR(str("flow", t.flow, true));
  CONFLUX_RETURN_IF_ERROR(str("run_id", t.run_id, true));
  CONFLUX_RETURN_IF_ERROR(str("step", t.step, true));
  CONFLUX_RETURN_IF_ERROR(str("task_id", t.task_id, !j.contains("deployed")));
  CONFLUX_RETURN_IF_ERROR(str("code_url", t.code_url, true));
  CONFLUX_RETURN_IF_ERROR(str("code_sha", t.code_sha, true));
  CONFLUX_RETURN_IF_ERROR(str("code_ds", t.code_ds, true));
  CONFLUX_RETURN_IF_ERROR(str("ds_type", t.ds_type, true));
  CONFLUX_RETURN_IF_ERROR(str("ds_root", t.ds_root, true));
  // An engine substitutes the attempt ("{{retries}}") into text, so digits in a string count too.
  if (j.contains("attempt") && j["attempt"].is_string()) {
    const std::string& a = j["attempt"].get_ref<const std::string&>();
    if (!a.empty() && a.size() < 6 && a.find_first_not_of("0123456789") == std::string::npos) j["attempt"] = std::stoi(a);
  }
  if (!j.contains("attempt") || !j["attempt"].is_number_integer()) {
    return Status::invalid_argument("\"attempt\" must be an integer");
  }
  t.attempt = j["attempt"].get<int>();
  if (j.contains("deployed")) {
    CONFLUX_ASSIGN_OR_RETURN(DeployedTask d, DeployedTask::from_json(j["deployed"]));
    t.deployed = std::move(d);
  }
  if (j.contains("sync_local_metadata") && j["sync_local_metadata"].is_boolean()) {
    t.sync_local_metadata = j["sync_local_metadata"].get<bool>();
  }
  if (j.contains("timeout_seconds") && j["timeout_seconds"].is_number_integer()) {
    t.timeout_seconds = j["timeout_seconds"].get<int64_t>();
  }
  if (!j.contains("argv") || !j["argv"].is_array() || j["argv"].empty()) {
    return Status::invalid_argument("\"argv\" must be a non-empty list of strings");
  }
  for (const auto& a : j["argv"]) {
    if (!a.is_string()) return Status::invalid_argument("\"argv\" must be a list of strings");
    t.argv.push_back(a.get<std::string>());
  }
  if (j.contains("env")) {
    if (!j["env"].is_object()) return Status::invalid_argument("\"env\" must be an object of strings");
    for (const auto& [k, v] : j["env"].items()) {
      if (!v.is_string()) return Status::invalid_argument("\"env\": " + k + " must be a string");
      t.env[k] = v.get<std::string>();
    }
  }
  return t;
}

std::string TaskExitRecord::to_json() const {
  nlohmann::json j = {{"exit_code", exit_code}, {"signal", signal},       {"timed_out", timed_out},
                      {"host", host},           {"engine_id", engine_id}, {"message", message}};
  return j.dump();
}

Result<TaskExitRecord> TaskExitRecord::from_json(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("exit_code") || !j["exit_code"].is_number_integer()) {
    return Status::corruption("a task_exit record must be a JSON object with an integer exit_code");
  }
  TaskExitRecord r;
  r.exit_code = j["exit_code"].get<int>();
  r.signal = j.value("signal", 0);
  r.timed_out = j.value("timed_out", false);
  r.host = j.value("host", "");
  r.engine_id = j.value("engine_id", "");
  r.message = j.value("message", "");
  return r;
}

}  // namespace conflux
