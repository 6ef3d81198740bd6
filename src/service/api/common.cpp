#include "service/api/common.hpp"

#include "base/base64.hpp"

#include <charconv>
#include <regex>
#include <tuple>

#include "service/json_writer.hpp"

namespace conflux::service {

std::optional<std::string> ApiRequest::query_value(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return std::nullopt;
}

}  // namespace conflux::service

namespace conflux::service::api {

ApiResponse json_response(int status, std::string body) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

ApiResponse string_error(int status, std::string_view message) {
  std::string body;
  py_json_string(body, message);
  return json_response(status, std::move(body));
}

ApiResponse not_found_empty() { return json_response(404, "{}"); }

ApiResponse problem(int status, std::string_view detail) {
  const char* title = status == 400   ? "Bad Request"
                      : status == 401 ? "Unauthorized"
                      : status == 404 ? "Not Found"
                      : status == 405 ? "Method Not Allowed"
                      : status == 413 ? "Payload Too Large"
                      : status == 501 ? "Not Implemented"
                      : status == 503 ? "Service Unavailable"
                                      : "Internal Server Error";
  std::string body;
  JsonWriter w(body);
  w.begin_object();
  w.key("detail");
  w.string(detail);
  w.key("status");
  w.number(status);
  w.key("title");
  w.string(title);
  w.key("type");
  w.string("about:blank");
  w.end_object();
  ApiResponse r = json_response(status, std::move(body));
  r.content_type = std::string(kApplicationJson);
  return r;
}

ApiResponse db_error(const Status& status) {
  auto pg_like = [&](int http, const char* pgcode) {
    // metaflow-service returns the database error as a JSON string; clients only test status.
    Json body = {{"err_msg",
                  {{"pgerror", "ERROR:  " + status.message() + "\n"},
                   {"pgcode", pgcode},
                   {"diag", {{"message_primary", status.message()}, {"severity", "ERROR"}}}}}};
    return string_error(http, py_json_dumps(body));
  };
  switch (status.code()) {
    case StatusCode::kNotFound: return pg_like(404, "23503");
    case StatusCode::kAlreadyExists: return pg_like(409, "23505");
    case StatusCode::kInvalidArgument: return string_error(400, status.message());
    case StatusCode::kUnavailable: return problem(503, status.message());
    default: return problem(500, status.message());
  }
}

std::optional<Json> parse_body(const ApiRequest& req, ApiResponse* error) {
  Json body = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    *error = string_error(400, "request body is not valid JSON");
    return std::nullopt;
  }
  return body;
}

bool optional_string_field(const Json& body, const char* name, std::optional<std::string>* out,
                           ApiResponse* error) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    out->reset();
    return true;
  }
  if (!it->is_string()) {
    *error = string_error(400, std::string(name) + " must be a string");
    return false;
  }
  *out = it->get<std::string>();
  return true;
}

bool tags_field(const Json& body, const char* name, std::string* out, ApiResponse* error) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    *out = "null";
    return true;
  }
  bool ok = it->is_array();
  if (ok) {
    for (const auto& t : *it) ok = ok && t.is_string();
  }
  if (!ok) {
    *error = string_error(400, std::string(name) + " must be a list of strings");
    return false;
  }
  *out = py_json_dumps(*it);
  return true;
}

namespace {

void write_run_number(JsonWriter& w, int64_t number, const std::optional<std::string>& run_id) {
  w.key("run_number");
  if (run_id) {
    w.string(*run_id);
  } else {
    w.number(number);
  }
}

void write_task_id(JsonWriter& w, int64_t id, const std::optional<std::string>& name) {
  w.key("task_id");
  if (name) {
    w.string(*name);
  } else {
    w.number(id);
  }
}

void write_tags(JsonWriter& w, const std::string& tags, const std::string& system_tags, TagOverride o) {
  w.key("tags");
  w.raw(o.tags ? *o.tags : tags);
  w.key("system_tags");
  w.raw(o.system_tags ? *o.system_tags : system_tags);
}

}  // namespace

void write_flow(std::string& out, const FlowRecord& r) {
  JsonWriter w(out);
  w.begin_object();
  w.key("flow_id");
  w.string(r.flow_id);
  w.key("user_name");
  w.optional_string(r.user_name);
  w.key("ts_epoch");
  w.number(r.ts_epoch);
  write_tags(w, r.tags, r.system_tags, {});
  w.end_object();
}

