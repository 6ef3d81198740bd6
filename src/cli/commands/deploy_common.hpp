// What the deployment commands (`argo-workflows create`, `step-functions create`) and `package`
// share: the backends a deployment needs, the environment its tasks get, the flow's code
// package, and writing output files whole or not at all.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "cli/backends.hpp"
#include "cli/flow_cli.hpp"
#include "package/code_package.hpp"

namespace conflux::cli {

// A deployment's tasks run elsewhere and share the run through an S3 datastore and the metadata
// service: InvalidArgument naming what is missing for `target` ("Argo Workflows") otherwise.
Status require_shared_backends(const Backends& backends, const std::string& target);

// Every deployed task's environment: the settings that reach the datastore and the service
// (METAFLOW_SERVICE_INTERNAL_URL, if set, is the service's address from the cluster).
std::map<std::string, std::string> deployed_task_env(const FlowCommandContext& ctx);

// The code package of this flow binary: its stripped binary, the flow's source and INFO.
CodePackageInput flow_code_package_input(const FlowCommandContext& ctx);

// Builds the code package and stores it in the datastore (once: the same bytes, the same blob),
// warning on stderr about what the default runner image lacks.
Result<StoredCodePackage> store_flow_code_package(const FlowCommandContext& ctx, Backends& backends);

// Writes `text` to `path` through a temporary file renamed into place; "-" is standard output.
Status write_output_file(const std::filesystem::path& path, const std::string& text);

}  // namespace conflux::cli
