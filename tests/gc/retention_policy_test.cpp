// The retention policy: durations, the config-file form, and which runs each rule deletes.
#include "gc/retention_policy.hpp"

#include <gtest/gtest.h>

namespace conflux::gc {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

TEST(DurationTest, ParsesEveryUnit) {
  EXPECT_EQ(*parse_duration("90s"), seconds(90));
  EXPECT_EQ(*parse_duration("45m"), seconds(45 * 60));
  EXPECT_EQ(*parse_duration("12h"), hours(12));
  EXPECT_EQ(*parse_duration("30d"), hours(30 * 24));
  EXPECT_EQ(*parse_duration("2w"), hours(14 * 24));
  EXPECT_EQ(*parse_duration("0s"), seconds(0));
  EXPECT_EQ(format_duration(hours(48)), "2d");
  EXPECT_EQ(format_duration(hours(36)), "36h");
}

TEST(DurationTest, RejectsWhatIsNotADuration) {
  for (const char* bad : {"", "d", "30", "30x", "-1d", "1.5d", "30 d", "99999999999999999w"}) {
    Result<seconds> d = parse_duration(bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_NE(d.status().message().find("is not a duration"), std::string::npos) << d.status().message();
  }
}

TEST(PolicyTest, NeedsARule) {
  RetentionPolicy p;
  EXPECT_FALSE(p.validate().ok());
  p.keep_last = -1;
  EXPECT_NE(p.validate().message().find("keep_last"), std::string::npos);
  p.keep_last = 3;
  EXPECT_TRUE(p.validate().ok());
}

TEST(PolicyTest, ReadsTheConfigFileForm) {
  auto json = nlohmann::json::parse(
      R"({"older_than": "30d", "keep_last": 5, "keep_tags": ["keep"], "grace": "2h", "flows": ["A"]})");
  Result<RetentionPolicy> p = policy_from_json(json);
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(*p->older_than, hours(30 * 24));
  EXPECT_EQ(*p->keep_last, 5);
  EXPECT_EQ(p->keep_tags, std::vector<std::string>{"keep"});
  EXPECT_EQ(p->grace, hours(2));
  EXPECT_EQ(p->flows, std::vector<std::string>{"A"});
  EXPECT_EQ(p->describe(), "older than 30d, keep the last 5 per flow, keep tags [keep], grace 2h, flows [A]");
}

TEST(PolicyTest, ConfigFileErrorsNameTheKey) {
  auto message = [](const char* text) {
    return policy_from_json(nlohmann::json::parse(text)).status().message();
  };
  EXPECT_NE(message(R"({"older_than": "30d", "keep_lats": 5})").find("unknown key 'keep_lats'"), std::string::npos);
  EXPECT_NE(message(R"({"older_than": 30})").find("'older_than'"), std::string::npos);
  EXPECT_NE(message(R"({"older_than": "soon"})").find("'older_than'"), std::string::npos);
  EXPECT_NE(message(R"({"grace": "1d"})").find("no rule"), std::string::npos);
  EXPECT_NE(message(R"({"keep_last": 2, "keep_tags": "x"})").find("'keep_tags'"), std::string::npos);
}

class JudgeTest : public ::testing::Test {
 protected:
  const Clock::time_point now_ = Clock::time_point(hours(24 * 1000));
  // A run created `age` ago that last wrote at the same time.
  RunFacts run(std::string flow, std::string id, hours age, std::vector<std::string> tags = {}) const {
    RunFacts r;
    r.flow = std::move(flow);
    r.run_id = std::move(id);
    r.created = r.last_activity = now_ - age;
    r.tags = std::move(tags);
    return r;
  }
  std::vector<bool> removed(const RetentionPolicy& p, const std::vector<RunFacts>& runs) const {
    std::vector<bool> out;
    for (const RunVerdict& v : judge_runs(p, runs, now_)) out.push_back(v.remove);
    return out;
  }
};

TEST_F(JudgeTest, OlderThan) {
  RetentionPolicy p;
  p.older_than = hours(24 * 30);
  EXPECT_EQ(removed(p, {run("F", "1", hours(24 * 40)), run("F", "2", hours(24 * 20))}),
            (std::vector<bool>{true, false}));
}

TEST_F(JudgeTest, KeepLastCountsPerFlowNewestFirst) {
  RetentionPolicy p;
  p.keep_last = 1;
  EXPECT_EQ(removed(p, {run("F", "1", hours(50)), run("F", "2", hours(30)), run("G", "3", hours(60))}),
            (std::vector<bool>{true, false, false}));
}

TEST_F(JudgeTest, BothRulesMustAgree) {
  RetentionPolicy p;
  p.older_than = hours(40);
  p.keep_last = 1;
  // 1 is old but 2 is newer: 1 goes. 2 is the newest: kept. 3 is young: kept.
  std::vector<RunFacts> runs = {run("F", "1", hours(50)), run("F", "2", hours(45)), run("G", "3", hours(30)),
                                run("G", "4", hours(20))};
  EXPECT_EQ(removed(p, runs), (std::vector<bool>{true, false, false, false}));
}

TEST_F(JudgeTest, KeepTagsAndGraceAndUnregisteredRunsAreKept) {
  RetentionPolicy p;
  p.older_than = hours(1);
  p.keep_tags = {"keep"};
  p.grace = hours(24);
  RunFacts recent_writer = run("F", "3", hours(100));
  recent_writer.last_activity = now_ - hours(2);  // created long ago, still writing
  RunFacts files_only = run("F", "4", hours(100));
  files_only.has_metadata = false;
  RunFacts elsewhere = run("F", "5", hours(100));
  elsewhere.has_files = false;  // registered in a shared service, stored in another datastore
  std::vector<RunFacts> runs = {run("F", "1", hours(100), {"keep"}), run("F", "2", hours(100), {"x"}),
                                recent_writer, files_only, elsewhere};
  std::vector<RunVerdict> v = judge_runs(p, runs, now_);
  EXPECT_FALSE(v[0].remove);
  EXPECT_EQ(v[0].reason, "kept: tagged keep");
  EXPECT_TRUE(v[1].remove);
  EXPECT_FALSE(v[2].remove);
  EXPECT_EQ(v[2].reason, "kept: active within the grace period");
  EXPECT_FALSE(v[3].remove);
  EXPECT_FALSE(v[4].remove);
  EXPECT_EQ(v[4].reason, "kept: no files in this datastore");
}

TEST_F(JudgeTest, FlowsLimitTheScope) {
  RetentionPolicy p;
  p.older_than = hours(1);
  p.flows = {"G"};
  EXPECT_EQ(removed(p, {run("F", "1", hours(100)), run("G", "2", hours(100))}),
            (std::vector<bool>{false, true}));
}

}  // namespace
}  // namespace conflux::gc
