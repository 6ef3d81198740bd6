// GET /ping, /version, /healthcheck, /auth/token.
#include "service/api/common.hpp"
#include "service/json_writer.hpp"

namespace conflux::service {

using namespace api;

ApiResponse ping(ApiContext&, const ApiRequest&) { return json_response(200, "pong"); }

ApiResponse version(ApiContext&, const ApiRequest&) {
  ApiResponse r = json_response(200, std::string(kServiceVersion));
  r.version_header = false;
  return r;
}

ApiResponse healthcheck(ApiContext& ctx, const ApiRequest&) {
  // metaflow-service double-encodes this body: a JSON string holding {"status": "UP"}.
  Status s = ctx.db.ping();
  std::string body;
  py_json_string(body, s.ok() ? "{\"status\": \"UP\"}" : "{\"status\": \"DOWN\"}");
  ApiResponse r = json_response(s.ok() ? 200 : 500, std::move(body));
  r.content_type = std::string(kApplicationJson);
  return r;
}

ApiResponse auth_token(ApiContext&, const ApiRequest&) {
  // metaflow-service hands out AWS STS credentials here; Conflux does not broker cloud roles.
  return problem(501, "/auth/token (AWS STS credentials) is not supported by conflux service");
}

}  // namespace conflux::service
