// FlowGraph: the analysed DAG of a FlowDescription, with Metaflow's node types and the
// relations that lint, `show`, _graph_info and the runtime need (in/out edges, the split a join
// closes, the splits a step is nested in, a traversal order).
//
// Built once per process from plain data; immutable afterwards, so safe to share between threads.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "conflux/flow_spec_types.hpp"

namespace conflux {

// Metaflow's DAGNode.type values.
enum class NodeType { kStart, kLinear, kSplit, kForeach, kSwitch, kJoin, kEnd };

// "start", "linear", "split-static", "split-foreach", "split-switch", "join", "end": the names
// Metaflow uses in _graph_info.
std::string_view node_type_graph_info_name(NodeType type);

struct GraphNode {
  const StepDescription* step = nullptr;
  std::string name;
  NodeType type = NodeType::kLinear;
  std::vector<std::string> out_funcs;   // declared transitions, in order (switch: unique targets)
  std::vector<std::string> in_funcs;    // steps that transition here, sorted by name
  std::vector<std::string> split_parents;  // enclosing split/foreach steps, outermost first
  std::string matching_join;            // for split/foreach: the join that closes it
  bool is_inside_foreach = false;
  bool reachable = false;               // reached from start
};

class FlowGraph {
 public:
  explicit FlowGraph(const FlowDescription& flow);

  const FlowDescription& flow() const { return *flow_; }
  bool contains(const std::string& name) const { return index_.count(name) > 0; }
  // REQUIRES: contains(name)
  const GraphNode& node(const std::string& name) const { return nodes_[index_.at(name)]; }
  const GraphNode* find(const std::string& name) const;
  // Nodes in declaration order.
  const std::vector<GraphNode>& nodes() const { return nodes_; }
  // Metaflow's sorted_nodes: a depth-first walk from start where a step revisited moves to the
  // end, so every step comes after all its parents; unreachable steps are not listed.
  const std::vector<std::string>& sorted_nodes() const { return sorted_; }

 private:
  void traverse(const std::string& name, std::vector<std::string> seen,
                std::vector<std::string> split_parents);

  const FlowDescription* flow_;
  std::vector<GraphNode> nodes_;
  std::map<std::string, size_t> index_;
  std::vector<std::string> sorted_;
};

}  // namespace conflux
