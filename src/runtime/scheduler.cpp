#include "runtime/scheduler.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <list>
#include <memory>
#include <optional>
#include <tuple>

#include "base/parallel_for.hpp"
#include "flow/decorators.hpp"
#include "datastore/task_datastore.hpp"
#include "runtime/launcher/task_launcher.hpp"
#include "runtime/log_capture.hpp"

namespace conflux {

namespace {

using Clock = std::chrono::steady_clock;

// Exit code with which a task forbids further retries (Metaflow's METAFLOW_EXIT_DISALLOW_RETRY).
constexpr int kExitDisallowRetry = 202;
// How often the logs of a running task are saved while they grow, in its first minute (then
// five times less often; a short task's logs are saved once, at its end).
constexpr auto kRunningLogSaveInterval = std::chrono::seconds(2);

// How long other tasks get to stop after the run failed, before they are killed.
constexpr auto kStopGrace = std::chrono::seconds(5);

std::atomic<bool> g_interrupted{false};
int g_wake_pipe[2] = {-1, -1};

// One level of splits a task is nested in: which branch or foreach element it belongs to.
struct SplitFrame {
  std::string step;
  int64_t index = 0;
  int64_t count = 0;
  bool foreach = false;  // a foreach element (else a static branch)
};

struct PendingTask {
  std::string step;
  std::string task_id;
  std::vector<std::string> input_paths;
  std::vector<int> input_attempts;  // the committed attempt of each input (-1: unknown, a clone's)
  int64_t split_index = -1;
  std::vector<SplitFrame> path;
  int attempt = 0;
  std::string fallback_reason;  // set for @catch's fallback attempt after the process died
  std::optional<Clock::time_point> not_before;  // a remote retry waits minutes_between_retries
};

struct RunningTask {
  PendingTask spec;
  TaskLauncher* launcher = nullptr;
  std::unique_ptr<LogCapture> out;
  std::unique_ptr<LogCapture> err;
  std::unique_ptr<LaunchedTask> task;  // declared after the captures it writes to
  std::string label;  // "run/step/task (pid N)", "run/step/task (slurm job 12_3)"
  Clock::time_point started;
  std::optional<Clock::time_point> deadline;  // @timeout of a local task (remote ones time themselves)
  bool timed_out = false;
  std::optional<TaskEnd> end;
  std::optional<TaskOutcome> cloned;  // resume: the task was cloned, nothing ran
  // The logs of a task that runs for a while are saved as they grow (save_running_logs), so the
  // UI and `logs` can follow it; how much was saved, and when to look next.
  Clock::time_point next_log_save;
  size_t saved_out = 0, saved_err = 0;
};

// A join waits until every branch (or foreach element) of the split it closes has arrived.
struct JoinState {
  int64_t expected = 0;
  std::vector<std::tuple<int64_t, std::string, int>> arrived;  // (branch index, input pathspec, attempt)
  std::vector<SplitFrame> prefix;
};

std::string path_key(const std::string& join, const std::vector<SplitFrame>& prefix) {
  std::string key = join;
  for (const auto& f : prefix) key += "|" + f.step + ":" + std::to_string(f.index);
  return key;
}

int64_t retry_attribute(const StepDescription& step, const char* name) {
  const DecoratorSpec* retry = find_decorator(step, "retry");
  if (!retry || !retry->attributes.contains(name)) return 0;
  const auto& value = retry->attributes[name];
  return value.is_number_integer() ? value.get<int64_t>() : 0;
}

int max_user_retries(const StepDescription& step) {
  return static_cast<int>(retry_attribute(step, "times"));
}

ResourceRequest resource_request(const StepDescription& step) {
  ResourceRequest r;
  const DecoratorSpec* d = find_decorator(step, "resources");
  if (!d) return r;
  const auto& a = d->attributes;
  auto number = [&](const char* key, double fallback) {
    return a.contains(key) && a[key].is_number() ? a[key].get<double>() : fallback;
  };
  r.cpu = number("cpu", 1);
  r.memory_mb = static_cast<int64_t>(number("memory", 4096));
  r.gpu = static_cast<int64_t>(number("gpu", 0));
  r.disk_mb = static_cast<int64_t>(number("disk", 0));
  return r;
}

void on_signal(int) {
  Scheduler::request_interrupt();
}

}  // namespace

void Scheduler::request_interrupt() {
  g_interrupted = true;
  if (g_wake_pipe[1] >= 0) {
    char c = 1;
    [[maybe_unused]] ssize_t n = write(g_wake_pipe[1], &c, 1);
  }
}

Scheduler::Scheduler(const FlowGraph& graph, std::string run_id, TaskStore& store, Console& console,
                     SchedulerOptions options)
    : graph_(graph), run_id_(std::move(run_id)), store_(store), console_(console), options_(std::move(options)) {}

struct Scheduler::Impl {
  Scheduler& s;
  std::deque<PendingTask> queue;
  std::list<RunningTask> running;
  std::map<std::string, JoinState> joins;
  std::map<std::string, int> occurrences;  // resume: tasks seen per step and foreach position
  int64_t next_task_id = 1;
  std::optional<Status> failure;
  int delayed = 0;  // queued tasks with a not_before (remote retries waiting)
  std::optional<bool> remote_steps;

