// service::Database: the storage seam of `conflux service`. It speaks records (flows, runs,
// steps, tasks, metadata rows, artifact rows as metaflow-service defines them) and structured
// queries; SQL stays inside each implementation (SqliteDatabase, PostgresDatabase), so the
// HTTP layer in src/service/api never sees a dialect.
//
// Semantics every implementation must keep (they are what Metaflow's clients observe):
//   - run_number and task_id are integers from one sequence per kind across all flows, unique
//     under concurrent writers; a run or task may also carry a string id (run_id, task_name)
//     given by a scheduler, unique within its flow (run) or step (task).
//   - An object is addressed by an ObjectKey: a numeric key means run_number / task_id, any
//     other key means run_id / task_name (metaflow-service's translate_run_key).
//   - Tags are stored as JSON text exactly as received (normalised by the caller).
//   - Timestamps are given by the caller (the service's Clock), never read inside.
//
// Thread safety: implementations are safe for concurrent use from many threads without
// external synchronisation.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conflux/status.hpp"

namespace conflux::service {

// "12" -> number 12; "argo-x" -> name "argo-x". From a path component or a body field.
struct ObjectKey {
  std::optional<int64_t> number;
  std::string name;  // used when !number
  static ObjectKey parse(std::string_view text);
  std::string text() const { return number ? std::to_string(*number) : name; }
};

struct FlowRecord {
  std::string flow_id;
  std::optional<std::string> user_name;
  int64_t ts_epoch = 0;
  std::string tags = "null";         // JSON text
  std::string system_tags = "null";  // JSON text
};

struct RunRecord {
  std::string flow_id;
  int64_t run_number = 0;
  std::optional<std::string> run_id;
  std::optional<std::string> user_name;
  int64_t ts_epoch = 0;
  std::optional<int64_t> last_heartbeat_ts;  // seconds
  std::string tags = "null";
  std::string system_tags = "null";
  // Stored state (service/db/run_state.hpp), set by the database, ignored by create_run:
  std::optional<std::string> user;  // user_name when system_tags holds "user:<user_name>"
  std::optional<std::string> status;  // running | completed | failed
  std::string end_step = "end";
  std::optional<int64_t> finished_at;  // ms
  std::optional<std::string> current_step;  // the step of the newest attempt started
};

struct StepRecord {
  std::string flow_id;
  int64_t run_number = 0;
  std::optional<std::string> run_id;  // str(run_number) for runs without a string id
  std::string step_name;
  std::optional<std::string> user_name;
  int64_t ts_epoch = 0;
  std::string tags = "null";
  std::string system_tags = "null";
};

struct TaskRecord {
  std::string flow_id;
  int64_t run_number = 0;
  std::optional<std::string> run_id;
  std::string step_name;
  int64_t task_id = 0;
  std::optional<std::string> task_name;
  std::optional<std::string> user_name;
  int64_t ts_epoch = 0;
  std::optional<int64_t> last_heartbeat_ts;
  std::string tags = "null";
  std::string system_tags = "null";
  // Stored state (service/db/run_state.hpp), set by the database, ignored by create_task:
  std::string status = "pending";  // pending | running | completed | failed
  std::optional<int64_t> attempt_id;  // the newest attempt started
  std::optional<int64_t> started_at, finished_at;  // ms, of that attempt
  std::optional<std::string> foreach_path;   // "outer:0,inner:3" (foreach-execution-path)
  std::optional<std::string> foreach_stack;  // JSON ["var=value", ...] (foreach-stack)
};

struct MetadataRecord {
  int64_t id = 0;
  std::string flow_id;
  int64_t run_number = 0;
  std::optional<std::string> run_id;
  std::string step_name;
  int64_t task_id = 0;
  std::optional<std::string> task_name;
  std::string field_name;
  std::string value;
  std::string type;
  std::optional<std::string> user_name;
  int64_t ts_epoch = 0;
  std::string tags = "null";
  std::string system_tags = "null";
};

struct ArtifactRecord {
  std::string flow_id;
  int64_t run_number = 0;
  std::optional<std::string> run_id;
  std::string step_name;
  int64_t task_id = 0;
  std::optional<std::string> task_name;
  std::string name;
  std::string location;
  std::string ds_type;
  std::optional<std::string> sha;
  std::optional<std::string> type;
  std::optional<std::string> content_type;
  std::optional<std::string> user_name;
  int64_t attempt_id = 0;
  int64_t ts_epoch = 0;
  std::string tags = "null";
  std::string system_tags = "null";
};

// Keyset pagination: newest first by (ts_epoch, key...); `after` is the last row already seen.
struct PageCursor {
  int64_t ts_epoch = 0;
  int64_t number = 0;  // run_number, task_id or metadata id (artifacts: task_id)
  std::string text;    // flow_id (flows) or artifact name (artifacts)
};
struct PageRequest {
  int64_t limit = 50;
  std::optional<PageCursor> after;
};
template <class T>
struct Page {
  std::vector<T> items;
  bool has_more = false;  // a next page exists; its cursor is built from items.back()
};

// One `field:op=v1,v2` condition of metaflow-service's filter grammar: the values are ORed;
// the value "null" means IS NULL. Fields and operators are validated by the caller.
struct FieldFilter {
  std::string field;  // a column name from the caller's allow-list, or "user" / "status"
  std::string op;     // eq ne lt le gt ge co sw ew li
  std::vector<std::string> values;
};
struct TagFilter {
  std::string op;  // any | all | likeany | likeall
  std::vector<std::string> tags;
};

struct RunQuery {
  std::string flow_id;  // empty: every flow
  std::vector<FieldFilter> fields;
  std::vector<TagFilter> tags;
  PageRequest page;
};
// The tasks of a whole run in task_id order (the UI's task list), optionally of one step and
// some statuses; `after_task_id` is the last task already seen.
struct RunTaskQuery {
  std::string flow_id;
  ObjectKey run;
  std::optional<std::string> step_name;
  std::vector<std::string> statuses;
  std::optional<int64_t> after_task_id;
  int64_t limit = 1000;
};
// What expire_stale() marked failed.
struct ExpiredRows {
  std::vector<std::pair<std::string, int64_t>> runs;  // (flow_id, run_number)
  std::vector<TaskRecord> tasks;                       // keys only
};
struct TaskQuery {
  std::string flow_id;
  ObjectKey run;
  std::string step_name;
  std::vector<FieldFilter> fields;
  PageRequest page;
};

// Where artifacts are listed from: a run, a step of it, or a task of that step.
struct ArtifactScope {
  std::string flow_id;
  ObjectKey run;
  std::optional<std::string> step_name;
  std::optional<ObjectKey> task;
};

struct DeletedCounts {
  int64_t steps = 0, tasks = 0, metadata = 0, artifacts = 0;
};

// Errors: kNotFound when a parent does not exist (flow for a run, step for a task),
// kAlreadyExists on a duplicate id, kInvalidArgument on bad query input (a bad regex),
// kUnavailable when the database is busy beyond its timeout, kInternal otherwise.
class Database {
 public:
  virtual ~Database() = default;

