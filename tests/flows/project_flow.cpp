// A flow in a @project: its steps print what current() says about the project and branch.
#include <conflux/conflux.hpp>

#include <iostream>

class ProjectFlow : public conflux::FlowSpec<ProjectFlow> {
 public:
  void start() {
    const conflux::Current& c = conflux::current();
    std::cout << "project " << c.project_name << " branch " << c.branch_name << " flow "
              << c.project_flow_name << " user_branch " << c.is_user_branch << " production "
              << c.is_production << std::endl;
  }
  void end() {}

  static void graph(conflux::Graph<ProjectFlow>& g) {
    g.project("ranking");
    g.step("start", &ProjectFlow::start).doc("Say which branch this is.").next("end");
    g.step("end", &ProjectFlow::end);
  }
};

CONFLUX_FLOW(ProjectFlow)
