// The stored state of runs and tasks that the web UI lists and filters on (migration 0003):
// a run's status, end time, current step, verified owner and tags; a task's newest attempt,
// status, times and foreach position. Both backends keep it current inside their writes with
// the statements built here, so it is never recomputed per query (ui-cards.md §4.3).
//
// What moves a status:
//   - metadata `attempt` (value N) on a task: the task is running attempt N; the run's current
//     step is that task's step; a new attempt of the run's end step makes the run running again;
//   - metadata `attempt_ok` (true/false): the task completed or failed; on the run's end step,
//     the run did too (the end step is the `end_step` metadata of `_parameters`, else "end");
//   - metadata `run_outcome` = failed on `_parameters` (Conflux's runtime, when a run stops
//     without reaching its end): the run failed;
//   - a heartbeat: a run or task marked failed because its heartbeat stopped runs again;
//   - expire_stale_sql(): running runs and tasks whose heartbeat is older than the cutoff (or
//     that never had one) fail.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "service/db/database.hpp"
#include "service/db/sql_queries.hpp"

namespace conflux::service::sql {

// user_name when system_tags (JSON) holds "user:<user_name>": the run's verified owner.
std::optional<std::string> verified_owner(const RunRecord& run);

// The run's tags and system tags, without repeats, as a JSON array text (for run_tags).
std::string run_tag_list_json(const RunRecord& run);
std::vector<std::string> run_tag_list(const RunRecord& run);

// The UPDATEs that apply `rows` (in order) to the runs and tasks they name, to run in the same
// transaction as the rows' INSERT. Empty when no row moves any state.
std::vector<SqlQuery> state_updates(const std::vector<MetadataRecord>& rows);

// Part of a heartbeat's UPDATE: "status" assignment that revives a row the sweeper failed
// (finished_at is NULL only for those).
inline constexpr const char* kReviveOnHeartbeat =
    ", status = CASE WHEN status = 'failed' AND finished_at IS NULL THEN 'running' ELSE status END";

// The sweeps of expire_stale(): runs, then tasks, at most kSweepBatch rows each.
inline constexpr int kSweepBatch = 1000;
struct ExpirySql {
  SqlQuery runs;
  SqlQuery tasks;
};
ExpirySql expire_stale_sql(int64_t now_seconds, int64_t cutoff_seconds);

}  // namespace conflux::service::sql
