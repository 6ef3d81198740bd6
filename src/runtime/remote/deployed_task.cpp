#include "runtime/remote/deployed_task.hpp"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <thread>
#include <filesystem>
#include <fstream>

#include "base/atomic_file.hpp"
#include "base/base64.hpp"
#include "conflux/codec.hpp"
#include "datastore/content_addressed_store.hpp"
#include "datastore/sha1.hpp"
#include "datastore/task_datastore.hpp"
#include "metadata/service_http.hpp"
#include "runtime/remote/remote_task.hpp"
#include "task/input_paths.hpp"

namespace conflux {

namespace {

// Engines substitute numbers into text, so a count may arrive as "5" as well as 5.
Result<int64_t> integer_field(const nlohmann::json& j, const char* key) {
  const auto& v = j[key];
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_string()) {
    const std::string& s = v.get<std::string>();
    if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos && s.size() < 18) return std::stoll(s);
  }
  return Status::invalid_argument(std::string("\"deployed\": \"") + key + "\" must be a whole number, not " + v.dump());
}

}  // namespace

nlohmann::json DeployedTask::to_json() const {
  nlohmann::json j = {{"task_id_seed", task_id_seed}, {"input_paths", input_paths}, {"outputs_dir", outputs_dir}};
  if (!task_id_env.empty()) j["task_id_env"] = task_id_env;
  if (!publish_event.empty()) j["publish_event"] = publish_event;
  if (!attempt_env.empty()) j["attempt_env"] = attempt_env;
  if (!parameters_env.empty()) j["parameters_env"] = parameters_env;
  if (splits_record) j["splits_record"] = true;
  if (switch_record) j["switch_record"] = true;
  if (!join_record_step.empty()) {
    j["join_record"] = {{"step", join_record_step}, {"task", join_record_task}, {"index", join_record_index}};
  }
  if (!join_records_step.empty()) j["join_records"] = {{"step", join_records_step}, {"task", join_records_task}};
  if (!loop_exit_step.empty()) j["loop_exit"] = {{"step", loop_exit_step}, {"entry", loop_exit_entry}};
  if (!loop_record_step.empty()) j["loop_record"] = {{"step", loop_record_step}, {"entry", loop_record_entry}};
  if (!switch_chains.empty()) {
    j["switch"] = {{"parent", switch_parent}, {"choice", switch_choice}, {"time", switch_time}, {"chains", switch_chains}};
  }
  if (!join_step.empty()) {
    j["join_step"] = join_step;
    j["join_seed"] = join_seed;
    j["join_count"] = join_count;
  }
  if (init_parameters) {
    j["init_parameters"] = true;
    j["init_argv"] = init_argv;
    j["parameters_base64"] = parameters_base64;
  }
  return j;
}

