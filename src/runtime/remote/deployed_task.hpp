// DeployedTask: the part of a remote task that a workflow engine (Argo Workflows) cannot know when
// the flow is compiled, and that `conflux task-run` works out on the node:
// - the task id, minted from values the engine substitutes (the workflow's name and creation
//   time, the input paths, the split index), so every retry of a task gets the same id;
// - a foreach join's input paths: the ids of the body's last tasks, recomputed the same way,
//   because engines cannot pass 100,000 ids from step to step (Argo parameters are small);
// - the run's parameters, which the start task stores first (the flow binary's `init`);
// - the files the engine reads back (Argo output parameters: task id, foreach splits, the switch
//   step taken).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "conflux/status.hpp"
#include "datastore/storage_backend.hpp"

namespace conflux {

struct RemoteTask;

// Engines that cannot substitute values into the description (AWS Batch under Step Functions)
// pass them as environment variables instead: with task_id_env set, `${NAME}` in the run id, the
// step command, the input paths and the join record fields is replaced by the variable's value
// (an error if it is unset); ${CONFLUX_ATTEMPT} is the attempt task-run worked out.
struct DeployedTask {
  std::string task_id_seed;  // task id = deployed_task_id(task_id_seed)
  std::string task_id_env;   // or: the task id is this variable's value (AWS_BATCH_JOB_ID)
  std::string attempt_env;   // the attempt is this variable's value minus one (AWS_BATCH_JOB_ATTEMPT)
  std::string input_paths;   // as the step command takes them (compressed); "" for start and foreach joins
  // A foreach join: its inputs are task deployed_task_id(join_seed + "-" + i) of `join_step`, i < join_count.
  std::string join_step;
  std::string join_seed;
  int64_t join_count = -1;
  // The start task: store the run's parameters first, in task <task id>-params of _parameters.
  // `init_argv` is the flow binary's `init` command without --task-id and values; values come
  // base64-encoded (as engines substitute them: no quoting), "" meaning "not given".
  bool init_parameters = false;
  std::vector<std::string> init_argv;
  std::map<std::string, std::string> parameters_base64;
  std::string parameters_env;  // or: a variable holding a JSON object of values ({"alpha": "0.5"})
  std::string outputs_dir;  // "": the engine reads nothing back
  // After the step succeeded, POST this event to the Argo Events webhook in the variable
  // ARGO_EVENTS_WEBHOOK_URL (Metaflow's "metaflow.<flow>.end", which @trigger_on_finish waits for).
  std::string publish_event;
  // Records in the datastore, for engines that cannot carry them in their own state:
  // - a foreach step's split list, <task>/deployed_splits.json ([0, ..., n-1]), which the engine
  //   reads to fan out;
  bool splits_record = false;
  // - a switch step's choice, <task>/deployed_switch.json (a JSON string: the step), which the
  //   engine reads to branch;
  bool switch_record = false;
  // - a foreach body's last task tells the join it exists: an empty object
  //   <run>/<foreach step>/<foreach task>/deployed_join/<index>.<task id>;
  std::string join_record_step, join_record_task, join_record_index;
  // - a foreach join finds its inputs (tasks of `join_step`) by listing those records.
  std::string join_records_step, join_records_task;
  // A switch that loops on its own step: the iteration that leaves the loop records its task id
  // under the loop's entry (<run>/<step>/loop_exits/<id of the entry path>), and the step after
  // the loop reads it there: its input.
  std::string loop_exit_step, loop_exit_entry;
  std::string loop_record_step, loop_record_entry;
  // The step where a switch's branches meet: its input is the last task of the branch the switch
  // chose, whose id it recomputes from the switch's task path along that branch's steps (ids are
  // minted from "<step>-<time>-<input paths>", so they follow from the path alone).
  std::string switch_parent;  // the switch task's path
  std::string switch_choice;  // the case step it chose
  std::string switch_time;    // the workflow's creation time, as in the seeds
  std::map<std::string, std::vector<std::string>> switch_chains;  // case step -> steps to here

  nlohmann::json to_json() const;
  static Result<DeployedTask> from_json(const nlohmann::json& j);
};

// "t-" and 12 hex digits of the SHA-1 of `seed`. Metaflow's Argo ids are "t-" and 8 hex digits of
// an MD5; 8 digits collide in a wide foreach (two of 100,000 ids coincide with probability 0.69),
// 12 almost never (2e-5).
std::string deployed_task_id(std::string_view seed);

// The input paths (compressed) of a foreach join: task deployed_task_id(seed + "-" + i) of `step`
// for each i < count.
std::string foreach_join_input_paths(const std::string& run_id, const std::string& step, const std::string& seed,
                                     int64_t count);

// Where a foreach task's split list and its body's join records live, relative to the datastore root.
std::string deployed_splits_path(const std::string& flow, const std::string& run_id, const std::string& step,
                                 const std::string& task_id);
std::string deployed_switch_path(const std::string& flow, const std::string& run_id, const std::string& step,
                                 const std::string& task_id);
std::string deployed_loop_exit_path(const std::string& flow, const std::string& run_id, const std::string& step,
                                    const std::string& entry);
std::string deployed_join_records_dir(const std::string& flow, const std::string& run_id, const std::string& step,
                                      const std::string& task_id);

// Completes a deployed task before it runs: sets task.task_id and appends --task-id and the input
// paths to task.argv (paths too long for an argument go to the attempt's input_paths file in
// `storage`, and the step reads them there).
Status resolve_deployed_task(RemoteTask& task, StorageBackend& storage);

// The `init` command that stores the parameters of a deployed run (the start task runs it first);
// `binary` is the packaged flow binary.
Result<std::vector<std::string>> deployed_init_command(const RemoteTask& task, const std::string& binary);

// After the step succeeded: writes the files the engine reads back into outputs_dir: task_id,
// and for a foreach split `splits` (a JSON list 0..n-1) and `split_cardinality`, for a switch
// `switch_step` (the step it chose), written to a temporary name and renamed; and the datastore
// records (splits_record, join_record_*).
Status write_engine_outputs(const RemoteTask& task, StorageBackend& storage);

// Publishes task.deployed->publish_event (if any) to the Argo Events webhook: Metaflow's event
// shape, {"name": ..., "payload": {"name", "id", "timestamp", "utc_date", "pathspec", "flow_name",
// "run_id", "step_name", "task_id", ...}}. A bearer token comes from ARGO_EVENTS_WEBHOOK_TOKEN.
Status publish_deployed_event(const RemoteTask& task);

}  // namespace conflux
