// KubernetesLauncher: runs task attempts as Kubernetes Jobs (@kubernetes, or --with kubernetes),
// one Job per attempt as Metaflow makes them (backoffLimit 0: retries are the runtime's,
// restartPolicy Never, the pod's deadline from @timeout). Each pod runs `conflux task-run`, which
// fetches the code package from the (S3) datastore and writes the task's logs and exit record
// there; the exit record decides how an attempt ended, Kubernetes' word only explains attempts
// that left none (OOMKilled, evicted, deadline, an image that cannot be pulled).
//
// At most --max-workers Jobs exist at once; the rest wait in the launcher. One LIST of the run's
// Jobs and one of its pods twice a second (by the run's label) cover every task; output is tailed from
// the datastore. Stopping deletes the Job (propagationPolicy Background); Jobs still alive when
// the launcher goes away (Ctrl-C, a failed run) are deleted.
#pragma once

#include <memory>

#include "conflux/status.hpp"
#include "runtime/launcher/launcher_registry.hpp"

namespace conflux {

Result<std::unique_ptr<TaskLauncher>> make_kubernetes_launcher(const LauncherContext& context);

}  // namespace conflux
