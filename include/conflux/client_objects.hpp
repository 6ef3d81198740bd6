// The objects of the Conflux client, Metaflow's client model (metaflow/client/core.py):
// Flow > Run > Step > Task > DataArtifact, each named by a pathspec ("Flow/run/step/task/name").
// Get them from a conflux::Client (client.hpp); every lookup returns a Result (nothing throws).
//
// An object is a small value: the record it was read from (id, tags, creation time) plus a shared
// handle on the client's backends and namespace. Properties that need more reading (a run's
// steps, a task's artifacts, logs) go back to the metadata provider and the datastore on each call
// and return a Result; nothing is cached, so a running flow's progress shows up on the next call.
//
// Namespaces: an object carries the namespace of the client it came from; children listed from it
// are filtered by that namespace, as Metaflow's iteration is. Tags are sorted (Metaflow uses
// frozensets); `tags()` is the union of user and system tags.
//
// Orders (documented differences from Metaflow, which orders every listing newest first):
// Flow::runs() is newest first (as Metaflow); Run::steps() is in the order the steps started;
// Step::tasks() is by task id; Task::artifacts() is by name.
//
// Thread safety: const member functions may be called concurrently (they only read storage);
// Run's tag mutators change the object and must not race with other calls on the same object.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conflux/byte_stream.hpp"
#include "conflux/codec.hpp"
#include "conflux/flow_base.hpp"  // ForeachFrame
#include "conflux/status.hpp"
#include "conflux/value.hpp"

namespace conflux {

// Time stamps of the client (metadata keeps milliseconds since the epoch).
using ClientTime = std::chrono::system_clock::time_point;

// A parsed pathspec: "Flow", "Flow/run", "Flow/run/step", "Flow/run/step/task" or
// "Flow/run/step/task/artifact".
struct Pathspec {
  std::string flow;
  std::string run_id;
  std::string step;
  std::string task_id;
  std::string artifact;
  int depth = 0;  // number of components: 1 (flow) .. 5 (artifact)

  // "Flow/run/..." with `depth` components.
  std::string to_string() const;
  // The pathspec of the parent object (depth - 1 components); "" for a flow.
  std::string parent() const;
  // "flow", "run", "step", "task" or "artifact".
  std::string_view kind() const;

  // Any depth from 1 to 5; InvalidArgument for empty components or too many of them.
  static Result<Pathspec> parse(std::string_view text);
  // Exactly `depth` components; the error shows the expected form, e.g. "expected FLOW/RUN_ID".
  static Result<Pathspec> parse(std::string_view text, int depth);
};

// The namespace objects are looked up in (Metaflow's namespace()): a tag such as "user:alice" or
// "production:token" that an object's tags must contain, or the global namespace (None) in which
// everything is visible.
class Namespace {
 public:
  // The global namespace.
  Namespace() = default;
  static Namespace global() { return Namespace(); }
  // "user:<username>", Metaflow's default.
  static Namespace user(std::string_view username);
  // Any tag.
  static Namespace of(std::string tag);

  bool is_global() const { return !tag_.has_value(); }
  // The tag; "" for the global namespace.
  std::string tag() const { return tag_.value_or(""); }
  // True if the global namespace or `tags` contains the tag.
  bool contains(const std::vector<std::string>& tags) const;
  // The tag, or "None" for the global namespace (as Metaflow prints it).
  std::string to_string() const { return tag_.value_or("None"); }

  friend bool operator==(const Namespace&, const Namespace&) = default;

 private:
  std::optional<std::string> tag_;
};

// One metadata row of a task (Metaflow's Metadata): e.g. {"attempt", "1", "attempt"}.
struct MetadataEntry {
  std::string name;
  std::string value;  // as text; JSON lists (foreach-stack) as JSON text
  std::string type;
  std::optional<int> attempt;  // from the row's "attempt_id:N" tag
  ClientTime created_at;
};

// One line of a task's log.
struct LogLine {
  std::string timestamp;  // UTC, as written ("2026-11-29T06:17:36.780848"); "" if not an mflog line
  std::string message;    // without the trailing newline
};

enum class TaskStream { kStdout, kStderr };

namespace client_detail {
struct ClientState;  // the backends and namespace objects share (src/client/client_state.hpp)
struct TaskMemo;     // what a Task has read so far (src/client/task_memo.hpp)

// What every object is built from. For the client's own use.
struct ObjectCore {
  std::shared_ptr<const ClientState> state;
  Pathspec path;
  std::string user_name;
  std::vector<std::string> user_tags;    // sorted
  std::vector<std::string> system_tags;  // sorted
  std::vector<std::string> tags;         // sorted union
  ClientTime created_at;
};
}  // namespace client_detail

// What Flow, Run, Step, Task and DataArtifact have in common.
class ClientObject {
 public:
  // The last pathspec component: flow name, run id, step name, task id or artifact name.
  const std::string& id() const;
  std::string pathspec() const { return core_.path.to_string(); }
  const Pathspec& path() const { return core_.path; }
  ClientTime created_at() const { return core_.created_at; }
  const std::string& user_name() const { return core_.user_name; }
  const std::vector<std::string>& tags() const { return core_.tags; }
  const std::vector<std::string>& user_tags() const { return core_.user_tags; }
  const std::vector<std::string>& system_tags() const { return core_.system_tags; }
  bool has_tag(std::string_view tag) const;
  // The namespace this object was looked up in.
  const Namespace& current_namespace() const;