  std::string pathspec(const PendingTask& t) const { return s.run_id_ + "/" + t.step + "/" + t.task_id; }

  // Resume: a task found in the origin run, cloned with the next batch (clone_pending).
  struct CloneJob {
    PendingTask spec;
    TaskCloner::Origin origin;
  };
  std::vector<CloneJob> pending_clones{};

  // Resume: whether the task can be cloned from the origin run; if so it joins pending_clones.
  bool find_clone(PendingTask& task) {
    if (!s.options_.cloner || task.attempt > 0) return false;
    std::vector<int64_t> indices;
    for (const auto& f : task.path) {
      if (f.foreach) indices.push_back(f.index);
    }
    std::string key = task.step;
    for (int64_t i : indices) key += "," + std::to_string(i);
    int occurrence = occurrences[key]++;
    std::optional<TaskCloner::Origin> origin = s.options_.cloner->origin_of(task.step, indices, occurrence);
    if (!origin) return false;
    pending_clones.push_back({std::move(task), std::move(*origin)});
    return true;
  }

  // Clones the pending tasks on several threads, in chunks so that the console shows progress;
  // each cloned task then finishes like a task that ran (its successors are scheduled).
  Status clone_pending() {
    constexpr size_t kChunk = 1024;
    constexpr int kCloneThreads = 8;  // file creation: kernel time and, on disks, I/O waits to hide
    std::vector<CloneJob> jobs = std::move(pending_clones);
    pending_clones.clear();
    for (size_t begin = 0; begin < jobs.size(); begin += kChunk) {
      size_t n = std::min(kChunk, jobs.size() - begin);
      std::vector<Result<TaskOutcome>> outcomes(n, Status::internal("not cloned"));
      parallel_for(n, kCloneThreads, [&](size_t i) {
        const CloneJob& job = jobs[begin + i];
        Result<ArtifactIndex> cloned = s.options_.cloner->clone(job.spec.step, job.origin.task_id, job.spec.task_id);
        outcomes[i] = cloned.ok() ? s.store_.outcome_of(*cloned) : Result<TaskOutcome>(cloned.status());
      });
      for (size_t i = 0; i < n; ++i) {
        CloneJob& job = jobs[begin + i];
        if (!outcomes[i].ok()) {
          return outcomes[i].status().with_context("cannot clone " + job.origin.pathspec + " as " +
                                                   pathspec(job.spec));
        }
        RunningTask r;
        r.label = pathspec(job.spec);
        r.cloned = std::move(outcomes[i]).value();
        s.console_.task_line(r.label, "Cloning previously run task " + job.origin.pathspec);
        r.spec = std::move(job.spec);
        running.push_back(std::move(r));
      }
    }
    return Status();
  }

  // Task ids: the metadata provider's (the service hands them out), or a counter.
  Result<std::string> allocate_task_id(const std::string& step) {
    if (s.options_.allocate_task_id) return s.options_.allocate_task_id(step);
    return std::to_string(next_task_id++);
  }

  // A task ready to hand to its launcher.
  struct Prepared {
    PendingTask spec;
    TaskLauncher* launcher = nullptr;
    TaskLaunch launch;
  };

