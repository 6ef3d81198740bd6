#include "runtime/console.hpp"

#include <sys/time.h>

#include <ctime>

namespace conflux {

std::string local_timestamp() {
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm local;
  localtime_r(&tv.tv_sec, &local);
  char buf[64];
  size_t n = strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &local);
  snprintf(buf + n, sizeof(buf) - n, ".%03d", static_cast<int>(tv.tv_usec / 1000));
  return buf;
}

void Console::line(std::string_view text) {
  std::string out = local_timestamp();
  out += ' ';
  out += text;
  out += '\n';
  fwrite(out.data(), 1, out.size(), out_);
  fflush(out_);
}

void Console::task_line(std::string_view task, std::string_view text) {
  std::string out = local_timestamp();
  out += " [";
  out += task;
  out += "] ";
  out += text;
  out += '\n';
  fwrite(out.data(), 1, out.size(), out_);
  fflush(out_);
}

}  // namespace conflux
