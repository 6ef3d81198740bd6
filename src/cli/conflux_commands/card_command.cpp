// `conflux card list|get PATHSPEC`: the cards of tasks (docs/cards.md), found where Metaflow's
// `card list` and `card get` find them, in the local or S3 datastore.
#include <fstream>
#include <iostream>

#include "card/card_files.hpp"
#include "cli/backends.hpp"
#include "cli/conflux_commands/tool.hpp"

namespace conflux::cli::tool {

namespace {

struct TaskCardFiles {
  CardTask task;
  std::vector<CardFile> cards;
};

// The cards of FLOW/RUN/STEP/TASK, or of every task of FLOW/RUN/STEP.
Result<std::vector<TaskCardFiles>> find_cards(Backends& backends, const Pathspec& path) {
  std::vector<std::string> task_ids;
  if (path.depth == 4) {
    task_ids.push_back(path.task_id);
  } else {
    CONFLUX_ASSIGN_OR_RETURN(auto tasks, backends.metadata().list_tasks(path.flow, path.run_id, path.step));
    if (tasks.empty()) return Status::not_found("step " + path.to_string() + " has no tasks");
    for (const auto& t : tasks) task_ids.push_back(t.task_id);
  }
  std::vector<TaskCardFiles> out;
  for (const std::string& id : task_ids) {
    TaskCardFiles files;
    files.task = {path.flow, path.run_id, path.step, id};
    CONFLUX_ASSIGN_OR_RETURN(files.cards, list_task_cards(*backends.storage, files.task));
    out.push_back(std::move(files));
  }
  return out;
}

bool matches(const CardFile& card, const ParsedArgs& args) {
  if (args.has("type") && card.type != args.get("type")) return false;
  if (args.has("id") && card.id != args.get("id")) return false;
  if (args.has("hash") && !card.hash.starts_with(args.get("hash"))) return false;
  return true;
}

}  // namespace

int card_command(ToolContext& ctx) {
  CommandSpec spec;
  spec.usage = "card list|get FLOW/RUN_ID/STEP[/TASK_ID] [OPTIONS]";
  spec.description =
      "List a task's cards (or every task's of a step), or print one card's HTML (`get`, or save it "
      "with --output). Several cards: pick one with --type, --id or --hash (a prefix of the hash).";
  spec.options = {{"type", "TYPE", "Only cards of this type (default, blank).", false, ""},
                  {"id", "ID", "Only the card with this id.", false, ""},
                  {"hash", "HASH", "Only the card whose hash starts with HASH.", false, ""},
                  {"output", "FILE", "get: write the HTML to FILE instead of stdout.", false, ""},
                  {"json", "", "list: print JSON (Metaflow's `card list --as-json` per task).", false, ""}};
  spec.positionals = {"list|get", "FLOW/RUN_ID/STEP[/TASK_ID]"};
  spec.min_positionals = spec.max_positionals = 2;
  int code = 0;
  std::optional<ParsedArgs> args = parse_command(ctx, spec, &code);
  if (!args) return code;
  const std::string action = args->positionals()[0];
  if (action != "list" && action != "get") {
    return usage_error(ctx, Status::invalid_argument("unknown card action '" + action + "' (list or get)"));
  }
  Result<Pathspec> path = parse_pathspec_arg(args->positionals()[1], 3, 4, "FLOW/RUN_ID/STEP[/TASK_ID]");
  if (!path.ok()) return usage_error(ctx, path.status());
  Result<Backends> backends = open_backends(ctx);
  if (!backends.ok()) return fail(ctx, backends.status());
  Result<std::vector<TaskCardFiles>> found = find_cards(*backends, *path);
  if (!found.ok()) return fail(ctx, found.status());

  if (action == "list") {
    nlohmann::ordered_json json = nlohmann::ordered_json::array();
    std::vector<std::vector<std::string>> rows;
    for (const TaskCardFiles& t : *found) {
      nlohmann::ordered_json cards = nlohmann::ordered_json::array();
      for (const CardFile& c : t.cards) {
        if (!matches(c, *args)) continue;
        const std::string filename = card_file_stem(c.type, c.id, c.hash) + ".html";
        cards.push_back({{"id", c.id.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(c.id)},
                         {"hash", c.hash}, {"type", c.type}, {"filename", filename}});
        rows.push_back({t.task.pathspec(), c.type, c.id.empty() ? "-" : c.id, c.hash});
      }
      json.push_back({{"pathspec", t.task.pathspec()}, {"cards", std::move(cards)}});
    }
    if (args->has("json")) {
      std::cout << (path->depth == 4 ? json[0] : json).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
                << "\n";
    } else if (rows.empty()) {
      std::cout << "No cards.\n";
    } else {
      print_table(std::cout, {"TASK", "TYPE", "ID", "HASH"}, rows);
    }
    return kExitOk;
  }

  std::vector<std::pair<CardTask, CardFile>> chosen;
  for (const TaskCardFiles& t : *found) {
    for (const CardFile& c : t.cards) {
      if (matches(c, *args)) chosen.emplace_back(t.task, c);
    }
  }
  if (chosen.empty()) return fail(ctx, Status::not_found("no card of " + path->to_string() + " matches"));
  if (chosen.size() > 1) {
    std::string which;
    for (const auto& [task, c] : chosen) {
      which += "\n  " + task.pathspec() + "  type " + c.type + (c.id.empty() ? "" : "  id " + c.id) + "  hash " + c.hash;
    }
    return usage_error(ctx, Status::invalid_argument(std::to_string(chosen.size()) +
                                                     " cards match; pick one with --type, --id or --hash:" + which));
  }
  Result<std::string> html = backends->storage->load(chosen[0].second.html_key);
  if (!html.ok()) return fail(ctx, html.status());
  if (args->has("output")) {
    std::ofstream out(args->get("output"), std::ios::binary);
    out << *html;
    if (!out.flush()) return fail(ctx, Status::io_error("cannot write " + args->get("output")));
    std::cerr << "Card " << chosen[0].second.hash << " of " << chosen[0].first.pathspec() << " written to "
              << args->get("output") << "\n";
  } else {
    std::cout << *html;
  }
  return kExitOk;
}

}  // namespace conflux::cli::tool