  // Allocates the task's id and builds its launch for `launcher`; nullopt: resume clones it
  // instead (it joined pending_clones).
  Result<std::optional<Prepared>> prepare(PendingTask task, TaskLauncher* launcher) {
    if (task.task_id.empty()) {
      CONFLUX_ASSIGN_OR_RETURN(task.task_id, allocate_task_id(task.step));
    }
    if (find_clone(task)) return std::optional<Prepared>();
    const GraphNode& node = s.graph_.node(task.step);
    Prepared p;
    p.launcher = launcher;
    TaskLaunch& l = p.launch;
    l.flow = s.graph_.flow().name;
    l.run_id = s.run_id_;
    l.step = task.step;
    l.task_id = task.task_id;
    l.attempt = task.attempt;
    l.split_index = task.split_index;
    l.argv = s.options_.task_command(task.step, task.task_id, task.input_paths, task.input_attempts, task.split_index,
                                     task.attempt,
                                     max_user_retries(*node.step), task.fallback_reason);
    // @environment: the step's variables, on top of the run's.
    l.env = s.options_.task_env;
    if (const DecoratorSpec* e = find_decorator(*node.step, "environment")) {
      if (e->attributes.contains("vars") && e->attributes["vars"].is_object()) {
        for (const auto& [name, value] : e->attributes["vars"].items()) {
          if (value.is_string()) l.env[name] = value.get<std::string>();
        }
      }
    }
    l.timeout_seconds = timeout_seconds(*node.step);
    l.resources = resource_request(*node.step);
    if (const DecoratorSpec* r = find_decorator(*node.step, "resources")) {
      l.resource_decorator = nlohmann::json::parse(r->attributes.dump());
    }
    if (const DecoratorSpec* engine = find_decorator(*node.step, p.launcher->name())) {
      l.engine_options = nlohmann::json::parse(engine->attributes.dump());
    }
    p.spec = std::move(task);
    return std::optional<Prepared>(std::move(p));
  }

  // Hands prepared tasks to their launchers, one submission per launcher.
  Status submit(std::vector<Prepared> batch) {
    std::map<TaskLauncher*, std::vector<Prepared*>> by_launcher;
    for (auto& p : batch) by_launcher[p.launcher].push_back(&p);
    Console& console = s.console_;
    for (auto& [launcher, group] : by_launcher) {
      std::vector<TaskLaunch> launches;
      std::vector<TaskOutput> outputs;
      std::vector<RunningTask> started;
      std::vector<std::shared_ptr<std::string>> labels;
      for (Prepared* p : group) {
        RunningTask r;
        r.launcher = launcher;
        // The label gains the engine's id once known; lines before that use the pathspec.
        auto label = std::make_shared<std::string>(pathspec(p->spec));
        auto echo = [&console, label](std::string_view line) { console.task_line(*label, line); };
        r.out = std::make_unique<LogCapture>(s.options_.max_log_size_bytes, echo);
        r.err = std::make_unique<LogCapture>(s.options_.max_log_size_bytes, echo);
        outputs.push_back({r.out.get(), r.err.get(), echo});
        labels.push_back(label);
        launches.push_back(std::move(p->launch));
        r.spec = std::move(p->spec);
        started.push_back(std::move(r));
      }
      auto results = launcher->submit(launches, outputs);
      Status first_error;
      for (size_t i = 0; i < started.size(); ++i) {
        RunningTask& r = started[i];
        if (!results[i].ok()) {
          if (first_error.ok()) {
            first_error = results[i].status().with_context("cannot start task " + pathspec(r.spec));
          }
          continue;
        }
        r.task = std::move(results[i]).value();
        r.label = pathspec(r.spec) + " (" + r.task->where() + ")";
        *labels[i] = r.label;
        r.started = Clock::now();
        r.next_log_save = r.started + kRunningLogSaveInterval;
        const GraphNode& node = s.graph_.node(r.spec.step);
        if (int64_t timeout = timeout_seconds(*node.step); timeout > 0 && !launcher->remote()) {
          r.deadline = r.started + std::chrono::seconds(timeout);
        }
        console.task_line(r.label, !r.spec.fallback_reason.empty() ? "Task fallback is starting to handle the failure."
                                   : r.spec.attempt == 0            ? "Task is starting."
                                                                    : "Task is starting (retry).");
        running.push_back(std::move(r));
      }
      if (!first_error.ok()) return first_error;
    }
    return Status();
  }

