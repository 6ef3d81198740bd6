// `run`: parse the run's options and the flow's parameters, then hand the run to the runtime.
// Every parameter is validated before anything runs.
#include <iostream>

#include "cli/flow_cli.hpp"
#include "cli/run_options.hpp"
#include "conflux/parameter.hpp"

namespace conflux::cli {

CommandSpec run_command_spec(const FlowDescription& flow) {
  CommandSpec spec;
  spec.usage = "run [OPTIONS]";
  spec.description = "Run the flow locally: every task is its own process.";
  spec.options = {
      {"tag", "TAG", "Add a user tag to the run.", true, ""},
      {"max-workers", "N", "Run at most N tasks at once.", false, "16"},
      {"max-num-splits", "N", "Fail a foreach that yields more than N tasks.", false, "100"},
      {"max-log-size", "MB", "Truncate each task's captured output after MB megabytes.", false, "10"},
      {"run-id-file", "FILE", "Write the run id to FILE.", false, ""},
      {"namespace", "NS", "The namespace of the run (default: user:<username>).", false, ""},
      {"with", "SPEC", "Add a decorator to every step, e.g. retry:times=2.", true, ""},
  };
  for (OptionSpec& o : parameter_option_specs(flow)) spec.options.push_back(std::move(o));
  return spec;
}

std::vector<OptionSpec> parameter_option_specs(const FlowDescription& flow) {
  std::vector<OptionSpec> options;
  for (const ParameterDescription& p : flow.parameters) {
    OptionSpec o;
    o.name = p.name;
    switch (p.type) {
      case ParameterType::kBool: o.metavar = "BOOLEAN"; break;
      case ParameterType::kInt: o.metavar = "INTEGER"; break;
      case ParameterType::kFloat: o.metavar = "FLOAT"; break;
      case ParameterType::kString: o.metavar = "TEXT"; break;
      case ParameterType::kJson: o.metavar = "JSON"; break;
      case ParameterType::kStringList: o.metavar = "TEXT"; break;
    }
    o.help = p.help;
    if (p.type == ParameterType::kStringList) o.help += " (a list separated by '" + p.separator + "')";
    if (!p.choices.empty()) o.help += " (one of " + detail::choices_text(p.choices) + ")";
    if (p.required) o.help += " [required]";
    if (p.default_value) {
      o.default_text = p.default_value->is_string() ? p.default_value->get<std::string>()
                                                    : p.default_value->dump();
    }
    options.push_back(o);
  }
  return options;
}

Result<RunOptions> parse_run_options(FlowCommandContext& ctx, const ParsedArgs& args) {
  RunOptions options;
  options.tags = args.all("tag");
  CONFLUX_ASSIGN_OR_RETURN(options.max_workers, args.get_int("max-workers", 16));
  CONFLUX_ASSIGN_OR_RETURN(options.max_num_splits, args.get_int("max-num-splits", 100));
  CONFLUX_ASSIGN_OR_RETURN(options.max_log_size_mb, args.get_int("max-log-size", 10));
  if (options.max_workers < 1) return Status::invalid_argument("--max-workers must be at least 1");
  if (options.max_num_splits < 1) return Status::invalid_argument("--max-num-splits must be at least 1");
  if (options.max_log_size_mb < 1) return Status::invalid_argument("--max-log-size must be at least 1");
  options.run_id_file = args.get("run-id-file");
  options.namespace_name = args.get("namespace", "user:" + ctx.username);
  options.username = ctx.username;

  // Parameters: each given value is parsed now, so a bad one stops the run before it starts.
  std::unique_ptr<FlowBase> flow = ctx.flow->make_flow();
  for (ArtifactSlot* slot : flow->slots()) {
    if (slot->kind() != ArtifactSlot::Kind::kParameter) continue;
    auto* param = static_cast<ParameterSlot*>(slot);
    ParameterDescription d = param->describe();
    if (args.has(d.name)) {
      CONFLUX_RETURN_IF_ERROR(param->parse(args.get(d.name)));
    } else if (d.required) {
      return Status::invalid_argument("missing required parameter --" + d.name +
                                      (d.help.empty() ? "" : " (" + d.help + ")"));
    } else {
      param->apply_default();
    }
  }
  options.parameters = std::move(flow);
  return options;
}

int run_command(FlowCommandContext& ctx) {
  CommandSpec spec = run_command_spec(*ctx.flow);
  auto parsed = parse_args(spec, ctx.args);
  if (!parsed.ok()) return fail("Bad option", parsed.status());
  if (parsed->help()) {
    std::cout << render_help(ctx.program, spec);
    return 0;
  }
  auto options = parse_run_options(ctx, *parsed);
  if (!options.ok()) return fail("Bad parameter", options.status());
  return execute_run(ctx, std::move(options).value());
}

}  // namespace conflux::cli
