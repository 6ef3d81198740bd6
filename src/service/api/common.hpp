// Pieces shared by the API handlers: responses in metaflow-service's shapes, request body and
// field validation, tag normalisation, record serialisation, pagination parameters and cursors.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "service/api/api.hpp"

namespace conflux::service::api {

using Json = nlohmann::ordered_json;

// `body` is already JSON text.
ApiResponse json_response(int status, std::string body);
// A JSON string body ("Invalid cursor"), as metaflow-service's 4xx answers are.
ApiResponse string_error(int status, std::string_view message);
// 404 with the body {} (an unknown object on a GET).
ApiResponse not_found_empty();
// {"detail", "status", "title", "type"} (problem JSON) for errors metaflow-service would answer
// with a 500 and a traceback, and for Conflux's own errors.
ApiResponse problem(int status, std::string_view detail);
// A Database error: NotFound -> 404 and AlreadyExists -> 409 with a JSON-string body shaped like
// metaflow-service's database errors; InvalidArgument -> 400; Unavailable -> 503; else 500.
ApiResponse db_error(const Status& status);

// The request body as a JSON value; nullopt (and *error set) if it is not valid JSON.
std::optional<Json> parse_body(const ApiRequest& req, ApiResponse* error);
// Field `name` of `body` if it is a string or null/absent; *error set (400) for any other type.
bool optional_string_field(const Json& body, const char* name, std::optional<std::string>* out,
                           ApiResponse* error);
// Tags as stored: the JSON text of a list of strings, or "null" if absent. 400 otherwise.
bool tags_field(const Json& body, const char* name, std::string* out, ApiResponse* error);

// Record -> JSON (metaflow-service's serialize()). A non-null override replaces tags and
// system_tags (tags of a run are "sticky": every object of the run shows the run's tags).
struct TagOverride {
  const std::string* tags = nullptr;
  const std::string* system_tags = nullptr;
};
void write_flow(std::string& out, const FlowRecord& r);
void write_run(std::string& out, const RunRecord& r, bool with_derived);
void write_step(std::string& out, const StepRecord& r, TagOverride tags = {});
void write_task(std::string& out, const TaskRecord& r, TagOverride tags = {});
void write_metadata(std::string& out, const MetadataRecord& r);
void write_artifact(std::string& out, const ArtifactRecord& r, TagOverride tags = {});
template <class T, class F>
std::string write_list(const std::vector<T>& items, F write_one) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    write_one(out, items[i]);
  }
  out += "]";
  return out;
}

// Pagination: `_limit` (default 50, at most 500) and `_cursor`. Returns nullopt when neither is
// given (the unpaginated listing). *error set on a bad value.
struct PageParams {
  int64_t limit = 50;
  std::optional<Json> cursor;  // the decoded cursor object
};
std::optional<PageParams> page_params(const ApiRequest& req, bool* paginated, ApiResponse* error);
// Reads cursor fields: ts_epoch (int) plus a `number_key` int and/or a `text_key` string.
// False if a field is missing or of the wrong type ("Invalid cursor").
bool cursor_fields(const Json& cursor, const char* number_key, const char* text_key, PageCursor* out);
// base64 of json.dumps(fields).
std::string encode_cursor(const Json& fields);
// Adds X-Limit (and X-Next-Cursor when `next` is set) to `response`.
void add_page_headers(ApiResponse& response, int64_t limit, const std::optional<Json>& next);

// "a,b,,c" -> {"a", "b", "", "c"} (a filter's values; run_api.cpp).
std::vector<std::string> split_commas(const std::string& s);

// `field:op=v1,v2` query conditions on the `allowed` fields (run_api.cpp). False and *error
// (400, metaflow-service's messages) on a bad operator, status or time value.
bool parse_field_filters(const ApiRequest& req, const std::set<std::string, std::less<>>& allowed,
                         bool with_status_values, std::vector<FieldFilter>* out, ApiResponse* error);

// The run whose tags every object below it shows; an error response when it does not exist
// (metaflow-service answers 500 there too).
Result<RunRecord> run_for_tags(ApiContext& ctx, const std::string& flow_id, const ObjectKey& run);

// The task of a .../tasks/{task_id}/metadata or .../artifact POST (params: flow, run, step,
// task), which carries the run's number and id too. When the run or task does not exist, sets
// `*error` to metaflow-service's answer (400 "need to register run_id and task_id first").
std::optional<TaskRecord> registered_task(ApiContext& ctx, const ApiRequest& req, ApiResponse* error);
inline TagOverride tags_of(const RunRecord& run) { return TagOverride{&run.tags, &run.system_tags}; }

// metaflow-service's has_heartbeat_capable_version_tag(system_tags).
bool heartbeat_capable(const Json& system_tags);

// Python's repr() of a set of strings: {'a', 'b'}.
std::string python_set_repr(const std::vector<std::string>& items);

}  // namespace conflux::service::api