  // Starts what may start now: local tasks up to --max-workers, remote ones all at once (their
  // engine queues them), retries once their delay is over.
  Status launch_ready() {
    int64_t local_running = 0;
    for (const auto& t : running) {
      if (t.launcher && !t.launcher->remote()) ++local_running;
    }
    std::vector<Prepared> batch;
    std::deque<PendingTask> waiting;
    auto now = Clock::now();
    Status problem;
    while (!queue.empty()) {
      // Every local slot busy and nothing could go elsewhere: the rest of the queue waits as it
      // is (a wide local foreach must not be walked at every wake-up).
      if (local_running >= s.options_.max_workers && !has_remote_steps() && delayed == 0) break;
      PendingTask task = std::move(queue.front());
      queue.pop_front();
      if (!problem.ok() || (task.not_before && now < *task.not_before)) {
        waiting.push_back(std::move(task));
        continue;
      }
      task.not_before.reset();
      const GraphNode& node = s.graph_.node(task.step);
      auto launcher = s.options_.launchers->for_step(*node.step, !task.fallback_reason.empty());
      if (!launcher.ok()) {
        problem = launcher.status();
        continue;
      }
      if (!(*launcher)->remote()) {
        if (local_running >= s.options_.max_workers) {
          waiting.push_back(std::move(task));
          continue;
        }
        ++local_running;
      }
      bool local = !(*launcher)->remote();
      auto prepared = prepare(std::move(task), *launcher);
      if (!prepared.ok()) {
        problem = prepared.status();
        continue;
      }
      if (*prepared) {
        batch.push_back(std::move(**prepared));
      } else if (local) {
        --local_running;  // cloned by resume: no process
      }
    }
    // What was set aside goes back in front of what was not looked at, in the same order.
    for (auto it = waiting.rbegin(); it != waiting.rend(); ++it) queue.push_front(std::move(*it));
    Status cloned = clone_pending();
    Status submitted = submit(std::move(batch));
    if (!problem.ok()) return problem;
    if (!cloned.ok()) return cloned;
    return submitted;
  }

  // Whether any step runs on a remote engine (its decorator names one); computed once.
  bool has_remote_steps() {
    if (!remote_steps) {
      remote_steps = false;
      for (const StepDescription& step : s.graph_.flow().steps) {
        for (const LauncherKind& kind : launcher_kinds()) {
          if (find_decorator(step, kind.decorator)) remote_steps = true;
        }
      }
    }
    return *remote_steps;
  }

  // When the next delayed retry may start, if any. Walks the queue only while a delayed retry is
  // in it (a wide foreach's queue is long).
  std::optional<Clock::time_point> next_delayed() {
    if (delayed == 0) return std::nullopt;
    std::optional<Clock::time_point> next;
    int found = 0;
    for (const auto& t : queue) {
      if (!t.not_before) continue;
      ++found;
      if (!next || *t.not_before < *next) next = t.not_before;
    }
    delayed = found;
    return next;
  }

  // The attempt a successful task committed; unknown for a clone (it keeps its origin's numbering).
  static int committed_attempt(const RunningTask& task) { return task.cloned ? -1 : task.spec.attempt; }

  PendingTask child(const std::string& step, const RunningTask& parent, std::vector<SplitFrame> path,
                    int64_t split_index) {
    PendingTask t;
    t.step = step;
    t.input_paths = {pathspec(parent.spec)};  // the id is allocated at launch
    t.input_attempts = {committed_attempt(parent)};
    t.split_index = split_index;
    t.path = std::move(path);
    return t;
  }

