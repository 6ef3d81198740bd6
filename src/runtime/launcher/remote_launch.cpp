#include "runtime/launcher/remote_launch.hpp"

namespace conflux {

RemoteTask remote_task_of(const TaskLaunch& launch, const StoredCodePackage& package, const LauncherContext& context) {
  RemoteTask t;
  t.flow = launch.flow;
  t.run_id = launch.run_id;
  t.step = launch.step;
  t.task_id = launch.task_id;
  t.attempt = launch.attempt;
  t.argv = launch.argv;
  t.env = launch.env;
  for (const auto& [k, v] : package.env()) t.env[k] = v;
  t.code_url = package.url;
  t.code_sha = package.sha;
  t.code_ds = package.ds_type;
  t.ds_type = context.ds_type;
  t.ds_root = context.ds_root;
  t.timeout_seconds = launch.timeout_seconds;
  t.sync_local_metadata = !context.local_metadata_root.empty();
  return t;
}

}  // namespace conflux
