// GET /flows, GET /flows/{flow_id}, POST /flows/{flow_id}.
#include "service/api/common.hpp"

namespace conflux::service {

using namespace api;

ApiResponse get_all_flows(ApiContext& ctx, const ApiRequest& req) {
  ApiResponse error;
  bool paginated = false;
  std::optional<PageParams> page = page_params(req, &paginated, &error);
  if (!page) return error;
  if (!paginated) {
    Result<std::vector<FlowRecord>> flows = ctx.db.list_flows();
    if (!flows.ok()) return db_error(flows.status());
    return json_response(200, write_list(*flows, write_flow));
  }
  PageRequest request{page->limit, std::nullopt};
  if (page->cursor) {
    PageCursor c;
    if (!cursor_fields(*page->cursor, nullptr, "flow_id", &c)) return string_error(400, "Invalid cursor");
    request.after = c;
  }
  Result<Page<FlowRecord>> result = ctx.db.list_flows_page(request);
  if (!result.ok()) return db_error(result.status());
  ApiResponse response = json_response(200, write_list(result->items, write_flow));
  std::optional<Json> next;
  if (result->has_more) {
    next = Json{{"ts_epoch", result->items.back().ts_epoch}, {"flow_id", result->items.back().flow_id}};
  }
  add_page_headers(response, page->limit, next);
  return response;
}

ApiResponse get_flow(ApiContext& ctx, const ApiRequest& req) {
  Result<std::optional<FlowRecord>> flow = ctx.db.get_flow(req.params[0]);
  if (!flow.ok()) return db_error(flow.status());
  if (!*flow) return not_found_empty();
  std::string body;
  write_flow(body, **flow);
  return json_response(200, std::move(body));
}

ApiResponse create_flow(ApiContext& ctx, const ApiRequest& req) {
  ApiResponse error;
  std::optional<Json> body = parse_body(req, &error);
  if (!body) return error;
  if (!body->is_object()) return string_error(400, "the request body must be a JSON object");
  FlowRecord flow;
  flow.flow_id = req.params[0];
  if (!optional_string_field(*body, "user_name", &flow.user_name, &error) ||
      !tags_field(*body, "tags", &flow.tags, &error) ||
      !tags_field(*body, "system_tags", &flow.system_tags, &error)) {
    return error;
  }
  flow.ts_epoch = ctx.clock.now_ms();
  Result<FlowRecord> created = ctx.db.create_flow(flow);
  if (!created.ok()) return db_error(created.status());
  std::string out;
  write_flow(out, *created);
  return json_response(200, std::move(out));
}

}  // namespace conflux::service
