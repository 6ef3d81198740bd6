#include "cli/commands/deploy_common.hpp"

#include <iostream>

#include "base/atomic_file.hpp"
#include "cli/run_options.hpp"

namespace conflux::cli {

Status require_shared_backends(const Backends& backends, const std::string& target) {
  if (backends.datastore != "s3") {
    return Status::invalid_argument(target + " needs an S3 datastore that its tasks can reach (--datastore s3, or "
                                    "METAFLOW_DEFAULT_DATASTORE=s3 and METAFLOW_DATASTORE_SYSROOT_S3)");
  }
  if (!backends.service) {
    return Status::invalid_argument(target + " needs the metadata service: a task's local metadata would be lost "
                                    "with it (--metadata service, or METAFLOW_DEFAULT_METADATA=service and "
                                    "METAFLOW_SERVICE_URL)");
  }
  return Status();
}

std::map<std::string, std::string> deployed_task_env(const FlowCommandContext& ctx) {
  std::map<std::string, std::string> env;
  forward_settings(env, ctx.username);
  if (auto internal = metaflow_setting("METAFLOW_SERVICE_INTERNAL_URL")) env["METAFLOW_SERVICE_URL"] = *internal;
  return env;
}

CodePackageInput flow_code_package_input(const FlowCommandContext& ctx) {
  CodePackageInput input;
  input.flow_name = ctx.flow->name;
  std::error_code ec;
  input.binary = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) input.binary = ctx.program;
  input.source = flow_source_file(*ctx.flow);
  return input;
}

Result<StoredCodePackage> store_flow_code_package(const FlowCommandContext& ctx, Backends& backends) {
  CONFLUX_ASSIGN_OR_RETURN(CodePackage package, build_code_package(flow_code_package_input(ctx)));
  for (const std::string& gap : runner_gaps(package.elf, default_runner_manifest())) {
    std::cerr << "warning: code package: " << gap << "\n";
  }
  return store_code_package(*backends.storage, ctx.flow->name, backends.ds_root, package);
}

Status write_output_file(const std::filesystem::path& path, const std::string& text) {
  if (path == "-") {
    std::cout << text;
    return std::cout.flush() ? Status() : Status::io_error("cannot write to standard output");
  }
  return write_file_atomically(path, text);
}

}  // namespace conflux::cli