void write_run(std::string& out, const RunRecord& r, bool with_derived) {
  JsonWriter w(out);
  w.begin_object();
  w.key("flow_id");
  w.string(r.flow_id);
  write_run_number(w, r.run_number, r.run_id);
  w.key("user_name");
  w.optional_string(r.user_name);
  w.key("ts_epoch");
  w.number(r.ts_epoch);
  write_tags(w, r.tags, r.system_tags, {});
  w.key("last_heartbeat_ts");
  w.optional_number(r.last_heartbeat_ts);
  if (with_derived && r.status) {
    w.key("status");
    w.string(*r.status);
  }
  if (with_derived && r.user) {
    w.key("user");
    w.string(*r.user);
  }
  w.end_object();
}

void write_step(std::string& out, const StepRecord& r, TagOverride tags) {
  JsonWriter w(out);
  w.begin_object();
  w.key("flow_id");
  w.string(r.flow_id);
  write_run_number(w, r.run_number, r.run_id);
  w.key("step_name");
  w.string(r.step_name);
  w.key("user_name");
  w.optional_string(r.user_name);
  w.key("ts_epoch");
  w.number(r.ts_epoch);
  write_tags(w, r.tags, r.system_tags, tags);
  w.end_object();
}

void write_task(std::string& out, const TaskRecord& r, TagOverride tags) {
  JsonWriter w(out);
  w.begin_object();
  w.key("flow_id");
  w.string(r.flow_id);
  write_run_number(w, r.run_number, r.run_id);
  w.key("step_name");
  w.string(r.step_name);
  write_task_id(w, r.task_id, r.task_name);
  w.key("user_name");
  w.optional_string(r.user_name);
  w.key("ts_epoch");
  w.number(r.ts_epoch);
  write_tags(w, r.tags, r.system_tags, tags);
  w.key("last_heartbeat_ts");
  w.optional_number(r.last_heartbeat_ts);
  w.end_object();
}

void write_metadata(std::string& out, const MetadataRecord& r) {
  JsonWriter w(out);
  w.begin_object();
  w.key("id");
  w.number(r.id);
  w.key("flow_id");
  w.string(r.flow_id);
  write_run_number(w, r.run_number, r.run_id);
  w.key("step_name");
  w.string(r.step_name);
  write_task_id(w, r.task_id, r.task_name);
  w.key("field_name");
  w.string(r.field_name);
  w.key("value");
  w.string(r.value);
  w.key("type");
  w.string(r.type);
  w.key("user_name");
  w.optional_string(r.user_name);
  w.key("ts_epoch");
  w.number(r.ts_epoch);
  write_tags(w, r.tags, r.system_tags, {});
  w.end_object();
}

void write_artifact(std::string& out, const ArtifactRecord& r, TagOverride tags) {
  JsonWriter w(out);
  w.begin_object();
  w.key("flow_id");
  w.string(r.flow_id);
  write_run_number(w, r.run_number, r.run_id);
  w.key("step_name");
  w.string(r.step_name);
  write_task_id(w, r.task_id, r.task_name);
  w.key("name");
  w.string(r.name);
  w.key("location");
  w.string(r.location);
  w.key("ds_type");
  w.string(r.ds_type);
  w.key("sha");
  w.optional_string(r.sha);
  w.key("type");
  w.optional_string(r.type);
  w.key("content_type");
  w.optional_string(r.content_type);
  w.key("user_name");
  w.optional_string(r.user_name);
  w.key("attempt_id");
  w.number(r.attempt_id);
  w.key("ts_epoch");
  w.number(r.ts_epoch);
  write_tags(w, r.tags, r.system_tags, tags);
  w.end_object();
}

// ---------------------------------------------------------------------------------------------
// Pagination and cursors

namespace {

// Python's int(x) for a cursor field: an integer, or a string of digits.
std::optional<int64_t> as_int(const Json& v) {
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) return static_cast<int64_t>(v.get<double>());
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    std::string_view t = s;
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
    int64_t n = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    if (ec == std::errc() && end == t.data() + t.size() && !t.empty()) return n;
  }
  return std::nullopt;
}

}  // namespace

std::optional<PageParams> page_params(const ApiRequest& req, bool* paginated, ApiResponse* error) {
  std::optional<std::string> limit = req.query_value("_limit");
  std::optional<std::string> cursor = req.query_value("_cursor");
  *paginated = limit.has_value() || cursor.has_value();
  PageParams p;
  if (cursor && !cursor->empty()) {
    std::optional<std::string> decoded = base64_decode(*cursor);
    Json c = decoded ? Json::parse(*decoded, nullptr, false) : Json();
    if (!decoded || c.is_discarded() || !c.is_object() || !c.contains("ts_epoch")) {
      *error = string_error(400, "Invalid cursor");
      return std::nullopt;
    }
    p.cursor = std::move(c);
  }
  if (limit && !limit->empty()) {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
    if (ec != std::errc() || end != limit->data() + limit->size() || n < 1) {
      *error = string_error(400, "invalid _limit: expected a positive integer, got '" + *limit + "'");
      return std::nullopt;
    }
    p.limit = std::min<int64_t>(n, 500);
  }
  return p;
}

