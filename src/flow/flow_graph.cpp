#include "flow/flow_graph.hpp"

#include <algorithm>
#include <set>

namespace conflux {

std::string_view node_type_graph_info_name(NodeType type) {
  switch (type) {
    case NodeType::kStart: return "start";
    case NodeType::kLinear: return "linear";
    case NodeType::kSplit: return "split-static";
    case NodeType::kForeach: return "split-foreach";
    case NodeType::kSwitch: return "split-switch";
    case NodeType::kJoin: return "join";
    case NodeType::kEnd: return "end";
  }
  return "unknown";
}

namespace {

// Metaflow decides a node's type from its name, its arguments and its transition, in this order.
NodeType classify(const StepDescription& step) {
  if (step.name == "end") return NodeType::kEnd;
  switch (step.transition) {
    case TransitionKind::kForeach: return NodeType::kForeach;
    case TransitionKind::kSwitch: return NodeType::kSwitch;
    case TransitionKind::kBranch: return NodeType::kSplit;
    default: break;
  }
  if (step.is_join) return NodeType::kJoin;
  if (step.name == "start") return NodeType::kStart;
  return NodeType::kLinear;
}

}  // namespace

FlowGraph::FlowGraph(const FlowDescription& flow) : flow_(&flow) {
  for (const StepDescription& step : flow.steps) {
    if (index_.count(step.name)) continue;  // declared twice: reported by lint
    GraphNode node;
    node.step = &step;
    node.name = step.name;
    node.type = classify(step);
    for (const std::string& target : step.next) {
      if (std::find(node.out_funcs.begin(), node.out_funcs.end(), target) == node.out_funcs.end()) {
        node.out_funcs.push_back(target);
      }
    }
    index_[step.name] = nodes_.size();
    nodes_.push_back(std::move(node));
  }
  if (contains("start")) traverse("start", {"start"}, {});
  for (GraphNode& node : nodes_) std::sort(node.in_funcs.begin(), node.in_funcs.end());
}

const GraphNode* FlowGraph::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &nodes_[it->second];
}

void FlowGraph::traverse(const std::string& name, std::vector<std::string> seen,
                         std::vector<std::string> split_parents) {
  GraphNode& node = nodes_[index_.at(name)];
  node.reachable = true;
  sorted_.erase(std::remove(sorted_.begin(), sorted_.end(), name), sorted_.end());
  sorted_.push_back(name);

  if (node.type == NodeType::kSplit || node.type == NodeType::kForeach) {
    node.split_parents = split_parents;
    split_parents.push_back(name);
  } else if (node.type == NodeType::kJoin) {
    if (!split_parents.empty()) {
      nodes_[index_.at(split_parents.back())].matching_join = name;
      node.split_parents = split_parents;
      split_parents.pop_back();
    }
  } else {
    node.split_parents = split_parents;
  }
  for (const std::string& parent : node.split_parents) {
    const GraphNode* p = find(parent);
    if (p && p->type == NodeType::kForeach) node.is_inside_foreach = true;
  }

  std::vector<std::string> out = node.out_funcs;  // copy: nodes_ is not resized, but be explicit
  for (const std::string& child : out) {
    if (std::find(seen.begin(), seen.end(), child) != seen.end()) continue;  // a loop
    if (!contains(child)) continue;  // unknown transition: reported by lint
    GraphNode& c = nodes_[index_.at(child)];
    if (std::find(c.in_funcs.begin(), c.in_funcs.end(), name) == c.in_funcs.end()) {
      c.in_funcs.push_back(name);
    }
    std::vector<std::string> child_seen = seen;
    child_seen.push_back(child);
    traverse(child, std::move(child_seen), split_parents);
  }
}

}  // namespace conflux
