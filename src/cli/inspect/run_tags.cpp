#include "cli/inspect/run_tags.hpp"

#include <ostream>

#include <nlohmann/json.hpp>

#include "cli/text_format.hpp"

namespace conflux::cli {

namespace {

nlohmann::ordered_json run_tags_json(const Run& run) {
  return {{"pathspec", run.pathspec()}, {"user_tags", run.user_tags()}, {"system_tags", run.system_tags()}};
}

std::string tags_text(const std::vector<std::string>& tags, const std::string& separator) {
  return tags.empty() ? "-" : join(tags, separator);
}

}  // namespace

Status change_run_tags(Run& run, const std::vector<std::string>& add, const std::vector<std::string>& remove) {
  if (add.empty() && remove.empty()) return Status::invalid_argument("give at least one tag to add or remove");
  return run.replace_tags(remove, add);
}

void print_run_tags(const Run& run, bool as_json, std::ostream& out) {
  if (as_json) {
    out << run_tags_json(run).dump(2) << "\n";
    return;
  }
  print_fields(out, {{"Run", run.pathspec()},
                     {"Tags", tags_text(run.user_tags(), ", ")},
                     {"System tags", join(run.system_tags(), ", ")}});
}

void print_runs_tags(const std::vector<Run>& runs, bool as_json, bool system_tags, std::ostream& out) {
  nlohmann::ordered_json json = nlohmann::ordered_json::array();
  std::vector<std::vector<std::string>> rows;
  for (const Run& run : runs) {
    json.push_back(run_tags_json(run));
    rows.push_back({run.id(), tags_text(run.user_tags(), ",")});
    if (system_tags) rows.back().push_back(join(run.system_tags(), ","));
  }
  if (as_json) {
    out << json.dump(2) << "\n";
  } else {
    std::vector<std::string> header = {"RUN ID", "TAGS"};
    if (system_tags) header.push_back("SYSTEM TAGS");
    print_table(out, header, rows);
  }
}

}  // namespace conflux::cli
