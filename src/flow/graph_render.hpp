// Renderings of a flow graph for people and tools: `show` text, Graphviz DOT, and Metaflow's
// `_graph_info` (also printed by `output-raw --json`). Pure functions; thread-safe.
#pragma once

#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "flow/flow_graph.hpp"

namespace conflux {

// Metaflow's `show`: the flow doc, then each step (in sorted_nodes order) with its decorators,
// doc ("?" if none) and "=> next" line.
void render_show(const FlowGraph& graph, std::ostream& out);

// Metaflow's `output-dot`: record nodes, hexagons for switch steps, labelled switch edges.
void render_dot(const FlowGraph& graph, std::ostream& out);

// Metaflow's _graph_info artifact: {file, start_step, end_step, parameters, constants, steps,
// graph_structure, doc, decorators, extensions}. `file` is the flow binary's file name.
// REQUIRES: the graph passed lint (graph_structure follows splits to their joins).
nlohmann::ordered_json graph_info(const FlowGraph& graph, const std::string& file);

// `output-raw --json`: {"graph": steps, "graph_structure": [...]}.
nlohmann::ordered_json graph_raw(const FlowGraph& graph);

}  // namespace conflux
