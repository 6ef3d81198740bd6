// `conflux flows`: the flows having runs in the namespace, with their latest run.
#include <iostream>

#include "cli/conflux_commands/tool.hpp"

namespace conflux::cli::tool {

int flows_command(ToolContext& ctx) {
  CommandSpec spec;
  spec.usage = "flows [--json]";
  spec.description =
      "List the flows that have at least one run in the namespace, with their latest run.";
  spec.options = {{"json", "", "Print JSON for scripts.", false, ""}};
  int code = 0;
  std::optional<ParsedArgs> args = parse_command(ctx, spec, &code);
  if (!args) return code;

  Result<Client> client = open_client(ctx);
  if (!client.ok()) return fail(ctx, client.status());
  Result<std::vector<Flow>> flows = client->flows();
  if (!flows.ok()) return fail(ctx, flows.status());

  nlohmann::ordered_json json = nlohmann::ordered_json::array();
  std::vector<std::vector<std::string>> rows;
  for (const Flow& flow : *flows) {
    Result<std::vector<Run>> runs = flow.runs();
    if (!runs.ok()) return fail(ctx, runs.status());
    std::string latest = "-", status = "-", started = "-";
    nlohmann::ordered_json latest_json = nullptr;
    if (!runs->empty()) {
      const Run& run = runs->front();
      Result<std::string> s = run_status(run);
      if (!s.ok()) return fail(ctx, s.status());
      latest = run.id();
      status = *s;
      started = human_time(run.created_at());
      latest_json = {{"id", run.id()}, {"status", status}, {"created_at", iso_time(run.created_at())}};
    }
    rows.push_back({flow.id(), std::to_string(runs->size()), latest, status, started});
    json.push_back({{"flow", flow.id()}, {"runs", runs->size()}, {"latest_run", latest_json}});
  }
  if (args->has("json")) {
    std::cout << json.dump(2) << "\n";
  } else if (rows.empty()) {
    std::cerr << "No flows with runs in namespace " << client->current_namespace().to_string()
              << " (datastore " << client->datastore_root().string()
              << "); try --all-namespaces.\n";
  } else {
    print_table(std::cout, {"FLOW", "RUNS", "LATEST RUN", "STATUS", "STARTED (UTC)"}, rows);
  }
  return kExitOk;
}

}  // namespace conflux::cli::tool
