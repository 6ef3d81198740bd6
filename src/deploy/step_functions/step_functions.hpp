// compile_step_functions(): a flow as an AWS Step Functions state machine (ASL) running each task
// as an AWS Batch job, plus the Batch job definitions and, for g.schedule(), an EventBridge rule
// (docs/step-functions.md). Metaflow's design, with the datastore in DynamoDB's place:
// - every step is a Task state `batch:submitJob.sync`; a static branch a Parallel state; a
//   foreach a distributed Map state that reads the split list the foreach task stored in the
//   datastore (ItemReader: no state-size limit on the width), whose body's last tasks leave
//   records the join lists to find its inputs; a switch a Choice state over the step the switch
//   job recorded in the datastore (read by an S3 GetObject task), looping back where a case names
//   the switch itself;
// - the run is "sfn-<execution name>", carried in each Batch job's parameters (an execution name
//   differs inside a distributed map); the task id is the Batch job id; retries are Batch's
//   (retryStrategy.attempts), the attempt is AWS_BATCH_JOB_ATTEMPT - 1;
// - each job runs `conflux task-run` with a task description whose ${VARIABLES} come from the
//   state (ContainerOverrides.Environment).
// An execution's input is {"Parameters": "<JSON object of parameter values, as text>"}.
//
// Pure: builds JSON; nothing is read or written.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "conflux/status.hpp"
#include "flow/flow_graph.hpp"
#include "flow/project.hpp"

namespace conflux {

struct StepFunctionsOptions {
  std::string name;                         // the state machine's; "" = the flow's (project.branch.flow)
  std::string job_queue;                    // the Batch job queue (name or ARN)
  std::string job_role;                     // the jobs' IAM role ARN; "" for none
  std::string image;                        // the runner image
  std::string conflux_command = "conflux";  // in the image
  int64_t max_workers = 100;                // a Map's MaxConcurrency
  int64_t workflow_timeout_seconds = 0;     // 0: none
  std::vector<std::string> task_command;    // the flow binary's global options (after argv[0])
  std::vector<std::string> tags;
  std::map<std::string, std::string> env;   // every job's environment (service URL, S3 settings)
  std::string code_url, code_sha, code_ds;
  std::string ds_root;                      // s3://bucket/prefix
  std::string username;
  std::optional<ProjectInfo> project;
};

struct StepFunctionsDeployment {
  std::string name;
  nlohmann::ordered_json state_machine;
  std::vector<nlohmann::ordered_json> job_definitions;  // RegisterJobDefinition requests, one per step
  std::optional<nlohmann::ordered_json> schedule_rule;  // PutRule + PutTargets, for g.schedule()
};

// The largest definition Step Functions accepts (bytes of JSON).
inline constexpr size_t kMaxStateMachineBytes = 1024 * 1024;

// InvalidArgument naming the step and the limit for what Step Functions or Batch cannot express:
// @kubernetes or @slurm, triggers, a schedule with a time zone, a definition over
// kMaxStateMachineBytes.
Result<StepFunctionsDeployment> compile_step_functions(const FlowGraph& graph, const StepFunctionsOptions& options);

// A five-field cron expression as EventBridge's six-field one: "0 6 * * 1" -> "0 6 ? * 2 *"
// (days of the week count from 1 = Sunday; one of the two day fields must be '?').
std::string eventbridge_cron(const std::string& cron);

}  // namespace conflux
