// @project, as Metaflow's: which project and branch a run belongs to. The branch is user.<name>
// by default, test.<branch> with --branch, prod with --production, prod.<branch> with both; runs
// get the system tags project:<name> and project_branch:<branch>, and current() tells the step.
// Names and branches are 1-128 lowercase letters, digits and underscores.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "conflux/flow_spec_types.hpp"
#include "conflux/status.hpp"

namespace conflux {

// What the command line asked for (--branch NAME, --production).
struct ProjectRequest {
  std::optional<std::string> branch;
  bool production = false;
};

struct ProjectInfo {
  std::string project_name;       // @project's name
  std::string branch_name;        // user.alice, test.x, prod, prod.x
  std::string project_flow_name;  // <project>.<branch>.<Flow>: the deployment's name
  bool is_user_branch = false;    // neither --branch nor --production
  bool is_production = false;

  std::vector<std::string> system_tags() const {
    return {"project:" + project_name, "project_branch:" + branch_name};
  }
};

// nullopt for a flow without @project. InvalidArgument: an invalid branch, a branch or production
// given both in the decorator and (differently) on the command line, or --branch/--production
// for a flow without @project.
Result<std::optional<ProjectInfo>> resolve_project(const FlowDescription& flow, const ProjectRequest& request,
                                                   const std::string& username);

}  // namespace conflux
