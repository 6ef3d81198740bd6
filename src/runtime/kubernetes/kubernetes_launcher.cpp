#include "runtime/kubernetes/kubernetes_launcher.hpp"

#include <algorithm>
#include <chrono>
#include <list>
#include <set>

#include "datastore/task_datastore.hpp"
#include "runtime/kubernetes/kubernetes_api.hpp"
#include "runtime/kubernetes/kubernetes_pod.hpp"
#include "runtime/launcher/remote_launch.hpp"
#include "runtime/remote/local_metadata_sync.hpp"
#include "runtime/remote/log_tail.hpp"
#include "runtime/remote/remote_task.hpp"

namespace conflux {

namespace {

using Clock = std::chrono::steady_clock;

// One LIST of Jobs and one of pods per interval, whatever the width (Metaflow reads each Job).
constexpr auto kPollInterval = std::chrono::milliseconds(500);
constexpr size_t kTailsPerPoll = 64;                     // log tails per poll, round robin
constexpr int kMissingPollsBeforeLost = 3;  // an ended pod's exit record may still be on its way
constexpr int kUnseenPollsBeforeLost = 30;  // a created Job the list never showed
// The pod's deadline sits above @timeout, which task-run enforces to the second.
constexpr int64_t kDeadlineMargin = 120;

class KubernetesLauncher;

class KubernetesTask final : public LaunchedTask {
 public:
  KubernetesTask(KubernetesLauncher* owner, std::string name, std::string ns, nlohmann::ordered_json job,
                 const TaskLaunch& launch, TaskOutput output, StorageBackend& storage, std::string local_metadata_root)
      : owner_(owner),
        name_(std::move(name)),
        namespace_(std::move(ns)),
        job_(std::move(job)),
        attempt_(launch.attempt),
        output_(std::move(output)),
        ds_(storage, launch.flow, launch.run_id, launch.step, launch.task_id),
        local_metadata_root_(std::move(local_metadata_root)) {}
  ~KubernetesTask() override;

  std::string where() const override { return "kubernetes job " + name_; }
  std::optional<TaskEnd> end() const override { return end_; }
  void stop(bool force) override;
  void owner_gone() { owner_ = nullptr; }

  const std::string& name() const { return name_; }
  const std::string& ns() const { return namespace_; }
  bool created() const { return created_; }
  bool ended() const { return end_.has_value(); }
  bool running() const { return running_; }

  void tail() {
    out_tail_.pump(ds_, attempt_, LogStream::kStdout, output_.echo);
    err_tail_.pump(ds_, attempt_, LogStream::kStderr, output_.echo);
  }

  // Creates the Job. A repeated creation (the first answer was lost) finds it there: fine.
  void create(KubernetesApi& api) {
    Status made = api.create_job(namespace_, job_);
    if (!made.ok() && made.code() != StatusCode::kAlreadyExists) {
      end_ = TaskEnd{ChildExit{1, 0}, false, false, made.code() == StatusCode::kUnavailable,
                     "cannot create the Job: " + made.message()};
      return;
    }
    created_ = true;
    job_ = nlohmann::ordered_json();  // not needed any more
  }

  void fail_before_creation(const std::string& why) {
    if (!end_) end_ = TaskEnd{ChildExit{1, 0}, false, true, false, why};
  }

