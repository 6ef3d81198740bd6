// Which launcher runs a task: the engine a step's decorator names (@slurm, ...), or a local
// process. Launchers are created on first use, once per run, and live as long as the run.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "conflux/flow_spec_types.hpp"
#include "datastore/storage_backend.hpp"
#include "package/code_package.hpp"
#include "runtime/console.hpp"
#include "runtime/launcher/process_launcher.hpp"

namespace conflux {

// What a launcher may need from the run it serves.
struct LauncherContext {
  std::string flow;
  std::string run_id;
  StorageBackend* storage = nullptr;  // the run's datastore (status files, logs)
  std::string ds_type;                // "local" or "s3"
  std::string ds_root;                // a directory or s3://bucket/prefix
  Console* console = nullptr;
  int64_t max_workers = 16;
  // The run's code package, built and stored on the first call and then remembered.
  std::function<Result<StoredCodePackage>()> code_package;
  // Cluster settings per engine, from the environment: CONFLUX_SLURM_PARTITION=x gives
  // settings["slurm"]["partition"] = "x". Decorator attributes override them.
  std::map<std::string, std::map<std::string, std::string>> settings;
  // Non-empty: the run keeps local metadata in this `.metaflow` directory while its datastore is
  // S3. Remote tasks then write theirs on the node and leave it in the datastore, and the launcher
  // copies it back here when the task ends (remote/local_metadata_sync.hpp).
  std::string local_metadata_root;
};

// One registered engine: the step decorator that selects it and how to make its launcher.
struct LauncherKind {
  std::string decorator;
  std::function<Result<std::unique_ptr<TaskLauncher>>(const LauncherContext&)> make;
};

// Every remote engine Conflux knows (launcher_registry.cpp).
const std::vector<LauncherKind>& launcher_kinds();

class Launchers {
 public:
  explicit Launchers(LauncherContext context) : context_(std::move(context)) {}

  // The launcher for an attempt of `step`. @catch's fallback attempt runs locally, as in Metaflow.
  Result<TaskLauncher*> for_step(const StepDescription& step, bool fallback);
  // Every launcher created so far (the local one first).
  std::vector<TaskLauncher*> in_use();

 private:
  LauncherContext context_;
  ProcessLauncher local_;
  std::map<std::string, std::unique_ptr<TaskLauncher>> remote_;
};

}  // namespace conflux
