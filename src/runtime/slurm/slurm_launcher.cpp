#include "runtime/slurm/slurm_launcher.hpp"

#include <algorithm>
#include <chrono>
#include <list>
#include <set>

#include "datastore/task_datastore.hpp"
#include "runtime/launcher/remote_launch.hpp"
#include "runtime/remote/local_metadata_sync.hpp"
#include "runtime/remote/log_tail.hpp"
#include "runtime/remote/remote_task.hpp"
#include "runtime/slurm/slurm_client.hpp"
#include "runtime/slurm/slurm_job.hpp"

namespace conflux {

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kPollInterval = std::chrono::seconds(1);  // at most one squeue a second
constexpr size_t kMaxArray = 1000;                       // elements per sbatch (MaxArraySize 1001)
constexpr size_t kTailsPerPoll = 64;                     // log tails per poll, round robin
constexpr int kMissingPollsBeforeLost = 3;       // an ended job's exit record may still be on its way
constexpr int kUnseenPollsBeforeLost = 30;       // a job squeue never listed
// Slurm's own time limit (whole minutes, checked about every 30 s) sits above @timeout, which
// task-run enforces to the second from the moment the step starts.
constexpr int64_t kTimeLimitMargin = 120;

class SlurmLauncher;

class SlurmTask final : public LaunchedTask {
 public:
  SlurmTask(SlurmLauncher* owner, std::string job_id, std::string array_id, const TaskLaunch& launch,
            TaskOutput output, StorageBackend& storage, std::string local_metadata_root)
      : owner_(owner),
        job_id_(std::move(job_id)),
        array_id_(std::move(array_id)),
        attempt_(launch.attempt),
        output_(std::move(output)),
        ds_(storage, launch.flow, launch.run_id, launch.step, launch.task_id),
        owner_local_metadata_root_(std::move(local_metadata_root)) {}
  ~SlurmTask() override;

  std::string where() const override { return "slurm job " + job_id_; }
  std::optional<TaskEnd> end() const override { return end_; }
  void stop(bool force) override;
  void owner_gone() { owner_ = nullptr; }

  const std::string& job_id() const { return job_id_; }
  const std::string& array_id() const { return array_id_; }
  bool ended() const { return end_.has_value(); }
  bool running() const { return running_; }

  void tail() {
    out_tail_.pump(ds_, attempt_, LogStream::kStdout, output_.echo);
    err_tail_.pump(ds_, attempt_, LogStream::kStderr, output_.echo);
  }

  // Brings the task up to date with Slurm's view of its job (nullptr: squeue does not list it).
  void observe(const SlurmJobState* state) {
    if (end_) return;
    if (state) {
      seen_ = true;
      last_state_ = *state;
      SlurmPhase phase = slurm_phase(state->state);
      running_ = phase == SlurmPhase::kRunning;
      if (phase != SlurmPhase::kEnded) return;
    }
    // Ended, or gone from squeue: the exit record is the truth.
    auto text = ds_.load_attempt_file(attempt_, kTaskExitFile);
    std::optional<TaskExitRecord> record;
    if (text.ok()) {
      auto parsed = TaskExitRecord::from_json(*text);
      if (parsed.ok()) record = *parsed;
    }
    bool cancelled_elsewhere = last_state_ && last_state_->state == "CANCELLED" && !cancel_requested_;
    if (!record && ++missing_polls_ < (seen_ ? kMissingPollsBeforeLost : kUnseenPollsBeforeLost)) return;
    tail();
    TaskEnd end;
    if (record) {
      end.exit.exit_code = record->exit_code;
      end.exit.signal = record->signal;
      end.timed_out = record->timed_out || (last_state_ && last_state_->state == "TIMEOUT");
      end.reason = record->message;
      // The task's own exit says how it ended; Slurm says why when Slurm ended it (OOM, node).
      if (last_state_ && last_state_->state != "COMPLETED" && last_state_->state != "FAILED" &&
          last_state_->state != "CANCELLED" && slurm_phase(last_state_->state) == SlurmPhase::kEnded) {
        SlurmVerdict v = slurm_verdict(*last_state_);
        end.reason += (end.reason.empty() ? "" : " ") + v.reason;
      }
    } else {
      end.lost = true;
      end.exit.exit_code = 1;
      if (cancel_requested_) {
        end.reason = "the runtime cancelled the job.";
      } else if (last_state_) {
        SlurmVerdict v = slurm_verdict(*last_state_);
        end.reason = v.reason;
        end.retryable = v.retryable;
        end.timed_out = v.timed_out;
      } else {
        end.reason = "the job left Slurm's queue without an exit record from conflux task-run.";
      }
    }
    // Local metadata with an S3 datastore: the task's comes home now. A task whose metadata is
    // missing here is invisible to the clients, so failing to copy it fails the attempt (a
    // retry runs it again); task-run leaves no bundle only when it never started the step.
    if (record && !owner_local_metadata_root_.empty()) {
      Status restored = restore_local_metadata(ds_, attempt_, owner_local_metadata_root_);
      bool never_started = restored.code() == StatusCode::kNotFound && !record->message.empty();
      if (!restored.ok() && !never_started) {
        if (end.exit.exit_code == 0 && end.exit.signal == 0) end.exit.exit_code = 1;
        end.retryable = true;
        end.reason = "its local metadata could not be copied back: " + restored.message() +
                     (end.reason.empty() ? "" : ". " + end.reason);
      }
    }
    if (cancelled_elsewhere) {
      end.retryable = false;
      end.reason = slurm_verdict(*last_state_).reason;
    }
    // A job given up on must not run later next to its retry.
    if (end.lost && !cancel_requested_ && owner_) stop(true);
    end_ = end;
    running_ = false;
  }

