#include "runtime/log_capture.hpp"

#include "datastore/mflog.hpp"

namespace conflux {

void LogCapture::feed(std::string_view bytes) {
  size_t start = 0;
  while (true) {
    size_t nl = bytes.find('\n', start);
    if (nl == std::string_view::npos) {
      partial_.append(bytes.substr(start));
      return;
    }
    if (partial_.empty()) {
      emit(bytes.substr(start, nl - start));
    } else {
      partial_.append(bytes.substr(start, nl - start));
      emit(partial_);
      partial_.clear();
    }
    start = nl + 1;
  }
}

void LogCapture::finish() {
  if (!partial_.empty()) {
    emit(partial_);
    partial_.clear();
  }
}

void LogCapture::add_runtime_line(std::string_view line) {
  std::string text(line);
  text += '\n';
  append_mflog_line(log_, kMflogRuntimeSource, text);
}

void LogCapture::emit(std::string_view line) {
  if (on_line_) on_line_(line);
  if (truncated_) return;
  if (logged_bytes_ + line.size() > max_bytes_) {
    truncated_ = true;
    append_mflog_line(log_, source_, "[TRUNCATED - MAXIMUM LOG FILE SIZE REACHED]\n");
    return;
  }
  logged_bytes_ += line.size() + 1;
  std::string text(line);
  text += '\n';
  append_mflog_line(log_, source_, text);
}

}  // namespace conflux
