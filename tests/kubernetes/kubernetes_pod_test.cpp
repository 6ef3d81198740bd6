// What @kubernetes and @resources mean for a pod, the Job the launcher creates, and how the
// launcher reads Kubernetes' answers about a Job and its pod (samples in the API's shapes).
#include <gtest/gtest.h>

#include <regex>

#include "runtime/kubernetes/kubernetes_pod.hpp"

namespace {

using conflux::kubernetes_options;
using nlohmann::json;

TEST(KubernetesPodTest, DecoratorBeatsSettingsAndResourcesTakeTheLarger) {
  json k = {{"image", "gpu:1"}, {"memory", 2048}, {"gpu", 2}, {"labels", {{"team", "ml"}}}};
  json r = {{"cpu", 4}, {"memory", 16000}, {"gpu", nullptr}, {"disk", nullptr}};
  std::map<std::string, std::string> settings = {{"image", "default:1"},
                                                 {"namespace", "ml"},
                                                 {"node_selector", R"({"pool": "batch"})"},
                                                 {"secrets", "a,b"}};
  auto o = kubernetes_options(k, r, settings);
  ASSERT_TRUE(o.ok()) << o.status().to_string();
  EXPECT_EQ(o->image, "gpu:1");
  EXPECT_EQ(o->namespace_name, "ml");
  EXPECT_EQ(o->node_selector, (nlohmann::ordered_json{{"pool", "batch"}}));
  EXPECT_EQ(o->secrets, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(o->cpu, 4);
  EXPECT_EQ(o->memory_mb, 16000) << "the larger of @resources and @kubernetes";
  EXPECT_EQ(o->gpu, 2);
  EXPECT_EQ(conflux::container_resources(*o).dump(),
            R"({"requests":{"cpu":"4","memory":"16000M"},"limits":{"nvidia.com/gpu":"2"}})");

  auto defaults = kubernetes_options(json(), json(), {});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(conflux::container_resources(*defaults).dump(), R"({"requests":{"cpu":"1","memory":"4096M"}})");
  EXPECT_EQ(defaults->namespace_name, "default");
}

TEST(KubernetesPodTest, BadSettingsAndAttributesNameTheAttribute) {
  auto bad_json = kubernetes_options(json(), json(), {{"node_selector", "pool=batch"}});
  ASSERT_FALSE(bad_json.ok());
  EXPECT_NE(bad_json.status().message().find("CONFLUX_KUBERNETES_NODE_SELECTOR is not valid JSON"), std::string::npos);
  auto gpu = kubernetes_options(json{{"gpu", 0.5}}, json(), {});
  ASSERT_FALSE(gpu.ok());
  EXPECT_NE(gpu.status().message().find("@kubernetes gpu must be a whole number"), std::string::npos);
  auto memory = kubernetes_options(json{{"memory", -1}}, json(), {});
  ASSERT_FALSE(memory.ok());
  EXPECT_NE(memory.status().message().find("@kubernetes memory must be a positive number"), std::string::npos);
}

TEST(KubernetesPodTest, JobNamesAreValidAndUniquePerAttempt) {
  std::regex dns("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  std::string a = conflux::kubernetes_job_name("ShardFlow", "1796610573661939", "train_model", "12", 0);
  EXPECT_EQ(a, "shardflow-1796610573661939-train-model-12-0");
  std::string long_flow(80, 'F');
  std::string b = conflux::kubernetes_job_name(long_flow, "1", "s", "1", 0);
  std::string c = conflux::kubernetes_job_name(long_flow, "1", "s", "1", 1);
  for (const auto& name : {a, b, c}) {
    EXPECT_LE(name.size(), 63u) << name;
    EXPECT_TRUE(std::regex_match(name, dns)) << name;
  }
  EXPECT_NE(b, c) << "a long name keeps a hash of the whole";
}

TEST(KubernetesPodTest, TheJobIsMetaflowsShape) {
  auto o = kubernetes_options(json{{"service_account", "runner"}, {"tolerations", json::array({{{"key", "gpu"}, {"operator", "Exists"}}})}},
                              json(), {});
  ASSERT_TRUE(o.ok());
  o->image = "runner:1";
  conflux::KubernetesJobSpec spec;
  spec.name = "f-1-start-1-0";
  spec.run_label = "f-1";
  spec.annotations = {{"metaflow/step_name", "start"}};
  spec.command = {"conflux", "task-run", "--task", "{}"};
  spec.deadline_seconds = 720;
  auto job = conflux::kubernetes_job(*o, spec);
  EXPECT_EQ(job["spec"]["backoffLimit"], 0);
  EXPECT_EQ(job["metadata"]["labels"][conflux::kRunLabel], "f-1");
  const auto& pod = job["spec"]["template"]["spec"];
  EXPECT_EQ(pod["restartPolicy"], "Never");
  EXPECT_EQ(pod["activeDeadlineSeconds"], 720);
  EXPECT_EQ(pod["serviceAccountName"], "runner");
  EXPECT_EQ(pod["tolerations"][0]["key"], "gpu");
  EXPECT_EQ(pod["containers"][0]["command"][1], "task-run");
  EXPECT_EQ(job["spec"]["template"]["metadata"]["annotations"]["metaflow/step_name"], "start");
}

json pod_with(json state, json extra = json::object()) {
  json status = {{"phase", "Running"}, {"containerStatuses", json::array({{{"name", "main"}, {"state", state}}})}};
  status.update(extra);
  return {{"status", status}};
}

TEST(KubernetesPodTest, VerdictsFollowTheJobAndItsPod) {
  json active = {{"status", {{"active", 1}}}};
  auto pending = conflux::kubernetes_verdict(active, nullptr);
  EXPECT_FALSE(pending.ended);
  EXPECT_FALSE(pending.running);

  json running_pod = pod_with({{"running", {{"startedAt", "x"}}}});
  auto running = conflux::kubernetes_verdict(active, &running_pod);
  EXPECT_TRUE(running.running);
  EXPECT_FALSE(running.ended);

  json done = {{"status", {{"succeeded", 1}}}};
  json completed_pod = pod_with({{"terminated", {{"exitCode", 0}, {"reason", "Completed"}}}});
  auto completed = conflux::kubernetes_verdict(done, &completed_pod);
  EXPECT_TRUE(completed.ended);
  EXPECT_EQ(completed.exit_code, 0);
  EXPECT_TRUE(completed.reason.empty());

  json failed = {{"status", {{"failed", 1}, {"conditions", json::array({{{"type", "Failed"}, {"status", "True"}, {"reason", "BackoffLimitExceeded"}}})}}}};
  json oom_pod = pod_with({{"terminated", {{"exitCode", 137}, {"reason", "OOMKilled"}}}});
  auto oom = conflux::kubernetes_verdict(failed, &oom_pod);
  EXPECT_TRUE(oom.ended);
  EXPECT_EQ(oom.exit_code, 137);
  EXPECT_TRUE(oom.retryable);
  EXPECT_NE(oom.reason.find("OOMKilled"), std::string::npos);

  json deadline_job = {{"status", {{"failed", 1}, {"conditions", json::array({{{"type", "Failed"}, {"status", "True"}, {"reason", "DeadlineExceeded"}}})}}}};
  auto deadline = conflux::kubernetes_verdict(deadline_job, nullptr);
  EXPECT_TRUE(deadline.ended);
  EXPECT_TRUE(deadline.timed_out);

  json evicted_pod = {{"status", {{"phase", "Failed"}, {"reason", "Evicted"}, {"message", "The node was low on resource: memory."}}}};
  auto evicted = conflux::kubernetes_verdict(active, &evicted_pod);
  EXPECT_TRUE(evicted.ended);
  EXPECT_TRUE(evicted.retryable);
  EXPECT_NE(evicted.reason.find("evicted (The node was low on resource: memory.)"), std::string::npos);

  json bad_image = pod_with({{"waiting", {{"reason", "InvalidImageName"}, {"message", "couldn't parse image reference"}}}},
                            {{"phase", "Pending"}});
  auto image = conflux::kubernetes_verdict(active, &bad_image);
  EXPECT_TRUE(image.ended);
  EXPECT_FALSE(image.retryable) << "a retry would meet the same image";
  EXPECT_NE(image.reason.find("InvalidImageName"), std::string::npos);

  json pulling = pod_with({{"waiting", {{"reason", "ContainerCreating"}}}}, {{"phase", "Pending"}});
  EXPECT_FALSE(conflux::kubernetes_verdict(active, &pulling).ended);
}

}  // namespace