 private:
  SlurmLauncher* owner_;  // null once the launcher is gone
  std::string job_id_;    // "77" or "77_3"
  std::string array_id_;  // "77": what squeue -j takes
  int attempt_;
  TaskOutput output_;
  TaskDataStore ds_;
  std::string owner_local_metadata_root_;  // LauncherContext::local_metadata_root
  LogTail out_tail_, err_tail_;
  std::optional<TaskEnd> end_;
  std::optional<SlurmJobState> last_state_;
  bool seen_ = false;
  bool running_ = false;
  bool cancel_requested_ = false;
  int missing_polls_ = 0;
  friend class SlurmLauncher;
};

class SlurmLauncher final : public TaskLauncher {
 public:
  explicit SlurmLauncher(LauncherContext context) : context_(std::move(context)) {}

  ~SlurmLauncher() override {
    // Whatever is still alive is cancelled: nothing of this run stays in the queue.
    std::vector<std::string> alive;
    for (SlurmTask* t : tasks_) {
      if (!t->ended()) alive.push_back(t->job_id());
      t->owner_gone();
    }
    for (const auto& id : cancels_) alive.push_back(id);
    std::sort(alive.begin(), alive.end());
    alive.erase(std::unique(alive.begin(), alive.end()), alive.end());
    if (!client_) return;
    if (!alive.empty()) (void)client_->scancel(alive);
    if (context_.console) {
      const SlurmCallCounts& c = client_->counts();
      context_.console->line("Slurm (" + client_->where() + "): " + std::to_string(c.sbatch) + " sbatch, " +
                             std::to_string(c.squeue) + " squeue, " + std::to_string(c.scancel) + " scancel calls.");
    }
  }

  std::string_view name() const override { return "slurm"; }
  bool remote() const override { return true; }

  std::vector<Result<std::unique_ptr<LaunchedTask>>> submit(const std::vector<TaskLaunch>& launches,
                                                             const std::vector<TaskOutput>& outputs) override {
    std::vector<Result<std::unique_ptr<LaunchedTask>>> results;
    for (size_t i = 0; i < launches.size(); ++i) results.emplace_back(Status::internal("not submitted"));
    auto package = context_.code_package();
    if (!package.ok()) {
      for (auto& r : results) r = package.status();
      return results;
    }
    // Group: same step and attempt means the same options; each group goes out as arrays.
    std::map<std::pair<std::string, int>, std::vector<size_t>> groups;
    for (size_t i = 0; i < launches.size(); ++i) groups[{launches[i].step, launches[i].attempt}].push_back(i);
    for (const auto& [key, members] : groups) {
      for (size_t chunk = 0; chunk < members.size(); chunk += kMaxArray) {
        std::vector<size_t> part(members.begin() + chunk, members.begin() + std::min(members.size(), chunk + kMaxArray));
        submit_array(launches, outputs, part, *package, results);
      }
    }
    return results;
  }

  void wait_set(std::vector<pollfd>&, std::chrono::milliseconds& max_wait) override {
    if (tasks_.empty() && cancels_.empty()) return;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next_poll_ - Clock::now());
    max_wait = std::min(max_wait, std::max(left, std::chrono::milliseconds(0)));
  }

