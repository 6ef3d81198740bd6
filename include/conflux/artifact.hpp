// Artifact<T>: a typed, versioned value a step stores, declared once as a flow member.
//
//   conflux::Artifact<std::vector<int64_t>> ids{this, "ids"};
//   void start() { ids->push_back(1); }          // mutable access: persisted after the step
//   void end()   { std::cout << ids->size(); }    // loaded lazily from the parent task
//
// Reading an artifact loads it from the datastore the first time (only the artifacts a step
// touches are loaded). Assigning, or any non-const access, marks it to be persisted when the step
// ends; untouched artifacts pass to the next step by reference, without being re-serialized.
// T must have a conflux::Codec<T> (codec.hpp): standard types, or a struct with CONFLUX_STRUCT.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "conflux/codec.hpp"
#include "conflux/flow_base.hpp"

namespace conflux {

template <class T>
class Artifact : public ArtifactSlot {
 public:
  Artifact(FlowBase* flow, std::string name) : ArtifactSlot(flow, std::move(name), Kind::kArtifact) {}

  // Read access. Throws ArtifactError if the artifact has no value in this task.
  const T& operator*() const { return get(); }
  const T* operator->() const { return &get(); }
  // Write access: loads the current value (or default-constructs T) and marks it to be persisted.
  T& operator*() { return mut(); }
  T* operator->() { return &mut(); }

  Artifact& operator=(T value) {
    value_ = std::move(value);
    load_attempted_ = true;
    mark_dirty();
    return *this;
  }

  const T& get() const {
    if (!value_ && !ensure_loaded()) {
      throw ArtifactError("artifact '" + name() + "' has no value in this step: assign it first");
    }
    return *value_;
  }
  T& mut() {
    if (!value_ && !ensure_loaded()) value_.emplace();
    mark_mutable_access();
    return *value_;
  }

  // True if a value exists (in memory or in the task's inputs).
  bool has_value() const override { return value_.has_value() || ensure_loaded(); }
  Status encode(ByteSink& sink) const override { return encode_pickle<T>(get(), sink); }
  Status decode(ByteSource& source) override {
    auto decoded = decode_pickle<T>(source);
    if (!decoded.ok()) return decoded.status();
    value_ = std::move(decoded).value();
    return Status();
  }
  std::string python_type() const override { return python_type_of<T>(get()); }
  Value to_value() const override { return Codec<T>::to_value(get()); }
  void reset() override {
    value_.reset();
    load_attempted_ = false;
    clear_dirty();
  }

 private:
  mutable std::optional<T> value_;
};

}  // namespace conflux