  // Queues what follows a successful task.
  Status schedule_successors(RunningTask& task, const TaskOutcome& outcome) {
    const GraphNode& node = s.graph_.node(task.spec.step);
    switch (node.type) {
      case NodeType::kEnd:
        return Status();
      case NodeType::kForeach: {
        int64_t n = outcome.foreach_num_splits;
        if (n > s.options_.max_num_splits) {
          return Status::failed_precondition(
              "step " + node.name + ": the foreach yields " + std::to_string(n) +
              " child steps, more than --max-num-splits " + std::to_string(s.options_.max_num_splits) +
              ". Raise --max-num-splits if this is intended.");
        }
        s.console_.task_line(task.label, "Foreach yields " + std::to_string(n) + " child steps.");
        for (int64_t i = 0; i < n; ++i) {
          auto path = task.spec.path;
          path.push_back({node.name, i, n, true});
          queue.push_back(child(node.out_funcs.front(), task, std::move(path), i));
        }
        return Status();
      }
      case NodeType::kSplit: {
        int64_t n = static_cast<int64_t>(node.out_funcs.size());
        for (int64_t i = 0; i < n; ++i) {
          auto path = task.spec.path;
          path.push_back({node.name, i, n, false});
          queue.push_back(child(node.out_funcs[i], task, std::move(path), -1));
        }
        return Status();
      }
      case NodeType::kSwitch: {
        if (outcome.next_steps.size() != 1 || !s.graph_.contains(outcome.next_steps.front()) ||
            std::find(node.out_funcs.begin(), node.out_funcs.end(), outcome.next_steps.front()) ==
                node.out_funcs.end()) {
          return Status::internal("step " + node.name + " chose an unexpected next step");
        }
        return follow(task, outcome.next_steps.front());
      }
      default:
        if (node.out_funcs.empty()) return Status::internal("step " + node.name + " has no next step");
        return follow(task, node.out_funcs.front());
    }
  }

  // Linear transition into `target`: a join collects its inputs first.
  Status follow(RunningTask& task, const std::string& target) {
    const GraphNode& next = s.graph_.node(target);
    if (next.type != NodeType::kJoin) {
      queue.push_back(child(target, task, task.spec.path, -1));
      return Status();
    }
    if (task.spec.path.empty()) return Status::internal("join " + target + " reached outside a split");
    SplitFrame frame = task.spec.path.back();
    std::vector<SplitFrame> prefix(task.spec.path.begin(), task.spec.path.end() - 1);
    JoinState& state = joins[path_key(target, prefix)];
    state.expected = frame.count;
    state.prefix = prefix;
    state.arrived.emplace_back(frame.index, pathspec(task.spec), committed_attempt(task));
    if (static_cast<int64_t>(state.arrived.size()) < state.expected) return Status();
    std::sort(state.arrived.begin(), state.arrived.end());
    PendingTask join;
    join.step = target;
    for (const auto& [index, input, attempt] : state.arrived) {
      join.input_paths.push_back(input);
      join.input_attempts.push_back(attempt);
    }
    join.path = prefix;
    joins.erase(path_key(target, prefix));
    queue.push_back(std::move(join));
    return Status();
  }

