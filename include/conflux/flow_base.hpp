// FlowBase: the part of every flow object that is not templated on the user's class.
//
// A flow object owns its Parameter<T> and Artifact<T> members; each member registers itself
// here when it is constructed (that is how one class declares everything once). While a task
// runs, the task runtime attaches a TaskContext, through which members load their values lazily
// from the datastore and the step reaches its foreach input and join inputs.
// A flow object is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "conflux/byte_stream.hpp"
#include "conflux/status.hpp"
#include "conflux/value.hpp"

namespace conflux {

class FlowBase;
class InputsBase;

// Raised inside step code when an artifact is misused (read before it has a value, a value of
// the wrong type). The task reports it like any exception a step throws.
class ArtifactError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One frame of the foreach stack: Metaflow's ForeachFrame(step, var, num_splits, index, value).
struct ForeachFrame {
  std::string step;
  std::string var;
  int64_t num_splits = 0;
  int64_t index = 0;
  std::string value;  // short repr of the item, as Metaflow stores it
};

// Which artifacts merge_artifacts() considers; include and exclude are mutually exclusive.
struct MergeOptions {
  std::vector<std::string> include;
  std::vector<std::string> exclude;
};

// A member that holds a named value: the type-erased face of Artifact<T>, Parameter<T> and
// Config.
class ArtifactSlot {
 public:
  enum class Kind { kArtifact, kParameter, kConfig };

  ArtifactSlot(FlowBase* owner, std::string name, Kind kind);
  virtual ~ArtifactSlot() = default;
  ArtifactSlot(const ArtifactSlot&) = delete;
  ArtifactSlot& operator=(const ArtifactSlot&) = delete;

  const std::string& name() const { return name_; }
  Kind kind() const { return kind_; }

  // True once the value was assigned or mutably accessed in this task: it must be persisted.
  bool dirty() const { return dirty_; }
  // True if a value loaded from the task's inputs was accessed mutably: it is persisted only if
  // its serialized bytes differ from the input's (a read through a non-const `->` costs no write).
  bool touched() const { return touched_; }
  // True if the slot holds a value in memory (assigned, or loaded from the datastore).
  virtual bool has_value() const = 0;
  // Serializes the in-memory value. REQUIRES: has_value()
  virtual Status encode(ByteSink& sink) const = 0;
  // Replaces the in-memory value with the decoded bytes.
  virtual Status decode(ByteSource& source) = 0;
  // The Python type Metaflow records in data.json, e.g. "<class 'int'>". REQUIRES: has_value()
  virtual std::string python_type() const = 0;
  // The value as a generic Python-like value (foreach items, switch conditions).
  // REQUIRES: has_value()
  virtual Value to_value() const = 0;
  // Drops the in-memory value and the dirty mark (the task runtime reuses flow objects).
  virtual void reset() = 0;

 protected:
  // Loads the value from the task's inputs if it is not in memory yet. Returns true if a value
  // is now present. Throws ArtifactError if the stored value cannot be decoded.
  bool ensure_loaded() const;
  void mark_dirty() { dirty_ = true; }
  // Mutable access: a fresh value is dirty, a loaded one only touched.
  void mark_mutable_access() { loaded_from_input_ ? touched_ = true : dirty_ = true; }
  void clear_dirty() { dirty_ = touched_ = loaded_from_input_ = false; }

  FlowBase* owner_;
  std::string name_;
  Kind kind_;
  bool dirty_ = false;
  bool touched_ = false;
  mutable bool load_attempted_ = false;
  mutable bool loaded_from_input_ = false;
};

// What a running task offers the flow object. Implemented by the task runtime (src/task).
class TaskContext {
 public:
  virtual ~TaskContext() = default;
  // Loads artifact `slot.name()` of this flow object's source into `slot`. Returns false if the
  // source has no such artifact.
  virtual Result<bool> load(const FlowBase& flow, ArtifactSlot& slot) = 0;
  // The current foreach item (the parent's foreach artifact at index()).
  virtual Result<Value> foreach_input() = 0;
  virtual const std::vector<ForeachFrame>& foreach_stack() = 0;
  // Metaflow's merge_artifacts semantics; errors name the conflicting/missing artifacts.
  virtual Status merge_artifacts(FlowBase& join_flow, const InputsBase& inputs,
                                 const MergeOptions& options) = 0;
};

class FlowBase {
 public:
  FlowBase() = default;
  virtual ~FlowBase() = default;
  FlowBase(const FlowBase&) = delete;
  FlowBase& operator=(const FlowBase&) = delete;

  // Every Parameter<T>/Artifact<T> member, in declaration order.
  const std::vector<ArtifactSlot*>& slots() const { return slots_; }
  ArtifactSlot* find_slot(std::string_view name) const;

  // Attaches the running task (or nullptr). Members load lazily through it.
  void attach(TaskContext* context) { context_ = context; }
  TaskContext* context() const { return context_; }

 protected:
  // The foreach index of this task. Throws ArtifactError outside a foreach.
  int64_t index() const;
  // The foreach stack, outermost first.
  const std::vector<ForeachFrame>& foreach_stack() const;
  Value foreach_input_value() const;
  void merge_artifacts_impl(const InputsBase& inputs, const MergeOptions& options);

 private:
  friend class ArtifactSlot;
  void register_slot(ArtifactSlot* slot) { slots_.push_back(slot); }

  std::vector<ArtifactSlot*> slots_;
  TaskContext* context_ = nullptr;
};

// The join step's inputs, type-erased: one flow object per input task, each backed read-only by
// that task's artifacts.
class InputsBase {
 public:
  struct Entry {
    std::unique_ptr<FlowBase> flow;
    std::string step_name;  // the step the input task ran
  };
  explicit InputsBase(std::vector<Entry> entries) : entries_(std::move(entries)) {}
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

}  // namespace conflux
