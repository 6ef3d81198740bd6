// remote_task_of(): what a remote engine's node needs to run one attempt (a RemoteTask, handed to
// `conflux task-run`), from the scheduler's TaskLaunch, the run's code package and its datastore.
// Shared by every remote launcher (Slurm, Kubernetes).
#pragma once

#include "package/code_package.hpp"
#include "runtime/launcher/launcher_registry.hpp"
#include "runtime/remote/remote_task.hpp"

namespace conflux {

RemoteTask remote_task_of(const TaskLaunch& launch, const StoredCodePackage& package, const LauncherContext& context);

}  // namespace conflux
