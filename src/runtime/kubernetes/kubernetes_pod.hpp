// What a step's @kubernetes (and @resources) mean for a pod, shared by the Kubernetes launcher
// (a Job per attempt) and the Argo Workflows compiler (a container template per step):
// the options with their CONFLUX_KUBERNETES_* fallbacks, the container's resources, and the Job
// Metaflow's launcher creates. Also how a Job and its pod ended, as far as Kubernetes says.
//
// Pure functions over JSON; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "conflux/status.hpp"

namespace conflux {

struct KubernetesOptions {
  std::string image;
  std::string namespace_name = "default";
  std::string service_account;
  nlohmann::ordered_json node_selector = nlohmann::ordered_json::object();
  nlohmann::ordered_json tolerations = nlohmann::ordered_json::array();
  std::vector<std::string> secrets;
  nlohmann::ordered_json labels = nlohmann::ordered_json::object();
  nlohmann::ordered_json annotations = nlohmann::ordered_json::object();
  // Requests: the larger of @resources and @kubernetes, as Metaflow takes them.
  double cpu = 1;
  double memory_mb = 4096;
  double disk_mb = 0;  // 0: no ephemeral-storage request
  int64_t gpu = 0;
  std::string conflux_command = "conflux";  // task-run, on the image's PATH
};

// `kubernetes`: the step's @kubernetes attributes (null if it has none); `resources`: its
// @resources attributes (null if none); `settings`: CONFLUX_KUBERNETES_<ATTR> values by lowercase
// attribute ("image", "node_selector" as JSON, "secrets" as JSON or comma-separated, ...).
// InvalidArgument names the attribute that is wrong.
Result<KubernetesOptions> kubernetes_options(const nlohmann::json& kubernetes, const nlohmann::json& resources,
                                             const std::map<std::string, std::string>& settings);

// The container's `resources`: requests {cpu, memory "<MB>M", ephemeral-storage}, limits
// {nvidia.com/gpu} when GPUs are asked for. Quantities are strings, as the Argo schema wants.
nlohmann::ordered_json container_resources(const KubernetesOptions& options);

// A Job name for one attempt: lowercase, at most 63 characters, unique per flow, run, step, task
// and attempt (a hash keeps long ones unique). Creating it twice is harmless: the API server
// refuses the second with 409.
std::string kubernetes_job_name(const std::string& flow, const std::string& run_id, const std::string& step,
                                const std::string& task_id, int attempt);

// The label that marks every Job of one run, so one LIST finds them all.
inline constexpr const char* kRunLabel = "conflux.dev/run";
std::string kubernetes_run_label(const std::string& flow, const std::string& run_id);

struct KubernetesJobSpec {
  std::string name;
  std::string run_label;
  std::map<std::string, std::string> annotations;  // metaflow/flow_name, run_id, step_name, ...
  std::vector<std::string> command;                // the container's command (conflux task-run ...)
  int64_t deadline_seconds = 0;                    // the pod's activeDeadlineSeconds; 0: none
};

// The Job as Metaflow's launcher makes it: backoffLimit 0 (retries are the runtime's),
// restartPolicy Never, the pod's activeDeadlineSeconds, a week's TTL after it finishes.
nlohmann::ordered_json kubernetes_job(const KubernetesOptions& options, const KubernetesJobSpec& spec);

// What Kubernetes says about a Job and its pod.
struct KubernetesJobVerdict {
  bool ended = false;      // the Job failed or succeeded, or its pod's container terminated
  bool running = false;    // its container runs
  std::optional<int> exit_code;  // the container's, when it terminated
  bool timed_out = false;  // the pod's deadline passed (DeadlineExceeded)
  bool retryable = true;
  std::string reason;      // for the user: OOMKilled, evicted, an image that cannot be pulled, ...
};

// `job`: the Job object; `pod`: its newest pod, or null when none exists (yet).
KubernetesJobVerdict kubernetes_verdict(const nlohmann::json& job, const nlohmann::json* pod);

}  // namespace conflux
