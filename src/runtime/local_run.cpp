#include "runtime/local_run.hpp"

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "conflux/codec.hpp"
#include "conflux/version.hpp"
#include "datastore/content_addressed_store.hpp"
#include "datastore/task_datastore.hpp"
#include "flow/graph_render.hpp"
#include "package/code_package.hpp"
#include "runtime/scheduler.hpp"
#include "runtime/small_value_cache.hpp"
#include "task/artifact_persister.hpp"
#include "task/input_attempts.hpp"
#include "task/input_paths.hpp"
#include "task/known_blobs.hpp"
#include "task/task_runner.hpp"

namespace conflux {

namespace {

constexpr const char* kParametersStep = "_parameters";
constexpr auto kHeartbeatInterval = std::chrono::seconds(10);

// Reads back what a finished task decided, from its committed artifacts.
class DatastoreTaskStore : public TaskStore {
 public:
  DatastoreTaskStore(StorageBackend& storage, std::string flow, std::string run_id)
      : storage_(storage), flow_(std::move(flow)), run_id_(std::move(run_id)), cas_(storage, flow_), values_(cas_) {}

  Result<TaskOutcome> read_outcome(const std::string& step, const std::string& task_id, int attempt,
                                   bool exited_cleanly) override {
    TaskDataStore ds(storage_, flow_, run_id_, step, task_id);
    if (!exited_cleanly) {
      CONFLUX_ASSIGN_OR_RETURN(bool done, ds.is_done(attempt));
      if (!done) return Status::failed_precondition("the task exited without committing its attempt");
    }
    CONFLUX_ASSIGN_OR_RETURN(ArtifactIndex index, ds.load_index(attempt));
    remember_blobs(step, index);
    return outcome_of(index);
  }

  // The blobs of the last committed task of `step` this store read: the next tasks of the step
  // mostly save the same values (--known-blobs).
  std::vector<std::string> known_blobs(const std::string& step) {
    std::lock_guard<std::mutex> lock(known_mutex_);
    auto it = known_blobs_.find(step);
    return it != known_blobs_.end() ? it->second : std::vector<std::string>{};
  }

  Result<TaskOutcome> outcome_of(const ArtifactIndex& index) override {
    TaskOutcome outcome;
    CONFLUX_ASSIGN_OR_RETURN(Value ok, load(index, "_task_ok"));
    if (!ok.is_bool() || !ok.as_bool()) return Status::failed_precondition("the task did not finish (_task_ok is False)");
    CONFLUX_ASSIGN_OR_RETURN(Value transition, load(index, "_transition"));
    if (transition.is_tuple() && !transition.items().empty() && transition.items()[0].is_list()) {
      for (const Value& v : transition.items()[0].items()) {
        if (v.is_str()) outcome.next_steps.push_back(v.as_str());
      }
    }
    if (index.find("_foreach_num_splits")) {
      CONFLUX_ASSIGN_OR_RETURN(Value splits, load(index, "_foreach_num_splits"));
      if (splits.is_int()) outcome.foreach_num_splits = splits.as_int();
    }
    return outcome;
  }

  Status save_attempt_record(const std::string& step, const std::string& task_id, int attempt,
                             const std::string& stdout_log, const std::string& stderr_log,
                             int return_code, bool killed, bool success) override {
    TaskDataStore ds(storage_, flow_, run_id_, step, task_id);
    // Empty logs (a task that succeeded quietly) are not written: readers, ours and Metaflow's,
    // take a missing log as empty, and each is a file or a request per task.
    if (!stdout_log.empty()) CONFLUX_RETURN_IF_ERROR(ds.save_log(attempt, "runtime", LogStream::kStdout, stdout_log));
    if (!stderr_log.empty()) CONFLUX_RETURN_IF_ERROR(ds.save_log(attempt, "runtime", LogStream::kStderr, stderr_log));
    return ds.save_runtime(attempt, RuntimeOutcome{return_code, killed, success});
  }

  Status save_running_logs(const std::string& step, const std::string& task_id, int attempt,
                           const std::string& stdout_log, const std::string& stderr_log) override {
    TaskDataStore ds(storage_, flow_, run_id_, step, task_id);
    if (!stdout_log.empty()) CONFLUX_RETURN_IF_ERROR(ds.save_log(attempt, "runtime", LogStream::kStdout, stdout_log));
    if (!stderr_log.empty()) CONFLUX_RETURN_IF_ERROR(ds.save_log(attempt, "runtime", LogStream::kStderr, stderr_log));
    return Status();
  }

