#include "flow/graph_render.hpp"

#include <algorithm>
#include <sstream>

namespace conflux {

namespace {

using ojson = nlohmann::ordered_json;
constexpr const char* kIndent = "    ";

// Writes `text` with every line indented, as Metaflow's echo(indent=True) does.
void write_indented(std::ostream& out, const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) out << kIndent << line << "\n";
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

// The type Metaflow's parser gives a node before graph_info renames it (used by DOT).
std::string internal_type(const GraphNode& node) {
  switch (node.type) {
    case NodeType::kStart: return "start";
    case NodeType::kLinear: return "linear";
    case NodeType::kSplit: return "split";
    case NodeType::kForeach: return "foreach";
    case NodeType::kSwitch: return "split-switch";
    case NodeType::kJoin: return "join";
    case NodeType::kEnd: return "end";
  }
  return "linear";
}

ojson decorator_json(const DecoratorSpec& d) {
  ojson out;
  out["name"] = d.name;
  out["attributes"] = d.attributes;
  out["statically_defined"] = !d.from_command_line;
  out["inserted_by"] = nullptr;
  return out;
}

ojson step_json(const GraphNode& node) {
  const StepDescription& s = *node.step;
  ojson out;
  out["name"] = node.name;
  out["type"] = std::string(node_type_graph_info_name(node.type));
  out["line"] = s.location.line;
  out["source_file"] = s.location.file;
  out["doc"] = s.doc;
  out["decorators"] = ojson::array();
  for (const auto& d : s.decorators) out["decorators"].push_back(decorator_json(d));
  out["next"] = node.out_funcs;
  out["node_info"] = ojson::object();
  if (node.type == NodeType::kForeach) out["foreach_artifact"] = s.foreach_var;
  if (node.type == NodeType::kSwitch) {
    out["condition"] = s.condition_var;
    ojson cases = ojson::object();
    for (const auto& [key, target] : s.switch_cases) cases[key] = target;
    out["switch_cases"] = cases;
  }
  if (!node.matching_join.empty()) out["matching_join"] = node.matching_join;
  return out;
}

// Metaflow's populate_block: the nested list of steps from `start` up to (not including) `end`;
// a split adds one list per branch, a switch adds its branches and ends the block.
ojson populate_block(const FlowGraph& graph, const std::string& start, const std::string& end,
                     ojson& steps, int depth) {
  ojson block = ojson::array();
  if (depth > 64) return block;  // only reachable for graphs lint rejects
  std::string current = start;
  size_t guard = 0;
  while (current != end && graph.contains(current) && guard++ < graph.nodes().size() + 1) {
    const GraphNode& node = graph.node(current);
    steps[current] = step_json(node);
    block.push_back(current);
    if (node.type == NodeType::kSwitch) {
      ojson paths = ojson::array();
      for (const auto& target : node.out_funcs) {
        if (target != current) paths.push_back(populate_block(graph, target, end, steps, depth + 1));
      }
      block.push_back(paths);
      break;
    }
    if (node.type == NodeType::kSplit || node.type == NodeType::kForeach) {
      ojson branches = ojson::array();
      for (const auto& target : node.out_funcs) {
        branches.push_back(populate_block(graph, target, node.matching_join, steps, depth + 1));
      }
      block.push_back(branches);
      current = node.matching_join;
      continue;
    }
    if (node.out_funcs.empty()) break;
    current = node.out_funcs.front();
  }
  return block;
}

}  // namespace

void render_show(const FlowGraph& graph, std::ostream& out) {
  out << "\n" << graph.flow().doc << "\n";
  for (const std::string& name : graph.sorted_nodes()) {
    const GraphNode& node = graph.node(name);
    out << "\n";
    for (const auto& d : node.step->decorators) out << "@" << d.name << "\n";
    out << "Step " << name << "\n";
    write_indented(out, node.step->doc.empty() ? "?" : node.step->doc);
    if (node.type != NodeType::kEnd) out << kIndent << "=> " << join(node.out_funcs, ", ") << "\n";
  }
  out << "\n";
}

void render_dot(const FlowGraph& graph, std::ostream& out) {
  std::vector<const GraphNode*> nodes;
  for (const auto& node : graph.nodes()) nodes.push_back(&node);
  std::sort(nodes.begin(), nodes.end(),
            [](const GraphNode* a, const GraphNode* b) { return a->name < b->name; });
  out << "digraph " << graph.flow().name << " {\n";
  for (const GraphNode* node : nodes) {
    if (node->type == NodeType::kSwitch) {
      std::string condition = node->step->condition_var.empty()
                                  ? "switch" : "switch: " + node->step->condition_var;
      out << "\"" << node->name << "\" [ label = <<b>" << node->name
          << "</b><br/><font point-size=\"9\">" << condition
          << "</font>>   fontname = \"Helvetica\"   shape = \"hexagon\"   style = \"filled\" "
             "fillcolor = \"lightgreen\" ];\n";
    } else {
      out << "\"" << node->name << "\"[ label = <<b>" << node->name
          << "</b> | <font point-size=\"10\">" << internal_type(*node)
          << "</font>>   fontname = \"Helvetica\"   shape = \"record\" ];\n";
    }
  }
  for (const GraphNode* node : nodes) {
    if (node->type == NodeType::kSwitch) {
      for (const auto& [key, target] : node->step->switch_cases) {
        out << node->name << " -> " << target << " [label=\"" << key
            << "\" color=\"blue\" fontcolor=\"blue\"];\n";
      }
    } else {
      for (const auto& target : node->out_funcs) out << node->name << " -> " << target << ";\n";
    }
  }
  out << "}\n";
}

ojson graph_raw(const FlowGraph& graph) {
  ojson steps = ojson::object();
  ojson structure = populate_block(graph, "start", "end", steps, 0);
  if (graph.contains("end")) {
    steps["end"] = step_json(graph.node("end"));
    structure.push_back("end");
  }
  ojson out;
  out["graph"] = steps;
  out["graph_structure"] = structure;
  return out;
}

ojson graph_info(const FlowGraph& graph, const std::string& file) {
  const FlowDescription& flow = graph.flow();
  ojson raw = graph_raw(graph);
  ojson out;
  out["file"] = file;
  out["start_step"] = "start";
  out["end_step"] = "end";
  out["parameters"] = ojson::array();
  for (const auto& p : flow.parameters) {
    out["parameters"].push_back(ojson{{"name", p.name}, {"type", "Parameter"}});
  }
  for (const auto& c : flow.configs) {  // Metaflow lists its configs here too
    out["parameters"].push_back(ojson{{"name", c.name}, {"type", "Config"}});
  }
  out["constants"] = ojson::array();
  out["steps"] = raw["graph"];
  out["graph_structure"] = raw["graph_structure"];
  out["doc"] = flow.doc;
  out["decorators"] = ojson::array();
  for (const auto& d : flow.flow_decorators) out["decorators"].push_back(decorator_json(d));
  out["extensions"] = ojson{{"installed", ojson::object()}};
  return out;
}

}  // namespace conflux
