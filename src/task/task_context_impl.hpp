// TaskContextImpl: what a running task offers its flow objects (flow_base.hpp's TaskContext):
// lazy artifact loading from the input tasks, the foreach input and stack, merge_artifacts.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "conflux/flow_base.hpp"
#include "task/input_task.hpp"

namespace conflux {

class TaskContextImpl : public TaskContext {
 public:
  // `inputs`: the input tasks, in the order the join sees them (one for a non-join step).
  TaskContextImpl(std::vector<std::unique_ptr<InputTask>> inputs, bool is_join);

  // The flow object the step runs on; before the step, and for each join input, attach().
  void set_main_flow(FlowBase* flow) { main_flow_ = flow; }
  // Where parameters are read from instead of the inputs (resume with changed parameters).
  void set_parameter_source(InputTask* source) { parameter_source_ = source; }
  void set_input_flow(const FlowBase* flow, InputTask* input) { input_flows_[flow] = input; }
  void set_foreach(std::vector<ForeachFrame> stack, std::optional<Value> item) {
    stack_ = std::move(stack);
    item_ = std::move(item);
  }

  Result<bool> load(const FlowBase& flow, ArtifactSlot& slot) override;
  Result<Value> foreach_input() override;
  const std::vector<ForeachFrame>& foreach_stack() override { return stack_; }
  Status merge_artifacts(FlowBase& join_flow, const InputsBase& inputs,
                         const MergeOptions& options) override;

  std::vector<std::unique_ptr<InputTask>>& inputs() { return inputs_; }
  // Artifacts merge_artifacts() carried over by reference.
  const std::map<std::string, ArtifactEntry>& merged() const { return merged_; }

 private:
  std::vector<std::unique_ptr<InputTask>> inputs_;
  bool is_join_;
  FlowBase* main_flow_ = nullptr;
  InputTask* parameter_source_ = nullptr;
  std::map<const FlowBase*, InputTask*> input_flows_;
  std::vector<ForeachFrame> stack_;
  std::optional<Value> item_;
  std::map<std::string, ArtifactEntry> merged_;
};

}  // namespace conflux