Result<DeployedTask> DeployedTask::from_json(const nlohmann::json& j) {
  if (!j.is_object()) return Status::invalid_argument("\"deployed\" must be an object");
  DeployedTask d;
  auto text = [&](const char* key, std::string& out) -> Status {
    if (!j.contains(key)) return Status();
    if (!j[key].is_string()) return Status::invalid_argument(std::string("\"deployed\": \"") + key + "\" must be a string");
    out = j[key].get<std::string>();
    return Status();
  };
  CONFLUX_RETURN_IF_ERROR(text("task_id_seed", d.task_id_seed));
  CONFLUX_RETURN_IF_ERROR(text("input_paths", d.input_paths));
  CONFLUX_RETURN_IF_ERROR(text("outputs_dir", d.outputs_dir));
  CONFLUX_RETURN_IF_ERROR(text("join_step", d.join_step));
  CONFLUX_RETURN_IF_ERROR(text("join_seed", d.join_seed));
  CONFLUX_RETURN_IF_ERROR(text("task_id_env", d.task_id_env));
  CONFLUX_RETURN_IF_ERROR(text("attempt_env", d.attempt_env));
  CONFLUX_RETURN_IF_ERROR(text("parameters_env", d.parameters_env));
  CONFLUX_RETURN_IF_ERROR(text("publish_event", d.publish_event));
  d.splits_record = j.value("splits_record", false);
  d.switch_record = j.value("switch_record", false);
  auto record = [&](const char* key, std::vector<std::pair<const char*, std::string*>> fields) -> Status {
    if (!j.contains(key)) return Status();
    if (!j[key].is_object()) return Status::invalid_argument(std::string("\"deployed\": \"") + key + "\" must be an object");
    for (auto [name, out] : fields) {
      if (!j[key].contains(name) || !j[key][name].is_string() || j[key][name].get<std::string>().empty()) {
        return Status::invalid_argument(std::string("\"deployed\": \"") + key + "\" needs a \"" + name + "\" string");
      }
      *out = j[key][name].get<std::string>();
    }
    return Status();
  };
  CONFLUX_RETURN_IF_ERROR(record("join_record", {{"step", &d.join_record_step}, {"task", &d.join_record_task},
                                                 {"index", &d.join_record_index}}));
  CONFLUX_RETURN_IF_ERROR(record("join_records", {{"step", &d.join_records_step}, {"task", &d.join_records_task}}));
  CONFLUX_RETURN_IF_ERROR(record("loop_exit", {{"step", &d.loop_exit_step}, {"entry", &d.loop_exit_entry}}));
  CONFLUX_RETURN_IF_ERROR(record("loop_record", {{"step", &d.loop_record_step}, {"entry", &d.loop_record_entry}}));
  if (j.contains("switch")) {
    const auto& sw = j["switch"];
    CONFLUX_RETURN_IF_ERROR(record("switch", {{"parent", &d.switch_parent}, {"choice", &d.switch_choice},
                                              {"time", &d.switch_time}}));
    if (!sw.contains("chains") || !sw["chains"].is_object()) {
      return Status::invalid_argument("\"deployed\": \"switch\" needs \"chains\"");
    }
    for (const auto& [step, chain] : sw["chains"].items()) {
      if (!chain.is_array()) return Status::invalid_argument("\"deployed\": switch chain " + step + " must be a list");
      for (const auto& s : chain) {
        if (!s.is_string()) return Status::invalid_argument("\"deployed\": switch chain " + step + " must list steps");
        d.switch_chains[step].push_back(s.get<std::string>());
      }
    }
  }
  if (d.task_id_seed.empty() && d.task_id_env.empty()) {
    return Status::invalid_argument("\"deployed\" has neither \"task_id_seed\" nor \"task_id_env\"");
  }
  if (!d.join_step.empty()) {
    if (!j.contains("join_count")) return Status::invalid_argument("\"deployed\": a foreach join needs \"join_count\"");
    CONFLUX_ASSIGN_OR_RETURN(d.join_count, integer_field(j, "join_count"));
  }
  if (j.value("init_parameters", false)) {
    // (parameters come base64-encoded in the description, or as JSON in parameters_env)
    d.init_parameters = true;
    if (!j.contains("init_argv") || !j["init_argv"].is_array() || j["init_argv"].empty()) {
      return Status::invalid_argument("\"deployed\": \"init_argv\" must be a non-empty list of strings");
    }
    for (const auto& a : j["init_argv"]) {
      if (!a.is_string()) return Status::invalid_argument("\"deployed\": \"init_argv\" must be a list of strings");
      d.init_argv.push_back(a.get<std::string>());
    }
    if (j.contains("parameters_base64")) {
      if (!j["parameters_base64"].is_object()) {
        return Status::invalid_argument("\"deployed\": \"parameters_base64\" must be an object of strings");
      }
      for (const auto& [k, v] : j["parameters_base64"].items()) {
        if (!v.is_string()) return Status::invalid_argument("\"deployed\": parameter " + k + " must be a string");
        d.parameters_base64[k] = v.get<std::string>();
      }
    }
  }
  return d;
}

std::string deployed_task_id(std::string_view seed) {
  auto digest = Sha1::hex_of(seed);
  return "t-" + (digest.ok() ? digest->substr(0, 12) : std::string(12, '0'));
}

std::string foreach_join_input_paths(const std::string& run_id, const std::string& step, const std::string& seed,
                                     int64_t count) {
  std::vector<std::string> paths;
  paths.reserve(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    paths.push_back(run_id + "/" + step + "/" + deployed_task_id(seed + "-" + std::to_string(i)));
  }
  return compress_input_paths(paths);
}

std::string deployed_loop_exit_path(const std::string& flow, const std::string& run_id, const std::string& step,
                                    const std::string& entry) {
  return flow + "/" + run_id + "/" + step + "/loop_exits/" + deployed_task_id(entry);
}

std::string deployed_switch_path(const std::string& flow, const std::string& run_id, const std::string& step,
                                 const std::string& task_id) {
  return flow + "/" + run_id + "/" + step + "/" + task_id + "/deployed_switch.json";
}

