// The Slurm launcher's pure parts: option mapping, the batch script, squeue parsing and what each
// state means; and the remote task description's round trip.
#include <gtest/gtest.h>

#include "runtime/remote/remote_task.hpp"
#include "runtime/slurm/slurm_job.hpp"
#include "runtime/slurm/slurm_queue.hpp"

namespace conflux {
namespace {

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

TEST(SlurmJob, TimeIsDaysHoursMinutesSeconds) {
  EXPECT_EQ(slurm_time(45), "0-00:00:45");
  EXPECT_EQ(slurm_time(3600 + 61), "0-01:01:01");
  EXPECT_EQ(slurm_time(5 * 86400), "5-00:00:00");  // not "432000", which Slurm reads as minutes
  EXPECT_EQ(slurm_time(0), "0-00:00:01");
}

TEST(SlurmJob, ResourcesAndOptionsMapToSbatch) {
  SlurmJob job;
  job.name = "F-1-train";
  job.resources = {.cpu = 1.5, .memory_mb = 8192, .gpu = 0, .disk_mb = 0};
  job.time_limit_seconds = 90;
  job.options.partition = "gpu";
  job.options.account = "ml";
  job.options.sbatch_options = {"--exclusive"};
  job.tasks = {"{}"};
  auto opts = sbatch_options(job);
  EXPECT_TRUE(has(opts, "--cpus-per-task=2"));
  EXPECT_TRUE(has(opts, "--mem=8192M"));
  EXPECT_TRUE(has(opts, "--time=0-00:01:30"));
  EXPECT_TRUE(has(opts, "--partition=gpu"));
  EXPECT_TRUE(has(opts, "--account=ml"));
  EXPECT_TRUE(has(opts, "--no-requeue"));
  EXPECT_TRUE(has(opts, "--exclusive"));
  for (const auto& o : opts) {
    EXPECT_EQ(o.rfind("--gres", 0), std::string::npos) << "no GPUs asked, no --gres (Slurm refuses it without GresTypes)";
    EXPECT_EQ(o.rfind("--array", 0), std::string::npos) << "one task is a plain job";
  }
  job.resources.gpu = 2;
  job.tasks = {"{}", "{}", "{}"};
  job.max_parallel = 16;
  opts = sbatch_options(job);
  EXPECT_TRUE(has(opts, "--gres=gpu:2"));
  EXPECT_TRUE(has(opts, "--array=0-2%16"));
}

TEST(SlurmJob, ScriptCarriesTasksVerbatim) {
  RemoteTask t;
  t.flow = "F";
  t.argv = {"/bin/flow", "step", "x", "--tag", "it's \"quoted\" $HOME `cmd`\nsecond line"};
  SlurmJob job;
  job.name = "F-1-x";
  job.options.conflux = "/opt/my conflux/bin/conflux";
  job.tasks = {t.to_json_line(), t.to_json_line()};
  std::string script = sbatch_script(job);
  EXPECT_EQ(script.rfind("#!/bin/bash\n", 0), 0u);
  EXPECT_NE(script.find("#SBATCH --array=0-1\n"), std::string::npos) << script;
  // The quoted here-document passes each line on untouched: no expansion, no re-quoting.
  EXPECT_NE(script.find("<<'CONFLUX_TASKS_END'\n" + t.to_json_line() + "\n"), std::string::npos) << script;
  EXPECT_NE(script.find("exec '/opt/my conflux/bin/conflux' task-run"), std::string::npos) << script;
  auto back = RemoteTask::from_json(t.to_json_line());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->argv, t.argv);
  EXPECT_EQ(t.to_json_line().find('\n'), std::string::npos);
}

TEST(SlurmJob, OptionsFromAttributesAndSettings) {
  nlohmann::json attrs = {{"partition", "short"}, {"qos", nullptr}, {"sbatch_options", {"--exclusive"}}};
  auto o = slurm_options(attrs, {{"qos", "high"}, {"partition", "ignored"}, {"conflux", "/opt/c"}});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->partition, "short");  // the decorator wins
  EXPECT_EQ(o->qos, "high");         // the setting fills what the decorator left out
  EXPECT_EQ(o->conflux, "/opt/c");
  EXPECT_EQ(o->sbatch_options, std::vector<std::string>{"--exclusive"});
  auto owned = slurm_options({{"sbatch_options", {"--output=x"}}}, {});
  EXPECT_FALSE(owned.ok());
  EXPECT_NE(owned.status().message().find("--output is set by Conflux"), std::string::npos);
  auto not_option = slurm_options({{"sbatch_options", "exclusive"}}, {});
  EXPECT_FALSE(not_option.ok());
  auto bad_type = slurm_options({{"partition", 3}}, {});
  EXPECT_FALSE(bad_type.ok());
  EXPECT_NE(bad_type.status().message().find("partition"), std::string::npos);
}

TEST(SlurmQueue, ParsesSqueueAndMapsStates) {
  auto jobs = parse_squeue("77_0|RUNNING|None\n77_1|COMPLETED|None\n78|TIMEOUT|TimeLimit\n79_[2-9%2]|PENDING|JobArrayTaskLimit\n"
                           "80|CANCELLED by 0|None\ngarbage\n");
  EXPECT_EQ(jobs["77_0"].state, "RUNNING");
  EXPECT_EQ(jobs["78"].reason, "TimeLimit");
  EXPECT_EQ(jobs["80"].state, "CANCELLED");
  EXPECT_EQ(jobs.count("garbage"), 0u);
  EXPECT_EQ(slurm_phase("PENDING"), SlurmPhase::kQueued);
  EXPECT_EQ(slurm_phase("COMPLETING"), SlurmPhase::kRunning);
  EXPECT_EQ(slurm_phase("OUT_OF_MEMORY"), SlurmPhase::kEnded);
  SlurmVerdict timeout = slurm_verdict({"TIMEOUT", "TimeLimit"});
  EXPECT_TRUE(timeout.retryable);
  EXPECT_TRUE(timeout.timed_out);
  EXPECT_TRUE(slurm_verdict({"OUT_OF_MEMORY", ""}).retryable);
  EXPECT_TRUE(slurm_verdict({"NODE_FAIL", ""}).retryable);
  SlurmVerdict cancelled = slurm_verdict({"CANCELLED", "None"});
  EXPECT_FALSE(cancelled.retryable);
  EXPECT_NE(cancelled.reason.find("cancelled outside the runtime"), std::string::npos);
}

TEST(RemoteTask, MalformedDescriptionsNameTheField) {
  auto missing = RemoteTask::from_json(R"({"flow": "F"})");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("run_id"), std::string::npos);
  EXPECT_FALSE(RemoteTask::from_json("not json").ok());
  auto record = TaskExitRecord::from_json(R"({"exit_code": 3, "signal": 0, "timed_out": true})");
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->exit_code, 3);
  EXPECT_TRUE(record->timed_out);
  EXPECT_FALSE(TaskExitRecord::from_json(R"({"signal": 1})").ok());
}

}  // namespace
}  // namespace conflux
