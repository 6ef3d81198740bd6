#include "metadata/records.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

#include "base/py_json.hpp"

namespace conflux {

namespace {

// Ordered, so JSON values stored inside a record (metadata values) keep their key order.
using Json = nlohmann::ordered_json;

// Parses `text` as a JSON object and runs `fill` on it; any type mismatch becomes Corruption.
template <class T, class Fill>
Result<T> parse_record(std::string_view text, std::string_view what, Fill fill) {
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object())
    return Status::corruption(std::string(what) + " record is not a JSON object");
  try {
    T record;
    fill(doc, record);
    return record;
  } catch (const Json::exception& ex) {
    return Status::corruption(std::string(what) + " record: " + ex.what());
  }
}

// A string field; ids may be numbers in the service's JSON. Missing or null: "".
std::string text_field(const Json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return std::string();
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

int64_t int_field(const Json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || !it->is_number()) return 0;
  return it->is_number_float() ? static_cast<int64_t>(it->get<double>()) : it->get<int64_t>();
}

std::vector<std::string> tags_field(const Json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) return {};
  return it->get<std::vector<std::string>>();
}

}  // namespace

std::string FlowRecord::to_json() const {
  std::string out;
  PyJsonObject(out).add_string("flow_id", flow_id).add_int("ts_epoch", ts_epoch).finish();
  return out;
}

Result<FlowRecord> FlowRecord::from_json(std::string_view text) {
  return parse_record<FlowRecord>(text, "flow", [](const Json& doc, FlowRecord& r) {
    r.flow_id = text_field(doc, "flow_id");
    r.ts_epoch = int_field(doc, "ts_epoch");
  });
}

std::string RunRecord::to_json() const {
  std::string out;
  out.reserve(256);
  PyJsonObject(out)
      .add_string("run_number", run_number)
      .add_string("flow_id", flow_id)
      .add_string("user_name", user_name)
      .add_strings("tags", tags)
      .add_strings("system_tags", system_tags)
      .add_int("ts_epoch", ts_epoch)
      .finish();
  return out;
}

Result<RunRecord> RunRecord::from_json(std::string_view text) {
  return parse_record<RunRecord>(text, "run", [](const Json& doc, RunRecord& r) {
    r.flow_id = text_field(doc, "flow_id");
    r.run_number = text_field(doc, "run_number");
    r.user_name = text_field(doc, "user_name");
    r.tags = tags_field(doc, "tags");
    r.system_tags = tags_field(doc, "system_tags");
    r.ts_epoch = int_field(doc, "ts_epoch");
  });
}

std::string StepRecord::to_json() const {
  std::string out;
  out.reserve(256);
  PyJsonObject(out)
      .add_string("run_number", run_number)
      .add_string("step_name", step_name)
      .add_string("flow_id", flow_id)
      .add_string("user_name", user_name)
      .add_strings("tags", tags)
      .add_strings("system_tags", system_tags)
      .add_int("ts_epoch", ts_epoch)
      .finish();
  return out;
}

Result<StepRecord> StepRecord::from_json(std::string_view text) {
  return parse_record<StepRecord>(text, "step", [](const Json& doc, StepRecord& r) {
    r.flow_id = text_field(doc, "flow_id");
    r.run_number = text_field(doc, "run_number");
    r.step_name = text_field(doc, "step_name");
    r.user_name = text_field(doc, "user_name");
    r.tags = tags_field(doc, "tags");
    r.system_tags = tags_field(doc, "system_tags");
    r.ts_epoch = int_field(doc, "ts_epoch");
  });
}

std::string TaskRecord::to_json() const {
  std::string out;
  out.reserve(288);
  PyJsonObject(out)
      .add_string("run_number", run_number)
      .add_string("step_name", step_name)
      .add_string("task_id", task_id)
      .add_string("flow_id", flow_id)
      .add_string("user_name", user_name)
      .add_strings("tags", tags)
      .add_strings("system_tags", system_tags)
      .add_int("ts_epoch", ts_epoch)
      .finish();
  return out;
}

