// Pathspec parsing and namespaces.
#include <gtest/gtest.h>

#include "conflux/client.hpp"

namespace conflux {
namespace {

TEST(PathspecTest, ParsesEveryDepth) {
  auto p = Pathspec::parse("F/12/step/3/name");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->depth, 5);
  EXPECT_EQ(p->flow, "F");
  EXPECT_EQ(p->run_id, "12");
  EXPECT_EQ(p->step, "step");
  EXPECT_EQ(p->task_id, "3");
  EXPECT_EQ(p->artifact, "name");
  EXPECT_EQ(p->kind(), "artifact");
  EXPECT_EQ(p->to_string(), "F/12/step/3/name");
  EXPECT_EQ(p->parent(), "F/12/step/3");
  auto f = Pathspec::parse("F");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->depth, 1);
  EXPECT_EQ(f->kind(), "flow");
  EXPECT_EQ(f->parent(), "");
  EXPECT_EQ(Pathspec::parse("F/1", 2)->kind(), "run");
}

TEST(PathspecTest, RejectsMalformed) {
  for (const char* bad : {"", "/", "F/", "/1", "F//s", "F/1/s/t/a/extra"}) {
    auto p = Pathspec::parse(bad);
    EXPECT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  auto wrong_depth = Pathspec::parse("F/1/s", 2);
  ASSERT_FALSE(wrong_depth.ok());
  EXPECT_EQ(wrong_depth.status().message(), "invalid pathspec 'F/1/s' for a run: expected FLOW/RUN_ID");
}

TEST(NamespaceTest, ContainsAndDefaults) {
  EXPECT_TRUE(Namespace::global().is_global());
  EXPECT_TRUE(Namespace::global().contains({}));
  Namespace bob = Namespace::user("bob");
  EXPECT_EQ(bob.tag(), "user:bob");
  EXPECT_TRUE(bob.contains({"x", "user:bob"}));
  EXPECT_FALSE(bob.contains({"user:alice"}));
  EXPECT_EQ(default_namespace("bob"), bob);
  EXPECT_EQ(default_namespace("bob", "tok").tag(), "production:tok");
  EXPECT_EQ(default_namespace("bob", "").tag(), "user:bob");
}

}  // namespace
}  // namespace conflux
