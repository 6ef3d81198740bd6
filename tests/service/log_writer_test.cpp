// LogWriter: buffered log lines reach the stream in order, within the interval, whole, and all
// of them by the time the writer is destroyed; write_now() goes out at once, after what came
// before it.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "service/log_writer.hpp"
#include "testutil/testutil.hpp"

namespace conflux::service {
namespace {

TEST(LogWriterTest, WriteNowWritesEarlierLinesFirst) {
  std::ostringstream out;
  LogWriter writer(out, std::chrono::seconds(60));  // no timed flush during the test
  writer.write("one");
  writer.write("two");
  EXPECT_EQ(out.str(), "");  // buffered
  writer.write_now("event");
  EXPECT_EQ(out.str(), "one\ntwo\nevent\n");
}

TEST(LogWriterTest, BufferedLinesGoOutWithinTheInterval) {
  // A file, read through its own handle: the check does not touch the writer's stream.
  conflux::testing::TempDir dir;
  std::ofstream file(dir.path() / "access.log");
  LogWriter writer(file, std::chrono::milliseconds(20));
  writer.write("line");
  std::string seen;
  for (int i = 0; i < 200 && seen.empty(); ++i) {  // up to 2 s on a loaded machine
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    seen = conflux::testing::read_file(dir.path() / "access.log");
  }
  EXPECT_EQ(seen, "line\n");
}

TEST(LogWriterTest, ConcurrentLinesAllArriveWholeByDestruction) {
  std::ostringstream out;
  {
    LogWriter writer(out, std::chrono::milliseconds(5));
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&writer, t] {
        for (int i = 0; i < 2000; ++i) writer.write("t" + std::to_string(t) + " line " + std::to_string(i) + " end");
      });
    }
    for (auto& th : threads) th.join();
  }
  std::istringstream in(out.str());
  std::set<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    EXPECT_TRUE(line.starts_with("t") && line.ends_with(" end")) << line;
    lines.insert(line);
  }
  EXPECT_EQ(lines.size(), 16000u);
}

}  // namespace
}  // namespace conflux::service
