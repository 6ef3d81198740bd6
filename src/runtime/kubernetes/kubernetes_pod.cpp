#include "runtime/kubernetes/kubernetes_pod.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "datastore/sha1.hpp"

namespace conflux {

namespace {

using oj = nlohmann::ordered_json;

std::string number_text(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

// A setting's value as the attribute's JSON: text for names, JSON for maps and lists.
Result<oj> setting_value(const std::string& key, const std::string& text) {
  if (key == "image" || key == "namespace" || key == "service_account" || key == "conflux") return oj(text);
  oj parsed = oj::parse(text, nullptr, false);
  if (key == "secrets" && (parsed.is_discarded() || parsed.is_string())) {
    oj list = oj::array();
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');) {
      if (!item.empty()) list.push_back(item);
    }
    return list;
  }
  if (parsed.is_discarded()) {
    std::string upper = key;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return Status::invalid_argument("CONFLUX_KUBERNETES_" + upper + " is not valid JSON: " + text);
  }
  return parsed;
}

std::string dns_label(const std::string& text, size_t max) {
  std::string out;
  for (char c : text) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out += std::isalnum(static_cast<unsigned char>(l)) ? l : '-';
  }
  auto digest = Sha1::hex_of(text);
  std::string hash = digest.ok() ? digest->substr(0, 8) : std::string(8, '0');
  if (out.size() > max) out = out.substr(0, max - 9) + "-" + hash;
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.front()))) out.erase(0, 1);
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out.empty() ? hash : out;
}

}  // namespace

Result<KubernetesOptions> kubernetes_options(const nlohmann::json& kubernetes, const nlohmann::json& resources,
                                             const std::map<std::string, std::string>& settings) {
  auto attribute = [&](const std::string& key) -> Result<oj> {
    if (kubernetes.is_object() && kubernetes.contains(key) && !kubernetes[key].is_null()) {
      return oj::parse(kubernetes[key].dump());
    }
    if (auto it = settings.find(key); it != settings.end() && !it->second.empty()) return setting_value(key, it->second);
    return oj();
  };
  auto fail = [](const std::string& key, const std::string& what) {
    return Status::invalid_argument("@kubernetes " + key + " " + what);
  };
  KubernetesOptions o;
  for (auto [key, field] : {std::pair{"image", &o.image}, std::pair{"namespace", &o.namespace_name},
                            std::pair{"service_account", &o.service_account}, std::pair{"conflux", &o.conflux_command}}) {
    CONFLUX_ASSIGN_OR_RETURN(oj v, attribute(key));
    if (v.is_null()) continue;
    if (!v.is_string() || v.get<std::string>().empty()) return fail(key, "must be a non-empty string");
    *field = v.get<std::string>();
  }
  for (auto [key, field] : {std::pair{"node_selector", &o.node_selector}, std::pair{"labels", &o.labels},
                            std::pair{"annotations", &o.annotations}}) {
    CONFLUX_ASSIGN_OR_RETURN(oj v, attribute(key));
    if (v.is_null()) continue;
    if (!v.is_object()) return fail(key, "must be a JSON object of strings");
    for (const auto& [k, value] : v.items()) {
      if (!value.is_string()) return fail(key, "'" + k + "' must be a string");
    }
    *field = v;
  }
  CONFLUX_ASSIGN_OR_RETURN(oj tolerations, attribute("tolerations"));
  if (!tolerations.is_null()) {
    if (!tolerations.is_array()) return fail("tolerations", "must be a list of objects");
    o.tolerations = tolerations;
  }
  CONFLUX_ASSIGN_OR_RETURN(oj secrets, attribute("secrets"));
  if (!secrets.is_null()) {
    if (!secrets.is_array()) return fail("secrets", "must be a list of secret names");
    for (const auto& s : secrets) {
      if (!s.is_string() || s.get<std::string>().empty()) return fail("secrets", "must be a list of secret names");
      o.secrets.push_back(s.get<std::string>());
    }
  }
  // Like Metaflow: the larger of @resources and @kubernetes for each quantity.
  auto quantity = [&](const char* key, double fallback) -> Result<double> {
    std::optional<double> r, k;
    if (resources.is_object() && resources.contains(key) && resources[key].is_number()) r = resources[key].get<double>();
    CONFLUX_ASSIGN_OR_RETURN(oj v, attribute(key));
    if (!v.is_null()) {
      if (!v.is_number() || v.get<double>() <= 0) return fail(key, "must be a positive number");
      k = v.get<double>();
    }
    if (r && k) return std::max(*r, *k);
    return r ? *r : k ? *k : fallback;
  };
  CONFLUX_ASSIGN_OR_RETURN(o.cpu, quantity("cpu", 1));
  CONFLUX_ASSIGN_OR_RETURN(o.memory_mb, quantity("memory", 4096));
  CONFLUX_ASSIGN_OR_RETURN(o.disk_mb, quantity("disk", 0));
  CONFLUX_ASSIGN_OR_RETURN(double gpu, quantity("gpu", 0));
  if (gpu != static_cast<double>(static_cast<int64_t>(gpu))) return fail("gpu", "must be a whole number");
  o.gpu = static_cast<int64_t>(gpu);
  return o;
}

nlohmann::ordered_json container_resources(const KubernetesOptions& o) {
  oj requests = {{"cpu", number_text(o.cpu)}, {"memory", number_text(o.memory_mb) + "M"}};
  if (o.disk_mb > 0) requests["ephemeral-storage"] = number_text(o.disk_mb) + "M";
  oj r = {{"requests", requests}};
  if (o.gpu > 0) r["limits"] = {{"nvidia.com/gpu", std::to_string(o.gpu)}};
  return r;
}

