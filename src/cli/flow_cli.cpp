// Entry point of every flow binary: global options, graph validation, command dispatch.
#include "cli/flow_cli.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "conflux/flow.hpp"
#include "flow/decorators.hpp"

namespace conflux {

namespace cli {

namespace {

void print_usage(const FlowCommandContext& ctx, std::ostream& out) {
  out << "Usage: " << ctx.program << " [GLOBAL OPTIONS] COMMAND [OPTIONS]\n\n";
  if (!ctx.flow->doc.empty()) out << ctx.flow->doc << "\n\n";
  out << "Global options:\n"
         "  --with SPEC            Add a decorator to every step, e.g. --with retry:times=2,\n"
         "                         --with slurm:partition=gpu (may be repeated)\n"
         "  --datastore KIND       local (default) or s3 (METAFLOW_DATASTORE_SYSROOT_S3)\n"
         "  --datastore-root DIR   Keep the datastore in DIR/.metaflow (s3: an s3://bucket/prefix)\n"
         "  --metadata KIND        local (files in the datastore) or service (METAFLOW_SERVICE_URL)\n"
         "  --config NAME FILE     Read config NAME from FILE (JSON, or TOML if it ends in .toml)\n"
         "  --config-value NAME V  Set config NAME to the JSON text V\n"
         "  --branch NAME          @project: run on branch test.NAME (prod.NAME with --production)\n"
         "  --production           @project: run on the production branch\n"
         "  --quiet                Do not print the banner\n"
         "  --help                 Show this message and exit.\n\n";
  if (!ctx.flow->configs.empty()) {
    out << "Configs of this flow:\n";
    for (const ConfigDescription& c : ctx.flow->configs) {
      std::string from = !c.default_path.empty() ? "default file " + c.default_path
                         : c.default_value       ? "default " + c.default_value->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                         : c.required            ? "required"
                                                 : "default null";
      out << "  " << c.name << std::string(c.name.size() < 21 ? 21 - c.name.size() : 1, ' ')
          << (c.help.empty() ? "" : c.help + " ") << "[" << from << "]\n";
    }
    out << "\n";
  }
  out << "Commands:\n";
  size_t width = 0;
  for (const CommandEntry& c : flow_commands()) {
    if (!c.hidden) width = std::max(width, std::string_view(c.name).size() + 2);
  }
  for (const CommandEntry& c : flow_commands()) {
    if (c.hidden) continue;
    std::string name = c.name;
    out << "  " << name << std::string(width - name.size(), ' ') << c.summary << "\n";
  }
  out << "\nRun '" << ctx.program << " COMMAND --help' for the options of a command.\n";
}

}  // namespace

int fail(const std::string& headline, const Status& status) {
  std::cerr << "    " << headline << ":\n    " << status.message() << "\n\n";
  return 1;
}

void print_problems(const std::vector<LintProblem>& problems, std::ostream& err) {
  for (const LintProblem& p : problems) {
    err << "    Validity checker found an issue";
    if (!p.location.file.empty()) err << " in file " << p.location.file;
    if (p.location.line > 0) err << " on line " << p.location.line;
    err << ":\n    " << p.message << " [" << p.rule << "]\n\n";
  }
}

int run_flow_cli(FlowDescription flow, int argc, char** argv) {
  FlowCommandContext ctx;
  ctx.flow = &flow;
  ctx.program = argc > 0 ? argv[0] : flow.name;
  ctx.program_name = std::filesystem::path(ctx.program).filename().string();

  // Global options come before the command.
  int i = 1;
  for (; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--quiet") {
      ctx.global.quiet = true;
    } else if (arg == "--production") {
      ctx.global.project.production = true;
    } else if (arg == "--with" || arg == "--datastore-root" || arg == "--metadata" || arg == "--datastore" ||
               arg == "--branch") {
      if (i + 1 >= argc) return fail("Bad option", Status::invalid_argument(arg + " requires a value"));
      std::string value = argv[++i];
      if (arg == "--with") ctx.global.decospecs.push_back(value);
      if (arg == "--datastore-root") ctx.global.datastore_root = value;
      if (arg == "--metadata") ctx.global.metadata = value;
      if (arg == "--datastore") ctx.global.datastore = value;
      if (arg == "--branch") ctx.global.project.branch = value;
    } else if (arg == "--config" || arg == "--config-value") {
      if (i + 2 >= argc) return fail("Bad option", Status::invalid_argument(arg + " requires a config name and a " + (arg == "--config" ? "file" : "value")));
      ctx.global.configs.push_back({argv[i + 1], arg == "--config", argv[i + 2]});
      i += 2;
    } else if (arg.rfind("--with=", 0) == 0) {
      ctx.global.decospecs.push_back(arg.substr(7));
    } else if (arg == "--help" || arg == "-h") {
      print_usage(ctx, std::cout);
      return 0;
    } else if (arg.rfind("--", 0) == 0) {
      return fail("Bad option", Status::invalid_argument("no such global option: " + arg +
                                                         " (see --help)"));
    } else {
      break;
    }
  }
  // A broken config file stops every command, as it stops Metaflow (settings come from it).
  if (Status settings = load_settings(); !settings.ok()) return fail("Bad configuration", settings);
  ctx.username = resolve_username().value;

