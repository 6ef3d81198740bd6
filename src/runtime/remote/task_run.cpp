#include "runtime/remote/task_run.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "datastore/task_datastore.hpp"
#include "package/package_cache.hpp"
#include "runtime/child_process.hpp"
#include "runtime/command_runner.hpp"
#include "runtime/log_capture.hpp"
#include "runtime/remote/local_metadata_sync.hpp"

namespace conflux {

namespace {

using Clock = std::chrono::steady_clock;

std::atomic<int> g_stop_signal{0};
void on_stop(int signal) { g_stop_signal = signal; }

constexpr auto kStopGrace = std::chrono::seconds(10);

std::string host_name() {
  char buf[256] = {};
  gethostname(buf, sizeof(buf) - 1);
  return buf;
}

// Uploads the logs on a schedule that starts fast (short tasks show output at once) and slows
// down (long tasks do not rewrite their logs every second), like Metaflow's save_logs_periodically.
class LogUploader {
 public:
  LogUploader(TaskDataStore& ds, int attempt, const LogCapture& out, const LogCapture& err)
      : ds_(ds), attempt_(attempt), out_(out), err_(err), next_(Clock::now() + interval_) {}

  void maybe_upload() {
    if (Clock::now() < next_) return;
    (void)upload();  // a failed upload is retried at the next one; the final upload reports it
    interval_ = std::min(interval_ * 3 / 2, std::chrono::milliseconds(15000));
    next_ = Clock::now() + interval_;
  }
  Status upload() {
    Status result;
    if (out_.log().size() != out_sent_) {
      result = ds_.save_log(attempt_, "task", LogStream::kStdout, out_.log());
      if (result.ok()) out_sent_ = out_.log().size();
    }
    if (err_.log().size() != err_sent_) {
      Status s = ds_.save_log(attempt_, "task", LogStream::kStderr, err_.log());
      if (s.ok()) err_sent_ = err_.log().size();
      if (result.ok()) result = s;
    }
    return result;
  }

