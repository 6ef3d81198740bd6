#include "task/task_context_impl.hpp"

#include <algorithm>

namespace conflux {

TaskContextImpl::TaskContextImpl(std::vector<std::unique_ptr<InputTask>> inputs, bool is_join)
    : inputs_(std::move(inputs)), is_join_(is_join) {}

Result<bool> TaskContextImpl::load(const FlowBase& flow, ArtifactSlot& slot) {
  if (auto it = input_flows_.find(&flow); it != input_flows_.end()) {
    return it->second->load_into(slot.name(), slot);
  }
  if (&flow != main_flow_ || inputs_.empty()) return false;
  if (parameter_source_ && slot.kind() == ArtifactSlot::Kind::kParameter) {
    return parameter_source_->load_into(slot.name(), slot);
  }
  if (!is_join_) return inputs_.front()->load_into(slot.name(), slot);
  // A join sees parameters (from its first input) and what merge_artifacts carried over.
  if (slot.kind() == ArtifactSlot::Kind::kParameter) return inputs_.front()->load_into(slot.name(), slot);
  if (merged_.count(slot.name())) {
    for (auto& input : inputs_) {
      const ArtifactEntry* e = input->index().find(slot.name());
      if (e && e->sha == merged_.at(slot.name()).sha) return input->load_into(slot.name(), slot);
    }
  }
  return false;
}

Result<Value> TaskContextImpl::foreach_input() {
  if (!item_) return Status::failed_precondition("input() is only available in a step that a foreach fans out to");
  return *item_;
}

Status TaskContextImpl::merge_artifacts(FlowBase& join_flow, const InputsBase& inputs,
                                        const MergeOptions& options) {
  if (!is_join_ || &join_flow != main_flow_) {
    return Status::failed_precondition("merge_artifacts can only be called in a join step");
  }
  if (!options.include.empty() && !options.exclude.empty()) {
    return Status::invalid_argument("merge_artifacts: give include or exclude, not both");
  }
  (void)inputs;
  std::set<std::string> parameters;
  std::set<std::string> set_here;
  for (ArtifactSlot* slot : join_flow.slots()) {
    if (slot->kind() != ArtifactSlot::Kind::kArtifact) parameters.insert(slot->name());  // and configs
    if (slot->dirty()) set_here.insert(slot->name());
  }
  // Every non-internal artifact of any input, in first-seen order.
  std::vector<std::string> names;
  for (auto& input : inputs_) {
    for (const auto& e : input->index().artifacts) {
      if (e.name.empty() || e.name[0] == '_' || e.name == "name" || parameters.count(e.name)) continue;
      if (std::find(names.begin(), names.end(), e.name) == names.end()) names.push_back(e.name);
    }
  }
  for (const auto& wanted : options.include) {
    if (std::find(names.begin(), names.end(), wanted) == names.end()) {
      return Status::invalid_argument("merge_artifacts: artifact '" + wanted +
                                      "' is in include but no input has it");
    }
  }
  std::vector<std::string> conflicts;
  for (const std::string& name : names) {
    if (set_here.count(name)) continue;
    if (!options.include.empty() &&
        std::find(options.include.begin(), options.include.end(), name) == options.include.end()) {
      continue;
    }
    if (std::find(options.exclude.begin(), options.exclude.end(), name) != options.exclude.end()) continue;
    const ArtifactEntry* chosen = nullptr;
    bool conflict = false;
    for (auto& input : inputs_) {
      const ArtifactEntry* e = input->index().find(name);
      if (!e) continue;
      if (chosen && chosen->sha != e->sha) conflict = true;
      if (!chosen) chosen = e;
    }
    if (conflict) {
      conflicts.push_back(name);
    } else if (chosen) {
      merged_[name] = *chosen;
      if (ArtifactSlot* slot = join_flow.find_slot(name)) slot->reset();  // loads the merged value
    }
  }
  if (!conflicts.empty()) {
    std::string list;
    for (const auto& c : conflicts) list += (list.empty() ? "" : ", ") + c;
    return Status::invalid_argument(
        "merge_artifacts: the inputs have different values for: " + list +
        ". Set those artifacts in the join step before calling merge_artifacts, or exclude them.");
  }
  return Status();
}

}  // namespace conflux
