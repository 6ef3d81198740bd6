// The file system's floor for writing task directories: copies one task directory's layout (its
// files, their bytes, and one level of subdirectories such as `_meta`) N times with plain
// mkdir/open/write/close on T threads: no JSON, no temporary names, no renames, no reads. bench/run
// prints resume's cloning time beside this figure for the same tasks on the same disk, so the
// part of a clone that is ours shows apart from what the file system charges for the files
// Metaflow's layout asks for.
//
// Usage: file_layout_floor SAMPLE_TASK_DIR DEST_DIR N THREADS
// Prints: "<seconds> <files per task>". DEST_DIR must not exist; it is left for the caller to delete.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "base/parallel_for.hpp"

namespace {

struct SampleFile {
  std::string relative_path;  // "0.data.json" or "_meta/_self.json"
  std::string bytes;
};

struct Sample {
  std::vector<std::string> subdirectories;
  std::vector<SampleFile> files;
};

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Sample read_sample(const std::filesystem::path& dir) {
  Sample sample;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (entry.is_directory()) {
      sample.subdirectories.push_back(name);
      for (const auto& inner : std::filesystem::directory_iterator(entry.path())) {
        if (inner.is_regular_file()) {
          sample.files.push_back({name + "/" + inner.path().filename().string(), read_file(inner.path())});
        }
      }
    } else if (entry.is_regular_file()) {
      sample.files.push_back({name, read_file(entry.path())});
    }
  }
  return sample;
}

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "file_layout_floor: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

void write_copy(const Sample& sample, const std::string& dest) {
  if (::mkdir(dest.c_str(), 0777) != 0) fail("mkdir " + dest);
  for (const std::string& sub : sample.subdirectories) {
    if (::mkdir((dest + "/" + sub).c_str(), 0777) != 0) fail("mkdir " + dest + "/" + sub);
  }
  int dir_fd = ::open(dest.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) fail("open " + dest);
  for (const SampleFile& f : sample.files) {
    int fd = ::openat(dir_fd, f.relative_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) fail("create " + dest + "/" + f.relative_path);
    if (::write(fd, f.bytes.data(), f.bytes.size()) != static_cast<ssize_t>(f.bytes.size())) {
      fail("write " + dest + "/" + f.relative_path);
    }
    ::close(fd);
  }
  ::close(dir_fd);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: file_layout_floor SAMPLE_TASK_DIR DEST_DIR N THREADS\n");
    return 2;
  }
  Sample sample = read_sample(argv[1]);
  std::string dest = argv[2];
  size_t n = std::strtoull(argv[3], nullptr, 10);
  int threads = std::atoi(argv[4]);
  if (sample.files.empty() || n == 0 || threads < 1) {
    std::fprintf(stderr, "file_layout_floor: need a task directory with files, N >= 1 and THREADS >= 1\n");
    return 2;
  }
  if (::mkdir(dest.c_str(), 0777) != 0) fail("mkdir " + dest);
  auto start = std::chrono::steady_clock::now();
  conflux::parallel_for(n, threads, [&](size_t i) { write_copy(sample, dest + "/" + std::to_string(i)); });
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%.2f %zu\n", seconds, sample.files.size());
  return 0;
}