  // Handles a task that ended. Returns false if the run must stop.
  bool finish(RunningTask& task, bool schedule) {
    const TaskEnd& end = *task.end;
    const ChildExit& exit = end.exit;
    task.timed_out = task.timed_out || end.timed_out;
    const GraphNode& node = s.graph_.node(task.spec.step);
    // Success is the attempt's commit in the datastore; the engine's word only explains failures.
    // A task the engine lost (no exit record) may still have committed: the commit decides.
    bool success = (exit.ok() || end.lost) && !task.timed_out;
    std::optional<TaskOutcome> outcome;
    Status problem;
    if (success) {
      auto read = s.store_.read_outcome(task.spec.step, task.spec.task_id, task.spec.attempt, exit.ok() && !end.lost);
      if (read.ok()) {
        outcome = std::move(read).value();
      } else {
        success = false;
        problem = read.status();
      }
    }
    if (!success) {
      // The engine's explanation, when there is one, says more than the exit status.
      std::string why = end.lost && !end.reason.empty() ? "Task failed: " + end.reason
                        : task.timed_out               ? "Task timed out (@timeout) and was stopped."
                        : !exit.ok()                   ? "Task failed (" + exit.describe() + ")."
                                                       : "Task failed: " + problem.message();
      if (!end.reason.empty() && !end.lost) why += " " + end.reason;
      if ((exit.signal != 0 && !task.timed_out) || !end.reason.empty()) task.err->add_runtime_line(why);
      task.err->add_runtime_line("Task failed.");
      s.console_.task_line(task.label, why == "Task failed (exit code 1)." ? "Task failed." : why);
    }
    Status saved = s.store_.save_attempt_record(task.spec.step, task.spec.task_id, task.spec.attempt,
                                                task.out->log(), task.err->log(),
                                                exit.signal ? -exit.signal : exit.exit_code,
                                                task.timed_out || exit.signal != 0 || end.lost, success);
    if (!saved.ok()) s.console_.task_line(task.label, "Could not save the task's logs: " + saved.message());

    if (success && !schedule) {
      s.console_.task_line(task.label, "Task finished successfully.");
      return true;
    }
    if (!schedule) return false;
    if (success) {
      Status next = schedule_successors(task, *outcome);
      if (!next.ok()) {
        s.console_.task_line(task.label, next.message());
        failure = Status::failed_precondition("Step " + node.name + " (task-id " + task.spec.task_id +
                                              ") failed: " + next.message());
        return false;
      }
      s.console_.task_line(task.label, "Task finished successfully.");
      return true;
    }
    bool retry_allowed = end.retryable && (exit.exit_code != kExitDisallowRetry || exit.signal != 0);
    int user_retries = max_user_retries(*node.step);
    if (retry_allowed && task.spec.attempt < user_retries) {
      PendingTask again = task.spec;
      again.attempt += 1;
      again.not_before.reset();
      if (task.launcher && task.launcher->remote()) {
        // A remote retry is a new submission after minutes_between_retries (Metaflow's @retry).
        int64_t minutes = retry_attribute(*node.step, "minutes_between_retries");
        if (minutes > 0) {
          again.not_before = Clock::now() + std::chrono::minutes(minutes);
          ++delayed;
          s.console_.task_line(task.label, "Retrying in " + std::to_string(minutes) + " minute(s).");
        }
      }
      queue.push_front(std::move(again));
      return true;
    }
    // @catch: a process that died (or timed out) without recording the failure gets one fallback
    // attempt that records it as caught, so the flow continues (Metaflow's fallback step).
    // A task that could not even start (the engine explains why) died as much as a crashed one.
    bool died = task.timed_out || end.lost || exit.signal != 0 || (!exit.ok() && exit.exit_code != 1) ||
                !end.reason.empty();
    if (find_decorator(*node.step, "catch") && died && end.retryable && task.spec.fallback_reason.empty() &&
        task.spec.attempt + 1 < TaskDataStore::kMaxAttempts) {
      PendingTask fallback = task.spec;
      fallback.attempt += 1;
      fallback.fallback_reason = task.timed_out ? "the task timed out (@timeout)"
                                 : !end.reason.empty() ? "the task failed: " + end.reason
                                                : "the task process died: " + exit.describe();
      fallback.not_before.reset();
      queue.push_front(std::move(fallback));
      return true;
    }
    failure = Status::failed_precondition("Step " + node.name + " (task-id " + task.spec.task_id + ") failed.");
    return false;
  }

