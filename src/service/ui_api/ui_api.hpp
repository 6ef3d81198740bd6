// The UI API of `conflux service`, under /api: the routes the web UI reads, in the envelope of
// Metaflow's UI backend (ui-cards.md §1.2), beside the metadata API at / (unchanged). Lists page
// by keyset (`_after`, the cursor in links.next), never by OFFSET, and never count rows. Runs and
// tasks come from the database's stored state (db/run_state.hpp); parameters, the DAG, artifact
// values, logs and cards from the datastore the service was started with (ApiContext::datastore),
// decoded in C++.
//
// One file per resource: ui_run_api.cpp (runs, flows, autocomplete), ui_run_detail_api.cpp
// (parameters, DAG, steps, a run's tasks), ui_task_api.cpp (a task, its attempts, metadata and
// artifacts), ui_log_api.cpp, ui_card_api.cpp; ui_envelope.cpp and ui_query.cpp are shared.
//
// Thread safety: as the metadata API's handlers.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "service/api/api.hpp"
#include "service/ui_api/event_bus.hpp"

namespace conflux::service {

// --- ui_envelope.cpp ---
// {"data": [...], "status": 200, "links": {...}, "pages": {...}, "query": {...}}. `next`: the
// query parameter (name, value) that fetches the next page; links.next is then this request
// with that parameter replaced, else null.
ApiResponse ui_list(const ApiRequest& req, nlohmann::json data,
                    std::optional<std::pair<std::string, std::string>> next = std::nullopt);
// {"data": {...}, "status": 200, "links": {"self"}, "query": {...}}.
ApiResponse ui_object(const ApiRequest& req, nlohmann::json data);
// {"id", "traceback": null, "detail", "status", "title", "type": "about:blank"}.
ApiResponse ui_error(int status, const std::string& title, const std::string& detail);
// A database or datastore failure as a UI error (404 for NotFound, 400 for InvalidArgument, ...).
ApiResponse ui_status_error(const Status& status);

// --- ui_query.cpp ---
// Refuses (400) a query parameter that is neither a filter on one of `fields` (`field` or
// `field:op`) nor one of `controls` (`_limit`, `_after`, ...).
std::optional<ApiResponse> ui_check_query(const ApiRequest& req, const std::set<std::string, std::less<>>& fields,
                                          const std::set<std::string, std::less<>>& controls);
// `_limit`: default `fallback`, at most `max`; 400 when not a positive integer.
Result<int64_t> ui_limit(const ApiRequest& req, int64_t fallback, int64_t max);
// An opaque keyset cursor (`_after`): the JSON object, base64url-encoded.
std::string ui_encode_cursor(const nlohmann::json& fields);
// InvalidArgument ("malformed cursor") unless `text` is one ui_encode_cursor made with these keys.
Result<nlohmann::json> ui_decode_cursor(std::string_view text, std::initializer_list<const char*> int_keys);

// --- ui_rows.cpp: the UI's JSON of a run and a task ---
nlohmann::json ui_run_json(const RunRecord& run, int64_t now_ms);
nlohmann::json ui_task_json(const TaskRecord& task, int64_t now_ms);

// --- ui_run_api.cpp ---
// GET /api/runs, /api/flows/{f}/runs: filters, tags, keyset pages, newest first.
ApiResponse ui_runs(ApiContext& ctx, const ApiRequest& req);
ApiResponse ui_flow_runs(ApiContext& ctx, const ApiRequest& req);
// GET /api/flows/{f}/runs/{r}.
ApiResponse ui_run(ApiContext& ctx, const ApiRequest& req);
// GET /api/flows, /api/flows/{f}.
ApiResponse ui_flows(ApiContext& ctx, const ApiRequest& req);
ApiResponse ui_flow(ApiContext& ctx, const ApiRequest& req);
// GET /api/flows/autocomplete?flow_id:co=, /api/tags/autocomplete?tag:co=.
ApiResponse ui_flows_autocomplete(ApiContext& ctx, const ApiRequest& req);
ApiResponse ui_tags_autocomplete(ApiContext& ctx, const ApiRequest& req);
// GET /api/version, /api/features.
ApiResponse ui_version(ApiContext& ctx, const ApiRequest& req);
ApiResponse ui_features(ApiContext& ctx, const ApiRequest& req);

// --- ui_run_detail_api.cpp ---
// GET /api/flows/{f}/runs/{r}/parameters: {"name": {"value": "<repr>"}}.
ApiResponse ui_run_parameters(ApiContext& ctx, const ApiRequest& req);
// GET .../dag: the run's _graph_info.
ApiResponse ui_run_dag(ApiContext& ctx, const ApiRequest& req);
// GET .../steps.
ApiResponse ui_run_steps(ApiContext& ctx, const ApiRequest& req);
// GET .../tasks?step_name=&status=&_limit=&_after=: the run's tasks in task_id order.
ApiResponse ui_run_tasks(ApiContext& ctx, const ApiRequest& req);

// --- ui_task_api.cpp ---
// GET .../steps/{s}/tasks/{t}, .../attempts, .../metadata, .../artifacts?attempt_id=,
// .../artifacts/{name}/value?attempt_id=.
ApiResponse ui_task(ApiContext& ctx, const ApiRequest& req);
ApiResponse ui_task_attempts(ApiContext& ctx, const ApiRequest& req);
ApiResponse ui_task_metadata(ApiContext& ctx, const ApiRequest& req);
ApiResponse ui_task_artifacts(ApiContext& ctx, const ApiRequest& req);
ApiResponse ui_artifact_value(ApiContext& ctx, const ApiRequest& req);

// --- ui_log_api.cpp ---
// GET .../logs/{out|err}?attempt_id=&_limit=&_after_row=: [{row, timestamp, line}].
ApiResponse ui_task_log(ApiContext& ctx, const ApiRequest& req);
// GET .../logs/{out|err}/download?attempt_id=: the whole log as text.
ApiResponse ui_task_log_download(ApiContext& ctx, const ApiRequest& req);

// --- ui_card_api.cpp ---
// GET /api/flows/{f}/runs/{r}/steps/{s}/tasks/{t}/cards: [{"id", "hash", "type"}].
ApiResponse ui_task_cards(ApiContext& ctx, const ApiRequest& req);
// GET .../cards/{hash}: the card's HTML, sandboxed (Content-Security-Policy: sandbox).
ApiResponse ui_card_html(ApiContext& ctx, const ApiRequest& req);
// GET .../cards/{hash}/data: {"data": <its runtime data file>, "id", "type"} (what metaflow-ui
// polls while a card is live).
ApiResponse ui_card_data(ApiContext& ctx, const ApiRequest& req);

// --- ui_events.cpp: live updates (ApiContext::events; no-ops without listeners) ---
void publish_run_change(ApiContext& ctx, const std::string& flow_id, int64_t run_number, std::string_view type);
void publish_task_change(ApiContext& ctx, const std::string& flow_id, int64_t run_number, const std::string& step,
                         int64_t task_id, std::string_view type);
void publish_metadata_effects(ApiContext& ctx, const std::vector<MetadataRecord>& rows);
void publish_expired(ApiContext& ctx, const ExpiredRows& rows);

// The datastore or a 404 "datastore-not-configured" answer.
Result<StorageBackend*> ui_datastore(ApiContext& ctx);

}  // namespace conflux::service