  // Brings the task up to date with the Job and its newest pod (null: not listed).
  void observe(const nlohmann::json* job, const nlohmann::json* pod) {
    if (end_ || !created_) return;
    std::optional<KubernetesJobVerdict> verdict;
    if (job) {
      seen_ = true;
      verdict = kubernetes_verdict(*job, pod);
      running_ = verdict->running;
      if (!verdict->ended) return;
    }
    // Ended, or gone: the exit record task-run left is the truth.
    std::optional<TaskExitRecord> record;
    if (auto text = ds_.load_attempt_file(attempt_, kTaskExitFile); text.ok()) {
      if (auto parsed = TaskExitRecord::from_json(*text); parsed.ok()) record = *parsed;
    }
    if (!record && ++missing_polls_ < (seen_ || delete_requested_ ? kMissingPollsBeforeLost : kUnseenPollsBeforeLost)) return;
    tail();
    TaskEnd end;
    if (record) {
      end.exit.exit_code = record->exit_code;
      end.exit.signal = record->signal;
      end.timed_out = record->timed_out || (verdict && verdict->timed_out);
      end.reason = record->message;
      if (verdict && !verdict->reason.empty() && !(record->exit_code == 0 && record->signal == 0)) {
        end.reason += (end.reason.empty() ? "" : " ") + verdict->reason;
      }
    } else {
      end.lost = true;
      end.exit.exit_code = verdict && verdict->exit_code ? *verdict->exit_code : 1;
      if (end.exit.exit_code == 0) end.exit.exit_code = 1;  // no commit record: not a success
      if (delete_requested_) {
        end.reason = "the runtime deleted the Job.";
      } else if (!job && seen_) {
        end.reason = "the Job was deleted outside the runtime, so it is not retried.";
        end.retryable = false;
      } else if (verdict) {
        end.reason = verdict->reason.empty() ? "the pod ended without an exit record from conflux task-run (is "
                                               "conflux in the image?)" : verdict->reason;
        end.retryable = verdict->retryable;
        end.timed_out = verdict->timed_out;
      } else {
        end.reason = "the Job never appeared in the API server's list.";
      }
    }
    if (record && !local_metadata_root_.empty()) {
      Status restored = restore_local_metadata(ds_, attempt_, local_metadata_root_);
      bool never_started = restored.code() == StatusCode::kNotFound && !record->message.empty();
      if (!restored.ok() && !never_started) {
        if (end.exit.ok()) end.exit.exit_code = 1;
        end.retryable = true;
        end.reason = "its local metadata could not be copied back: " + restored.message() +
                     (end.reason.empty() ? "" : ". " + end.reason);
      }
    }
    end_ = end;
    running_ = false;
    // Finished Jobs are removed by their TTL; a lost one must not run next to its retry.
    if (end.lost && !delete_requested_ && owner_ && job) stop(true);
  }

 private:
  KubernetesLauncher* owner_;  // null once the launcher is gone
  std::string name_;
  std::string namespace_;
  nlohmann::ordered_json job_;  // the Job to create; emptied once created
  int attempt_;
  TaskOutput output_;
  TaskDataStore ds_;
  std::string local_metadata_root_;
  LogTail out_tail_, err_tail_;
  std::optional<TaskEnd> end_;
  bool created_ = false;
  bool seen_ = false;
  bool running_ = false;
  bool delete_requested_ = false;
  int missing_polls_ = 0;
  friend class KubernetesLauncher;
};

class KubernetesLauncher final : public TaskLauncher {
 public:
  KubernetesLauncher(LauncherContext context, std::unique_ptr<KubernetesApi> api)
      : context_(std::move(context)), api_(std::move(api)) {}

  ~KubernetesLauncher() override {
    // Nothing of this run stays on the cluster: every Job still alive is deleted.
    for (KubernetesTask* t : tasks_) {
      if (t->created() && !t->ended()) deletes_.insert({t->ns(), t->name()});
      t->owner_gone();
    }
    for (const auto& [ns, name] : deletes_) {
      Status deleted = api_->delete_job(ns, name);
      if (!deleted.ok() && context_.console) context_.console->line("warning: " + deleted.message());
    }
    if (context_.console && (created_ > 0 || deleted_ > 0)) {
      context_.console->line("Kubernetes (" + api_->where() + "): " + std::to_string(created_) + " Jobs created, " +
                             std::to_string(deleted_ + deletes_.size()) + " deleted, " + std::to_string(polls_) +
                             " polls.");
    }
  }

  std::string_view name() const override { return "kubernetes"; }
  bool remote() const override { return true; }

