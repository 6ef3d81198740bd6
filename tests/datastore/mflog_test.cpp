#include "datastore/mflog.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace conflux {
namespace {

MflogClock::time_point at_us(int64_t us) {
  return MflogClock::time_point(
      std::chrono::duration_cast<MflogClock::duration>(std::chrono::microseconds(us)));
}

TEST(MflogTest, DecoratesExactlyLikeMetaflow) {
  // 2026-11-29T06:17:36.780848Z
  const auto t = at_us(1795933056780848);
  EXPECT_EQ(mflog_timestamp(t), "2026-11-29T06:17:36.780848");
  std::string out;
  append_mflog_line(out, kMflogRuntimeSource, "middle step says: hello world alpha=0.5\n", t,
                    "32fe0aba-106e-4afb-9a46-82c2a91a8447");
  EXPECT_EQ(out,
            "[MFLOG|0|2026-11-29T06:17:36.780848Z|runtime|32fe0aba-106e-4afb-9a46-82c2a91a8447]"
            "middle step says: hello world alpha=0.5\n");
  EXPECT_EQ(mflog_timestamp(at_us(0)), "1970-01-01T00:00:00.000000");
  EXPECT_EQ(mflog_timestamp(at_us(951782400000001)), "2000-02-29T00:00:00.000001");
}

TEST(MflogTest, LineIdsAreVersion4Uuids) {
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::string a = mflog_line_id();
  EXPECT_TRUE(std::regex_match(a, uuid)) << a;
  EXPECT_NE(a, mflog_line_id());
  std::string line;
  append_mflog_line(line, kMflogTaskSource, "x");
  std::optional<MflogLine> parsed = parse_mflog_line(line);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->source, "task");
  EXPECT_EQ(parsed->msg, "x");
}

TEST(MflogTest, ParsesStructuredLines) {
  auto l =
      parse_mflog_line("[MFLOG|0|2026-11-29T06:17:36.780848Z|runtime|abc]hello ] | Z| world\n");
  ASSERT_TRUE(l.has_value());
  EXPECT_TRUE(l->structured);
  EXPECT_FALSE(l->should_persist);
  EXPECT_EQ(l->timestamp, "2026-11-29T06:17:36.780848");
  EXPECT_EQ(l->source, "runtime");
  EXPECT_EQ(l->id, "abc");
  EXPECT_EQ(l->msg, "hello ] | Z| world");
  EXPECT_EQ(*l->utc, at_us(1795933056780848));

  auto p = parse_mflog_line("[![MFLOG|0|2026-01-02T03:04:05.5Z|task|id]m");
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->should_persist);
  EXPECT_EQ(*p->utc, at_us(1767323045500000));  // %f pads "5" to 500000 us

  auto empty_msg = parse_mflog_line("[MFLOG|0|2026-11-29T06:17:36.780848Z|task|id]");
  ASSERT_TRUE(empty_msg.has_value());
  EXPECT_EQ(empty_msg->msg, "");
}

TEST(MflogTest, RejectsWhatMetaflowRejects) {
  EXPECT_FALSE(parse_mflog_line("plain output").has_value());
  EXPECT_FALSE(parse_mflog_line("").has_value());
  EXPECT_FALSE(parse_mflog_line("[MFLOG|1|2026-11-29T06:17:36.780848Z|task|id]v1").has_value());
  EXPECT_FALSE(parse_mflog_line("[MFLOG|0|not-a-timeZ|task|id]x").has_value());
  EXPECT_FALSE(parse_mflog_line("[MFLOG|0|2026-02-30T00:00:00.0Z|task|id]x").has_value());
  EXPECT_FALSE(parse_mflog_line("[MFLOG|0|2026-11-29T06:17:36.780848Z|task|]x").has_value());
  EXPECT_FALSE(parse_mflog_line("[MFLOG|0|2026-11-29T06:17:36.780848Z|task").has_value());
}

TEST(MflogTest, MergeOrdersByTimestampAndPutsUnstructuredLast) {
  std::string runtime, task;
  append_mflog_line(runtime, kMflogRuntimeSource, "r1\n", at_us(1000), "a");
  append_mflog_line(runtime, kMflogRuntimeSource, "r3\n", at_us(3000), "b");
  runtime += "garbage line\n";
  append_mflog_line(runtime, kMflogRuntimeSource, "r5", at_us(5000), "c");  // no final newline
  append_mflog_line(task, kMflogTaskSource, "t4\n", at_us(4000), "d");
  append_mflog_line(task, kMflogTaskSource, "t2\n", at_us(2000), "e");  // out of order in its file
  std::vector<MflogLine> merged = merge_mflogs({runtime, task});
  std::vector<std::string> msgs;
  for (const MflogLine& l : merged) msgs.push_back(l.msg);
  EXPECT_EQ(msgs, (std::vector<std::string>{"r1", "t2", "r3", "t4", "r5", "garbage line"}));
  EXPECT_FALSE(merged.back().structured);
  EXPECT_EQ(merged.back().timestamp, "3000-01-01T00:00:00.000000");
  EXPECT_TRUE(merge_mflogs({"", ""}).empty());
}

TEST(MflogTest, MergeTiesAreStableAcrossSources) {
  std::string a, b;
  const auto t = at_us(1000);
  append_mflog_line(a, "runtime", "same\n", t, "id");
  append_mflog_line(b, "runtime", "same\n", t, "id");
  append_mflog_line(b, "runtime", "also\n", t, "id");
  std::vector<MflogLine> merged = merge_mflogs({a, b});
  ASSERT_EQ(merged.size(), 3u);
  EXPECT_EQ(merged[0].msg, "also");  // ties break on the message, like Python's tuple order
  EXPECT_EQ(merged[1].msg, "same");
}

}  // namespace
}  // namespace conflux