  // Applies the pending schema migrations; returns the schema version now in place.
  virtual Result<int> migrate() = 0;
  virtual Result<int> schema_version() = 0;
  // A trivial query (healthcheck).
  virtual Status ping() = 0;

  virtual Result<FlowRecord> create_flow(const FlowRecord& flow) = 0;
  virtual Result<std::optional<FlowRecord>> get_flow(std::string_view flow_id) = 0;
  virtual Result<std::vector<FlowRecord>> list_flows() = 0;  // creation order
  virtual Result<Page<FlowRecord>> list_flows_page(const PageRequest& page) = 0;

  // run.run_number is ignored (assigned); run.run_id may be set. NotFound if the flow is missing.
  virtual Result<RunRecord> create_run(const RunRecord& run) = 0;
  virtual Result<std::optional<RunRecord>> get_run(std::string_view flow_id, const ObjectKey& run) = 0;
  virtual Result<std::vector<RunRecord>> list_runs(std::string_view flow_id) = 0;  // creation order
  virtual Result<Page<RunRecord>> list_runs_filtered(const RunQuery& query) = 0;
  // Sets last_heartbeat_ts = now_seconds if it is NULL or <= now_seconds - min_age_seconds.
  // Returns false when no row changed (unknown run, or its heartbeat is younger).
  virtual Result<bool> touch_run_heartbeat(std::string_view flow_id, const ObjectKey& run,
                                           int64_t now_seconds, int64_t min_age_seconds) = 0;
  // Reads the run and calls `compute` with it inside one write transaction; if `compute`
  // returns a JSON text, it becomes the run's tags. NotFound if the run does not exist;
  // errors from `compute` are returned unchanged.
  virtual Status update_run_tags(
      std::string_view flow_id, const ObjectKey& run,
      const std::function<Result<std::optional<std::string>>(const RunRecord&)>& compute) = 0;
  // Marks running runs and tasks whose heartbeat (or, without one, start) is older than
  // now_seconds - cutoff_seconds as failed; a later heartbeat makes them running again.
  virtual Result<ExpiredRows> expire_stale(int64_t now_seconds, int64_t cutoff_seconds) = 0;
  // Up to `limit` flow ids / run tags containing `text` (case-insensitively), sorted.
  virtual Result<std::vector<std::string>> autocomplete_flows(std::string_view text, int64_t limit) = 0;
  virtual Result<std::vector<std::string>> autocomplete_tags(std::string_view text, int64_t limit) = 0;
  // Deletes a run and everything below it. NotFound if the run does not exist.
  virtual Result<DeletedCounts> delete_run(std::string_view flow_id, const ObjectKey& run) = 0;