  std::vector<Result<std::unique_ptr<LaunchedTask>>> submit(const std::vector<TaskLaunch>& launches,
                                                             const std::vector<TaskOutput>& outputs) override {
    std::vector<Result<std::unique_ptr<LaunchedTask>>> results;
    auto package = context_.code_package();
    for (size_t i = 0; i < launches.size(); ++i) {
      if (!package.ok()) {
        results.emplace_back(package.status());
        continue;
      }
      results.push_back(make_task(launches[i], outputs[i], *package));
    }
    return results;
  }

  void wait_set(std::vector<pollfd>&, std::chrono::milliseconds& max_wait) override {
    if (tasks_.empty() && deletes_.empty()) return;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next_poll_ - Clock::now());
    // Queued Jobs are created at the next update.
    if (!deletes_.empty() || queued() > 0) left = std::chrono::milliseconds(0);
    max_wait = std::min(max_wait, std::max(left, std::chrono::milliseconds(0)));
  }

  void update() override {
    for (auto it = deletes_.begin(); it != deletes_.end();) {
      Status deleted = api_->delete_job(it->first, it->second);
      if (!deleted.ok()) {
        if (context_.console) context_.console->line("warning: " + deleted.message() + " (trying again)");
        break;
      }
      ++deleted_;
      it = deletes_.erase(it);
    }
    create_queued();
    if (Clock::now() < next_poll_) return;
    next_poll_ = Clock::now() + kPollInterval;
    std::set<std::string> namespaces;
    for (KubernetesTask* t : tasks_) {
      if (t->created() && !t->ended()) namespaces.insert(t->ns());
    }
    if (namespaces.empty()) return;
    ++polls_;
    std::map<std::string, nlohmann::json> jobs;  // by "ns/name"
    std::map<std::string, nlohmann::json> pods;  // newest pod by "ns/job name"
    std::string selector = std::string(kRunLabel) + "=" + run_label_;
    for (const std::string& ns : namespaces) {
      auto listed = api_->list_jobs(ns, selector);
      auto listed_pods = listed.ok() ? api_->list_pods(ns, selector) : Result<nlohmann::json>(listed.status());
      if (!listed.ok() || !listed_pods.ok()) {
        unreachable(listed.ok() ? listed_pods.status() : listed.status());
        return;
      }
      for (const auto& j : *listed) jobs[ns + "/" + j["metadata"].value("name", "")] = j;
      for (const auto& p : *listed_pods) {
        std::string job = p["metadata"].value("labels", nlohmann::json::object()).value("job-name", "");
        std::string key = ns + "/" + job;
        std::string created = p["metadata"].value("creationTimestamp", "");
        if (!pods.count(key) || pods[key]["metadata"].value("creationTimestamp", "") <= created) pods[key] = p;
      }
    }
    unreachable_since_.reset();
    std::vector<KubernetesTask*> running;
    for (KubernetesTask* t : tasks_) {
      if (!t->created() || t->ended()) continue;
      std::string key = t->ns() + "/" + t->name();
      auto job = jobs.find(key);
      auto pod = pods.find(key);
      t->observe(job == jobs.end() ? nullptr : &job->second, pod == pods.end() ? nullptr : &pod->second);
      if (t->running()) running.push_back(t);
    }
    for (size_t k = 0; k < std::min(kTailsPerPoll, running.size()); ++k) {
      running[(tail_cursor_ + k) % running.size()]->tail();
    }
    tail_cursor_ += kTailsPerPoll;
  }

  void request_delete(KubernetesTask& task) { deletes_.insert({task.ns(), task.name()}); }
  void forget(KubernetesTask* task) { tasks_.remove(task); }