  void update() override {
    if (!client_) return;
    if (!cancels_.empty()) {
      std::vector<std::string> ids(cancels_.begin(), cancels_.end());
      Status cancelled = client_->scancel(ids);
      if (cancelled.ok()) {
        cancels_.clear();
      } else if (context_.console) {
        context_.console->line("warning: " + cancelled.message() + " (trying again)");  // ids stay queued
      }
    }
    if (Clock::now() < next_poll_) return;
    next_poll_ = Clock::now() + kPollInterval;
    std::set<std::string> arrays;
    for (SlurmTask* t : tasks_) {
      if (!t->ended()) arrays.insert(t->array_id());
    }
    if (arrays.empty()) return;
    auto states = client_->squeue(std::vector<std::string>(arrays.begin(), arrays.end()));
    if (!states.ok()) {
      // Slurm unreachable: keep trying, but do not wait forever for an answer.
      if (!unreachable_since_) unreachable_since_ = Clock::now();
      if (Clock::now() - *unreachable_since_ > std::chrono::minutes(2)) {
        for (SlurmTask* t : tasks_) {
          if (!t->ended()) {
            t->stop(true);  // in case Slurm comes back: the job must not run unwatched
            t->end_ = TaskEnd{ChildExit{1, 0}, false, true, true, "lost contact with Slurm: " + states.status().message()};
          }
        }
      }
      return;
    }
    unreachable_since_.reset();
    std::vector<SlurmTask*> running;
    for (SlurmTask* t : tasks_) {
      if (t->ended()) continue;
      auto it = states->find(t->job_id());
      t->observe(it == states->end() ? nullptr : &it->second);
      if (t->running()) running.push_back(t);
    }
    // Live output of running tasks, a bounded number per poll.
    for (size_t k = 0; k < std::min(kTailsPerPoll, running.size()); ++k) {
      running[(tail_cursor_ + k) % running.size()]->tail();
    }
    tail_cursor_ += kTailsPerPoll;
  }

  void request_cancel(SlurmTask& task) { cancels_.insert(task.job_id()); }
  void forget(SlurmTask* task) { tasks_.remove(task); }

 private:
  void submit_array(const std::vector<TaskLaunch>& launches, const std::vector<TaskOutput>& outputs,
                    const std::vector<size_t>& part, const StoredCodePackage& package,
                    std::vector<Result<std::unique_ptr<LaunchedTask>>>& results) {
    const TaskLaunch& first = launches[part.front()];
    auto fail_all = [&](const Status& why) {
      for (size_t i : part) results[i] = why;
    };
    auto options = slurm_options(first.engine_options, context_.settings["slurm"]);
    if (!options.ok()) return fail_all(options.status().with_context("step " + first.step));
    // One connection to Slurm per run: the first step's login host (or none) serves all of them.
    if (!client_) {
      auto client = SlurmClient::open(options->login_host, context_.settings["slurm"]["ssh_config"]);
      if (!client.ok()) return fail_all(client.status().with_context("step " + first.step));
      client_ = std::move(client).value();
      login_host_ = options->login_host;
    } else if (options->login_host != login_host_) {
      return fail_all(Status::invalid_argument("step " + first.step + ": @slurm login_host '" + options->login_host +
                                               "' differs from '" + login_host_ + "': a run submits through one login host"));
    }
    SlurmJob job;
    job.name = slurm_job_name(first.flow + "-" + first.run_id + "-" + first.step +
                              (first.attempt > 0 ? "-retry" + std::to_string(first.attempt) : ""));
    job.options = *options;
    job.resources = first.resources;
    job.time_limit_seconds = first.timeout_seconds > 0 ? first.timeout_seconds + kTimeLimitMargin : 0;
    job.max_parallel = part.size() > 1 ? context_.max_workers : 0;
    for (size_t i : part) job.tasks.push_back(remote_task_of(launches[i], package, context_).to_json_line());
    auto id = client_->sbatch(sbatch_script(job));
    if (!id.ok()) return fail_all(id.status().with_context("step " + first.step));
    for (size_t k = 0; k < part.size(); ++k) {
      size_t i = part[k];
      std::string element = part.size() > 1 ? *id + "_" + std::to_string(k) : *id;
      auto task = std::make_unique<SlurmTask>(this, element, *id, launches[i], outputs[i], *context_.storage,
                                              context_.local_metadata_root);
      tasks_.push_back(task.get());
      results[i] = std::unique_ptr<LaunchedTask>(std::move(task));
    }
  }

  LauncherContext context_;
  std::unique_ptr<SlurmClient> client_;  // opened at the first submission
  std::string login_host_;
  std::list<SlurmTask*> tasks_;  // owned by the scheduler; they unregister when destroyed
  std::set<std::string> cancels_;
  Clock::time_point next_poll_ = Clock::now();
  std::optional<Clock::time_point> unreachable_since_;
  size_t tail_cursor_ = 0;
};

// (Defined here, once SlurmLauncher is complete.)
void SlurmTask::stop(bool) {
  if (end_ || cancel_requested_ || !owner_) return;
  cancel_requested_ = true;
  owner_->request_cancel(*this);
}

SlurmTask::~SlurmTask() {
  if (!owner_) return;
  if (!end_ && !cancel_requested_) owner_->request_cancel(*this);  // the run is going away early
  owner_->forget(this);
}

}  // namespace

Result<std::unique_ptr<TaskLauncher>> make_slurm_launcher(const LauncherContext& context) {
  return std::unique_ptr<TaskLauncher>(new SlurmLauncher(context));
}

}  // namespace conflux