std::string deployed_splits_path(const std::string& flow, const std::string& run_id, const std::string& step,
                                 const std::string& task_id) {
  return flow + "/" + run_id + "/" + step + "/" + task_id + "/deployed_splits.json";
}

std::string deployed_join_records_dir(const std::string& flow, const std::string& run_id, const std::string& step,
                                      const std::string& task_id) {
  return flow + "/" + run_id + "/" + step + "/" + task_id + "/deployed_join";
}

namespace {

// ${NAME} from the environment, or from `own` (values task-run worked out).
Result<std::string> expand_variables(const std::string& text, const std::map<std::string, std::string>& own) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = text.find("${", i);
    if (start == std::string::npos) break;
    size_t end = text.find('}', start);
    if (end == std::string::npos) break;
    out += text.substr(i, start - i);
    std::string name = text.substr(start + 2, end - start - 2);
    if (auto it = own.find(name); it != own.end()) {
      out += it->second;
    } else if (const char* value = std::getenv(name.c_str())) {
      out += value;
    } else {
      return Status::invalid_argument("the task description refers to ${" + name + "}, which is not set");
    }
    i = end + 1;
  }
  return out + text.substr(i);
}

// The input paths of a foreach join from its body's records: all of 0..n-1, n from the split list.
Result<std::string> join_paths_from_records(const RemoteTask& task, StorageBackend& storage) {
  const DeployedTask& d = *task.deployed;
  CONFLUX_ASSIGN_OR_RETURN(std::string splits,
                           storage.load(deployed_splits_path(task.flow, task.run_id, d.join_records_step, d.join_records_task)));
  nlohmann::json list = nlohmann::json::parse(splits, nullptr, false);
  if (!list.is_array()) return Status::corruption("the split list of foreach " + d.join_records_step + " is not a JSON list");
  size_t n = list.size();
  std::string dir = deployed_join_records_dir(task.flow, task.run_id, d.join_records_step, d.join_records_task);
  CONFLUX_ASSIGN_OR_RETURN(std::vector<ObjectInfo> records, storage.list_tree(dir));
  std::vector<std::string> ids(n);
  for (const ObjectInfo& r : records) {
    std::string name = r.key.substr(r.key.rfind('/') + 1);
    size_t dot = name.find('.');
    if (dot == std::string::npos) continue;
    size_t index = std::strtoull(name.substr(0, dot).c_str(), nullptr, 10);
    if (index < n) ids[index] = name.substr(dot + 1);
  }
  std::vector<std::string> paths;
  paths.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (ids[i].empty()) {
      return Status::failed_precondition("foreach " + d.join_records_step + " split " + std::to_string(i) +
                                         " left no record of its last task: it did not finish");
    }
    paths.push_back(task.run_id + "/" + d.join_step + "/" + ids[i]);
  }
  return compress_input_paths(paths);
}

}  // namespace

