#include "service/log_writer.hpp"

namespace conflux::service {

LogWriter::LogWriter(std::ostream& out, std::chrono::milliseconds interval)
    : out_(out), interval_(interval), thread_([this] { loop(); }) {}

LogWriter::~LogWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void LogWriter::write(std::string_view line) {
  bool full = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    buffer_.append(line);
    buffer_ += '\n';
    full = buffer_.size() >= kFlushBytes;
  }
  if (full) cv_.notify_one();
}

void LogWriter::write_now(std::string_view line) {
  std::unique_lock<std::mutex> lock(mu_);
  buffer_.append(line);
  buffer_ += '\n';
  drain(lock);
}

void LogWriter::drain(std::unique_lock<std::mutex>& lock) {
  std::string out;
  out.swap(buffer_);
  {
    // Take out_mu_ before letting go of mu_, so a later drain cannot overtake this one; let go
    // of it before taking mu_ again (the other order would deadlock with that later drain).
    std::unique_lock<std::mutex> write_lock(out_mu_);
    lock.unlock();
    if (!out.empty()) {
      out_.write(out.data(), static_cast<std::streamsize>(out.size()));
      out_.flush();
    }
  }
  lock.lock();
}

void LogWriter::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait_for(lock, interval_, [this] { return stopping_ || buffer_.size() >= kFlushBytes; });
    drain(lock);
    // Lines may have come in while drain() wrote without the lock: stop only when none did.
    if (stopping_ && buffer_.empty()) return;
  }
}

}  // namespace conflux::service
