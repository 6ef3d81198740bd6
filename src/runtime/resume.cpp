#include "runtime/resume.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "base/parallel_for.hpp"
#include "conflux/codec.hpp"
#include "datastore/content_addressed_store.hpp"
#include "datastore/task_datastore.hpp"
#include "runtime/small_value_cache.hpp"
#include "task/artifact_persister.hpp"
#include "task/foreach_values.hpp"

namespace conflux {

namespace {

bool numeric_less(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

// The successful tasks of the origin run, by step and foreach position; clones them on request.
class OriginRun : public TaskCloner {
 public:
  OriginRun(StorageBackend& storage, MetadataProvider& metadata, std::string flow, std::string origin,
            std::set<std::string> rerun, const LocalRunOptions& options)
      : storage_(storage), metadata_(metadata), flow_(std::move(flow)), origin_(std::move(origin)),
        rerun_(std::move(rerun)), options_(options), cas_(storage, flow_) {}

  void set_new_run(std::string run_id, RunTags tags) {
    new_run_ = std::move(run_id);
    tags_ = std::move(tags);
  }

  // Reads which tasks of the origin run finished successfully, and where each stood in its
  // foreaches.
  Status scan() {
    CONFLUX_ASSIGN_OR_RETURN(auto steps, storage_.list(flow_ + "/" + origin_));
    for (const auto& step : steps) {
      if (step.is_file || step.name == "_meta" || step.name == "_parameters") continue;
      CONFLUX_ASSIGN_OR_RETURN(auto tasks, storage_.list(flow_ + "/" + origin_ + "/" + step.name));
      std::vector<std::string> ids;
      for (const auto& t : tasks) {
        if (!t.is_file && t.name != "_meta") ids.push_back(t.name);
      }
      std::sort(ids.begin(), ids.end(), numeric_less);
      // Reading each task's outcome is a few small files: read several tasks at once.
      std::vector<Result<std::optional<std::string>>> keys(ids.size(), std::optional<std::string>());
      std::vector<int> attempts(ids.size(), 0);
      parallel_for(ids.size(), kScanThreads, [&](size_t i) { keys[i] = position_key(step.name, ids[i], &attempts[i]); });
      steps_seen_.insert(step.name);
      for (size_t i = 0; i < ids.size(); ++i) {
        if (!keys[i].ok()) return keys[i].status();
        if (*keys[i]) {
          by_position_[**keys[i]].push_back(ids[i]);
          attempts_[step.name + "/" + ids[i]] = attempts[i];
        } else {
          incomplete_steps_.insert(step.name);
        }
      }
    }
    return Status();
  }

  // The steps that must run again in any case: some task failed or did not finish, or none
  // started.
  bool must_rerun(const std::string& step) const {
    return incomplete_steps_.count(step) > 0 || steps_seen_.count(step) == 0;
  }
  void set_rerun(std::set<std::string> steps) { rerun_ = std::move(steps); }

  // The origin run's `_parameters` task (0 locally, a service id otherwise).
  Result<std::string> parameters_task() {
    CONFLUX_ASSIGN_OR_RETURN(auto tasks, storage_.list(flow_ + "/" + origin_ + "/_parameters"));
    for (const auto& t : tasks) {
      if (!t.is_file && t.name != "_meta") return t.name;
    }
    return Status::not_found("run " + flow_ + "/" + origin_ + " has no _parameters task");
  }

  std::optional<Origin> origin_of(const std::string& step, const std::vector<int64_t>& indices,
                                  int occurrence) override {
    if (rerun_.count(step)) return std::nullopt;
    std::string key = step;
    for (int64_t i : indices) key += "," + std::to_string(i);
    auto it = by_position_.find(key);
    if (it == by_position_.end() || occurrence >= static_cast<int>(it->second.size())) return std::nullopt;
    const std::string& origin_task = it->second[occurrence];
    return Origin{origin_task, origin_ + "/" + step + "/" + origin_task};
  }

  Result<ArtifactIndex> clone(const std::string& step, const std::string& origin_task,
                              const std::string& new_task_id) override {
    std::optional<int> attempt;
    if (auto it = attempts_.find(step + "/" + origin_task); it != attempts_.end()) attempt = it->second;
    return clone_task(storage_, metadata_, flow_, origin_, step, origin_task, new_run_, new_task_id, tags_,
                      options_.ds_root, attempt);
  }

 private:
  static constexpr int kScanThreads = 4;

  // "step,i,j" (the task's foreach position) if the task succeeded; nullopt if it must run again
  // (never finished, e.g. killed, or failed).
  // `*attempt`: the latest committed attempt, which a clone copies.
  Result<std::optional<std::string>> position_key(const std::string& step, const std::string& id, int* done_attempt) {
    TaskDataStore ds(storage_, flow_, origin_, step, id);
    auto attempt = ds.latest_done_attempt();
    if (!attempt.ok()) return std::optional<std::string>();
    *done_attempt = *attempt;
    CONFLUX_ASSIGN_OR_RETURN(ArtifactIndex index, ds.load_index(*attempt));
    auto ok = value(index, "_task_ok");
    if (!ok.ok() || !ok->is_bool() || !ok->as_bool()) return std::optional<std::string>();
    std::string key = step;
    if (index.find("_foreach_stack")) {
      CONFLUX_ASSIGN_OR_RETURN(Value stack, value(index, "_foreach_stack"));
      CONFLUX_ASSIGN_OR_RETURN(auto frames, frames_from_value(stack));
      for (const auto& f : frames) key += "," + std::to_string(f.index);
    }
    return std::optional<std::string>(std::move(key));
  }

  Result<Value> value(const ArtifactIndex& index, std::string_view name) {
    const ArtifactEntry* e = index.find(name);
    if (!e) return Status::not_found(std::string(name));
    return values_.load(e->sha);
  }

  StorageBackend& storage_;
  MetadataProvider& metadata_;
  std::string flow_;
  std::string origin_;
  std::set<std::string> rerun_;
  const LocalRunOptions& options_;
  ContentAddressedStore cas_;
  SmallValueCache values_{cas_};  // _task_ok: one blob for every task
  std::string new_run_;
  RunTags tags_;
  std::map<std::string, std::vector<std::string>> by_position_;
  std::map<std::string, int> attempts_;  // "step/task" -> its latest committed attempt
  std::set<std::string> steps_seen_;
  std::set<std::string> incomplete_steps_;
};

// `step` and every step reachable from it.
std::set<std::string> steps_from(const FlowGraph& graph, const std::string& step) {
  std::set<std::string> out;
  std::vector<std::string> todo = {step};
  while (!todo.empty()) {
    std::string s = todo.back();
    todo.pop_back();
    if (!out.insert(s).second) continue;
    for (const auto& next : graph.node(s).out_funcs) todo.push_back(next);
  }
  return out;
}

}  // namespace

Result<ConfigValues> load_run_configs(StorageBackend& storage, const std::string& flow, const std::string& run,
                                      const std::vector<ConfigDescription>& configs) {
  CONFLUX_ASSIGN_OR_RETURN(auto tasks, storage.list(flow + "/" + run + "/_parameters"));
  std::string task;
  for (const auto& t : tasks) {
    if (!t.is_file && t.name != "_meta") task = t.name;
  }
  if (task.empty()) return Status::not_found("run " + flow + "/" + run + " has no _parameters task");
  TaskDataStore params(storage, flow, run, "_parameters", task);
  CONFLUX_ASSIGN_OR_RETURN(int attempt, params.latest_done_attempt());
  CONFLUX_ASSIGN_OR_RETURN(ArtifactIndex index, params.load_index(attempt));
  ContentAddressedStore cas(storage, flow);
  ConfigValues values;
  for (const ConfigDescription& c : configs) {
    const ArtifactEntry* entry = index.find(c.name);
    if (!entry) {
      return Status::failed_precondition("run " + flow + "/" + run + " has no config '" + c.name +
                                         "' (it was declared after that run started); start a new run");
    }
    CONFLUX_ASSIGN_OR_RETURN(std::string bytes, cas.load_all(entry->sha));
    CONFLUX_ASSIGN_OR_RETURN(Value value, read_pickle_from_string(bytes));
    CONFLUX_ASSIGN_OR_RETURN(values[c.name], Codec<nlohmann::json>::from_value(value));
  }
  return values;
}

namespace {

// Writes a finished attempt 0 of task `new_task_id` of `new_run` whose artifacts are `index`
// (blobs already in the store), with `extra` metadata rows besides the usual ones.
Status write_task_copy(StorageBackend& storage, MetadataProvider& metadata, const std::string& flow,
                       const std::string& step, ArtifactIndex index, const std::string& new_run,
                       const std::string& new_task_id, const RunTags& tags, const std::string& ds_root,
                       std::vector<MetaDatum> extra) {
  index.attempt = 0;
  TaskDataStore target(storage, flow, new_run, step, new_task_id);
  CONFLUX_RETURN_IF_ERROR(target.save_attempt_start(0, std::chrono::system_clock::now()));
  CONFLUX_RETURN_IF_ERROR(target.done(0, index));
  // The metadata last, in one call: the task shows up finished (locally, all at once).
  std::vector<std::string> attempt_tag = {"attempt_id:0"};
  std::vector<MetaDatum> rows = {{"attempt", "0", "attempt", attempt_tag}};
  for (MetaDatum& row : extra) {
    row.tags = attempt_tag;
    rows.push_back(std::move(row));
  }
  rows.push_back({"ds-type", std::string(storage.type()), "ds-type", attempt_tag});
  rows.push_back({"ds-root", ds_root, "ds-root", attempt_tag});
  rows.push_back({"attempt_ok", "True", "internal_attempt_status", attempt_tag});
  rows.push_back({"attempt-done", "0", "attempt-done", attempt_tag});
  std::vector<ArtifactRef> refs;
  for (const auto& e : index.artifacts) {
    ArtifactRef ref;
    ref.name = e.name;
    ref.sha = e.sha;
    ref.content_type = e.info.encoding;
    ref.ds_type = std::string(storage.type());
    ref.ds_root = ds_root;
    refs.push_back(std::move(ref));
  }
  return metadata.register_finished_task(flow, new_run, step, new_task_id, tags, rows, 0, refs);
}

// Python's repr() of the artifact `entry`'s value, for the record of what changed.
std::string value_text(ContentAddressedStore& cas, const ArtifactEntry* entry) {
  if (entry == nullptr) return "None";
  Result<std::string> bytes = cas.load_all(entry->sha);
  if (!bytes.ok()) return "<unreadable>";
  Result<Value> value = read_pickle_from_string(*bytes);
  return value.ok() ? value->python_repr() : "<" + value.status().message() + ">";
}

// The origin run's _parameters task with the changed parameters' new values, as the new run's
// _parameters task; `summary` gets "name: old -> new" for each.
Status store_changed_parameters(StorageBackend& storage, MetadataProvider& metadata, const std::string& flow,
                                const std::string& origin_run, const std::string& origin_task,
                                const std::string& new_run, const std::string& new_task_id, const RunTags& tags,
                                const std::string& ds_root, const ResumeOptions& resume,
                                std::vector<std::string>* summary) {
  TaskDataStore origin(storage, flow, origin_run, "_parameters", origin_task);
  CONFLUX_ASSIGN_OR_RETURN(int attempt, origin.latest_done_attempt());
  CONFLUX_ASSIGN_OR_RETURN(ArtifactIndex index, origin.load_index(attempt));
  ContentAddressedStore cas(storage, flow);
  ArtifactPersister persister(cas);
  for (const ArtifactSlot* slot : resume.parameter_values->slots()) {
    if (slot->kind() == ArtifactSlot::Kind::kParameter && resume.changed_parameters.count(slot->name())) {
      CONFLUX_RETURN_IF_ERROR(persister.save_slot(*slot));
    }
  }
  nlohmann::ordered_json record = nlohmann::ordered_json::object();
  for (const ArtifactEntry& changed : persister.build(0).artifacts) {
    std::string before = value_text(cas, index.find(changed.name));
    std::string after = value_text(cas, &changed);
    record[changed.name] = {{"from", before}, {"to", after}};
    summary->push_back(changed.name + ": " + before + " -> " + after);
    auto it = std::find_if(index.artifacts.begin(), index.artifacts.end(),
                           [&](const ArtifactEntry& e) { return e.name == changed.name; });
    if (it != index.artifacts.end()) {
      *it = changed;
    } else {
      index.artifacts.push_back(changed);
    }
  }
  std::vector<MetaDatum> extra = {{"parameter-changes", record.dump(), "parameter-changes", {}},
                                  {"origin-run-id", origin_run, "origin-run-id", {}}};
  return write_task_copy(storage, metadata, flow, "_parameters", std::move(index), new_run, new_task_id, tags,
                         ds_root, std::move(extra));
}

// Changed parameters: the steps that run again, from the first one that would rerun anyway (the
// given step, else the first failed or unfinished one) to the end, in the graph's order.
Result<std::set<std::string>> steps_seeing_changes(const FlowGraph& graph, const OriginRun& origin,
                                                   const ResumeOptions& resume) {
  const std::vector<std::string>& order = graph.sorted_nodes();
  auto first = order.end();
  if (!resume.step.empty()) {
    first = std::find(order.begin(), order.end(), resume.step);
  } else {
    first = std::find_if(order.begin(), order.end(), [&](const std::string& s) { return origin.must_rerun(s); });
  }
  if (first == order.end()) {
    return Status::invalid_argument("run " + graph.flow().name + "/" + resume.origin_run_id +
                                    " succeeded, so no step would run with the changed parameters; give the "
                                    "step to resume from (resume STEP)");
  }
  return std::set<std::string>(first, order.end());
}

}  // namespace

Result<ArtifactIndex> clone_task(StorageBackend& storage, MetadataProvider& metadata, const std::string& flow,
                                 const std::string& origin_run, const std::string& step,
                                 const std::string& origin_task, const std::string& new_run,
                                 const std::string& new_task_id, const RunTags& tags, const std::string& ds_root,
                                 std::optional<int> origin_attempt) {
  TaskDataStore origin(storage, flow, origin_run, step, origin_task);
  int attempt = 0;
  if (origin_attempt) {
    attempt = *origin_attempt;
  } else {
    CONFLUX_ASSIGN_OR_RETURN(attempt, origin.latest_done_attempt());
  }
  CONFLUX_ASSIGN_OR_RETURN(ArtifactIndex index, origin.load_index(attempt));
  std::vector<MetaDatum> extra = {{"origin-run-id", origin_run, "origin-run-id", {}},
                                  {"origin-task-id", origin_task, "origin-task-id", {}}};
  index.attempt = 0;
  CONFLUX_RETURN_IF_ERROR(write_task_copy(storage, metadata, flow, step, index, new_run, new_task_id, tags, ds_root,
                                          std::move(extra)));
  return index;
}

LocalRunResult resume_local(const FlowGraph& graph, StorageBackend& storage, MetadataProvider& metadata,
                            const LocalRunOptions& options, const ResumeOptions& resume, Console& console,
                            const std::function<void(const std::string&)>& on_run_id) {
  LocalRunResult result;
  const std::string& flow = graph.flow().name;
  auto origin = metadata.get_run(flow, resume.origin_run_id);
  // The origin counts as active while we clone from it: `conflux gc` leaves it alone.
  Status in_use = origin.ok() ? metadata.mark_run_in_use(flow, resume.origin_run_id) : origin.status();
  if (!in_use.ok()) {
    result.status = in_use.with_context("cannot resume run " + flow + "/" + resume.origin_run_id);
    return result;
  }
  std::set<std::string> rerun;
  if (!resume.step.empty()) {
    if (!graph.contains(resume.step)) {
      result.status = Status::invalid_argument("cannot resume from step '" + resume.step + "': the flow " + flow +
                                               " has no such step");
      return result;
    }
    rerun = steps_from(graph, resume.step);
  }
  console.line("Gathering required information to resume run (this may take a bit of time)...");
  OriginRun origin_run(storage, metadata, flow, resume.origin_run_id, rerun, options);
  Status scanned = origin_run.scan();
  if (!scanned.ok()) {
    result.status = scanned.with_context("cannot read run " + flow + "/" + resume.origin_run_id);
    return result;
  }
  bool parameters_change = !resume.changed_parameters.empty() && resume.parameter_values != nullptr;
  if (parameters_change) {
    Result<std::set<std::string>> steps = steps_seeing_changes(graph, origin_run, resume);
    if (!steps.ok()) {
      result.status = steps.status();
      return result;
    }
    origin_run.set_rerun(*steps);
  }

  RunTags tags{options.tags, run_system_tags(options.username, options.extra_system_tags)};
  auto run_id = metadata.new_run_id(flow, tags);
  if (!run_id.ok()) {
    result.status = run_id.status().with_context("cannot create the run");
    return result;
  }
  result.run_id = *run_id;
  if (on_run_id) on_run_id(result.run_id);
  origin_run.set_new_run(result.run_id, tags);
  console.line("Workflow starting (run-id " + result.run_id + "):");
  // The origin run's _parameters task is cloned, or copied with the changed values.
  auto origin_params = origin_run.parameters_task();
  auto params_id = parameters_task_id(metadata, flow, result.run_id, tags);
  if (!origin_params.ok() || !params_id.ok()) {
    result.status = (!origin_params.ok() ? origin_params.status() : params_id.status())
                        .with_context("cannot clone the parameters of run " + resume.origin_run_id);
    return result;
  }
  Status params;
  if (parameters_change) {
    std::vector<std::string> summary;
    params = store_changed_parameters(storage, metadata, flow, resume.origin_run_id, *origin_params, result.run_id,
                                      *params_id, tags, options.ds_root, resume, &summary);
    for (const std::string& line : summary) console.line("Parameter changed on resume: " + line);
  } else {
    params = clone_task(storage, metadata, flow, resume.origin_run_id, "_parameters", *origin_params, result.run_id,
                        *params_id, tags, options.ds_root)
                 .status();
  }
  if (!params.ok()) {
    result.status = params.with_context("cannot clone the parameters of run " + resume.origin_run_id);
    return result;
  }
  LocalRunOptions run_options = options;
  run_options.origin_run_id = resume.origin_run_id;
  if (parameters_change) run_options.parameters_task = result.run_id + "/_parameters/" + *params_id;
  result.status =
      run_scheduler(graph, storage, metadata, result.run_id, *params_id, tags, run_options, console, &origin_run);
  if (result.status.ok() && metadata.get_run(flow, resume.origin_run_id).status().is_not_found()) {
    // Deleted under us (conflux gc past its grace period): clones may point at swept values.
    result.status = Status::failed_precondition("run " + flow + "/" + resume.origin_run_id +
                                                " was deleted while this resume cloned it; resume it no more, "
                                                "run the flow again");
  }
  return result;
}

}  // namespace conflux
