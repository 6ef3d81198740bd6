#include "conflux/flow_base.hpp"

#include "conflux/current.hpp"
#include "conflux/flow_spec_types.hpp"

namespace conflux {

ArtifactSlot::ArtifactSlot(FlowBase* owner, std::string name, Kind kind)
    : owner_(owner), name_(std::move(name)), kind_(kind) {
  owner_->register_slot(this);
}

bool ArtifactSlot::ensure_loaded() const {
  if (load_attempted_) return false;
  load_attempted_ = true;
  TaskContext* context = owner_->context();
  if (!context) return false;
  // Loading fills the value in place: logically const (the value was always there).
  auto* self = const_cast<ArtifactSlot*>(this);
  Result<bool> loaded = context->load(*owner_, *self);
  if (!loaded.ok()) {
    throw ArtifactError("cannot load artifact '" + name_ + "': " + loaded.status().message());
  }
  loaded_from_input_ = *loaded;
  return *loaded;
}

ArtifactSlot* FlowBase::find_slot(std::string_view name) const {
  for (ArtifactSlot* slot : slots_) {
    if (slot->name() == name) return slot;
  }
  return nullptr;
}

int64_t FlowBase::index() const {
  const auto& stack = foreach_stack();
  if (stack.empty()) throw ArtifactError("index() is only available inside a foreach");
  return stack.back().index;
}

const std::vector<ForeachFrame>& FlowBase::foreach_stack() const {
  static const std::vector<ForeachFrame> empty;
  return context_ ? context_->foreach_stack() : empty;
}

Value FlowBase::foreach_input_value() const {
  if (!context_) throw ArtifactError("input() is only available while a task runs");
  Result<Value> item = context_->foreach_input();
  if (!item.ok()) throw ArtifactError(item.status().message());
  return std::move(item).value();
}

void FlowBase::merge_artifacts_impl(const InputsBase& inputs, const MergeOptions& options) {
  if (!context_) throw ArtifactError("merge_artifacts() is only available while a task runs");
  Status s = context_->merge_artifacts(*this, inputs, options);
  if (!s.ok()) throw ArtifactError(s.message());
}

const StepDescription* FlowDescription::find_step(std::string_view step_name) const {
  for (const auto& s : steps) {
    if (s.name == step_name) return &s;
  }
  return nullptr;
}

std::string_view parameter_type_name(ParameterType type) {
  switch (type) {
    case ParameterType::kBool: return "bool";
    case ParameterType::kInt: return "int";
    case ParameterType::kFloat: return "float";
    case ParameterType::kString: return "str";
    case ParameterType::kJson: return "JSON";
    case ParameterType::kStringList: return "str";
  }
  return "str";
}

const Current& current() { return detail::mutable_current(); }

Current& detail::mutable_current() {
  static Current instance;
  return instance;
}

}  // namespace conflux