Result<TaskRecord> TaskRecord::from_json(std::string_view text) {
  return parse_record<TaskRecord>(text, "task", [](const Json& doc, TaskRecord& r) {
    r.flow_id = text_field(doc, "flow_id");
    r.run_number = text_field(doc, "run_number");
    r.step_name = text_field(doc, "step_name");
    r.task_id = text_field(doc, "task_id");
    r.user_name = text_field(doc, "user_name");
    r.tags = tags_field(doc, "tags");
    r.system_tags = tags_field(doc, "system_tags");
    r.ts_epoch = int_field(doc, "ts_epoch");
  });
}

std::optional<int> MetadataRow::attempt_id() const {
  constexpr std::string_view kPrefix = "attempt_id:";
  for (const std::string& tag : tags) {
    if (!std::string_view(tag).starts_with(kPrefix)) continue;
    // Like Metaflow's re.match(r"attempt_id:(\d+)"): leading digits, anything may follow.
    const char* begin = tag.data() + kPrefix.size();
    const char* end = tag.data() + tag.size();
    if (begin == end || *begin < '0' || *begin > '9') continue;
    int n = 0;
    auto [ptr, ec] = std::from_chars(begin, end, n);
    if (ec == std::errc()) return n;
  }
  return std::nullopt;
}

std::string MetadataRow::to_json() const {
  std::string out;
  out.reserve(256);
  PyJsonObject obj(out);
  obj.add_string("flow_id", flow_id)
      .add_string("run_number", run_number)
      .add_string("step_name", step_name)
      .add_string("task_id", task_id)
      .add_string("field_name", field_name)
      .add_string("type", type);
  if (value_is_json) {
    obj.add_raw("value", value);
  } else {
    obj.add_string("value", value);
  }
  obj.add_strings("tags", tags)
      .add_string("user_name", user_name)
      .add_int("ts_epoch", ts_epoch)
      .finish();
  return out;
}

Result<MetadataRow> MetadataRow::from_json(std::string_view text) {
  return parse_record<MetadataRow>(text, "metadata", [](const Json& doc, MetadataRow& r) {
    r.flow_id = text_field(doc, "flow_id");
    r.run_number = text_field(doc, "run_number");
    r.step_name = text_field(doc, "step_name");
    r.task_id = text_field(doc, "task_id");
    r.field_name = text_field(doc, "field_name");
    r.type = text_field(doc, "type");
    auto value = doc.find("value");
    if (value != doc.end() && !value->is_string() && !value->is_null()) {
      // Re-rendered in Python's style so to_json() reproduces the file.
      py_json_value(r.value, *value);
      r.value_is_json = true;
    } else {
      r.value = text_field(doc, "value");
    }
    r.tags = tags_field(doc, "tags");
    r.user_name = text_field(doc, "user_name");
    r.ts_epoch = int_field(doc, "ts_epoch");
  });
}

std::string ArtifactRow::to_json() const {
  std::string out;
  out.reserve(512);
  PyJsonObject(out)
      .add_string("run_number", run_number)
      .add_string("step_name", step_name)
      .add_string("task_id", task_id)
      .add_int("attempt_id", attempt_id)
      .add_string("name", name)
      .add_string("content_type", content_type)
      .add_string("type", type)
      .add_string("sha", sha)
      .add_string("ds_type", ds_type)
      .add_string("location", location)
      .add_string("flow_id", flow_id)
      .add_string("user_name", user_name)
      .add_strings("tags", tags)
      .add_strings("system_tags", system_tags)
      .add_int("ts_epoch", ts_epoch)
      .finish();
  return out;
}

Result<ArtifactRow> ArtifactRow::from_json(std::string_view text) {
  return parse_record<ArtifactRow>(text, "artifact", [](const Json& doc, ArtifactRow& r) {
    r.run_number = text_field(doc, "run_number");
    r.step_name = text_field(doc, "step_name");
    r.task_id = text_field(doc, "task_id");
    r.attempt_id = static_cast<int>(int_field(doc, "attempt_id"));
    r.name = text_field(doc, "name");
    r.content_type = text_field(doc, "content_type");
    r.type = text_field(doc, "type");
    r.sha = text_field(doc, "sha");
    r.ds_type = text_field(doc, "ds_type");
    r.location = text_field(doc, "location");
    r.flow_id = text_field(doc, "flow_id");
    r.user_name = text_field(doc, "user_name");
    r.tags = tags_field(doc, "tags");
    r.system_tags = tags_field(doc, "system_tags");
    r.ts_epoch = int_field(doc, "ts_epoch");
  });
}

}  // namespace conflux
