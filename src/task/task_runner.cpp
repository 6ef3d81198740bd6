#include "task/task_runner.hpp"

#include <cxxabi.h>
#include <sys/prctl.h>
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <cstdio>
#include <exception>
#include <iostream>

#include "base/parallel_for.hpp"
#include "card/task_cards.hpp"
#include "conflux/current.hpp"
#include "conflux/version.hpp"
#include "datastore/content_addressed_store.hpp"
#include "datastore/task_datastore.hpp"
#include "flow/decorators.hpp"
#include "flow/graph_render.hpp"
#include "task/artifact_persister.hpp"
#include "task/foreach_chunks.hpp"
#include "task/foreach_values.hpp"
#include "task/task_context_impl.hpp"

namespace conflux {

namespace {

// Threads that open a join's inputs (reading each input's artifact index).
constexpr int kInputOpenThreads = 4;

// What the step raised, in the shape Metaflow stores in _exception and @catch's artifact.
struct CaughtException {
  std::string type;
  std::string message;
};

std::string current_exception_type() {
  std::type_info* type = abi::__cxa_current_exception_type();
  if (!type) return "unknown";
  int status = 0;
  char* name = abi::__cxa_demangle(type->name(), nullptr, nullptr, &status);
  std::string out = status == 0 && name ? name : type->name();
  std::free(name);
  return out;
}

// The step's transition, as Metaflow records it in _transition: ([next steps], foreach var).
struct Transition {
  std::vector<std::string> next;
  std::optional<std::string> foreach_var;
  int64_t num_splits = -1;
  std::vector<std::string> foreach_values;
  std::optional<Value> foreach_chunks;  // a wide foreach's slices (foreach_chunks.hpp)
};

class TaskRun {
 public:
  TaskRun(const FlowGraph& graph, StorageBackend& storage, MetadataProvider& metadata,
          const TaskRunOptions& options)
      : graph_(graph), flow_(graph.flow()), storage_(storage), metadata_(metadata), o_(options),
        cas_(storage, flow_.name),
        ds_(storage, flow_.name, options.run_id, options.step, options.task_id),
        node_(graph.node(options.step)) {}

  int run();

 private:
  Status prepare();
  Status compute_foreach(std::vector<ForeachFrame>* stack, std::optional<Value>* item);
  Result<Transition> compute_transition();
  Status persist(const std::optional<CaughtException>& error, bool caught, const Transition& transition);
  Status commit(bool ok);
  bool catch_applies() const;
  std::string flow_label() const { return "<flow " + flow_.name + " step " + o_.step + ">"; }

