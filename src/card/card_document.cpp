#include "card/card_document.hpp"

#include <ctime>

namespace conflux {

namespace {

using cards::Json;

std::string utc_time(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string duration_text(int64_t ms) {
  if (ms < 1000) return std::to_string(ms) + " ms";
  char buf[32];
  if (ms < 60'000) {
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000);
  } else {
    std::snprintf(buf, sizeof buf, "%lld min %lld s", static_cast<long long>(ms / 60'000),
                  static_cast<long long>((ms % 60'000) / 1000));
  }
  return buf;
}

Json section(std::string title, Json contents) {
  Json out;
  out["type"] = "section";
  out["title"] = std::move(title);
  out["contents"] = std::move(contents);
  return out;
}

// The user's components, in one untitled section (Metaflow wraps them the same way). A
// component that throws while rendering shows as an error line instead of breaking the card.
Json user_section(const std::vector<std::shared_ptr<cards::Component>>& components) {
  Json contents = Json::array();
  for (const auto& c : components) {
    try {
      contents.push_back(c->render());
    } catch (const std::exception& e) {
      contents.push_back(Json{{"type", "log"}, {"data", std::string("[RENDER FAIL]: ") + e.what()}});
    }
  }
  Json out;
  out["type"] = "section";
  out["contents"] = std::move(contents);
  return out;
}

Json task_metadata_table(const CardTaskFacts& f) {
  Json rows = Json::array();
  rows.push_back(Json::array({"Task Created On", utc_time(f.created_ms)}));
  rows.push_back(Json::array({"Task Finished On", f.finished_ms ? Json(utc_time(*f.finished_ms)) : Json("Running")}));
  std::string tags;
  for (const auto& t : f.tags) tags += (tags.empty() ? "" : ", ") + t;
  rows.push_back(Json::array({"Tags", tags}));
  rows.push_back(Json::array({"Attempt", f.attempt}));
  rows.push_back(Json::array({"Duration", f.finished_ms ? Json(duration_text(*f.finished_ms - f.created_ms)) : Json("")}));
  rows.push_back(Json::array({"User", f.user}));
  Json table;
  table["type"] = "table";
  table["columns"] = Json::array();
  table["data"] = std::move(rows);
  table["vertical"] = true;
  return table;
}

Json artifacts_component(const Json& rows) {
  Json out;
  out["type"] = "artifacts";
  out["data"] = rows;
  return out;
}

}  // namespace

Json card_dag(const Json& graph_info) {
  Json steps = Json::object();
  if (graph_info.contains("steps") && graph_info["steps"].is_object()) {
    for (const auto& [name, step] : graph_info["steps"].items()) {
      const std::string type = step.value("type", "linear");
      Json node;
      node["type"] = type;
      node["box_next"] = type != "linear" && type != "join";
      node["box_ends"] = step.contains("matching_join") ? step["matching_join"] : Json();
      node["next"] = step.value("next", Json::array());
      node["doc"] = step.value("doc", "");
      if (step.contains("condition")) node["condition"] = step["condition"];
      if (step.contains("switch_cases")) node["switch_cases"] = step["switch_cases"];
      if (step.contains("foreach_artifact")) node["foreach_artifact"] = step["foreach_artifact"];
      steps[name] = std::move(node);
    }
  }
  return Json{{"steps", std::move(steps)},
              {"start_step", graph_info.value("start_step", "start")},
              {"end_step", graph_info.value("end_step", "end")}};
}

Json card_document(const CardSpec& spec, const std::vector<std::shared_ptr<cards::Component>>& components,
                   const CardTaskFacts& facts) {
  const std::string pathspec = facts.task.pathspec();
  Json doc;
  Json page;
  page["type"] = "page";
  if (spec.type == "blank") {
    doc["metadata"] = Json{{"pathspec", pathspec}};
    page["title"] = spec.options.value("title", "");
    page["contents"] = Json::array({user_section(components)});
    doc["components"] = Json::array({std::move(page)});
    return doc;
  }
  Json metadata;
  metadata["version"] = 1;
  metadata["template"] = "defaultCardTemplate";
  metadata["created_at"] = utc_time(facts.created_ms);
  metadata["finished_at"] = facts.finished_ms ? Json(utc_time(*facts.finished_ms)) : Json();
  metadata["pathspec"] = pathspec;
  doc["metadata"] = std::move(metadata);
  Json contents = Json::array();
  if (!components.empty()) contents.push_back(user_section(components));
  contents.push_back(section("Task Metadata", Json::array({task_metadata_table(facts)})));
  if (!facts.parameters.empty()) contents.push_back(section("Flow Parameters", Json::array({artifacts_component(facts.parameters)})));
  contents.push_back(section("Artifacts", facts.artifacts.empty()
                                              ? Json::array({Json{{"type", "title"}, {"text", "No Artifacts"}}})
                                              : Json::array({artifacts_component(facts.artifacts)})));
  if (!facts.graph_info.is_null()) {
    contents.push_back(section("DAG", Json::array({Json{{"type", "dag"}, {"data", card_dag(facts.graph_info)}}})));
  }
  page["title"] = "Task Info";
  page["contents"] = std::move(contents);
  doc["components"] = Json::array({Json{{"type", "title"}, {"text", pathspec}}, std::move(page)});
  return doc;
}

Json card_runtime_data(const std::vector<std::shared_ptr<cards::Component>>& components,
                       std::string_view reload_token, double created_on) {
  Json data = Json::object();
  for (const auto& c : components) {
    if (!c->realtime() || c->id().empty()) continue;
    try {
      data[c->id()] = c->render();
    } catch (const std::exception&) {
      // The final card shows the error; a live update just leaves the component as it was.
    }
  }
  return Json{{"reload_token", std::string(reload_token)}, {"created_on", created_on}, {"data", std::move(data)}};
}

}  // namespace conflux