 private:
  Result<std::unique_ptr<LaunchedTask>> make_task(const TaskLaunch& l, const TaskOutput& output,
                                                  const StoredCodePackage& package) {
    auto options = kubernetes_options(l.engine_options, l.resource_decorator, context_.settings["kubernetes"]);
    if (!options.ok()) return options.status().with_context("step " + l.step);
    if (options->image.empty()) {
      return Status::invalid_argument("step " + l.step + ": @kubernetes needs an image: give image=... or set "
                                      "CONFLUX_KUBERNETES_IMAGE");
    }
    if (run_label_.empty()) run_label_ = kubernetes_run_label(l.flow, l.run_id);
    KubernetesJobSpec spec;
    spec.name = kubernetes_job_name(l.flow, l.run_id, l.step, l.task_id, l.attempt);
    spec.run_label = run_label_;
    spec.annotations = {{"metaflow/flow_name", l.flow}, {"metaflow/run_id", l.run_id}, {"metaflow/step_name", l.step},
                        {"metaflow/task_id", l.task_id}, {"metaflow/attempt", std::to_string(l.attempt)}};
    spec.command = {options->conflux_command, "task-run", "--task", remote_task_of(l, package, context_).to_json_line(),
                    "--engine-id", "kubernetes job " + spec.name};
    spec.deadline_seconds = l.timeout_seconds > 0 ? l.timeout_seconds + kDeadlineMargin : 0;
    auto task = std::make_unique<KubernetesTask>(this, spec.name, options->namespace_name, kubernetes_job(*options, spec), l,
                                                 output, *context_.storage, context_.local_metadata_root);
    tasks_.push_back(task.get());
    return std::unique_ptr<LaunchedTask>(std::move(task));
  }

  size_t queued() const {
    size_t n = 0;
    for (const KubernetesTask* t : tasks_) n += !t->created() && !t->ended();
    return n;
  }

  // --max-workers Jobs at most exist at once; the rest wait here, in submission order.
  void create_queued() {
    int64_t active = 0;
    for (const KubernetesTask* t : tasks_) active += t->created() && !t->ended();
    for (KubernetesTask* t : tasks_) {
      if (active >= context_.max_workers) break;
      if (t->created() || t->ended()) continue;
      t->create(*api_);
      if (t->created()) {
        ++active;
        ++created_;
      }
    }
  }

  void unreachable(const Status& why) {
    // The API server unreachable: keep trying, but not forever.
    if (!unreachable_since_) unreachable_since_ = Clock::now();
    if (Clock::now() - *unreachable_since_ < std::chrono::minutes(2)) return;
    for (KubernetesTask* t : tasks_) {
      if (t->created() && !t->ended()) {
        t->stop(true);
        t->end_ = TaskEnd{ChildExit{1, 0}, false, true, true, "lost contact with Kubernetes: " + why.message()};
      }
    }
  }

  LauncherContext context_;
  std::unique_ptr<KubernetesApi> api_;
  std::string run_label_;
  std::list<KubernetesTask*> tasks_;  // owned by the scheduler; they unregister when destroyed
  std::set<std::pair<std::string, std::string>> deletes_;  // (namespace, name)
  Clock::time_point next_poll_ = Clock::now();
  std::optional<Clock::time_point> unreachable_since_;
  size_t tail_cursor_ = 0;
  int64_t created_ = 0, deleted_ = 0, polls_ = 0;
};

void KubernetesTask::stop(bool) {
  if (end_ || delete_requested_ || !owner_) return;
  if (!created_) {
    // Still queued here: it never reaches the cluster.
    end_ = TaskEnd{ChildExit{1, 0}, false, false, false, "stopped before its Job was created."};
    return;
  }
  delete_requested_ = true;
  owner_->request_delete(*this);
}

KubernetesTask::~KubernetesTask() {
  if (!owner_) return;
  if (created_ && !end_ && !delete_requested_) owner_->request_delete(*this);  // the run is going away early
  owner_->forget(this);
}

}  // namespace

Result<std::unique_ptr<TaskLauncher>> make_kubernetes_launcher(const LauncherContext& context) {
  if (context.ds_type != "s3") {
    return Status::invalid_argument("Kubernetes needs an S3 datastore that pods can reach (--datastore s3, or "
                                    "METAFLOW_DEFAULT_DATASTORE=s3)");
  }
  auto settings = context.settings;
  auto endpoint = kubernetes_endpoint(settings["kubernetes"]["api"]);
  if (!endpoint.ok()) return endpoint.status();
  return std::unique_ptr<TaskLauncher>(new KubernetesLauncher(context, std::make_unique<KubernetesApi>(*endpoint)));
}

}  // namespace conflux
