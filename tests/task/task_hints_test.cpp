// The runtime's hints to a task: the committed attempt of each input (--input-attempts) and the
// blobs that already exist (--known-blobs), written as one word each and read back.
#include <gtest/gtest.h>

#include "task/input_attempts.hpp"
#include "task/known_blobs.hpp"

namespace conflux {
namespace {

TEST(InputAttemptsTest, RoundTripsEveryForm) {
  EXPECT_EQ(format_input_attempts({0, 0, 0}, 100), "all:0");
  EXPECT_EQ(format_input_attempts({2}, 100), "all:2");
  EXPECT_EQ(format_input_attempts({0, 1, kUnknownAttempt, 0}, 100), "0,1,,0");
  EXPECT_EQ(format_input_attempts({kUnknownAttempt, kUnknownAttempt}, 100), "") << "nothing known: no hint";
  EXPECT_EQ(format_input_attempts({}, 100), "");
  EXPECT_EQ(format_input_attempts({0, 1, 0, 1, 0, 1}, 6), "") << "longer than allowed: no hint";

  EXPECT_EQ(parse_input_attempts("all:0", 3).value(), (std::vector<int>{0, 0, 0}));
  EXPECT_EQ(parse_input_attempts("0,1,,0", 4).value(), (std::vector<int>{0, 1, kUnknownAttempt, 0}));
  EXPECT_EQ(parse_input_attempts("", 2).value(), (std::vector<int>{kUnknownAttempt, kUnknownAttempt}));
}

TEST(InputAttemptsTest, MalformedHintsNameTheProblem) {
  Result<std::vector<int>> count = parse_input_attempts("0,1", 3);
  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.status().message(), "2 attempts for 3 input paths");
  for (const char* bad : {"all:x", "0,-1", "1a", "all:"}) {
    Result<std::vector<int>> r = parse_input_attempts(bad, bad[0] == 'a' ? 1 : 2);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("is not an attempt number"), std::string::npos) << r.status().message();
  }
}

TEST(KnownBlobsTest, RoundTripsAndCapsTheList) {
  const std::string a(40, 'a'), b = "0123456789abcdef0123456789abcdef01234567";
  EXPECT_EQ(format_known_blobs({a, b}), a + "," + b);
  EXPECT_EQ(parse_known_blobs(a + "," + b).value(), (std::vector<std::string>{a, b}));
  EXPECT_TRUE(parse_known_blobs("").value().empty());
  std::vector<std::string> many(kMaxKnownBlobs + 10, a);
  EXPECT_EQ(parse_known_blobs(format_known_blobs(many)).value().size(), kMaxKnownBlobs);
}

TEST(KnownBlobsTest, AnythingButAShaIsRefused) {
  for (const char* bad : {"abc", "ABCDEF0123456789abcdef0123456789abcdef01", "x,y"}) {
    Result<std::vector<std::string>> r = parse_known_blobs(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("is not a blob sha"), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace conflux
