// `conflux show PATHSPEC`: a summary of a flow, run, step, task or artifact.
#include <iostream>
#include <map>

#include "base/parallel_for.hpp"
#include "cli/conflux_commands/tool.hpp"

namespace conflux::cli::tool {

namespace {

using Json = nlohmann::ordered_json;
using Fields = std::vector<std::pair<std::string, std::string>>;

// Declares `lhs` from a Result, or reports the error and returns the exit code.
#define SHOW_ASSIGN(lhs, expr)                    \
  auto CONFLUX_CONCAT_(show_, __LINE__) = (expr); \
  if (!CONFLUX_CONCAT_(show_, __LINE__).ok()) return fail(ctx, CONFLUX_CONCAT_(show_, __LINE__).status()); \
  lhs = std::move(CONFLUX_CONCAT_(show_, __LINE__)).value()

std::string or_dash(const std::optional<std::string>& s) { return s ? *s : "-"; }
std::string time_or_dash(const std::optional<ClientTime>& t) {
  return t ? human_time(*t) + " UTC" : "-";
}

Json artifacts_json(const std::vector<DataArtifact>& artifacts) {
  Json out = Json::array();
  for (const DataArtifact& a : artifacts) {
    out.push_back({{"name", a.name()}, {"type", a.type()}, {"size", a.size()}, {"sha", a.sha()},
                   {"attempt", a.attempt()}});
  }
  return out;
}

void print_artifacts(const std::string& title, const std::vector<DataArtifact>& artifacts) {
  std::cout << "\n" << title << "\n";
  if (artifacts.empty()) {
    std::cout << "  (none)\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const DataArtifact& a : artifacts) {
    rows.push_back({a.name(), a.type().empty() ? "?" : a.type(), std::to_string(a.size()),
                    a.sha().substr(0, 12)});
  }
  print_table(std::cout, {"NAME", "TYPE", "SIZE", "SHA"}, rows);
}

// "successful" if every task is, "failed" if one is, else "unfinished".
std::string combine(const std::vector<std::string>& states) {
  if (states.empty()) return "unfinished";
  bool all_ok = true;
  for (const std::string& s : states) {
    if (s == "failed") return "failed";
    all_ok = all_ok && s == "successful";
  }
  return all_ok ? "successful" : "unfinished";
}

int show_flow(ToolContext& ctx, const Client& client, const Pathspec& path, bool as_json) {
  SHOW_ASSIGN(Flow flow, client.flow(path.flow));
  SHOW_ASSIGN(std::vector<Run> runs, flow.runs());
  std::optional<std::string> latest_ok;
  Json runs_json = Json::array();
  std::vector<std::vector<std::string>> rows;
  for (const Run& run : runs) {
    SHOW_ASSIGN(std::string status, run_status(run));
    if (!latest_ok && status == "successful") latest_ok = run.id();
    rows.push_back({run.id(), status, human_time(run.created_at()), run.user_name(),
                    join(run.user_tags(), ",")});
    runs_json.push_back({{"id", run.id()}, {"status", status},
                         {"created_at", iso_time(run.created_at())}, {"user", run.user_name()},
                         {"user_tags", run.user_tags()}});
  }
  std::optional<std::string> latest;
  if (!runs.empty()) latest = runs.front().id();
  if (as_json) {
    Json j = {{"type", "flow"}, {"pathspec", flow.pathspec()},
              {"namespace", client.current_namespace().to_string()},
              {"latest_run", latest ? Json(*latest) : Json(nullptr)},
              {"latest_successful_run", latest_ok ? Json(*latest_ok) : Json(nullptr)},
              {"runs", runs_json}};
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  print_fields(std::cout, {{"Flow", flow.id()},
                           {"Namespace", client.current_namespace().to_string()},
                           {"Runs", std::to_string(runs.size())},
                           {"Latest run", or_dash(latest)},
                           {"Latest successful run", or_dash(latest_ok)}});
  std::cout << "\n";
  print_table(std::cout, {"RUN ID", "STATUS", "STARTED (UTC)", "USER", "TAGS"}, rows);
  return kExitOk;
}

int show_run(ToolContext& ctx, const Client& client, const Pathspec& path, bool as_json) {
  SHOW_ASSIGN(Run run, client.run(path.to_string()));
  SHOW_ASSIGN(std::vector<Step> steps, run.steps());
  SHOW_ASSIGN(std::optional<ClientTime> finished_at, run.finished_at());
  SHOW_ASSIGN(std::optional<std::string> origin, run.origin_pathspec());
  Json steps_json = Json::array();
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> step_states;
  for (const Step& step : steps) {
    SHOW_ASSIGN(std::vector<Task> tasks, step.tasks());
    std::vector<std::string> states;
    for (const Task& task : tasks) {
      SHOW_ASSIGN(std::string s, task_status(task));
      states.push_back(s);
    }
    std::string state = combine(states);
    step_states.push_back(state);
    rows.push_back({step.id(), std::to_string(tasks.size()), state,
                    human_time(step.created_at())});
    steps_json.push_back({{"name", step.id()}, {"tasks", tasks.size()}, {"status", state},
                          {"created_at", iso_time(step.created_at())}});
  }
  SHOW_ASSIGN(std::string status, run_status(run));
  if (status == "unfinished" && combine(step_states) == "failed") status = "failed";
  Result<Task> end = run.end_task();
  if (!end.ok() && !end.status().is_not_found()) return fail(ctx, end.status());
  std::vector<DataArtifact> data;
  if (end.ok()) {
    SHOW_ASSIGN(data, end->artifacts());
  }
  if (as_json) {
    Json j = {{"type", "run"}, {"pathspec", run.pathspec()}, {"status", status},
              {"user", run.user_name()}, {"created_at", iso_time(run.created_at())},
              {"finished_at", json_time(finished_at)}, {"user_tags", run.user_tags()},
              {"system_tags", run.system_tags()},
              {"origin_pathspec", origin ? Json(*origin) : Json(nullptr)},
              {"end_task", end.ok() ? Json(end->pathspec()) : Json(nullptr)},
              {"steps", steps_json}, {"artifacts", artifacts_json(data)}};
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  Fields fields = {{"Run", run.pathspec()},
                   {"Status", status},
                   {"User", run.user_name()},
                   {"Started", human_time(run.created_at()) + " UTC"},
                   {"Finished", time_or_dash(finished_at)},
                   {"Tags", run.user_tags().empty() ? "-" : join(run.user_tags(), ", ")},
                   {"System tags", join(run.system_tags(), ", ")}};
  if (origin) fields.push_back({"Resumed from", *origin});
  print_fields(std::cout, fields);
  std::cout << "\n";
  if (rows.empty()) {
    std::cout << "No steps yet.\n";
  } else {
    print_table(std::cout, {"STEP", "TASKS", "STATUS", "STARTED (UTC)"}, rows);
  }
  if (end.ok()) print_artifacts("Artifacts of " + end->pathspec() + ":", data);
  return kExitOk;
}

// What the step table shows of one task.
struct TaskSummary {
  std::string status;
  int attempt = 0;
  std::optional<int64_t> index;
  std::optional<ClientTime> finished_at;
};

Result<TaskSummary> summarize(const Task& task) {
  TaskSummary s;
  CONFLUX_ASSIGN_OR_RETURN(s.status, task_status(task));
  CONFLUX_ASSIGN_OR_RETURN(s.attempt, task.current_attempt());
  CONFLUX_ASSIGN_OR_RETURN(s.index, task.index());
  CONFLUX_ASSIGN_OR_RETURN(s.finished_at, task.finished_at());
  return s;
}

int show_step(ToolContext& ctx, const Client& client, const Pathspec& path, bool as_json) {
  SHOW_ASSIGN(Step step, client.step(path.to_string()));
  SHOW_ASSIGN(std::vector<Task> tasks, step.tasks());
  // Each task is a few small reads: read several tasks at once (a step may have 100,000).
  std::vector<Result<TaskSummary>> summaries(tasks.size(), Status::internal("not read"));
  // A private copy of each task, so that what it read is freed once summarized.
  parallel_for(tasks.size(), 4, [&](size_t i) {
    summaries[i] = summarize(Task(tasks[i].core(), tasks[i].requested_attempt()));
  });
  Json tasks_json = Json::array();
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const Task& task = tasks[i];
    SHOW_ASSIGN(TaskSummary t, std::move(summaries[i]));
    rows.push_back({task.id(), t.status, std::to_string(t.attempt),
                    t.index ? std::to_string(*t.index) : "-", human_time(task.created_at()),
                    t.finished_at ? human_time(*t.finished_at) : "-"});
    tasks_json.push_back({{"id", task.id()}, {"pathspec", task.pathspec()}, {"status", t.status},
                          {"attempt", t.attempt}, {"index", t.index ? Json(*t.index) : Json(nullptr)},
                          {"created_at", iso_time(task.created_at())},
                          {"finished_at", json_time(t.finished_at)}});
  }
  if (as_json) {
    Json j = {{"type", "step"}, {"pathspec", step.pathspec()},
              {"created_at", iso_time(step.created_at())}, {"tasks", tasks_json}};
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  print_fields(std::cout, {{"Step", step.pathspec()},
                           {"Started", human_time(step.created_at()) + " UTC"},
                           {"Tasks", std::to_string(tasks.size())}});
  std::cout << "\n";
  print_table(std::cout, {"TASK", "STATUS", "ATTEMPT", "INDEX", "STARTED (UTC)", "FINISHED (UTC)"},
              rows);
  return kExitOk;
}

int show_task(ToolContext& ctx, const Client& client, const Pathspec& path, bool as_json,
              bool show_private) {
  SHOW_ASSIGN(Task task, client.task(path.to_string()));
  SHOW_ASSIGN(std::string status, task_status(task));
  SHOW_ASSIGN(int attempt, task.current_attempt());
  SHOW_ASSIGN(std::optional<ClientTime> finished_at, task.finished_at());
  SHOW_ASSIGN(std::vector<ForeachFrame> stack, task.foreach_stack());
  SHOW_ASSIGN(std::optional<std::string> exception, task.exception());
  SHOW_ASSIGN(std::optional<std::string> origin, task.origin_pathspec());
  SHOW_ASSIGN(std::vector<DataArtifact> artifacts,
              show_private ? task.all_artifacts() : task.artifacts());
  // Lineage needs _graph_info; a task that never persisted has none.
  std::vector<std::string> parents, children;
  if (Result<std::vector<std::string>> p = task.parent_task_pathspecs(); p.ok()) parents = *p;
  if (Result<std::vector<std::string>> c = task.child_task_pathspecs(); c.ok()) children = *c;
  std::vector<std::string> frames;
  Json stack_json = Json::array();
  for (const ForeachFrame& f : stack) {
    frames.push_back(f.step + ": " + f.var + "[" + std::to_string(f.index) + " of " +
                     std::to_string(f.num_splits) + "] = " + f.value);
    stack_json.push_back({{"step", f.step}, {"var", f.var}, {"num_splits", f.num_splits},
                          {"index", f.index}, {"value", f.value}});
  }
  if (as_json) {
    Json j = {{"type", "task"}, {"pathspec", task.pathspec()}, {"status", status},
              {"attempt", attempt}, {"created_at", iso_time(task.created_at())},
              {"finished_at", json_time(finished_at)},
              {"index", stack.empty() ? Json(nullptr) : Json(stack.back().index)},
              {"foreach_stack", stack_json}, {"parent_tasks", parents},
              {"child_tasks", children},
              {"origin_pathspec", origin ? Json(*origin) : Json(nullptr)},
              {"exception", exception ? Json(*exception) : Json(nullptr)},
              {"artifacts", artifacts_json(artifacts)}};
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  Fields fields = {{"Task", task.pathspec()},
                   {"Status", status},
                   {"Attempt", std::to_string(attempt)},
                   {"Started", human_time(task.created_at()) + " UTC"},
                   {"Finished", time_or_dash(finished_at)},
                   {"Foreach", frames.empty() ? "-" : join(frames, "; ")},
                   {"Parents", parents.empty() ? "-" : join(parents, ", ")},
                   {"Children", children.empty() ? "-" : join(children, ", ")}};
  if (origin) fields.push_back({"Cloned from", *origin});
  print_fields(std::cout, fields);
  if (exception) {
    std::cout << "\nException:\n";
    std::string text = *exception;
    size_t start = 0;
    while (start < text.size()) {
      size_t nl = text.find('\n', start);
      if (nl == std::string::npos) nl = text.size();
      std::cout << "  " << text.substr(start, nl - start) << "\n";
      start = nl + 1;
    }
  }
  print_artifacts("Artifacts:", artifacts);
  return kExitOk;
}

int show_artifact(ToolContext& ctx, const Client& client, const Pathspec& path, bool as_json) {
  SHOW_ASSIGN(DataArtifact artifact, client.artifact(path.to_string()));
  Result<Value> value = artifact.value();
  if (as_json) {
    Json j = {{"type", "artifact"}, {"pathspec", artifact.pathspec()},
              {"python_type", artifact.type()}, {"size", artifact.size()},
              {"sha", artifact.sha()}, {"attempt", artifact.attempt()},
              {"created_at", iso_time(artifact.created_at())}};
    j["value"] = value.ok() ? Json::parse(value->to_json().dump()) : Json(nullptr);
    if (!value.ok()) j["error"] = value.status().message();
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  print_fields(std::cout, {{"Artifact", artifact.pathspec()},
                           {"Type", artifact.type()},
                           {"Size", std::to_string(artifact.size()) + " bytes"},
                           {"SHA", artifact.sha()},
                           {"Attempt", std::to_string(artifact.attempt())},
                           {"Stored", human_time(artifact.created_at()) + " UTC"},
                           {"Value", value.ok() ? value->python_repr()
                                                : "< " + value.status().message() + " >"}});
  return kExitOk;
}

#undef SHOW_ASSIGN

}  // namespace

int show_command(ToolContext& ctx) {
  CommandSpec spec;
  spec.usage = "show PATHSPEC [--json] [--private]";
  spec.description =
      "Summarise a flow (FLOW), run (FLOW/RUN_ID), step (FLOW/RUN_ID/STEP), task "
      "(FLOW/RUN_ID/STEP/TASK_ID) or artifact (.../TASK_ID/NAME): status, times, tags, steps "
      "or tasks, artifacts.";
  spec.options = {{"json", "", "Print JSON for scripts.", false, ""},
                  {"private", "", "Also list internal artifacts (names starting with '_').",
                   false, ""}};
  spec.positionals = {"PATHSPEC"};
  spec.min_positionals = spec.max_positionals = 1;
  int code = 0;
  std::optional<ParsedArgs> args = parse_command(ctx, spec, &code);
  if (!args) return code;
  Result<Pathspec> path = parse_pathspec_arg(args->positionals()[0], 1, 5,
                                             "FLOW[/RUN_ID[/STEP[/TASK_ID[/ARTIFACT]]]]");
  if (!path.ok()) return usage_error(ctx, path.status());
  Result<Client> client = open_client(ctx);
  if (!client.ok()) return fail(ctx, client.status());
  bool as_json = args->has("json");
  switch (path->depth) {
    case 1: return show_flow(ctx, *client, *path, as_json);
    case 2: return show_run(ctx, *client, *path, as_json);
    case 3: return show_step(ctx, *client, *path, as_json);
    case 4: return show_task(ctx, *client, *path, as_json, args->has("private"));
    default: return show_artifact(ctx, *client, *path, as_json);
  }
}

}  // namespace conflux::cli::tool