  // Like Metaflow, no command means `check`.
  std::string command = i < argc ? argv[i++] : "check";
  for (; i < argc; ++i) ctx.args.emplace_back(argv[i]);

  // Metaflow also accepts --with after `run`/`resume`; it applies to the whole flow all the same.
  // So are @project's --branch and --production.
  if (command == "run" || command == "resume") {
    std::vector<std::string> rest;
    for (size_t k = 0; k < ctx.args.size(); ++k) {
      if (ctx.args[k] == "--with" && k + 1 < ctx.args.size()) {
        ctx.global.decospecs.push_back(ctx.args[++k]);
      } else if (ctx.args[k].rfind("--with=", 0) == 0) {
        ctx.global.decospecs.push_back(ctx.args[k].substr(7));
      } else if (ctx.args[k] == "--branch" && k + 1 < ctx.args.size()) {
        ctx.global.project.branch = ctx.args[++k];
      } else if (ctx.args[k] == "--production") {
        ctx.global.project.production = true;
      } else {
        rest.push_back(ctx.args[k]);
      }
    }
    ctx.args = std::move(rest);
  }

  if (command == "help") {
    print_usage(ctx, std::cout);
    return 0;
  }
  const CommandEntry* entry = nullptr;
  for (const CommandEntry& c : flow_commands()) {
    if (command == c.name) entry = &c;
  }
  if (!entry) {
    std::cerr << "No such command '" << command << "'.\n\n";
    print_usage(ctx, std::cerr);
    return 2;
  }

  bool wants_help = false;
  for (const auto& a : ctx.args) wants_help = wants_help || a == "--help" || a == "-h";

  // Configs are read before the graph is built: the graph may depend on them. A resumed run
  // keeps the configs of the run it continues (as in Metaflow).
  if (!flow.configs.empty() || !ctx.global.configs.empty()) {
    Result<ConfigValues> values = ConfigValues();
    if (command == "resume" && !ctx.global.configs.empty()) {
      values = Status::invalid_argument("configs cannot change on resume: the resumed run's values are used; "
                                        "drop --config/--config-value");
    } else if (command == "resume" && !wants_help) {
      values = resumed_run_configs(ctx);
    } else {
      values = resolve_configs(flow.configs, ctx.global.configs);
    }
    if (!values.ok()) return fail("Bad config", values.status());
    if (!flow.configs.empty()) {
      try {
        flow = flow.with_configs(*values);
      } catch (const std::exception& e) {  // the graph read a config as something it is not
        std::string names;
        for (const auto& c : flow.configs) names += (names.empty() ? "" : ", ") + c.name;
        return fail("Bad config", Status::invalid_argument("cannot build the graph of " + flow.name +
                                                           " with these configs (" + names +
                                                           "): " + json_error_text(e.what())));
      }
    }
  }

  // `run --with ...` is accepted too (Metaflow allows --with on run).
  Status attached = attach_decospecs(flow, ctx.global.decospecs);
  if (!attached.ok()) return fail("Unknown decorator", attached);

  ctx.graph = std::make_unique<FlowGraph>(flow);
  ctx.problems = lint_flow(*ctx.graph);
  if (!ctx.global.quiet && !entry->hidden && !wants_help) {
    std::cerr << "Conflux " << kConfluxVersion << " executing " << flow.name << " for user:"
              << ctx.username << "\n";
  }
  if (entry->needs_valid_graph && !ctx.problems.empty() && !wants_help) {
    std::cerr << "Validating your flow...\n";
    print_problems(ctx.problems, std::cerr);
    return 1;
  }
  if (entry->needs_valid_graph && !wants_help) {
    auto project = resolve_project(flow, ctx.global.project, ctx.username);
    if (!project.ok()) return fail("Bad option", project.status());
    ctx.project = *project;
    if (ctx.project && !ctx.global.quiet && !entry->hidden) {
      std::cerr << "Project: " << ctx.project->project_name << ", Branch: " << ctx.project->branch_name << "\n";
    }
  } else if ((ctx.global.project.branch || ctx.global.project.production) && !wants_help &&
             command != "show" && command != "check") {
    return fail("Bad option", Status::invalid_argument("--branch and --production apply to run and resume"));
  }
  return entry->fn(ctx);
}

}  // namespace cli

int run_flow_cli(const FlowDescription& flow, int argc, char** argv) {
  return cli::run_flow_cli(flow, argc, argv);
}

}  // namespace conflux
