// UIB's response envelope (api/utils.py::format_response_list, http_500), as ui-cards.md §1.2
// describes it, with keyset links: links.next carries the cursor of the next page.
#include "base/percent_encode.hpp"
#include "service/ui_api/ui_api.hpp"

namespace conflux::service {

namespace {

// The request's path and query, with `replace` (if set) in place of that parameter (dropped when
// its value is empty).
std::string link(const ApiRequest& req, const std::optional<std::pair<std::string, std::string>>& replace) {
  std::string out = req.path;
  char sep = '?';
  for (const auto& [k, v] : req.query) {
    if (replace && k == replace->first) continue;
    out += sep + percent_encode(k) + "=" + percent_encode(v);
    sep = '&';
  }
  if (replace && !replace->second.empty()) out += sep + percent_encode(replace->first) + "=" + percent_encode(replace->second);
  return out;
}

nlohmann::json query_json(const ApiRequest& req) {
  nlohmann::json query = nlohmann::json::object();
  for (const auto& [k, v] : req.query) query[k] = v;
  return query;
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

ApiResponse ui_list(const ApiRequest& req, nlohmann::json data, std::optional<std::pair<std::string, std::string>> next) {
  nlohmann::json body;
  body["data"] = std::move(data);
  body["status"] = 200;
  body["links"] = {{"self", link(req, std::nullopt)},
                   {"first", next ? nlohmann::json(link(req, std::pair<std::string, std::string>(next->first, "")))
                                  : nlohmann::json(link(req, std::nullopt))},
                   {"prev", nullptr},
                   {"next", next ? nlohmann::json(link(req, next)) : nlohmann::json()},
                   {"last", next ? nlohmann::json() : nlohmann::json(link(req, std::nullopt))}};
  const bool first_page = !req.query_value("_after") && !req.query_value("_after_row");
  body["pages"] = {{"self", first_page ? nlohmann::json(1) : nlohmann::json()}, {"first", 1}, {"prev", nullptr},
                   {"next", nullptr}, {"last", next || !first_page ? nlohmann::json() : nlohmann::json(1)}};
  body["query"] = query_json(req);
  return json_response(200, body);
}

ApiResponse ui_object(const ApiRequest& req, nlohmann::json data) {
  nlohmann::json body;
  body["data"] = std::move(data);
  body["status"] = 200;
  body["links"] = {{"self", link(req, std::nullopt)}};
  body["query"] = query_json(req);
  return json_response(200, body);
}

ApiResponse ui_error(int status, const std::string& title, const std::string& detail) {
  nlohmann::json body = {{"id", title}, {"traceback", nullptr}, {"detail", detail},
                         {"status", status}, {"title", title}, {"type", "about:blank"}};
  return json_response(status, body);
}

ApiResponse ui_status_error(const Status& s) {
  switch (s.code()) {
    case StatusCode::kUnavailable: return ui_error(404, "datastore-not-configured", s.message());
    case StatusCode::kNotFound: return ui_error(404, "not-found", s.message());
    case StatusCode::kInvalidArgument: return ui_error(400, "bad-request", s.message());
    case StatusCode::kFailedPrecondition: return ui_error(400, "bad-request", s.message());
    default: return ui_error(500, "internal-error", s.to_string());
  }
}

Result<StorageBackend*> ui_datastore(ApiContext& ctx) {
  if (ctx.datastore == nullptr) {
    return Status::unavailable("this service reads no datastore: start it with the datastore configured "
                               "(METAFLOW_DATASTORE_SYSROOT_LOCAL or _S3, or conflux --datastore-root DIR service)");
  }
  return ctx.datastore;
}

}  // namespace conflux::service