bool cursor_fields(const Json& cursor, const char* number_key, const char* text_key, PageCursor* out) {
  auto ts = cursor.find("ts_epoch");
  if (ts == cursor.end()) return false;
  std::optional<int64_t> t = as_int(*ts);
  if (!t) return false;
  out->ts_epoch = *t;
  if (number_key != nullptr) {
    auto it = cursor.find(number_key);
    if (it == cursor.end()) return false;
    std::optional<int64_t> n = as_int(*it);
    if (!n) return false;
    out->number = *n;
  }
  if (text_key != nullptr) {
    auto it = cursor.find(text_key);
    if (it == cursor.end()) return false;
    out->text = it->is_string() ? it->get<std::string>() : py_json_dumps(*it);
  }
  return true;
}

std::string encode_cursor(const Json& fields) { return base64_encode(py_json_dumps(fields)); }

void add_page_headers(ApiResponse& response, int64_t limit, const std::optional<Json>& next) {
  response.headers.emplace_back("X-Limit", std::to_string(limit));
  if (next) response.headers.emplace_back("X-Next-Cursor", encode_cursor(*next));
}

// ---------------------------------------------------------------------------------------------

Result<RunRecord> run_for_tags(ApiContext& ctx, const std::string& flow_id, const ObjectKey& run) {
  CONFLUX_ASSIGN_OR_RETURN(std::optional<RunRecord> found, ctx.db.get_run(flow_id, run));
  if (!found) return Status::internal("run '" + run.text() + "' of flow '" + flow_id + "' does not exist");
  return std::move(*found);
}

std::optional<TaskRecord> registered_task(ApiContext& ctx, const ApiRequest& req, ApiResponse* error) {
  // One lookup: the task row holds its run's number and id (a run named by its id is matched
  // through tasks.run_id).
  Result<std::optional<TaskRecord>> task = ctx.db.get_task(req.params[0], ObjectKey::parse(req.params[1]),
                                                           req.params[2], ObjectKey::parse(req.params[3]));
  if (!task.ok()) {
    *error = db_error(task.status());
    return std::nullopt;
  }
  if (!*task) {
    *error = json_response(400, "{\"message\": \"need to register run_id and task_id first\"}");
    error->version_header = false;
  }
  return std::move(*task);
}

bool heartbeat_capable(const Json& system_tags) {
  // Any surprise (not a list, a malformed version) counts as capable, as in metaflow-service.
  if (!system_tags.is_array()) return true;
  const std::string* version_tag = nullptr;
  for (const auto& t : system_tags) {
    if (!t.is_string()) return true;
    if (t.get_ref<const std::string&>().starts_with("metaflow_version:")) {
      version_tag = &t.get_ref<const std::string&>();
      break;
    }
  }
  if (version_tag == nullptr) return false;
  // Python's str.lstrip("metaflow_version:") strips any of those characters, not the prefix.
  std::string_view v = *version_tag;
  const std::string_view strip_chars = "metaflow_version:";
  while (!v.empty() && strip_chars.find(v.front()) != std::string_view::npos) v.remove_prefix(1);
  std::vector<int64_t> parts;
  size_t i = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) {
    int64_t n = 0;
    size_t start = i;
    while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) n = n * 10 + (v[i++] - '0');
    (void)start;
    parts.push_back(n);
    if (i + 1 < v.size() && v[i] == '.' && std::isdigit(static_cast<unsigned char>(v[i + 1]))) {
      ++i;
    } else {
      break;
    }
  }
  if (parts.empty()) return true;
  while (parts.size() < 3) parts.push_back(0);
  auto at_least = [&](int64_t a, int64_t b, int64_t c) {
    return std::tie(parts[0], parts[1], parts[2]) >= std::tie(a, b, c);
  };
  if (parts[0] == 1) return at_least(1, 14, 0);
  return at_least(2, 2, 12);
}

std::string python_set_repr(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    const std::string& s = items[i];
    char quote = (s.find('\'') != std::string::npos && s.find('"') == std::string::npos) ? '"' : '\'';
    out += quote;
    for (char c : s) {
      if (c == '\\' || c == quote) out += '\\';
      out += c;
    }
    out += quote;
  }
  return out + "}";
}

}  // namespace conflux::service::api