  // For the client's own use.
  const client_detail::ObjectCore& core() const { return core_; }

 protected:
  ClientObject() = default;
  explicit ClientObject(client_detail::ObjectCore core) : core_(std::move(core)) {}
  client_detail::ObjectCore core_;
};

// One artifact of one task attempt.
class DataArtifact : public ClientObject {
 public:
  struct Info {
    std::string sha;        // sha1 of the pickle, the blob's name in the content-addressed store
    uint64_t size = 0;      // pickle bytes (0 if unknown)
    std::string type;       // Python's str(type(v)), e.g. "<class 'int'>" ("" if unknown)
    std::string encoding;   // "pickle-v4"
    int attempt = 0;        // the task attempt that stored it
  };

  DataArtifact() = default;
  DataArtifact(client_detail::ObjectCore core, Info info)
      : ClientObject(std::move(core)), info_(std::move(info)) {}

  const std::string& name() const { return id(); }
  const std::string& sha() const { return info_.sha; }
  uint64_t size() const { return info_.size; }
  const std::string& type() const { return info_.type; }
  const std::string& encoding() const { return info_.encoding; }
  int attempt() const { return info_.attempt; }
  // True for names starting with '_' (Metaflow's internal artifacts).
  bool is_private() const { return !name().empty() && name()[0] == '_'; }

  // The decoded value (any type the safe pickle reader knows).
  Result<Value> value() const;
  // The value as a C++ type through Codec<T>. A value of another type fails with InvalidArgument
  // naming the artifact, the type asked for and the type stored.
  template <class T>
  Result<T> data() const;
  // The raw pickle bytes, streamed.
  Result<std::unique_ptr<ByteSource>> open() const;

 private:
  Status decode_error(const Status& status, const std::string& expected) const;
  Info info_;
};

// A task reads its metadata rows and its artifact list once, on first use, and answers from
// that snapshot afterwards (copies share it), as Metaflow's client objects do: showing the status,
// attempt, index and finish time of 100,000 tasks reads each task's records once, not four times.
// Look the task up again to see later changes.
class Task : public ClientObject {
 public:
  Task();
  // `attempt`: the attempt asked for, or nullopt for the latest one.
  Task(client_detail::ObjectCore core, std::optional<int> attempt);

  // The attempt asked for, or the latest started attempt (the newest "attempt" metadata row, else
  // the datastore's latest attempt, else 0).
  Result<int> current_attempt() const;
  // The attempt given when the task was looked up, if any.
  std::optional<int> requested_attempt() const { return attempt_; }

  // Public artifacts (names without a leading '_'), by name.
  Result<std::vector<DataArtifact>> artifacts() const;
  // Every artifact, private ones included.
  Result<std::vector<DataArtifact>> all_artifacts() const;
  // One artifact by name (private names too). NotFound names the task and the artifact.
  Result<DataArtifact> data_artifact(std::string_view name) const;
  Result<Value> artifact_value(std::string_view name) const;
  template <class T>
  Result<T> artifact(std::string_view name) const;

  // `_success`: the step completed without an exception (false if absent).
  Result<bool> successful() const;
  // `_task_ok`: the task finished, successfully or not (false if absent).
  Result<bool> finished() const;
  // `_exception` as text (the stack trace if recorded, else "<type>: <message>"); nullopt if the
  // task raised nothing.
  Result<std::optional<std::string>> exception() const;
  // When `_task_ok` was recorded; nullopt if the task has not finished.
  Result<std::optional<ClientTime>> finished_at() const;

  // Metadata rows of every attempt, or only of the attempt asked for, oldest first.
  Result<std::vector<MetadataEntry>> metadata() const;
  // The newest value of each metadata field.
  Result<std::map<std::string, std::string>> metadata_dict() const;

  // Logs of the current attempt: the runtime's and the task's mflog files merged, messages only,
  // each line ending with '\n'.
  Result<std::string> stdout_log() const;
  Result<std::string> stderr_log() const;
  Result<std::vector<LogLine>> log_lines(TaskStream stream) const;

  // The foreach frames this task runs in (outermost first); empty outside a foreach.
  Result<std::vector<ForeachFrame>> foreach_stack() const;
  // The index in the innermost foreach, or nullopt outside a foreach.
  Result<std::optional<int64_t>> index() const;
  // Metaflow's foreach-execution-path: "step:index,..." (from metadata, else the foreach stack).
  Result<std::string> foreach_execution_path() const;

