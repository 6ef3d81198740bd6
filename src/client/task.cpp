// Task: attempts, artifacts, status artifacts (_success, _task_ok, _exception), metadata, foreach
// position and resume origin.
#include <algorithm>
#include <charconv>

#include "client/artifact_listing.hpp"
#include "client/client_state.hpp"
#include "client/task_memo.hpp"
#include "datastore/task_datastore.hpp"

namespace conflux {

namespace {

std::optional<std::string> newest(const std::vector<MetadataEntry>& rows, std::string_view name) {
  std::optional<std::string> out;
  ClientTime ts = ClientTime::min();
  for (const MetadataEntry& row : rows) {
    if (row.name == name && row.created_at >= ts) {
      ts = row.created_at;
      out = row.value;
    }
  }
  return out;
}

std::optional<int> parse_int(const std::string& text) {
  int v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

// A frame's item as Metaflow's ForeachFrame stores it (a short str).
std::string frame_text(const Value& v) { return v.is_str() ? v.as_str() : v.python_repr(); }

}  // namespace

Task::Task() : memo_(std::make_shared<client_detail::TaskMemo>()) {}

Task::Task(client_detail::ObjectCore core, std::optional<int> attempt)
    : ClientObject(std::move(core)), attempt_(attempt), memo_(std::make_shared<client_detail::TaskMemo>()) {}

Result<int> Task::current_attempt() const {
  if (attempt_) return *attempt_;
  CONFLUX_ASSIGN_OR_RETURN(std::vector<MetadataEntry> rows, metadata());
  if (std::optional<std::string> a = newest(rows, "attempt")) {
    if (std::optional<int> n = parse_int(*a)) return *n;
  }
  const Pathspec& p = path();
  TaskDataStore ds(core_.state->storage(), p.flow, p.run_id, p.step, p.task_id);
  CONFLUX_ASSIGN_OR_RETURN(std::optional<int> latest, ds.latest_attempt());
  return latest.value_or(0);
}

Result<std::vector<DataArtifact>> Task::all_artifacts() const {
  return memo_->get(&client_detail::TaskMemo::artifacts,
                    [&] { return client_detail::list_task_artifacts(core_, attempt_); });
}

Result<std::vector<DataArtifact>> Task::artifacts() const {
  CONFLUX_ASSIGN_OR_RETURN(std::vector<DataArtifact> all, all_artifacts());
  std::erase_if(all, [](const DataArtifact& a) { return a.is_private(); });
  return all;
}

Result<DataArtifact> Task::data_artifact(std::string_view name) const {
  CONFLUX_ASSIGN_OR_RETURN(std::vector<DataArtifact> all, all_artifacts());
  for (DataArtifact& a : all) {
    if (a.name() == name) return std::move(a);
  }
  std::string where = attempt_ ? " (attempt " + std::to_string(*attempt_) + ")" : "";
  if (all.empty()) {
    return Status::not_found("Task '" + pathspec() + "'" + where +
                             " has no artifacts (it has not finished); no artifact '" +
                             std::string(name) + "'");
  }
  return Status::not_found("Task '" + pathspec() + "'" + where + " has no artifact '" +
                           std::string(name) + "'");
}

Result<Value> Task::artifact_value(std::string_view name) const {
  CONFLUX_ASSIGN_OR_RETURN(DataArtifact a, data_artifact(name));
  return a.value();
}

Result<bool> Task::successful() const {
  Result<Value> v = artifact_value("_success");
  if (!v.ok()) return v.status().is_not_found() ? Result<bool>(false) : v.status();
  return v->is_bool() && v->as_bool();
}

Result<bool> Task::finished() const {
  Result<Value> v = artifact_value("_task_ok");
  if (!v.ok()) return v.status().is_not_found() ? Result<bool>(false) : v.status();
  return v->is_bool() && v->as_bool();
}

Result<std::optional<std::string>> Task::exception() const {
  Result<Value> v = artifact_value("_exception");
  if (!v.ok()) {
    if (v.status().is_not_found()) return std::optional<std::string>();
    return v.status();
  }
  if (v->is_none()) return std::optional<std::string>();
  if (v->is_str()) return std::optional<std::string>(v->as_str());
  if (v->is_object()) {
    // MetaflowExceptionWrapper: str() is the stack trace, else the message.
    const Value& state = v->as_object().state;
    const Value* trace = state.get("stacktrace");
    if (trace != nullptr && trace->is_str() && !trace->as_str().empty()) {
      return std::optional<std::string>(trace->as_str());
    }
    const Value* type = state.get("type");
    const Value* message = state.get("exception");
    std::string text;
    if (type != nullptr && type->is_str()) text = type->as_str();
    if (message != nullptr && message->is_str()) {
      text += (text.empty() ? "" : ": ") + message->as_str();
    }
    if (!text.empty()) return std::optional<std::string>(text);
  }
  return std::optional<std::string>(v->python_repr());
}

Result<std::optional<ClientTime>> Task::finished_at() const {
  Result<DataArtifact> ok = data_artifact("_task_ok");
  if (!ok.ok()) {
    if (ok.status().is_not_found()) return std::optional<ClientTime>();
    return ok.status();
  }
  return std::optional<ClientTime>(ok->created_at());
}

Result<std::vector<MetadataEntry>> Task::metadata() const {
  return memo_->get(&client_detail::TaskMemo::metadata, [&]() -> Result<std::vector<MetadataEntry>> {
    const Pathspec& p = path();
    Result<std::vector<MetadataRow>> rows =
        core_.state->metadata().list_metadata(p.flow, p.run_id, p.step, p.task_id, attempt_);
    if (!rows.ok()) return client_detail::lookup_error("task", pathspec(), rows.status());
    std::vector<MetadataEntry> out;
    out.reserve(rows->size());
    for (const MetadataRow& row : *rows) {
      out.push_back({row.field_name, row.value, row.type, row.attempt_id(),
                     client_detail::time_from_ms(row.ts_epoch)});
    }
    std::stable_sort(out.begin(), out.end(), [](const MetadataEntry& a, const MetadataEntry& b) {
      return a.created_at < b.created_at;
    });
    return out;
  });
}

Result<std::map<std::string, std::string>> Task::metadata_dict() const {
  CONFLUX_ASSIGN_OR_RETURN(std::vector<MetadataEntry> rows, metadata());
  std::map<std::string, std::string> out;
  for (const MetadataEntry& row : rows) out[row.name] = row.value;  // oldest first: newest wins
  return out;
}

Result<std::vector<ForeachFrame>> Task::foreach_stack() const {
  Result<Value> stack = artifact_value("_foreach_stack");
  if (!stack.ok()) {
    if (stack.status().is_not_found()) return std::vector<ForeachFrame>();
    return stack.status();
  }
  std::vector<ForeachFrame> out;
  if (!stack->is_list() && !stack->is_tuple()) return out;
  for (const Value& frame : stack->items()) {
    const std::vector<Value>* fields = nullptr;
    if (frame.is_object()) fields = &frame.as_object().args;
    if (frame.is_tuple() || frame.is_list()) fields = &frame.items();
    if (fields == nullptr || fields->size() != 5 || !(*fields)[0].is_str() ||
        !(*fields)[1].is_str() || !(*fields)[2].is_int() || !(*fields)[3].is_int()) {
      return Status::corruption("task '" + pathspec() + "': unexpected _foreach_stack frame " +
                                frame.python_repr());
    }
    out.push_back({(*fields)[0].as_str(), (*fields)[1].as_str(), (*fields)[2].as_int(),
                   (*fields)[3].as_int(), frame_text((*fields)[4])});
  }
  return out;
}

Result<std::optional<int64_t>> Task::index() const {
  CONFLUX_ASSIGN_OR_RETURN(std::vector<ForeachFrame> stack, foreach_stack());
  if (stack.empty()) return std::optional<int64_t>();
  return std::optional<int64_t>(stack.back().index);
}

Result<std::string> Task::foreach_execution_path() const {
  CONFLUX_ASSIGN_OR_RETURN(std::vector<MetadataEntry> rows, metadata());
  if (std::optional<std::string> path = newest(rows, "foreach-execution-path")) return *path;
  CONFLUX_ASSIGN_OR_RETURN(std::vector<ForeachFrame> stack, foreach_stack());
  std::string out;
  for (const ForeachFrame& f : stack) {
    if (!out.empty()) out += ",";
    out += f.step + ":" + std::to_string(f.index);
  }
  return out;
}

Result<std::optional<std::string>> Task::origin_pathspec() const {
  CONFLUX_ASSIGN_OR_RETURN(std::vector<MetadataEntry> rows, metadata());
  std::optional<std::string> run = newest(rows, "origin-run-id");
  std::optional<std::string> task = newest(rows, "origin-task-id");
  if (!run || !task || *run == "None" || run->empty()) return std::optional<std::string>();
  return std::optional<std::string>(path().flow + "/" + *run + "/" + path().step + "/" + *task);
}

}  // namespace conflux
