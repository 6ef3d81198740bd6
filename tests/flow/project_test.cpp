// @project's rules, as Metaflow's project_decorator.py applies them: branch names, where the
// branch and production come from, and what a flow without @project accepts.
#include "flow/project.hpp"

#include <gtest/gtest.h>

namespace conflux {
namespace {

FlowDescription flow_with(nlohmann::ordered_json attributes) {
  FlowDescription flow;
  flow.name = "RankFlow";
  flow.flow_decorators.push_back({"project", std::move(attributes), false});
  return flow;
}

ProjectInfo resolved(const FlowDescription& flow, ProjectRequest request) {
  Result<std::optional<ProjectInfo>> r = resolve_project(flow, request, "alice");
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_TRUE(r.ok() && r->has_value());
  return r.ok() && r->has_value() ? **r : ProjectInfo{};
}

TEST(ProjectTest, BranchNamesFollowMetaflow) {
  FlowDescription flow = flow_with({{"name", "ranking"}});
  ProjectInfo user = resolved(flow, {});
  EXPECT_EQ(user.branch_name, "user.alice");
  EXPECT_EQ(user.project_flow_name, "ranking.user.alice.RankFlow");
  EXPECT_TRUE(user.is_user_branch);
  EXPECT_FALSE(user.is_production);
  EXPECT_EQ(user.system_tags(), (std::vector<std::string>{"project:ranking", "project_branch:user.alice"}));

  ProjectInfo test = resolved(flow, {.branch = "exp_1"});
  EXPECT_EQ(test.branch_name, "test.exp_1");
  EXPECT_FALSE(test.is_user_branch);
  ProjectInfo prod = resolved(flow, {.production = true});
  EXPECT_EQ(prod.branch_name, "prod");
  EXPECT_TRUE(prod.is_production);
  EXPECT_EQ(resolved(flow, {.branch = "exp", .production = true}).branch_name, "prod.exp");
}

TEST(ProjectTest, DecoratorAttributesAndTheirConflicts) {
  FlowDescription declared = flow_with({{"name", "ranking"}, {"branch", "exp"}, {"production", true}});
  EXPECT_EQ(resolved(declared, {}).branch_name, "prod.exp");
  EXPECT_EQ(resolved(declared, {.branch = "exp"}).branch_name, "prod.exp") << "the same value twice is fine";
  auto clash = resolve_project(declared, {.branch = "other"}, "alice");
  EXPECT_EQ(clash.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(clash.status().message().find("both as --branch and as an attribute of @project"), std::string::npos);
  auto not_prod = resolve_project(flow_with({{"name", "ranking"}, {"production", false}}), {.production = true}, "a");
  EXPECT_NE(not_prod.status().message().find("both as --production"), std::string::npos);
}

TEST(ProjectTest, BadNamesAndFlowsWithoutProject) {
  FlowDescription flow = flow_with({{"name", "ranking"}});
  for (const char* bad : {"Exp", "exp-1", "", "a.b"}) {
    auto r = resolve_project(flow, {.branch = std::string(bad)}, "alice");
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(r.status().message().find("the branch name '" + std::string(bad) + "' is invalid"), std::string::npos);
  }
  EXPECT_FALSE(resolve_project(flow, {.branch = std::string(129, 'a')}, "alice").ok());
  EXPECT_FALSE(resolve_project(flow_with({{"name", "Ranking"}}), {}, "alice").ok());

  FlowDescription plain;
  plain.name = "PlainFlow";
  auto none = resolve_project(plain, {}, "alice");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto branch = resolve_project(plain, {.branch = "x"}, "alice");
  EXPECT_NE(branch.status().message().find("--branch applies to flows with @project; PlainFlow has none"),
            std::string::npos);
  EXPECT_FALSE(resolve_project(plain, {.production = true}, "alice").ok());
}

}  // namespace
}  // namespace conflux
