// RunRecords: everything the metadata knows of one run (the run, its steps and tasks, their
// metadata rows and artifact rows), read through any MetadataProvider and registered again through
// any other, so a run moves between local metadata and the metadata service. In a bundle it is one
// JSON document whose records have Metaflow's own JSON shapes (metadata/records.hpp).
//
// Thread safety: plain values and functions of their arguments.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "metadata/metadata_provider.hpp"
#include "metadata/records.hpp"

namespace conflux::transfer {

struct RunRecords {
  RunRecord run;
  std::vector<StepRecord> steps;
  std::vector<TaskRecord> tasks;
  std::vector<MetadataRow> metadata;
  std::vector<ArtifactRow> artifacts;

  std::string to_json() const;
  // Corruption naming what is malformed.
  static Result<RunRecords> from_json(std::string_view text);
};

Result<RunRecords> collect_run_records(MetadataProvider& metadata, const std::string& flow,
                                       const std::string& run_id);

struct RegisterOptions {
  std::string run_id;   // the id to register under (the original, or a new one on a collision)
  std::string ds_type;  // where the artifacts now live: recorded in the artifact rows
  std::string ds_root;
  // Called with each record's original time just before it is registered (local metadata takes
  // its timestamps from a clock the importer controls; the service stamps its own).
  std::function<void(int64_t ts_epoch_ms)> at;
  // Register the run record before the rest (the service needs its run first) or after the rest
  // (local metadata: the run becomes visible only once everything is in place).
  bool run_first = false;
  std::vector<std::string> extra_system_tags;  // added to the run's own
  // The metadata service hands out numeric task ids itself: numeric ids get new ones there, and
  // each new id is recorded here, keyed by "<step>/<task>" (nullptr: keep every id).
  std::map<std::string, std::string>* new_task_ids = nullptr;
};

Status register_run_records(MetadataProvider& metadata, const RunRecords& records,
                            const RegisterOptions& options);

}  // namespace conflux::transfer