Status resolve_deployed_task(RemoteTask& task, StorageBackend& storage) {
  DeployedTask& d = *task.deployed;
  std::map<std::string, std::string> own;
  if (!d.attempt_env.empty()) {
    const char* value = std::getenv(d.attempt_env.c_str());
    int attempt = value ? std::atoi(value) : 0;
    if (attempt < 1) return Status::invalid_argument(d.attempt_env + " must be set to the attempt (from 1)");
    task.attempt = attempt - 1;
  }
  own["CONFLUX_ATTEMPT"] = std::to_string(task.attempt);
  // Only engines that pass values as variables use ${NAME} (Argo substitutes its own).
  if (!d.task_id_env.empty()) {
    CONFLUX_ASSIGN_OR_RETURN(task.run_id, expand_variables(task.run_id, own));
    for (std::string& a : task.argv) {
      CONFLUX_ASSIGN_OR_RETURN(a, expand_variables(a, own));
    }
    for (std::string& a : d.init_argv) {
      CONFLUX_ASSIGN_OR_RETURN(a, expand_variables(a, own));
    }
    for (std::string* field : {&d.input_paths, &d.join_record_task, &d.join_record_index, &d.join_records_task}) {
      CONFLUX_ASSIGN_OR_RETURN(*field, expand_variables(*field, own));
    }
  }
  if (!d.task_id_env.empty()) {
    const char* value = std::getenv(d.task_id_env.c_str());
    if (!value || !*value) return Status::invalid_argument(d.task_id_env + " must be set to the task id");
    task.task_id = value;
  } else {
    task.task_id = deployed_task_id(d.task_id_seed);
  }
  std::string paths = d.input_paths;
  if (d.init_parameters) {
    paths = task.run_id + "/_parameters/" + task.task_id + "-params";
  } else if (!d.join_records_step.empty()) {
    CONFLUX_ASSIGN_OR_RETURN(paths, join_paths_from_records(task, storage));
  } else if (!d.loop_record_step.empty()) {
    auto last = storage.load(deployed_loop_exit_path(task.flow, task.run_id, d.loop_record_step, d.loop_record_entry));
    if (!last.ok()) {
      return last.status().with_context("the loop of step " + d.loop_record_step + " left no record of its last task");
    }
    paths = task.run_id + "/" + d.loop_record_step + "/" + *last;
  } else if (!d.switch_chains.empty()) {
    // The branch the switch chose, step by step from the switch's task.
    auto chain = d.switch_chains.find(d.switch_choice);
    if (chain == d.switch_chains.end()) {
      return Status::invalid_argument("the switch chose '" + d.switch_choice + "', which is not a branch that leads to step " +
                                      task.step);
    }
    paths = d.switch_parent;
    for (const std::string& step : chain->second) {
      paths = task.run_id + "/" + step + "/" + deployed_task_id(step + "-" + d.switch_time + "-" + paths);
    }
  } else if (!d.join_step.empty()) {
    if (d.join_count < 1) {
      return Status::invalid_argument("the foreach before step " + task.step + " produced no tasks to join");
    }
    paths = foreach_join_input_paths(task.run_id, d.join_step, d.join_seed, d.join_count);
  }
  if (paths.empty()) return Status::invalid_argument("the deployed task " + task.step + " has no input paths");
  task.argv.insert(task.argv.end(), {"--task-id", task.task_id});
  if (paths.size() > kMaxInputPathsArgument) {
    // A 100,000-way join: no argument or environment limit is ever hit.
    TaskDataStore ds(storage, task.flow, task.run_id, task.step, task.task_id);
    CONFLUX_RETURN_IF_ERROR(ds.save_attempt_file(task.attempt, kInputPathsFile, paths));
    task.argv.push_back("--input-paths-stored");
  } else {
    task.argv.insert(task.argv.end(), {"--input-paths", paths});
  }
  return Status();
}

Result<std::vector<std::string>> deployed_init_command(const RemoteTask& task, const std::string& binary) {
  const DeployedTask& d = *task.deployed;
  std::vector<std::string> argv = d.init_argv;
  argv[0] = binary;
  argv.insert(argv.end(), {"--task-id", task.task_id + "-params"});
  if (!d.parameters_env.empty()) {
    const char* text = std::getenv(d.parameters_env.c_str());
    nlohmann::json values = nlohmann::json::parse(text && *text ? text : "{}", nullptr, false);
    if (!values.is_object()) return Status::invalid_argument(d.parameters_env + " must hold a JSON object of parameter values");
    for (const auto& [name, value] : values.items()) {
      argv.insert(argv.end(), {"--" + name, value.is_string() ? value.get<std::string>() : value.dump()});
    }
  }
  for (const auto& [name, encoded] : d.parameters_base64) {
    auto value = base64_decode(encoded);
    if (!value) return Status::invalid_argument("the value of parameter " + name + " is not base64: " + encoded);
    if (value->empty()) continue;  // not given: the parameter's default applies
    argv.insert(argv.end(), {"--" + name, *value});
  }
  return argv;
}

