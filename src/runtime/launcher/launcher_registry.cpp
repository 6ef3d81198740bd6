#include "runtime/launcher/launcher_registry.hpp"

#include "flow/decorators.hpp"
#include "runtime/kubernetes/kubernetes_launcher.hpp"
#include "runtime/slurm/slurm_launcher.hpp"

namespace conflux {

const std::vector<LauncherKind>& launcher_kinds() {
  static const std::vector<LauncherKind> kinds = {
      // decorator, factory: one line per engine
      {"slurm", make_slurm_launcher},
      {"kubernetes", make_kubernetes_launcher},
  };
  return kinds;
}

Result<TaskLauncher*> Launchers::for_step(const StepDescription& step, bool fallback) {
  if (fallback) return static_cast<TaskLauncher*>(&local_);
  for (const LauncherKind& kind : launcher_kinds()) {
    if (!find_decorator(step, kind.decorator)) continue;
    auto it = remote_.find(kind.decorator);
    if (it == remote_.end()) {
      auto made = kind.make(context_);
      if (!made.ok()) return made.status().with_context("step " + step.name + ": @" + kind.decorator);
      it = remote_.emplace(kind.decorator, std::move(made).value()).first;
    }
    return it->second.get();
  }
  return static_cast<TaskLauncher*>(&local_);
}

std::vector<TaskLauncher*> Launchers::in_use() {
  std::vector<TaskLauncher*> all = {&local_};
  for (auto& [name, launcher] : remote_) all.push_back(launcher.get());
  return all;
}

}  // namespace conflux