  // AlreadyExists if the step exists.
  virtual Result<StepRecord> create_step(const StepRecord& step) = 0;
  virtual Result<std::optional<StepRecord>> get_step(std::string_view flow_id, const ObjectKey& run,
                                                     std::string_view step_name) = 0;
  virtual Result<std::vector<StepRecord>> list_steps(std::string_view flow_id, const ObjectKey& run) = 0;

  // task.task_id is ignored (assigned). NotFound if the step is missing; AlreadyExists on a
  // duplicate task_name.
  virtual Result<TaskRecord> create_task(const TaskRecord& task) = 0;
  virtual Result<std::optional<TaskRecord>> get_task(std::string_view flow_id, const ObjectKey& run,
                                                     std::string_view step_name,
                                                     const ObjectKey& task) = 0;
  virtual Result<std::vector<TaskRecord>> list_tasks(std::string_view flow_id, const ObjectKey& run,
                                                     std::string_view step_name) = 0;
  virtual Result<Page<TaskRecord>> list_tasks_filtered(const TaskQuery& query) = 0;
  virtual Result<Page<TaskRecord>> list_run_tasks(const RunTaskQuery& query) = 0;
  virtual Result<bool> touch_task_heartbeat(std::string_view flow_id, const ObjectKey& run,
                                            std::string_view step_name, const ObjectKey& task,
                                            int64_t now_seconds, int64_t min_age_seconds) = 0;

  // Inserts every row (ids assigned); returns how many were stored.
  virtual Result<int64_t> add_metadata(const std::vector<MetadataRecord>& rows) = 0;
  // Newest first (ts_epoch DESC, id DESC).
  virtual Result<std::vector<MetadataRecord>> list_task_metadata(std::string_view flow_id,
                                                                 const ObjectKey& run,
                                                                 std::string_view step_name,
                                                                 const ObjectKey& task) = 0;
  virtual Result<Page<MetadataRecord>> list_task_metadata_page(std::string_view flow_id,
                                                               const ObjectKey& run,
                                                               std::string_view step_name,
                                                               const ObjectKey& task,
                                                               const PageRequest& page) = 0;
  virtual Result<std::vector<MetadataRecord>> list_run_metadata(std::string_view flow_id,
                                                                const ObjectKey& run) = 0;
  virtual Result<Page<MetadataRecord>> list_run_metadata_page(std::string_view flow_id,
                                                              const ObjectKey& run,
                                                              const PageRequest& page) = 0;
  // "Flow/run/step/task" of the tasks with a metadata row named `field_name` (if given) whose
  // value matches the regular expression `pattern` (if given), by task_id.
  virtual Result<std::vector<std::string>> filtered_task_pathspecs(
      std::string_view flow_id, const ObjectKey& run, std::string_view step_name,
      const std::optional<std::string>& field_name, const std::optional<std::string>& pattern) = 0;

  // Inserts every row; a row whose (task, attempt_id, name) exists is skipped. Returns how many
  // were stored.
  virtual Result<int64_t> add_artifacts(const std::vector<ArtifactRecord>& rows) = 0;
  // Every attempt's rows, attempt_id DESC.
  virtual Result<std::vector<ArtifactRecord>> list_artifacts(const ArtifactScope& scope) = 0;
  // The newest row per (task, name), newest first (ts_epoch, task_id, name DESC).
  virtual Result<Page<ArtifactRecord>> list_artifacts_page(const ArtifactScope& scope,
                                                           const PageRequest& page) = 0;
  // REQUIRES: scope.step_name and scope.task set. attempt nullopt: the highest attempt.
  virtual Result<std::optional<ArtifactRecord>> get_artifact(const ArtifactScope& scope,
                                                             std::string_view name,
                                                             std::optional<int64_t> attempt) = 0;
};

}  // namespace conflux::service