 private:
  TaskDataStore& ds_;
  int attempt_;
  const LogCapture& out_;
  const LogCapture& err_;
  std::chrono::milliseconds interval_{500};
  Clock::time_point next_;
  size_t out_sent_ = 0;
  size_t err_sent_ = 0;
};

// Writes the exit record; a failure to write it is reported but does not change the exit code.
void record_exit(TaskDataStore& ds, int attempt, const TaskExitRecord& record) {
  Status saved = ds.save_attempt_file(attempt, kTaskExitFile, record.to_json());
  if (!saved.ok()) std::fprintf(stderr, "conflux task-run: cannot record the task's exit: %s\n", saved.message().c_str());
}

// A private directory under $TMPDIR (else /tmp), removed with everything in it when destroyed.
class ScratchDir {
 public:
  static Result<ScratchDir> create(const std::string& prefix) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "XXXXXX";
    if (!mkdtemp(pattern.data())) return Status::io_error("cannot create a scratch directory " + pattern + ": " + std::strerror(errno));
    return ScratchDir(pattern);
  }
  ScratchDir(ScratchDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  ScratchDir& operator=(ScratchDir&&) = delete;
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit ScratchDir(std::filesystem::path path) : path_(std::move(path)) {}
  std::filesystem::path path_;
};

Result<std::string> packaged_binary(const std::filesystem::path& dir) {
  std::ifstream in(dir / "INFO");
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json info = nlohmann::json::parse(text.str(), nullptr, false);
  if (!info.is_object() || !info.contains("binary") || !info["binary"].is_string()) {
    return Status::corruption("the code package in " + dir.string() + " has no INFO naming its binary");
  }
  std::filesystem::path binary = dir / info["binary"].get<std::string>();
  if (access(binary.c_str(), X_OK) != 0) return Status::corruption("the code package's binary " + binary.string() + " is not executable");
  return binary.string();
}

}  // namespace

int task_run(const RemoteTask& given, const TaskRunEnvironment& env) {
  RemoteTask task = given;
  if (task.deployed) {
    // The engine could not know the task id and input paths: they are worked out here.
    Status resolved = resolve_deployed_task(task, *env.storage);
    if (!resolved.ok()) {
      std::fprintf(stderr, "conflux task-run: %s\n", resolved.message().c_str());
      return 1;
    }
  }
  TaskDataStore ds(*env.storage, task.flow, task.run_id, task.step, task.task_id);
  TaskExitRecord record;
  record.host = host_name();
  record.engine_id = env.engine_id;
  auto setup_failure = [&](const Status& why) {
    std::string line = "conflux task-run: " + why.message();
    std::fprintf(stderr, "%s\n", line.c_str());
    LogCapture err(env.max_log_size_bytes, nullptr, "task");
    err.add_runtime_line(line);
    (void)ds.save_log(task.attempt, "task", LogStream::kStderr, err.log());
    record.exit_code = 1;
    record.message = why.message();
    record_exit(ds, task.attempt, record);
    return 1;
  };

  auto package = cached_package(env.package_cache, task.code_sha, env.fetch_package);
  if (!package.ok()) return setup_failure(package.status().with_context("cannot fetch the code package " + task.code_url));
  auto binary = packaged_binary(package->dir);
  if (!binary.ok()) return setup_failure(binary.status());

  if (task.deployed && task.deployed->init_parameters) {
    // A deployed run's start task stores the run's parameters first (idempotent: a retried start
    // finds them stored).
    auto init = deployed_init_command(task, *binary);
    if (!init.ok()) return setup_failure(init.status());
    auto ran = run_command(*init, "", std::chrono::minutes(10));
    if (!ran.ok()) return setup_failure(ran.status().with_context("cannot store the run's parameters"));
    if (!ran->exit.ok()) {
      return setup_failure(Status::invalid_argument("cannot store the run's parameters (" + ran->exit.describe() +
                                                    "): " + ran->err + ran->out));
    }
  }

  struct sigaction action {};
  action.sa_handler = on_stop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::vector<std::string> argv = task.argv;
  argv[0] = *binary;
  // Local metadata with an S3 datastore: the step writes it into a scratch .metaflow here, which
  // goes to the datastore when it ends (local_metadata_sync.hpp).
  std::map<std::string, std::string> child_env = task.env;
  std::optional<ScratchDir> scratch;
  if (task.sync_local_metadata) {
    auto made = ScratchDir::create("conflux-metadata-");
    if (!made.ok()) return setup_failure(made.status());
    scratch.emplace(std::move(made).value());
    child_env["METAFLOW_DATASTORE_SYSROOT_LOCAL"] = scratch->path().string();
  }
  auto child = ChildProcess::start(argv, child_env);
  if (!child.ok()) return setup_failure(child.status().with_context("cannot start " + *binary));

  // Output goes to the datastore (mflog, source "task") and to our own stdout/stderr, which the
  // engine keeps (Slurm's --output file, the pod log).
  LogCapture out(env.max_log_size_bytes, [](std::string_view l) { std::printf("%.*s\n", static_cast<int>(l.size()), l.data()); std::fflush(stdout); }, "task");
  LogCapture err(env.max_log_size_bytes, [](std::string_view l) { std::fprintf(stderr, "%.*s\n", static_cast<int>(l.size()), l.data()); }, "task");
  LogUploader uploader(ds, task.attempt, out, err);

  auto started = Clock::now();
  std::optional<Clock::time_point> deadline;
  if (task.timeout_seconds > 0) deadline = started + std::chrono::seconds(task.timeout_seconds);
  std::optional<Clock::time_point> kill_at;
  std::optional<ChildExit> exit;
  char buf[65536];
  while (!exit) {
    std::vector<pollfd> fds;
    if (child->stdout_fd() >= 0) fds.push_back({child->stdout_fd(), POLLIN, 0});
    if (child->stderr_fd() >= 0) fds.push_back({child->stderr_fd(), POLLIN, 0});
    int wait_ms = fds.empty() ? 5 : 200;
    poll(fds.data(), fds.size(), wait_ms);
    for (int which = 0; which < 2; ++which) {
      int fd = which == 0 ? child->stdout_fd() : child->stderr_fd();
      if (fd < 0) continue;
      ssize_t n = read(fd, buf, sizeof(buf));
      if (n > 0) {
        (which == 0 ? out : err).feed(std::string_view(buf, static_cast<size_t>(n)));
      } else if (n == 0) {
        (which == 0 ? out : err).finish();
        which == 0 ? child->close_stdout() : child->close_stderr();
      }
    }
    auto now = Clock::now();
    if (deadline && now >= *deadline && !record.timed_out) {
      record.timed_out = true;
      err.add_runtime_line("Task timed out after " + std::to_string(task.timeout_seconds) + " s (@timeout) and was stopped.");
      child->signal_group(SIGKILL);
    }
    if (int sig = g_stop_signal.exchange(0); sig && !kill_at) {
      err.add_runtime_line(std::string("conflux task-run received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                           ": stopping the task.");
      child->signal_group(SIGTERM);
      kill_at = now + kStopGrace;
    }
    if (kill_at && now >= *kill_at) child->signal_group(SIGKILL);
    if (child->stdout_fd() < 0 && child->stderr_fd() < 0) exit = child->poll_exit();
    uploader.maybe_upload();
  }
  record.exit_code = exit->exit_code;
  record.signal = exit->signal;
  Status uploaded = uploader.upload();
  if (!uploaded.ok()) std::fprintf(stderr, "conflux task-run: cannot upload the task's logs: %s\n", uploaded.message().c_str());
  // Before the exit record: the launcher copies the metadata back as soon as it sees the record.
  if (scratch) {
    Status synced = save_local_metadata(ds, task.attempt, scratch->path() / ".metaflow");
    if (!synced.ok()) std::fprintf(stderr, "conflux task-run: cannot store the task's local metadata: %s\n", synced.message().c_str());
  }
  if (exit->ok() && task.deployed) {
    // What the engine reads back (Argo's output parameters); without them the run cannot go on.
    Status written = write_engine_outputs(task, *env.storage);
    if (!written.ok()) {
      std::fprintf(stderr, "conflux task-run: cannot write the engine's outputs: %s\n", written.message().c_str());
      record.message = "cannot write the engine's outputs: " + written.message();
      record.exit_code = 1;
    }
    // The run is done either way; a lost event is reported, not a failed task.
    if (Status published = publish_deployed_event(task); !published.ok()) {
      std::fprintf(stderr, "conflux task-run: warning: %s\n", published.message().c_str());
    }
  }
  record_exit(ds, task.attempt, record);
  if (exit->signal) return 128 + exit->signal;
  if (record.exit_code != exit->exit_code) return record.exit_code;
  return exit->exit_code;
}

}  // namespace conflux