  // Lineage, as Metaflow derives it: the steps before/after this one in `_graph_info`, and among
  // their tasks those whose foreach execution path matches this task's (see docs/client.md).
  // Parent and child tasks are returned without a namespace check, as in Metaflow.
  Result<std::vector<std::string>> parent_task_pathspecs() const;
  Result<std::vector<std::string>> child_task_pathspecs() const;
  Result<std::vector<Task>> parent_tasks() const;
  Result<std::vector<Task>> child_tasks() const;

  // "Flow/<origin run>/step/<origin task>" for a task cloned by resume; nullopt otherwise.
  Result<std::optional<std::string>> origin_pathspec() const;

 private:
  Result<std::string> merged_log(TaskStream stream) const;
  std::optional<int> attempt_;
  std::shared_ptr<client_detail::TaskMemo> memo_;
};

class Step : public ClientObject {
 public:
  Step() = default;
  explicit Step(client_detail::ObjectCore core) : ClientObject(std::move(core)) {}

  // Tasks in the namespace having every tag of `tags`, by task id.
  Result<std::vector<Task>> tasks(const std::vector<std::string>& tags = {}) const;
  // The first task (the only one outside a foreach); NotFound if the step has none yet.
  Result<Task> task() const;
  Result<Task> task(std::string_view task_id, std::optional<int> attempt = std::nullopt) const;
};

class Run : public ClientObject {
 public:
  Run() = default;
  explicit Run(client_detail::ObjectCore core) : ClientObject(std::move(core)) {}

  // The run's steps (not `_parameters`), in the order they started.
  Result<std::vector<Step>> steps() const;
  Result<Step> step(std::string_view name) const;
  // The end step's name: the `end_step` metadata of the `_parameters` task, else "end".
  Result<std::string> end_step_name() const;
  // The end step's task; NotFound if the run has not reached it.
  Result<Task> end_task() const;
  // The end task's `_success` / `_task_ok` (false before the end step ran).
  Result<bool> successful() const;
  Result<bool> finished() const;
  Result<std::optional<ClientTime>> finished_at() const;
  // The end task's public artifacts (Metaflow's Run.data); NotFound before the end step ran.
  Result<std::vector<DataArtifact>> data() const;
  Result<Value> artifact_value(std::string_view name) const;
  template <class T>
  Result<T> artifact(std::string_view name) const;

  // The run this one resumed (its tasks' origin-run-id metadata); nullopt if never resumed.
  Result<std::optional<std::string>> origin_run_id() const;
  Result<std::optional<std::string>> origin_pathspec() const;

  // User tag mutation (Metaflow's Run.add_tag & co.), through the metadata provider; on success
  // this object's tags are updated. Adding a system tag is a no-op; removing one, an empty tag, a
  // tag over 500 characters or more than 50 user tags fail with InvalidArgument.
  Status add_tag(std::string_view tag) { return add_tags({std::string(tag)}); }
  Status add_tags(const std::vector<std::string>& tags) { return replace_tags({}, tags); }
  Status remove_tag(std::string_view tag) { return remove_tags({std::string(tag)}); }
  Status remove_tags(const std::vector<std::string>& tags) { return replace_tags(tags, {}); }
  Status replace_tag(std::string_view old_tag, std::string_view new_tag) {
    return replace_tags({std::string(old_tag)}, {std::string(new_tag)});
  }
  // Removes `old_tags`, then adds `new_tags`.
  Status replace_tags(const std::vector<std::string>& old_tags,
                      const std::vector<std::string>& new_tags);
};

class Flow : public ClientObject {
 public:
  Flow() = default;
  explicit Flow(client_detail::ObjectCore core) : ClientObject(std::move(core)) {}

  // Runs in the namespace having every tag of `tags` (AND), newest first.
  Result<std::vector<Run>> runs(const std::vector<std::string>& tags = {}) const;
  // The newest run in the namespace; NotFound if there is none.
  Result<Run> latest_run() const;
  // The newest successful run in the namespace; NotFound if there is none.
  Result<Run> latest_successful_run() const;
  Result<Run> run(std::string_view run_id) const;
};

// --- Template definitions ------------------------------------------------------------------------

template <class T>
Result<T> DataArtifact::data() const {
  CONFLUX_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> source, open());
  Result<T> decoded = decode_pickle<T>(*source);
  if (!decoded.ok()) return decode_error(decoded.status(), Codec<T>::python_type());
  return decoded;
}

template <class T>
Result<T> Task::artifact(std::string_view name) const {
  CONFLUX_ASSIGN_OR_RETURN(DataArtifact a, data_artifact(name));
  return a.data<T>();
}

template <class T>
Result<T> Run::artifact(std::string_view name) const {
  CONFLUX_ASSIGN_OR_RETURN(Task end, end_task());
  return end.artifact<T>(name);
}

}  // namespace conflux
