// Input paths on the command line: Metaflow's three forms, both ways, and what Python's Metaflow
// decoder (zlib twice, base64) would read.
#include <gtest/gtest.h>

#include "task/input_paths.hpp"
#include "testutil/testutil.hpp"

namespace conflux {
namespace {

std::vector<std::string> foreach_paths(int n) {
  std::vector<std::string> paths;
  for (int i = 0; i < n; ++i) paths.push_back("1796560056794218/train/" + std::to_string(i + 2));
  return paths;
}

TEST(InputPaths, ShortListsStayReadable) {
  EXPECT_EQ(compress_input_paths({"12/_parameters/0"}), "12/_parameters/0");
  EXPECT_EQ(compress_input_paths({"12/a/3", "12/b/4"}), "12/:a/3,b/4");
  EXPECT_EQ(compress_input_paths({"12/a/3", "7/b/4"}), "12/a/3,7/b/4");  // no common prefix
  for (const auto& paths : std::vector<std::vector<std::string>>{{"12/_parameters/0"}, {"12/a/3", "12/b/4"}, {"12/a/3", "7/b/4"}}) {
    auto back = decompress_input_paths(compress_input_paths(paths));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, paths);
  }
  // The plain comma list of earlier versions still reads.
  auto plain = decompress_input_paths("12/a/3,12/a/4");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, (std::vector<std::string>{"12/a/3", "12/a/4"}));
}

TEST(InputPaths, WideJoinsCompressIntoOneArgument) {
  auto paths = foreach_paths(100000);
  std::string text = compress_input_paths(paths);
  EXPECT_EQ(text.front(), '!');
  EXPECT_LT(text.size(), 128u * 1024) << "a 100,000-way join fits in one Linux argument";
  auto back = decompress_input_paths(text);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, paths);
}

TEST(InputPaths, PythonDecodesOurCompressedForm) {
  std::string text = compress_input_paths(foreach_paths(1000));
  // What Metaflow's decompress_list does with a "!"-form list.
  auto r = testing::run_command(
      {"/usr/bin/python3", "-c",
       "import base64,sys,zlib; s=sys.argv[1]; d=zlib.decompress(zlib.decompress(base64.b64decode(s[1:]))).decode();"
       "p,x=d.split(':'); l=[p+e for e in x.split(',')]; print(len(l), l[0], l[-1])",
       text});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1000 1796560056794218/train/2 1796560056794218/train/1001\n");
}

TEST(InputPaths, MalformedInputIsAClearError) {
  EXPECT_FALSE(decompress_input_paths("!not-base64-zlib").ok());
  EXPECT_FALSE(decompress_input_paths("a:b:c").ok());
}

}  // namespace
}  // namespace conflux
