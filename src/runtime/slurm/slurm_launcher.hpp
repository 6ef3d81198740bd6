// SlurmLauncher: runs task attempts as Slurm jobs (@slurm, or --with slurm).
//
// Tasks that the scheduler releases together and that share a step and attempt (a foreach) go
// out as one job array, `--array=0-(n-1)%max_workers`, in chunks of at most 1000 elements (Slurm's
// default MaxArraySize is 1001). Each element runs `conflux task-run`, which fetches the code
// package from the datastore and writes the task's logs and exit record there. One squeue per
// second covers every job of the run; a job that squeue no longer knows (purged) is resolved by
// its exit record. Stops are batched into one scancel; jobs still alive when the launcher goes
// away are cancelled, so `squeue` is empty after Ctrl-C or a failed run.
#pragma once

#include <map>
#include <memory>

#include "conflux/status.hpp"
#include "runtime/launcher/launcher_registry.hpp"

namespace conflux {

Result<std::unique_ptr<TaskLauncher>> make_slurm_launcher(const LauncherContext& context);

}  // namespace conflux