 private:
  void remember_blobs(const std::string& step, const ArtifactIndex& index) {
    std::vector<std::string> shas;
    for (const ArtifactEntry& e : index.artifacts) {
      if (shas.size() < kMaxKnownBlobs) shas.push_back(e.sha);
    }
    std::lock_guard<std::mutex> lock(known_mutex_);
    known_blobs_[step] = std::move(shas);
  }

  Result<Value> load(const ArtifactIndex& index, std::string_view name) {
    const ArtifactEntry* e = index.find(name);
    if (!e) return Status::not_found("the task has no " + std::string(name) + " artifact");
    return values_.load(e->sha);
  }

  StorageBackend& storage_;
  std::string flow_;
  std::string run_id_;
  ContentAddressedStore cas_;
  SmallValueCache values_;  // _task_ok, _transition: the same few blobs for every task
  std::mutex known_mutex_;
  std::map<std::string, std::vector<std::string>> known_blobs_;  // by step
};

// Converts the ordered _graph_info JSON to a Python value, keeping key order.
Value ordered_json_to_value(const nlohmann::ordered_json& j) {
  if (j.is_object()) {
    Dict d;
    for (const auto& [k, v] : j.items()) d.set(Value(k), ordered_json_to_value(v));
    return Value::dict(std::move(d));
  }
  if (j.is_array()) {
    std::vector<Value> items;
    for (const auto& v : j) items.push_back(ordered_json_to_value(v));
    return Value::list(std::move(items));
  }
  return Value::from_json(nlohmann::json::parse(j.dump()));
}


// The run's code package, built and stored the first time a remote launcher asks for it. The
// binary is the flow binary of the task command; its source comes from the flow's declaration.
std::function<Result<StoredCodePackage>()> code_package_once(const FlowGraph& graph, StorageBackend& storage,
                                                             const LocalRunOptions& options, Console& console) {
  auto cached = std::make_shared<std::optional<Result<StoredCodePackage>>>();
  return [cached, &graph, &storage, &options, &console]() -> Result<StoredCodePackage> {
    if (*cached) return **cached;
    CodePackageInput input;
    input.flow_name = graph.flow().name;
    input.binary = options.task_command_prefix.empty() ? "" : options.task_command_prefix.front();
    input.source = flow_source_file(graph.flow());
    auto built = build_code_package(input);
    if (!built.ok()) {
      *cached = built.status();
      return built.status();
    }
    RunnerManifest runner = default_runner_manifest();
    if (!options.runner_manifest.empty()) {
      auto loaded = load_runner_manifest(options.runner_manifest);
      if (!loaded.ok()) {
        *cached = loaded.status();
        return loaded.status();
      }
      runner = *loaded;
    }
    for (const std::string& gap : runner_gaps(built->elf, runner)) console.line("warning: code package: " + gap);
    auto stored = store_code_package(storage, graph.flow().name, options.ds_root, *built);
    if (stored.ok()) {
      console.line("Code package " + stored->sha + " (" + std::to_string(stored->size >> 10) + " KiB) " +
                   (stored->already_stored ? "already in" : "uploaded to") + " the datastore.");
    }
    *cached = stored;
    return stored;
  };
}

}  // namespace

Status store_parameters(const FlowGraph& graph, StorageBackend& storage, MetadataProvider& metadata,
                        const FlowBase& parameters, const std::string& run_id, const std::string& kParametersTaskId,
                        const LocalRunOptions& options, const RunTags& tags) {
  const std::string& flow = graph.flow().name;
  CONFLUX_RETURN_IF_ERROR(metadata.register_task_id(flow, run_id, kParametersStep, kParametersTaskId, tags));
  TaskDataStore ds(storage, flow, run_id, kParametersStep, kParametersTaskId);
  CONFLUX_RETURN_IF_ERROR(ds.save_attempt_start(0, std::chrono::system_clock::now()));
  ContentAddressedStore cas(storage, flow);
  ArtifactPersister persister(cas);
  for (const ArtifactSlot* slot : parameters.slots()) {
    bool is_run_value = slot->kind() == ArtifactSlot::Kind::kParameter || slot->kind() == ArtifactSlot::Kind::kConfig;
    if (is_run_value && slot->has_value()) {
      CONFLUX_RETURN_IF_ERROR(persister.save_slot(*slot));
    }
  }
  CONFLUX_RETURN_IF_ERROR(persister.save_value("name", Value(flow)));
  CONFLUX_RETURN_IF_ERROR(persister.save_value("_graph_info", ordered_json_to_value(graph_info(graph, options.program_name))));
  CONFLUX_RETURN_IF_ERROR(persister.save_value("_transition", Value::none()));
  CONFLUX_RETURN_IF_ERROR(persister.save_value("_task_ok", Value(true)));
  CONFLUX_RETURN_IF_ERROR(persister.save_value("_success", Value(true)));
  CONFLUX_RETURN_IF_ERROR(persister.save_value("_foreach_stack", Value::list()));
  CONFLUX_RETURN_IF_ERROR(persister.save_value("_configs_processed", Value(true)));
  ArtifactIndex index = persister.build(0);
  std::vector<MetaDatum> rows = {
      {"start_step", "start", "graph_structure", {"attempt_id:0"}},
      {"end_step", "end", "graph_structure", {"attempt_id:0"}},
      {"user", options.username, "user", {"attempt_id:0"}},
      {"runtime", "dev", "runtime", {"attempt_id:0"}},
      {"script-name", options.program_name, "script-name", {"attempt_id:0"}},
  };
  CONFLUX_RETURN_IF_ERROR(metadata.register_metadata(flow, run_id, kParametersStep, kParametersTaskId, rows));
  CONFLUX_RETURN_IF_ERROR(ds.save_task_end(0));
  CONFLUX_RETURN_IF_ERROR(ds.done(0, index));
  std::vector<ArtifactRef> refs;
  for (const auto& e : index.artifacts) {
    ArtifactRef ref;
    ref.name = e.name;
    ref.sha = e.sha;
    ref.ds_type = std::string(storage.type());
    ref.ds_root = options.ds_root;
    refs.push_back(std::move(ref));
  }
  CONFLUX_RETURN_IF_ERROR(metadata.register_artifacts(flow, run_id, kParametersStep, kParametersTaskId, 0, refs, tags));
  std::vector<MetaDatum> done = {{"attempt-done", "0", "attempt-done", {"attempt_id:0"}}};
  return metadata.register_metadata(flow, run_id, kParametersStep, kParametersTaskId, done);
}

std::vector<std::string> run_system_tags(const std::string& username, const std::vector<std::string>& extra) {
  std::vector<std::string> tags = {"user:" + username, "runtime:dev", std::string("conflux_version:") + kConfluxVersion};
  tags.insert(tags.end(), extra.begin(), extra.end());
  return tags;
}

LocalRunResult run_local(const FlowGraph& graph, StorageBackend& storage, MetadataProvider& metadata,
                         LocalMetadataProvider& local, const FlowBase& parameters, const LocalRunOptions& options,
                         Console& console, const std::function<void(const std::string&)>& on_run_id) {
  LocalRunResult result;
  const std::string& flow = graph.flow().name;
  RunTags tags{options.tags, run_system_tags(options.username, options.extra_system_tags)};
  auto run_id = metadata.new_run_id(flow, tags);
  if (!run_id.ok()) {
    result.status = run_id.status().with_context("cannot create the run");
    return result;
  }
  result.run_id = *run_id;
  if (on_run_id) on_run_id(result.run_id);
  console.line("Workflow starting (run-id " + result.run_id + "):");
  auto params_id = parameters_task_id(metadata, flow, result.run_id, tags);
  if (!params_id.ok()) {
    result.status = params_id.status().with_context("cannot register the run's parameters");
    return result;
  }
  Status stored = store_parameters(graph, storage, metadata, parameters, result.run_id, *params_id, options, tags);
  if (!stored.ok()) {
    result.status = stored.with_context("cannot store the run's parameters");
    return result;
  }
  Status latest = local.write_latest_run(flow, result.run_id);
  if (!latest.ok()) console.line("warning: cannot write latest_run: " + latest.message());
  result.status = run_scheduler(graph, storage, metadata, result.run_id, *params_id, tags, options, console, nullptr);
  return result;
}

Result<std::string> parameters_task_id(MetadataProvider& metadata, const std::string& flow,
                                       const std::string& run_id, const RunTags& tags) {
  if (metadata.type() == "local") return std::string("0");
  return metadata.new_task_id(flow, run_id, kParametersStep, tags);
}

Status run_scheduler(const FlowGraph& graph, StorageBackend& storage, MetadataProvider& metadata,
                     const std::string& run_id, const std::string& params_task_id, const RunTags& tags,
                     const LocalRunOptions& options, Console& console, TaskCloner* cloner) {
  const std::string& flow = graph.flow().name;
  DatastoreTaskStore store(storage, flow, run_id);
  SchedulerOptions sched;
  sched.cloner = cloner;
  if (metadata.type() != "local") {
    // The metadata service hands out task ids.
    sched.allocate_task_id = [&metadata, &flow, &run_id, &tags](const std::string& step) {
      return metadata.new_task_id(flow, run_id, step, tags);
    };
  }
  // The run's heartbeat, so the service (and its UI) know the run is alive.
  std::jthread heartbeat;
  if (metadata.type() != "local") {
    heartbeat = std::jthread([&metadata, &flow, &run_id](std::stop_token stop) {
      std::mutex mu;
      std::condition_variable_any cv;
      while (!stop.stop_requested()) {
        (void)metadata.heartbeat_run(flow, run_id);  // best effort: a missed beat is not fatal
        std::unique_lock<std::mutex> lock(mu);
        cv.wait_for(lock, stop, kHeartbeatInterval, [] { return false; });
      }
    });
  }
  sched.max_workers = options.max_workers;
  sched.max_num_splits = options.max_num_splits;
  sched.max_log_size_bytes = options.max_log_size_bytes;
  sched.task_env = options.task_env;
  sched.task_env["METAFLOW_RUN_ID"] = run_id;
  std::string run = run_id;
  sched.task_command = [&options, &storage, &flow, &store, run](const std::string& step, const std::string& task_id,
                                                        const std::vector<std::string>& inputs,
                                                        const std::vector<int>& input_attempts, int64_t split_index,
                                                        int attempt, int max_retries, const std::string& fallback_reason) {
    std::vector<std::string> argv = options.task_command_prefix;
    argv.insert(argv.end(), {"step", step, "--run-id", run, "--task-id", task_id});
    // Compressed, a join's input paths fit in one argument up to tens of thousands of inputs;
    // beyond that they go to the datastore, where a remote task finds them too.
    std::string paths = compress_input_paths(inputs);
    Status stored;
    if (paths.size() > kMaxInputPathsArgument) {
      stored = TaskDataStore(storage, flow, run, step, task_id).save_attempt_file(attempt, kInputPathsFile, paths);
    }
    if (paths.size() > kMaxInputPathsArgument && stored.ok()) {
      argv.push_back("--input-paths-stored");
    } else {
      argv.insert(argv.end(), {"--input-paths", paths});  // if saving failed, let the exec report it
    }
    if (std::string attempts = format_input_attempts(input_attempts, kMaxInputPathsArgument); !attempts.empty()) {
      argv.insert(argv.end(), {"--input-attempts", attempts});
    }
    argv.insert(argv.end(), {"--retry-count", std::to_string(attempt), "--max-user-code-retries",
                             std::to_string(max_retries), "--namespace", options.namespace_name});
    if (split_index >= 0) argv.insert(argv.end(), {"--split-index", std::to_string(split_index)});
    if (!fallback_reason.empty()) argv.insert(argv.end(), {"--fallback-reason", fallback_reason});
    if (!options.origin_run_id.empty()) argv.insert(argv.end(), {"--origin-run-id", options.origin_run_id});
    if (!options.parameters_task.empty()) argv.insert(argv.end(), {"--parameters-task", options.parameters_task});
    for (const auto& t : options.tags) argv.insert(argv.end(), {"--tag", t});
    if (std::string known = format_known_blobs(store.known_blobs(step)); !known.empty()) {
      argv.insert(argv.end(), {"--known-blobs", known});
    }
    return argv;
  };
  LauncherContext launch;
  launch.flow = flow;
  launch.run_id = run_id;
  launch.storage = &storage;
  launch.ds_type = std::string(storage.type());
  launch.ds_root = options.ds_root;
  launch.console = &console;
  launch.max_workers = options.max_workers;
  launch.code_package = code_package_once(graph, storage, options, console);
  launch.settings = options.engine_settings;
  launch.local_metadata_root = options.local_metadata_root;
  Launchers launchers(std::move(launch));
  sched.launchers = &launchers;
  Scheduler scheduler(graph, run_id, store, console, sched);
  Status status = scheduler.run({InitialTask{"start", {run_id + "/" + kParametersStep + "/" + params_task_id}}}, 1);
  if (!status.ok()) {
    // The UI shows the run as failed at once, not when its heartbeat has been silent for minutes
    // (local metadata has no heartbeat at all); the end step's attempt_ok says when a run
    // succeeds.
    const std::vector<MetaDatum> outcome{{"run_outcome", "failed", "run_outcome", {}}};
    (void)metadata.register_metadata(flow, run_id, kParametersStep, params_task_id, outcome);  // best effort
  }
  return status;
}

}  // namespace conflux
