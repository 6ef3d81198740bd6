// Metadata records: the objects Metaflow's metadata layer stores and serves (flow, run, step, task,
// metadata row, artifact row), each with the JSON shape of Metaflow's local provider
// (plugins/metadata_providers/local.py + metadata_provider/metadata.py).
//
// to_json() writes exactly Metaflow's bytes: same key order, json.dumps separators, e.g. a run:
//   {"run_number": "1795933055265084", "flow_id": "LinearFlow", "user_name": "tester",
//    "tags": ["linear"], "system_tags": ["user:tester", "runtime:dev"], "ts_epoch": 1795933055266}
// from_json() accepts those files and the metadata service's JSON (ids may be numbers there). All
// ts_epoch values are milliseconds since the epoch. Plain value types; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conflux/status.hpp"

namespace conflux {

// <Flow>/_meta/_self.json
struct FlowRecord {
  std::string flow_id;
  int64_t ts_epoch = 0;

  std::string to_json() const;
  static Result<FlowRecord> from_json(std::string_view text);
};

// <Flow>/<run>/_meta/_self.json
struct RunRecord {
  std::string flow_id;
  std::string run_number;
  std::string user_name;
  std::vector<std::string> tags;
  std::vector<std::string> system_tags;
  int64_t ts_epoch = 0;

  std::string to_json() const;
  static Result<RunRecord> from_json(std::string_view text);
};

// <Flow>/<run>/<step>/_meta/_self.json
struct StepRecord {
  std::string flow_id;
  std::string run_number;
  std::string step_name;
  std::string user_name;
  std::vector<std::string> tags;
  std::vector<std::string> system_tags;
  int64_t ts_epoch = 0;

  std::string to_json() const;
  static Result<StepRecord> from_json(std::string_view text);
};

// <Flow>/<run>/<step>/<task>/_meta/_self.json
struct TaskRecord {
  std::string flow_id;
  std::string run_number;
  std::string step_name;
  std::string task_id;
  std::string user_name;
  std::vector<std::string> tags;
  std::vector<std::string> system_tags;
  int64_t ts_epoch = 0;

  std::string to_json() const;
  static Result<TaskRecord> from_json(std::string_view text);
};

// <task>/_meta/sysmeta_<field_name>_<ts_epoch>.json
struct MetadataRow {
  std::string flow_id;
  std::string run_number;
  std::string step_name;
  std::string task_id;
  std::string field_name;
  std::string type;
  // The value as text. Metaflow stores most values as JSON strings, but some (foreach-stack) as
  // JSON lists: then `value` holds that JSON text and `value_is_json` is true.
  std::string value;
  bool value_is_json = false;
  std::vector<std::string> tags;  // e.g. ["attempt_id:0"]
  std::string user_name;
  int64_t ts_epoch = 0;

  // N from an "attempt_id:N" tag, if any.
  std::optional<int> attempt_id() const;

  std::string to_json() const;
  static Result<MetadataRow> from_json(std::string_view text);
};

// <task>/_meta/<attempt_id>_artifact_<name>.json
struct ArtifactRow {
  std::string run_number;
  std::string step_name;
  std::string task_id;
  int attempt_id = 0;
  std::string name;
  std::string content_type;  // the artifact's encoding, "pickle-v4"
  std::string type = "metaflow.artifact";
  std::string sha;
  std::string ds_type;   // "local"
  std::string location;  // ":root:<datastore root>" (or a URL)
  std::string flow_id;
  std::string user_name;
  std::vector<std::string> tags;
  std::vector<std::string> system_tags;
  int64_t ts_epoch = 0;

  std::string to_json() const;
  static Result<ArtifactRow> from_json(std::string_view text);
};

}  // namespace conflux
