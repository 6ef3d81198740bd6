// PATCH /flows/{flow_id}/runs/{run_number}/tag/mutate: add and remove user tags of a run, in one
// transaction (metaflow-service runs it SERIALIZABLE; here the writer lock serialises it).
#include <algorithm>

#include "service/api/common.hpp"
#include "service/json_writer.hpp"

namespace conflux::service {

using namespace api;

namespace {
std::vector<std::string> string_list(const std::string& json_text) {
  std::vector<std::string> out;
  Json j = Json::parse(json_text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& t : j) {
    if (t.is_string()) out.push_back(t.get<std::string>());
  }
  return out;
}
bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}
}  // namespace

ApiResponse mutate_run_tags(ApiContext& ctx, const ApiRequest& req) {
  ApiResponse error;
  std::optional<Json> body = parse_body(req, &error);
  if (!body) return error;
  if (!body->is_object()) return string_error(400, "the request body must be a JSON object");
  Json add = body->value("tags_to_add", Json::array());
  Json remove = body->value("tags_to_remove", Json::array());
  if (!add.is_array()) return string_error(400, "tags_to_add must be a list");
  if (!remove.is_array()) return string_error(400, "tags_to_remove must be a list");
  std::vector<std::string> to_add, to_remove;
  for (const auto& t : add) {
    if (!t.is_string()) return string_error(400, "All tag values must be strings");
    if (!contains(to_add, t.get<std::string>())) to_add.push_back(t.get<std::string>());
  }
  for (const auto& t : remove) {
    if (!t.is_string()) return string_error(400, "All tag values must be strings");
    if (!contains(to_remove, t.get<std::string>())) to_remove.push_back(t.get<std::string>());
  }
  std::vector<std::string> result;
  Status s = ctx.db.update_run_tags(
      req.params[0], ObjectKey::parse(req.params[1]),
      [&](const RunRecord& run) -> Result<std::optional<std::string>> {
        std::vector<std::string> existing = string_list(run.tags);
        std::vector<std::string> system = string_list(run.system_tags);
        std::vector<std::string> forbidden;
        for (const std::string& t : to_remove) {
          if (contains(system, t)) forbidden.push_back(t);
        }
        if (!forbidden.empty()) {
          return Status::failed_precondition("Cannot remove tags that are existing system tags " +
                                             python_set_repr(forbidden));
        }
        // Removals before additions; a system tag is never added as a user tag.
        std::vector<std::string> next;
        for (const std::string& t : existing) {
          if (!contains(to_remove, t) && !contains(next, t)) next.push_back(t);
        }
        for (const std::string& t : to_add) {
          if (!contains(system, t) && !contains(next, t)) next.push_back(t);
        }
        result = next;
        std::vector<std::string> a = next, b = existing;
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        b.erase(std::unique(b.begin(), b.end()), b.end());
        if (a == b) return std::optional<std::string>();
        return std::optional<std::string>(py_json_dumps(Json(next)));
      });
  if (s.is_not_found()) return not_found_empty();
  if (s.code() == StatusCode::kFailedPrecondition) return string_error(422, s.message());
  if (!s.ok()) return db_error(s);
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("tags");
  w.raw(py_json_dumps(Json(result)));
  w.end_object();
  return json_response(200, std::move(out));
}

}  // namespace conflux::service
