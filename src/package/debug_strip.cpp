#include "package/debug_strip.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace conflux {

Result<std::string> strip_debug_info(const std::string& binary) {
  char dir_template[] = "/tmp/conflux-strip-XXXXXX";
  if (!mkdtemp(dir_template)) return Status::io_error("cannot create a temporary directory to strip the binary");
  std::filesystem::path dir = dir_template;
  auto cleanup = [&] {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  };
  std::string in = (dir / "in").string(), out = (dir / "out").string();
  {
    std::ofstream f(in, std::ios::binary);
    f.write(binary.data(), static_cast<std::streamsize>(binary.size()));
    if (!f) {
      cleanup();
      return Status::io_error("cannot write " + in);
    }
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::string program = "objcopy", flag = "--strip-debug";
  char* argv[] = {program.data(), flag.data(), in.data(), out.data(), nullptr};
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, "objcopy", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  if (rc == 0) {
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (rc != 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    cleanup();
    return Status::not_found("objcopy (binutils) could not strip the binary");
  }
  std::ifstream f(out, std::ios::binary);
  std::stringstream bytes;
  bytes << f.rdbuf();
  cleanup();
  return bytes.str();
}

}  // namespace conflux
