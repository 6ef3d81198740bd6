// UIB's response envelope (api/utils.py::format_response_list, http_500), as ui-cards.md §1.2
// describes it.
#include "service/ui_api/ui_api.hpp"

namespace conflux::service {

namespace {

std::string self_link(const ApiRequest& req) {
  std::string link = req.path;
  for (size_t i = 0; i < req.query.size(); ++i) {
    link += (i == 0 ? "?" : "&") + req.query[i].first + "=" + req.query[i].second;
  }
  return link;
}

ApiResponse json_response(int status, const nlohmann::json& body) {
  ApiResponse res;
  res.status = status;
  res.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  res.content_type = std::string(kApplicationJson);
  res.version_header = false;
  return res;
}

}  // namespace

ApiResponse ui_list(const ApiRequest& req, nlohmann::json data) {
  nlohmann::json query = nlohmann::json::object();
  for (const auto& [k, v] : req.query) query[k] = v;
  nlohmann::json body;
  body["data"] = std::move(data);
  body["status"] = 200;
  body["links"] = {{"self", self_link(req)}, {"first", req.path + "?_page=1"}, {"prev", nullptr},
                   {"next", nullptr}, {"last", req.path + "?_page=1"}};
  body["pages"] = {{"self", 1}, {"first", 1}, {"prev", nullptr}, {"next", nullptr}, {"last", 1}};
  body["query"] = std::move(query);
  return json_response(200, body);
}

ApiResponse ui_error(int status, const std::string& title, const std::string& detail) {
  nlohmann::json body = {{"id", title}, {"traceback", nullptr}, {"detail", detail},
                         {"status", status}, {"title", title}, {"type", "about:blank"}};
  return json_response(status, body);
}

}  // namespace conflux::service