  void stop_all(bool force) {
    for (auto& t : running) {
      if (t.task) t.task->stop(force);
    }
  }
};

Status Scheduler::run(const std::vector<InitialTask>& initial, int64_t first_task_id) {
  Impl impl{*this, {}, {}, {}, {}, first_task_id, std::nullopt, 0, std::nullopt};
  for (const auto& init : initial) {
    PendingTask t;
    t.step = init.step;
    t.input_paths = init.input_paths;
    impl.queue.push_back(std::move(t));
  }

  // Ctrl-C and SIGTERM stop every task cleanly; a self-pipe wakes the poll loop.
  g_interrupted = false;
  if (g_wake_pipe[0] < 0 && pipe2(g_wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    return Status::io_error("cannot create the runtime's wake-up pipe");
  }
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  struct sigaction old_int {}, old_term {};
  sigaction(SIGINT, &action, &old_int);
  sigaction(SIGTERM, &action, &old_term);
  signal(SIGPIPE, SIG_IGN);

  bool stopping = false;
  Clock::time_point stop_deadline;
  auto begin_stop = [&](Status why) {
    impl.failure = std::move(why);
    stopping = true;
    impl.queue.clear();
    impl.stop_all(/*force=*/false);
    stop_deadline = Clock::now() + kStopGrace;
  };
  while (!impl.queue.empty() || !impl.running.empty()) {
    if (g_interrupted && !stopping) {
      console_.line("Interrupted: stopping " + std::to_string(impl.running.size()) + " active tasks...");
      begin_stop(Status::cancelled("the run was interrupted"));
      stop_deadline = Clock::now() + std::chrono::seconds(2);
    }
    if (!stopping && !impl.queue.empty()) {
      Status launched = impl.launch_ready();
      if (!launched.ok()) begin_stop(launched);
    }
    if (impl.running.empty() && (stopping || impl.queue.empty())) break;

    // Wait for output, an exit, a timeout, a delayed retry, an engine's next poll, or an interrupt.
    std::vector<pollfd> fds;
    fds.push_back({g_wake_pipe[0], POLLIN, 0});
    auto now = Clock::now();
    auto wait = std::chrono::milliseconds(200);
    for (TaskLauncher* launcher : options_.launchers->in_use()) launcher->wait_set(fds, wait);
    for (auto& t : impl.running) {
      if (t.cloned) wait = std::chrono::milliseconds(0);  // handled right away below
      if (t.deadline && !t.timed_out) {
        wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::max(Clock::duration::zero(), *t.deadline - now)));
      }
    }
    if (auto next = impl.next_delayed()) {
      wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::max(Clock::duration::zero(), *next - now)));
    }
    int ready = poll(fds.data(), fds.size(), static_cast<int>(wait.count()));
    if (ready < 0 && errno != EINTR) return Status::io_error("poll failed in the runtime");
    if (fds[0].revents & POLLIN) {
      char drain[64];
      while (read(g_wake_pipe[0], drain, sizeof(drain)) > 0) {
      }
    }
    for (TaskLauncher* launcher : options_.launchers->in_use()) launcher->update();

    now = Clock::now();
    for (auto it = impl.running.begin(); it != impl.running.end();) {
      RunningTask& t = *it;
      if (t.cloned) {
        Status next = impl.schedule_successors(t, *t.cloned);
        it = impl.running.erase(it);
        if (!next.ok() && !stopping) begin_stop(next);
        continue;
      }
      if (t.deadline && now >= *t.deadline && !t.timed_out) {
        t.timed_out = true;
        t.task->stop(/*force=*/true);
      }
      if (!t.end) t.end = t.task->end();
      if (!t.end) {
        if (now >= t.next_log_save && t.out && t.err &&
            (t.out->log().size() != t.saved_out || t.err->log().size() != t.saved_err)) {
          // Best effort: the final save reports failures.
          (void)store_.save_running_logs(t.spec.step, t.spec.task_id, t.spec.attempt, t.out->log(), t.err->log());
          t.saved_out = t.out->log().size();
          t.saved_err = t.err->log().size();
        }
        // Each save rewrites the log: a task that has run for a minute is saved less often.
        if (now >= t.next_log_save) {
          t.next_log_save = now + (now - t.started < std::chrono::minutes(1) ? kRunningLogSaveInterval
                                                                              : 5 * kRunningLogSaveInterval);
        }
        ++it;
        continue;
      }
      // While stopping, a task that ends is still recorded (its work can be cloned by resume),
      // but nothing new starts.
      bool keep_going = impl.finish(t, /*schedule=*/!stopping);
      it = impl.running.erase(it);
      if (!keep_going && !stopping) {
        stopping = true;
        impl.queue.clear();
        console_.line("Workflow failed.");
        // Like Metaflow, running tasks get a grace period to finish before they are killed.
        console_.line("Terminating " + std::to_string(impl.running.size()) + " active tasks...");
        stop_deadline = Clock::now() + kStopGrace;
      }
    }
    if (stopping && Clock::now() >= stop_deadline) impl.stop_all(/*force=*/true);  // grace is over
  }

  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  if (impl.failure) return *impl.failure;
  return Status();
}

}  // namespace conflux
