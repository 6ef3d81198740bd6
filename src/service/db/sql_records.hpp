// The SQL side of the Database records, shared by SqliteDatabase and PostgresDatabase: the
// column lists both backends select, and the readers that turn one result row into a record.
// The readers take a SqlRow: SQLite's Statement or a PgRow (one row of a PostgreSQL result).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "service/db/database.hpp"

namespace conflux::service::sql {

// One result row, read by column (0-based).
class SqlRow {
 public:
  virtual ~SqlRow() = default;
  virtual bool is_null(int col) const = 0;
  virtual std::string text(int col) const = 0;
  virtual std::optional<std::string> opt_text(int col) const = 0;
  virtual int64_t int64(int col) const = 0;
  virtual std::optional<int64_t> opt_int64(int col) const = 0;
};

inline constexpr const char* kFlowCols = "flow_id, user_name, ts_epoch, tags, system_tags";
inline constexpr const char* kRunCols =
    "flow_id, run_number, run_id, user_name, ts_epoch, last_heartbeat_ts, tags, system_tags, run_user, status, "
    "end_step, finished_at, current_step";
inline constexpr const char* kStepCols =
    "flow_id, run_number, run_id, step_name, user_name, ts_epoch, tags, system_tags";
inline constexpr const char* kTaskCols =
    "flow_id, run_number, run_id, step_name, task_id, task_name, user_name, ts_epoch, "
    "last_heartbeat_ts, tags, system_tags, status, attempt_id, started_at, finished_at, foreach_path, foreach_stack";
inline constexpr const char* kMetadataCols =
    "id, flow_id, run_number, run_id, step_name, task_id, task_name, field_name, value, type, "
    "user_name, ts_epoch, tags, system_tags";
inline constexpr const char* kArtifactCols =
    "flow_id, run_number, run_id, step_name, task_id, task_name, name, location, ds_type, sha, "
    "type, content_type, user_name, attempt_id, ts_epoch, tags, system_tags";

// Tags columns hold JSON text or NULL; records carry JSON, so NULL becomes "null".
template <class Row>
std::string json_or_null(const Row& r, int col) {
  return r.is_null(col) ? std::string("null") : r.text(col);
}

template <class Row>
FlowRecord read_flow(const Row& s) {
  FlowRecord r;
  r.flow_id = s.text(0);
  r.user_name = s.opt_text(1);
  r.ts_epoch = s.int64(2);
  r.tags = json_or_null(s, 3);
  r.system_tags = json_or_null(s, 4);
  return r;
}

template <class Row>
RunRecord read_run(const Row& s) {
  RunRecord r;
  r.flow_id = s.text(0);
  r.run_number = s.int64(1);
  r.run_id = s.opt_text(2);
  r.user_name = s.opt_text(3);
  r.ts_epoch = s.int64(4);
  r.last_heartbeat_ts = s.opt_int64(5);
  r.tags = json_or_null(s, 6);
  r.system_tags = json_or_null(s, 7);
  r.user = s.opt_text(8);
  r.status = s.opt_text(9);
  r.end_step = s.text(10);
  r.finished_at = s.opt_int64(11);
  r.current_step = s.opt_text(12);
  return r;
}

template <class Row>
StepRecord read_step(const Row& s) {
  StepRecord r;
  r.flow_id = s.text(0);
  r.run_number = s.int64(1);
  r.run_id = s.opt_text(2);
  r.step_name = s.text(3);
  r.user_name = s.opt_text(4);
  r.ts_epoch = s.int64(5);
  r.tags = json_or_null(s, 6);
  r.system_tags = json_or_null(s, 7);
  return r;
}

template <class Row>
TaskRecord read_task(const Row& s) {
  TaskRecord r;
  r.flow_id = s.text(0);
  r.run_number = s.int64(1);
  r.run_id = s.opt_text(2);
  r.step_name = s.text(3);
  r.task_id = s.int64(4);
  r.task_name = s.opt_text(5);
  r.user_name = s.opt_text(6);
  r.ts_epoch = s.int64(7);
  r.last_heartbeat_ts = s.opt_int64(8);
  r.tags = json_or_null(s, 9);
  r.system_tags = json_or_null(s, 10);
  r.status = s.text(11);
  r.attempt_id = s.opt_int64(12);
  r.started_at = s.opt_int64(13);
  r.finished_at = s.opt_int64(14);
  r.foreach_path = s.opt_text(15);
  r.foreach_stack = s.opt_text(16);
  return r;
}

template <class Row>
MetadataRecord read_metadata(const Row& s) {
  MetadataRecord r;
  r.id = s.int64(0);
  r.flow_id = s.text(1);
  r.run_number = s.int64(2);
  r.run_id = s.opt_text(3);
  r.step_name = s.text(4);
  r.task_id = s.int64(5);
  r.task_name = s.opt_text(6);
  r.field_name = s.text(7);
  r.value = s.text(8);
  r.type = s.text(9);
  r.user_name = s.opt_text(10);
  r.ts_epoch = s.int64(11);
  r.tags = json_or_null(s, 12);
  r.system_tags = json_or_null(s, 13);
  return r;
}

template <class Row>
ArtifactRecord read_artifact(const Row& s) {
  ArtifactRecord r;
  r.flow_id = s.text(0);
  r.run_number = s.int64(1);
  r.run_id = s.opt_text(2);
  r.step_name = s.text(3);
  r.task_id = s.int64(4);
  r.task_name = s.opt_text(5);
  r.name = s.text(6);
  r.location = s.text(7);
  r.ds_type = s.text(8);
  r.sha = s.opt_text(9);
  r.type = s.opt_text(10);
  r.content_type = s.opt_text(11);
  r.user_name = s.opt_text(12);
  r.attempt_id = s.int64(13);
  r.ts_epoch = s.int64(14);
  r.tags = json_or_null(s, 15);
  r.system_tags = json_or_null(s, 16);
  return r;
}

}  // namespace conflux::service::sql
