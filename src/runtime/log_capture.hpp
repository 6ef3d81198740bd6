// LogCapture: turns the bytes a task writes to one stream (stdout or stderr) into lines, echoes
// each complete line to the console as it arrives, and keeps them in mflog format for the task's
// `<attempt>.runtime_<stream>.log`. Output beyond the size limit is dropped with Metaflow's
// "[TRUNCATED - MAXIMUM LOG FILE SIZE REACHED]" note. Used by one thread.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace conflux {

class LogCapture {
 public:
  using LineFn = std::function<void(std::string_view line)>;

  // `on_line` receives each complete line without its newline (for the console). `source` is the
  // mflog source of captured lines: "runtime" when the runtime captures a local task's output,
  // "task" when `conflux task-run` captures it on a remote node.
  LogCapture(size_t max_bytes, LineFn on_line, std::string source = "runtime")
      : max_bytes_(max_bytes), on_line_(std::move(on_line)), source_(std::move(source)) {}

  // Feeds bytes read from the stream.
  void feed(std::string_view bytes);
  // Flushes a last line that had no newline (the stream ended).
  void finish();
  // Adds a line the runtime itself writes into this log (e.g. "Task failed.").
  void add_runtime_line(std::string_view line);

  // The mflog-formatted log so far.
  const std::string& log() const { return log_; }

 private:
  void emit(std::string_view line);

  size_t max_bytes_;
  LineFn on_line_;
  std::string source_;
  std::string partial_;
  std::string log_;
  size_t logged_bytes_ = 0;
  bool truncated_ = false;
};

}  // namespace conflux
