// Commands that only look at the flow's description: show, check, output-dot, output-raw,
// version. None of them runs a step.
#include <iostream>

#include "cli/flow_cli.hpp"
#include "flow/graph_render.hpp"

namespace conflux::cli {

namespace {

// Parses a command that takes only the options in `options`; prints help or errors.
// Returns -1 to continue, or the exit code.
int parse_simple(FlowCommandContext& ctx, const CommandSpec& spec, ParsedArgs* out) {
  auto parsed = parse_args(spec, ctx.args);
  if (!parsed.ok()) return fail("Bad option", parsed.status());
  if (parsed->help()) {
    std::cout << render_help(ctx.program, spec);
    return 0;
  }
  *out = std::move(parsed).value();
  return -1;
}

}  // namespace

int show_command(FlowCommandContext& ctx) {
  CommandSpec spec{"show", "Show the structure of the flow: its description and each step with "
                   "its decorators and transitions.", {}, {}, 0, 0};
  ParsedArgs args;
  if (int rc = parse_simple(ctx, spec, &args); rc >= 0) return rc;
  render_show(*ctx.graph, std::cout);
  if (!ctx.problems.empty()) {
    std::cerr << "Validating your flow...\n";
    print_problems(ctx.problems, std::cerr);
    return 1;
  }
  return 0;
}

int check_command(FlowCommandContext& ctx) {
  CommandSpec spec{"check", "Check that the flow is valid: Metaflow's graph rules, parameters "
                   "and decorators. Exits with 1 and names every problem if it is not.", {}, {}, 0, 0};
  ParsedArgs args;
  if (int rc = parse_simple(ctx, spec, &args); rc >= 0) return rc;
  std::cerr << "Validating your flow...\n";
  if (!ctx.problems.empty()) {
    print_problems(ctx.problems, std::cerr);
    return 1;
  }
  std::cerr << "    The graph looks good!\n\n"
            << "'" << ctx.program << " show' shows a description of this flow.\n"
            << "'" << ctx.program << " run' runs the flow locally.\n"
            << "'" << ctx.program << " help' shows all available commands and options.\n\n";
  return 0;
}

int output_dot_command(FlowCommandContext& ctx) {
  CommandSpec spec{"output-dot", "Print the flow's graph in Graphviz DOT. Try piping it to "
                   "'dot -Tpng -o graph.png'.", {}, {}, 0, 0};
  ParsedArgs args;
  if (int rc = parse_simple(ctx, spec, &args); rc >= 0) return rc;
  render_dot(*ctx.graph, std::cout);
  return 0;
}

int output_raw_command(FlowCommandContext& ctx) {
  CommandSpec spec{"output-raw [--json]", "Print the flow's internal graph representation.",
                   {{"json", "", "Print JSON: {graph, graph_structure}, as Metaflow does.", false, ""}}, {}, 0, 0};
  ParsedArgs args;
  if (int rc = parse_simple(ctx, spec, &args); rc >= 0) return rc;
  if (args.has("json")) {
    std::cout << graph_raw(*ctx.graph).dump(4) << "\n";
    return 0;
  }
  for (const std::string& name : ctx.graph->sorted_nodes()) {
    const GraphNode& node = ctx.graph->node(name);
    std::cout << "[" << name << " " << node_type_graph_info_name(node.type) << " ("
              << node.step->location.file << " line " << node.step->location.line << ")]\n";
    auto list = [](const std::vector<std::string>& items) {
      std::string out;
      for (const auto& i : items) out += (out.empty() ? "" : ", ") + ("[" + i + "]");
      return out;
    };
    std::cout << "    in_funcs=" << list(node.in_funcs) << "\n"
              << "    out_funcs=" << list(node.out_funcs) << "\n"
              << "    split_parents=" << list(node.split_parents) << "\n"
              << "    matching_join=" << (node.matching_join.empty() ? "None" : "[" + node.matching_join + "]") << "\n"
              << "    is_inside_foreach=" << (node.is_inside_foreach ? "True" : "False") << "\n"
              << "    foreach_param=" << (node.step->foreach_var.empty() ? "None" : node.step->foreach_var) << "\n"
              << "    condition=" << (node.step->condition_var.empty() ? "None" : node.step->condition_var) << "\n";
    std::string decorators;
    for (const auto& d : node.step->decorators) {
      decorators += (decorators.empty() ? "" : " | ") + d.name + "<" +
                    (d.from_command_line ? "dynamic " : "static ") + d.attributes.dump() + ">";
    }
    std::cout << "    decorators=" << decorators << "\n";
  }
  return 0;
}

int version_command(FlowCommandContext& ctx) {
  CommandSpec spec{"version", "Print the Conflux version.", {}, {}, 0, 0};
  ParsedArgs args;
  if (int rc = parse_simple(ctx, spec, &args); rc >= 0) return rc;
  std::cout << kConfluxVersion << "\n";
  return 0;
}

}  // namespace conflux::cli