std::string kubernetes_job_name(const std::string& flow, const std::string& run_id, const std::string& step,
                                const std::string& task_id, int attempt) {
  return dns_label(flow + "-" + run_id + "-" + step + "-" + task_id + "-" + std::to_string(attempt), 63);
}

std::string kubernetes_run_label(const std::string& flow, const std::string& run_id) {
  return dns_label(flow + "-" + run_id, 63);
}

nlohmann::ordered_json kubernetes_job(const KubernetesOptions& o, const KubernetesJobSpec& spec) {
  oj labels = {{"app.kubernetes.io/name", "metaflow-task"}, {"app.kubernetes.io/part-of", "metaflow"},
               {kRunLabel, spec.run_label}};
  labels.update(o.labels);
  oj annotations = o.annotations;
  for (const auto& [k, v] : spec.annotations) annotations[k] = v;
  oj container = {{"name", "main"},
                  {"image", o.image},
                  {"command", spec.command},
                  {"resources", container_resources(o)},
                  {"terminationMessagePolicy", "FallbackToLogsOnError"}};
  if (!o.secrets.empty()) {
    oj from = oj::array();
    for (const auto& s : o.secrets) from.push_back(oj{{"secretRef", {{"name", s}}}});
    container["envFrom"] = from;
  }
  oj pod = {{"restartPolicy", "Never"}, {"terminationGracePeriodSeconds", 30}, {"containers", oj::array({container})}};
  if (spec.deadline_seconds > 0) pod["activeDeadlineSeconds"] = spec.deadline_seconds;
  if (!o.service_account.empty()) pod["serviceAccountName"] = o.service_account;
  if (!o.node_selector.empty()) pod["nodeSelector"] = o.node_selector;
  if (!o.tolerations.empty()) pod["tolerations"] = o.tolerations;
  return oj{{"apiVersion", "batch/v1"},
            {"kind", "Job"},
            {"metadata", {{"name", spec.name}, {"namespace", o.namespace_name}, {"labels", labels}, {"annotations", annotations}}},
            {"spec",
             {{"backoffLimit", 0},
              {"completions", 1},
              {"ttlSecondsAfterFinished", 7 * 24 * 3600},
              {"template", {{"metadata", {{"labels", labels}, {"annotations", annotations}}}, {"spec", pod}}}}}};
}

KubernetesJobVerdict kubernetes_verdict(const nlohmann::json& job, const nlohmann::json* pod) {
  KubernetesJobVerdict v;
  const nlohmann::json status = job.value("status", nlohmann::json::object());
  bool job_failed = status.value("failed", 0) > 0;
  bool job_succeeded = status.value("succeeded", 0) > 0;
  std::string condition_reason;
  for (const auto& c : status.value("conditions", nlohmann::json::array())) {
    if (c.value("type", "") == "Failed" && c.value("status", "") == "True") {
      job_failed = true;
      condition_reason = c.value("reason", "");
    }
  }
  if (condition_reason == "DeadlineExceeded") v.timed_out = true;
  if (pod) {
    const nlohmann::json pod_status = pod->value("status", nlohmann::json::object());
    std::string pod_reason = pod_status.value("reason", "");
    if (pod_reason == "DeadlineExceeded") v.timed_out = true;
    if (pod_reason == "Evicted") {
      v.ended = true;
      v.reason = "the pod was evicted (" + pod_status.value("message", std::string("no message")) + ")";
    }
    const auto statuses = pod_status.value("containerStatuses", nlohmann::json::array());
    if (!statuses.empty()) {
      const nlohmann::json state = statuses[0].value("state", nlohmann::json::object());
      if (state.contains("running")) v.running = true;
      if (state.contains("terminated")) {
        const auto& t = state["terminated"];
        v.ended = true;
        v.exit_code = t.value("exitCode", 1);
        std::string reason = t.value("reason", "");
        if (reason == "OOMKilled") {
          v.reason = "the container ran out of memory (OOMKilled): ask for more with @resources(memory=...)";
        } else if (reason != "Completed" && reason != "Error" && !reason.empty()) {
          std::string message = t.value("message", "");
          v.reason = "the container was terminated (" + reason + (message.empty() ? "" : ": " + message) + ")";
        }
      }
      if (state.contains("waiting")) {
        std::string reason = state["waiting"].value("reason", "");
        // Waiting that cannot end by itself: fail now, and a retry would not help.
        if (reason == "InvalidImageName" || reason == "ErrImageNeverPull" || reason == "CreateContainerConfigError") {
          v.ended = true;
          v.retryable = false;
          v.reason = "the pod cannot start (" + reason + "): " + state["waiting"].value("message", std::string(""));
        }
      }
    }
    if (pod_status.value("phase", "") == "Failed" && !v.ended) {
      v.ended = true;
      if (v.reason.empty()) v.reason = "the pod failed (" + (pod_reason.empty() ? std::string("no reason given") : pod_reason) + ")";
    }
  }
  if (job_failed || job_succeeded) v.ended = true;
  if (v.timed_out && v.reason.empty()) v.reason = "the pod ran past its deadline (activeDeadlineSeconds)";
  // BackoffLimitExceeded is how every failed attempt ends (backoffLimit 0): no news.
  if (job_failed && v.reason.empty() && !condition_reason.empty() && condition_reason != "BackoffLimitExceeded") {
    v.reason = "the Job failed (" + condition_reason + ")";
  }
  if (v.ended) v.running = false;
  return v;
}

}  // namespace conflux