Status write_engine_outputs(const RemoteTask& task, StorageBackend& storage) {
  const DeployedTask& d = *task.deployed;
  // What the task decided: how wide its foreach is, which step its switch chose.
  TaskDataStore ds(storage, task.flow, task.run_id, task.step, task.task_id);
  CONFLUX_ASSIGN_OR_RETURN(ArtifactIndex index, ds.load_index(task.attempt));
  ContentAddressedStore cas(storage, task.flow);
  auto load = [&](std::string_view name) -> Result<Value> {
    const ArtifactEntry* e = index.find(name);
    if (!e) return Status::not_found("the task stored no " + std::string(name));
    CONFLUX_ASSIGN_OR_RETURN(std::string bytes, cas.load_all(e->sha));
    return read_pickle_from_string(bytes);
  };
  int64_t splits = -1;
  if (index.find("_foreach_num_splits")) {
    CONFLUX_ASSIGN_OR_RETURN(Value n, load("_foreach_num_splits"));
    if (n.is_int()) splits = n.as_int();
  }
  CONFLUX_ASSIGN_OR_RETURN(Value transition, load("_transition"));
  std::string chosen;
  if (transition.is_tuple() && !transition.items().empty() && transition.items()[0].is_list() &&
      transition.items()[0].items().size() == 1 && transition.items()[0].items()[0].is_str()) {
    chosen = transition.items()[0].items()[0].as_str();
  }
  std::string split_list = "[";
  for (int64_t i = 0; i < splits; ++i) split_list += (i ? "," : "") + std::to_string(i);
  split_list += "]";

  // Records in the datastore, for engines that read them there.
  if (!d.join_record_step.empty()) {
    CONFLUX_RETURN_IF_ERROR(storage.save(deployed_join_records_dir(task.flow, task.run_id, d.join_record_step,
                                                                   d.join_record_task) +
                                             "/" + d.join_record_index + "." + task.task_id,
                                         "", true));
  }
  if (d.splits_record && splits >= 0) {
    CONFLUX_RETURN_IF_ERROR(
        storage.save(deployed_splits_path(task.flow, task.run_id, task.step, task.task_id), split_list, true));
  }
  if (d.switch_record) {
    CONFLUX_RETURN_IF_ERROR(storage.save(deployed_switch_path(task.flow, task.run_id, task.step, task.task_id),
                                         nlohmann::json(chosen).dump(), true));
  }
  if (!d.loop_exit_step.empty() && chosen != task.step) {
    // Leaving the loop: the step after it finds this task here.
    CONFLUX_RETURN_IF_ERROR(storage.save(deployed_loop_exit_path(task.flow, task.run_id, task.step, d.loop_exit_entry),
                                         task.task_id, true));
  }

  // Files the engine reads back from the pod (Argo's output parameters).
  if (d.outputs_dir.empty()) return Status();
  std::filesystem::path dir(d.outputs_dir);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::io_error("cannot create " + dir.string() + ": " + ec.message());
  CONFLUX_RETURN_IF_ERROR(write_file_atomically(dir / "task_id", task.task_id));
  if (splits >= 0) {
    CONFLUX_RETURN_IF_ERROR(write_file_atomically(dir / "splits", split_list));
    CONFLUX_RETURN_IF_ERROR(write_file_atomically(dir / "split_cardinality", std::to_string(splits)));
  }
  return write_file_atomically(dir / "switch_step", chosen);
}

}  // namespace conflux

namespace conflux {

Status publish_deployed_event(const RemoteTask& task) {
  const std::string& event = task.deployed->publish_event;
  if (event.empty()) return Status();
  const char* url = std::getenv("ARGO_EVENTS_WEBHOOK_URL");
  if (!url || !*url) return Status::failed_precondition("ARGO_EVENTS_WEBHOOK_URL is not set: cannot publish " + event);
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char date[16];
  std::strftime(date, sizeof(date), "%Y%m%d", &utc);
  auto id = Sha1::hex_of(task.run_id + "/" + task.step + "/" + task.task_id + "/" + std::to_string(seconds));
  nlohmann::json payload = {{"name", event},
                            {"id", id.ok() ? *id : ""},
                            {"timestamp", static_cast<int64_t>(seconds)},
                            {"utc_date", date},
                            {"generated-by-metaflow", true},
                            {"pathspec", task.flow + "/" + task.run_id + "/" + task.step + "/" + task.task_id},
                            {"flow_name", task.flow},
                            {"run_id", task.run_id},
                            {"step_name", task.step},
                            {"task_id", task.task_id}};
  std::map<std::string, std::string> headers = {{"Content-Type", "application/json"}};
  if (const char* token = std::getenv("ARGO_EVENTS_WEBHOOK_TOKEN"); token && *token) {
    headers["Authorization"] = std::string("Bearer ") + token;
  }
  ServiceHttp http(headers, 60);
  Status last;
  for (int attempt = 0; attempt < 4; ++attempt) {
    if (attempt) std::this_thread::sleep_for(std::chrono::seconds(1 << attempt));
    auto r = http.send("POST", url, nlohmann::json{{"name", event}, {"payload", payload}}.dump());
    if (r.ok() && r->status >= 200 && r->status < 300) return Status();
    last = r.ok() ? Status::unavailable("the webhook answered HTTP " + std::to_string(r->status)) : r.status();
  }
  return last.with_context("cannot publish the event " + event + " to " + url);
}

}  // namespace conflux
