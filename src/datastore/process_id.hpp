// The calling process's id, cached (getpid() is a real syscall and the datastore needs the pid for
// every temporary file name). The cache is refreshed in forked children. Thread-safe.
#pragma once

#include <sys/types.h>

namespace conflux {

pid_t current_pid();

}  // namespace conflux
