#include "flow/project.hpp"

#include <regex>

namespace conflux {

namespace {

bool valid_name(const std::string& name) {
  static const std::regex valid("[a-z0-9_]{1,128}");
  return std::regex_match(name, valid);
}

const DecoratorSpec* find_project(const FlowDescription& flow) {
  for (const DecoratorSpec& d : flow.flow_decorators) {
    if (d.name == "project") return &d;
  }
  return nullptr;
}

}  // namespace

Result<std::optional<ProjectInfo>> resolve_project(const FlowDescription& flow, const ProjectRequest& request,
                                                   const std::string& username) {
  const DecoratorSpec* d = find_project(flow);
  if (d == nullptr) {
    if (request.branch || request.production) {
      return Status::invalid_argument(std::string(request.branch ? "--branch" : "--production") +
                                      " applies to flows with @project; " + flow.name + " has none");
    }
    return std::optional<ProjectInfo>();
  }
  ProjectInfo info;
  info.project_name = d->attributes.value("name", "");
  if (!valid_name(info.project_name)) {
    return Status::invalid_argument("@project name '" + info.project_name +
                                    "' is invalid: use 1-128 lowercase letters, digits and underscores");
  }
  // A value may come from the decorator or the command line, not both (Metaflow's rule).
  std::optional<std::string> branch = request.branch;
  if (d->attributes.contains("branch")) {
    std::string declared = d->attributes["branch"].get<std::string>();
    if (request.branch && *request.branch != declared) {
      return Status::invalid_argument("you cannot pass branch both as --branch and as an attribute of @project");
    }
    branch = declared;
  }
  bool production = request.production;
  if (d->attributes.contains("production")) {
    bool declared = d->attributes["production"].get<bool>();
    if (request.production && !declared) {
      return Status::invalid_argument(
          "you cannot pass production both as --production and as an attribute of @project");
    }
    production = declared;
  }
  if (branch) {
    if (!valid_name(*branch)) {
      return Status::invalid_argument("the branch name '" + *branch +
                                      "' is invalid: use 1-128 lowercase letters, digits and underscores");
    }
    info.branch_name = (production ? "prod." : "test.") + *branch;
  } else {
    info.branch_name = production ? "prod" : "user." + username;
  }
  info.is_user_branch = !branch && !production;
  info.is_production = production;
  info.project_flow_name = info.project_name + "." + info.branch_name + "." + flow.name;
  return std::optional<ProjectInfo>(std::move(info));
}

}  // namespace conflux