  const FlowGraph& graph_;
  const FlowDescription& flow_;
  StorageBackend& storage_;
  MetadataProvider& metadata_;
  const TaskRunOptions& o_;
  ContentAddressedStore cas_;
  TaskDataStore ds_;
  const GraphNode& node_;
  std::unique_ptr<FlowBase> flow_object_;
  std::unique_ptr<InputTask> parameters_;  // resume with changed parameters: where they are read
  std::unique_ptr<TaskContextImpl> context_;
  std::unique_ptr<InputsBase> join_inputs_;
  std::vector<ForeachFrame> stack_;
  ArtifactIndex index_;
  std::unique_ptr<TaskCards> cards_;  // the step's .card()s; null without any
};

bool TaskRun::catch_applies() const {
  return find_decorator(*node_.step, "catch") != nullptr &&
         (o_.retry_count >= o_.max_user_code_retries || !o_.fallback_reason.empty());
}

Status TaskRun::prepare() {
  CONFLUX_RETURN_IF_ERROR(metadata_.register_task_id(flow_.name, o_.run_id, o_.step, o_.task_id, o_.tags));
  CONFLUX_RETURN_IF_ERROR(ds_.save_attempt_start(o_.retry_count, std::chrono::system_clock::now()));

  // A join over a wide foreach has many inputs, each a few small reads: open several at once.
  std::vector<Result<std::unique_ptr<InputTask>>> opened;
  opened.reserve(o_.input_paths.size());
  for (size_t i = 0; i < o_.input_paths.size(); ++i) opened.emplace_back(Status::internal("not opened"));
  parallel_for(o_.input_paths.size(), kInputOpenThreads, [&](size_t i) {
    std::optional<int> attempt;
    if (i < o_.input_attempts.size() && o_.input_attempts[i] >= 0) attempt = o_.input_attempts[i];
    opened[i] = InputTask::open(storage_, cas_, flow_.name, o_.input_paths[i], attempt);
  });
  std::vector<std::unique_ptr<InputTask>> inputs;
  inputs.reserve(opened.size());
  for (auto& input : opened) {
    if (!input.ok()) return input.status();
    inputs.push_back(std::move(input).value());
  }
  if (inputs.empty()) return Status::invalid_argument("task " + o_.step + "/" + o_.task_id + " has no input paths");
  // The first input's blobs exist (it committed): re-saving its values (the flow's name, True,
  // None, ...) costs no request. One input is enough: a join's inputs share those values.
  for (const ArtifactEntry& e : inputs.front()->index().artifacts) cas_.assume_exists(e.sha);
  for (const std::string& sha : o_.known_blobs) cas_.assume_exists(sha);
  context_ = std::make_unique<TaskContextImpl>(std::move(inputs), node_.step->is_join);
  if (!o_.parameters_task.empty()) {
    CONFLUX_ASSIGN_OR_RETURN(parameters_, InputTask::open(storage_, cas_, flow_.name, o_.parameters_task));
    context_->set_parameter_source(parameters_.get());
  }

  std::optional<Value> item;
  CONFLUX_RETURN_IF_ERROR(compute_foreach(&stack_, &item));
  context_->set_foreach(stack_, std::move(item));

  flow_object_ = flow_.make_flow();
  flow_object_->attach(context_.get());
  context_->set_main_flow(flow_object_.get());
  if (node_.step->is_join) {
    std::vector<InputsBase::Entry> entries;
    for (auto& input : context_->inputs()) {
      InputsBase::Entry entry{flow_.make_flow(), input->step()};
      entry.flow->attach(context_.get());
      context_->set_input_flow(entry.flow.get(), input.get());
      entries.push_back(std::move(entry));
    }
    join_inputs_ = std::make_unique<InputsBase>(std::move(entries));
  }

  std::vector<MetaDatum> rows = attempt_metadata(o_, storage_.type());
  if (find_decorator(*node_.step, "card")) {
    CardTaskFacts facts;
    facts.task = {flow_.name, o_.run_id, o_.step, o_.task_id};
    facts.attempt = o_.retry_count;
    facts.user = o_.username;
    facts.tags = o_.tags.tags;
    facts.tags.insert(facts.tags.end(), o_.tags.system_tags.begin(), o_.tags.system_tags.end());
    facts.created_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();
    facts.graph_info = graph_info(graph_, o_.program_name);
    cards_ = std::make_unique<TaskCards>(storage_, node_.step->decorators, std::move(facts));
    for (MetaDatum& row : cards_->card_info_rows()) rows.push_back(std::move(row));
  }
  if (const DecoratorSpec* r = find_decorator(*node_.step, "resources")) {
    // Recorded for the people and the cluster launchers that read it.
    rows.push_back({"resources", r->attributes.dump(), "resources", {"attempt_id:" + std::to_string(o_.retry_count)}});
  }
  if (!stack_.empty()) {
    // Metaflow stores the stack as a JSON list: ["var=value", ...].
    nlohmann::json frames = nlohmann::json::array();
    for (const auto& f : stack_) frames.push_back(f.var + "=" + f.value);
    MetaDatum row{"foreach-stack", frames.dump(), "foreach-stack", {"attempt_id:" + std::to_string(o_.retry_count)}};
    row.value_is_json = true;
    rows.push_back(std::move(row));
    // "outer:0,inner:1": how Metaflow's client finds a task's parents and children.
    std::string path;
    for (const auto& f : stack_) path += (path.empty() ? "" : ",") + f.step + ":" + std::to_string(f.index);
    rows.push_back({"foreach-execution-path", path, "foreach-execution-path",
                    {"attempt_id:" + std::to_string(o_.retry_count)}});
  }
  CONFLUX_RETURN_IF_ERROR(metadata_.register_metadata(flow_.name, o_.run_id, o_.step, o_.task_id, rows));

  TaskBeginInfo begin;
  begin.retry_count = o_.retry_count;
  if (!o_.code_sha.empty()) {
    begin.code_package_metadata = o_.code_metadata;
    begin.code_package_sha = o_.code_sha;
    begin.code_package_ds = o_.code_ds;
    begin.code_package_url = o_.code_url;
  }
  CONFLUX_RETURN_IF_ERROR(ds_.save_task_begin(o_.retry_count, begin));

  Current& current = detail::mutable_current();
  current.is_running_flow = true;
  current.flow_name = flow_.name;
  current.run_id = o_.run_id;
  current.step_name = o_.step;
  current.task_id = o_.task_id;
  current.retry_count = o_.retry_count;
  current.origin_run_id = o_.origin_run_id;
  current.pathspec = flow_.name + "/" + o_.run_id + "/" + o_.step + "/" + o_.task_id;
  current.username = o_.username;
  current.namespace_name = o_.namespace_name;
  current.tags = o_.tags.tags;
  current.parameter_names.clear();
  for (const auto& p : flow_.parameters) current.parameter_names.push_back(p.name);
  if (o_.project) {
    current.project_name = o_.project->project_name;
    current.branch_name = o_.project->branch_name;
    current.project_flow_name = o_.project->project_flow_name;
    current.is_user_branch = o_.project->is_user_branch;
    current.is_production = o_.project->is_production;
  }
  return Status();
}

Status TaskRun::compute_foreach(std::vector<ForeachFrame>* stack, std::optional<Value>* item) {
  InputTask& first = *context_->inputs().front();
  // The parent's stack (an empty list in _parameters and outside foreaches).
  if (first.has("_foreach_stack")) {
    CONFLUX_ASSIGN_OR_RETURN(Value frames, first.value("_foreach_stack"));
    CONFLUX_ASSIGN_OR_RETURN(*stack, frames_from_value(frames));
  }
  const GraphNode* parent = graph_.find(first.step());
  if (node_.step->is_join) {
    // A join that closes a foreach leaves that foreach's frame behind.
    const GraphNode* split = node_.split_parents.empty() ? nullptr : graph_.find(node_.split_parents.back());
    if (split && split->type == NodeType::kForeach && !stack->empty()) stack->pop_back();
    return Status();
  }
  if (parent && parent->type == NodeType::kForeach) {
    if (o_.split_index < 0) {
      return Status::invalid_argument("task of step " + o_.step + " needs --split-index (its parent is a foreach)");
    }
    const std::string& var = parent->step->foreach_var;
    // A wide foreach: one slice of its elements; else the whole sequence.
    std::optional<ForeachElement> chunked = load_chunked_element(cas_, first, o_.split_index);
    if (!chunked) {
      CONFLUX_ASSIGN_OR_RETURN(Value sequence, first.value(var));
      chunked.emplace();
      CONFLUX_ASSIGN_OR_RETURN(chunked->element, foreach_element(sequence, o_.split_index));
      CONFLUX_ASSIGN_OR_RETURN(chunked->count, foreach_length(sequence));
    }
    Value element = std::move(chunked->element);
    int64_t count = chunked->count;
    // Metaflow names a frame after the step the foreach fans out to (this one), not the split.
    stack->push_back({o_.step, var, count, o_.split_index, foreach_value_text(element)});
    *item = std::move(element);
  }
  return Status();
}

Result<Transition> TaskRun::compute_transition() {
  Transition t;
  const StepDescription& step = *node_.step;
  switch (node_.type) {
    case NodeType::kEnd:
      return t;
    case NodeType::kForeach: {
      ArtifactSlot* slot = flow_object_->find_slot(step.foreach_var);
      if (!slot || !slot->has_value()) {
        return Status::failed_precondition("step " + step.name + ": the foreach artifact '" + step.foreach_var +
                                           "' has no value; assign it before the step ends");
      }
      Value sequence = slot->to_value();
      CONFLUX_ASSIGN_OR_RETURN(t.num_splits, foreach_length(sequence));
      if (t.num_splits == 0) {
        return Status::failed_precondition("step " + step.name + ": the foreach artifact '" + step.foreach_var +
                                           "' is empty; a foreach needs at least one element");
      }
      // A wide foreach on a local datastore also stores its elements in slices (foreach_chunks.hpp).
      const bool slices = t.num_splits >= kChunkedForeachMin && !storage_.remote();
      std::vector<Value> elements;
      for (int64_t i = 0; i < t.num_splits; ++i) {
        CONFLUX_ASSIGN_OR_RETURN(Value element, foreach_element(sequence, i));
        t.foreach_values.push_back(foreach_value_text(element));
        if (slices) elements.push_back(std::move(element));
      }
      if (slices) {
        CONFLUX_ASSIGN_OR_RETURN(t.foreach_chunks, save_foreach_chunks(cas_, step.name, elements));
      }
      t.next = node_.out_funcs;
      t.foreach_var = step.foreach_var;
      return t;
    }
    case NodeType::kSwitch: {
      ArtifactSlot* slot = flow_object_->find_slot(step.condition_var);
      if (!slot || !slot->has_value()) {
        return Status::failed_precondition("step " + step.name + ": the switch artifact '" + step.condition_var +
                                           "' has no value; assign it before the step ends");
      }
      std::string key = foreach_value_text(slot->to_value());
      for (const auto& [value, target] : step.switch_cases) {
        if (value == key) {
          t.next = {target};
          return t;
        }
      }
      std::string cases;
      for (const auto& [value, target] : step.switch_cases) cases += (cases.empty() ? "" : ", ") + value;
      return Status::failed_precondition("step " + step.name + ": the switch artifact '" + step.condition_var +
                                         "' is '" + key + "', which is not one of the cases (" + cases + ")");
    }
    default:
      t.next = node_.out_funcs;
      return t;
  }
}

Status TaskRun::persist(const std::optional<CaughtException>& error, bool caught, const Transition& transition) {
  ArtifactPersister persister(cas_);
  // What the step stored (parameters are stored once, in _parameters, and passed down).
  InputTask& first = *context_->inputs().front();
  for (ArtifactSlot* slot : flow_object_->slots()) {
    if (slot->kind() != ArtifactSlot::Kind::kArtifact) continue;
    if (slot->dirty()) {
      CONFLUX_RETURN_IF_ERROR(persister.save_slot(*slot));
    } else if (slot->touched()) {
      // Compare with where the value came from: the parent, or what a join merged.
      auto merged = context_->merged().find(slot->name());
      const ArtifactEntry* input = merged != context_->merged().end() ? &merged->second
                                                                      : first.index().find(slot->name());
      const std::string input_sha = input ? input->sha : "";
      const ContentFingerprint* loaded = nullptr;
      for (const auto& task : context_->inputs()) {
        if (loaded == nullptr) loaded = task->fingerprint_of(input_sha);
      }
      CONFLUX_RETURN_IF_ERROR(persister.save_slot_if_changed(*slot, input_sha, loaded).status());
    }
  }
  bool ok = !error || caught;
  Value exception = Value::none();
  if (error) exception = Value::exception_wrapper(error->message, error->type, std::nullopt);
  if (const DecoratorSpec* c = find_decorator(*node_.step, "catch")) {
    const auto& var = c->attributes.contains("var") ? c->attributes["var"] : nullptr;
    if (var.is_string()) CONFLUX_RETURN_IF_ERROR(persister.save_value(var.get<std::string>(), caught ? exception : Value::none()));
  }
  // Metaflow's internal artifacts, which its client reads.
  std::vector<Value> next_steps;
  for (const auto& n : transition.next) next_steps.emplace_back(n);
  Value transition_value =
      transition.next.empty() ? Value::none()
                              : Value::tuple({Value::list(next_steps),
                                              transition.foreach_var ? Value(*transition.foreach_var) : Value::none()});
  std::vector<Value> frames;
  for (const auto& f : stack_) {
    frames.push_back(Value::foreach_frame(f.step, f.var, f.num_splits, f.index, Value(f.value)));
  }
  CONFLUX_RETURN_IF_ERROR(persister.save_value("name", Value(flow_.name)));
  CONFLUX_RETURN_IF_ERROR(persister.save_value("_transition", ok ? transition_value : Value::none()));
  CONFLUX_RETURN_IF_ERROR(persister.save_value("_task_ok", Value(ok)));
  CONFLUX_RETURN_IF_ERROR(persister.save_value("_success", Value(!error)));
  CONFLUX_RETURN_IF_ERROR(persister.save_value("_foreach_stack", Value::list(frames)));
  CONFLUX_RETURN_IF_ERROR(persister.save_value("_iteration_stack", Value::list()));
  CONFLUX_RETURN_IF_ERROR(persister.save_value(
      "_foreach_var", transition.foreach_var ? Value(*transition.foreach_var) : Value::none()));
  CONFLUX_RETURN_IF_ERROR(persister.save_value(
      "_foreach_num_splits", transition.num_splits >= 0 ? Value(transition.num_splits) : Value::none()));
  if (transition.num_splits >= 0) {
    std::vector<Value> values;
    for (const auto& v : transition.foreach_values) values.emplace_back(v);
    CONFLUX_RETURN_IF_ERROR(persister.save_value("_foreach_values", Value::list(values)));
  }
  if (transition.foreach_chunks) {
    CONFLUX_RETURN_IF_ERROR(persister.save_value(std::string(kForeachChunksArtifact), *transition.foreach_chunks));
  }
  CONFLUX_RETURN_IF_ERROR(persister.save_value("_exception", exception));
  CONFLUX_RETURN_IF_ERROR(persister.save_value("_current_step", Value(o_.step)));
  CONFLUX_RETURN_IF_ERROR(persister.save_value("_configs_processed", Value(true)));

  // Unchanged artifacts pass down by reference: everything from the parent of a linear step;
  // parameters, configs, the graph and merged artifacts into a join. Changed parameters (resume) come
  // first: the first entry of a name wins.
  if (parameters_) {
    for (const auto& p : flow_.parameters) {
      if (const ArtifactEntry* e = parameters_->index().find(p.name)) persister.pass_down(*e);
    }
  }
  if (!node_.step->is_join) {
    for (const auto& e : first.index().artifacts) {
      if (e.name != kForeachChunksArtifact) persister.pass_down(e);  // its split's own
    }
  } else {
    for (const auto& p : flow_.parameters) {
      if (const ArtifactEntry* e = first.index().find(p.name)) persister.pass_down(*e);
    }
    for (const auto& c : flow_.configs) {
      if (const ArtifactEntry* e = first.index().find(c.name)) persister.pass_down(*e);
    }
    if (const ArtifactEntry* e = first.index().find("_graph_info")) persister.pass_down(*e);
    for (const auto& [name, entry] : context_->merged()) persister.pass_down(entry);
  }
  index_ = persister.build(o_.retry_count);
  return Status();
}

Status TaskRun::commit(bool ok) {
  std::string attempt_tag = "attempt_id:" + std::to_string(o_.retry_count);
  std::vector<MetaDatum> ok_row = {{"attempt_ok", ok ? "True" : "False", "internal_attempt_status", {attempt_tag}}};
  CONFLUX_RETURN_IF_ERROR(metadata_.register_metadata(flow_.name, o_.run_id, o_.step, o_.task_id, ok_row));
  CONFLUX_RETURN_IF_ERROR(ds_.save_task_end(o_.retry_count));
  CONFLUX_RETURN_IF_ERROR(ds_.done(o_.retry_count, index_));
  std::vector<ArtifactRef> refs;
  for (const auto& e : index_.artifacts) {
    ArtifactRef ref;
    ref.name = e.name;
    ref.sha = e.sha;
    ref.content_type = e.info.encoding;
    ref.ds_type = std::string(storage_.type());
    ref.ds_root = o_.ds_root;
    refs.push_back(std::move(ref));
  }
  CONFLUX_RETURN_IF_ERROR(metadata_.register_artifacts(flow_.name, o_.run_id, o_.step, o_.task_id,
                                                       o_.retry_count, refs, o_.tags));
  std::vector<MetaDatum> done_row = {{"attempt-done", std::to_string(o_.retry_count), "attempt-done", {attempt_tag}}};
  return metadata_.register_metadata(flow_.name, o_.run_id, o_.step, o_.task_id, done_row);
}

int TaskRun::run() {
  Status prepared = prepare();
  if (!prepared.ok()) {
    std::cerr << flow_label() << " could not start: " << prepared.to_string() << "\n";
    return kTaskExitFailed;
  }

  std::optional<CaughtException> error;
  if (!o_.fallback_reason.empty()) {
    error = CaughtException{"conflux::TaskFailure", o_.fallback_reason};
  } else {
    try {
      node_.step->body(*flow_object_, join_inputs_.get());
    } catch (const std::exception& e) {
      error = CaughtException{current_exception_type(), e.what()};
    } catch (...) {
      error = CaughtException{current_exception_type(), "(an exception that is not a std::exception)"};
    }
  }
  std::cout.flush();

  Transition transition;
  if (!error) {
    try {
      auto computed = compute_transition();
      if (computed.ok()) {
        transition = std::move(computed).value();
      } else {
        error = CaughtException{"conflux::TransitionError", computed.status().message()};
      }
    } catch (const std::exception& e) {
      error = CaughtException{current_exception_type(), e.what()};
    }
  }
  bool caught = false;
  if (error) {
    if (catch_applies() && node_.type != NodeType::kForeach && node_.type != NodeType::kSwitch) {
      caught = true;
      transition = Transition{};
      transition.next = node_.out_funcs;
      std::cerr << "@catch caught an exception from " << flow_label() << "\n>  " << error->type << ": "
                << error->message << "\n";
    } else {
      std::cerr << flow_label() << " failed:\n    " << error->type << ": " << error->message << "\n";
    }
  }
  Status persisted;
  try {
    persisted = persist(error, caught, transition);
  } catch (const std::exception& e) {
    persisted = Status::internal(std::string("cannot persist artifacts: ") + e.what());
  }
  if (!persisted.ok()) {
    std::cerr << flow_label() << " failed to store its artifacts:\n    " << persisted.to_string() << "\n";
    return kTaskExitFailed;
  }
  if (cards_) {
    // The final cards, before the task counts as done: whoever sees it done finds its cards.
    std::vector<std::string> parameters, artifacts;
    for (const auto& p : flow_.parameters) parameters.push_back(p.name);
    for (const auto& e : index_.artifacts) {
      bool is_parameter = std::find(parameters.begin(), parameters.end(), e.name) != parameters.end();
      if (!is_parameter && !e.name.starts_with("_") && e.name != "name") artifacts.push_back(e.name);
    }
    cards_->finish(std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count(),
                   card_artifact_rows(cas_, index_, parameters), card_artifact_rows(cas_, index_, artifacts));
  }
  bool ok = !error || caught;
  Status committed = commit(ok);
  if (!committed.ok()) {
    std::cerr << flow_label() << " failed to commit:\n    " << committed.to_string() << "\n";
    return kTaskExitFailed;
  }
  std::cout.flush();
  std::cerr.flush();
  return ok ? kTaskExitOk : kTaskExitFailed;
}

}  // namespace

std::vector<MetaDatum> attempt_metadata(const TaskRunOptions& o, std::string_view ds_type) {
  std::vector<std::string> tags = {"attempt_id:" + std::to_string(o.retry_count)};
  std::vector<MetaDatum> rows = {
      {"attempt", std::to_string(o.retry_count), "attempt", tags},
      {"ds-type", std::string(ds_type), "ds-type", tags},
      {"ds-root", o.ds_root, "ds-root", tags},
      {"user", o.username, "user", tags},
      {"runtime", "dev", "runtime", tags},
      {"script-name", o.program_name, "script-name", tags},
      {"conflux_version", kConfluxVersion, "conflux_version", tags},
  };
  if (!o.origin_run_id.empty()) rows.push_back({"origin-run-id", o.origin_run_id, "origin-run-id", tags});
  if (!o.code_sha.empty()) {
    // Metaflow's `code-package` row: how its client finds Run(...).code.
    nlohmann::ordered_json code = {{"ds_type", o.code_ds}, {"sha", o.code_sha}, {"location", o.code_url},
                                   {"metadata", o.code_metadata}};
    rows.push_back({"code-package", code.dump(), "code-package", tags});
  }
  return rows;
}

int run_task(const FlowGraph& graph, StorageBackend& storage, MetadataProvider& metadata,
             const TaskRunOptions& options) {
  // A task never outlives its runtime: if the runtime dies (even by SIGKILL), so does the task,
  // before it can commit; resume then reruns it.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // stdout is a pipe to the runtime: line-buffer it so each line shows up as it is printed
  // (stderr is unbuffered already).
  setvbuf(stdout, nullptr, _IOLBF, 0);
  if (!graph.contains(options.step)) {
    std::cerr << "step: the flow " << graph.flow().name << " has no step '" << options.step << "'\n";
    return kTaskExitNoRetry;
  }
  // The task's heartbeat, so the metadata service knows it is alive (no-op locally).
  std::jthread heartbeat;
  if (metadata.type() != "local") {
    heartbeat = std::jthread([&](std::stop_token stop) {
      std::mutex mu;
      std::condition_variable_any cv;
      while (!stop.stop_requested()) {
        (void)metadata.heartbeat_task(graph.flow().name, options.run_id, options.step, options.task_id);
        std::unique_lock<std::mutex> lock(mu);
        cv.wait_for(lock, stop, std::chrono::seconds(10), [] { return false; });
      }
    });
  }
  TaskRun run(graph, storage, metadata, options);
  return run.run();
}

}  // namespace conflux
