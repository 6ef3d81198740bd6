// The code package: what a remote node needs to run a flow's tasks, as one content-addressed,
// reproducible tar.gz in the datastore. Metaflow's v0 layout, so Python's `Run(...).code` reads it:
//   INFO          JSON: script, flow, conflux_version, binary, binary_sha256 (as built),
//                 binary_note, build_id, arch, glibc_min, needed (the binary's shared libraries)
//   CONFIG        JSON: {} (no Metaflow configuration travels with a Conflux package)
//   bin/<binary>  the flow binary without its debug sections (objcopy), mode 0755
//   <source>      the flow's C++ source when it can be read at package time
// Members are sorted, every mtime is Metaflow's 1575360000 and the gzip header carries no time,
// so the same binary and source always give the same bytes and the same sha.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "conflux/flow_spec_types.hpp"
#include "conflux/status.hpp"
#include "datastore/storage_backend.hpp"
#include "package/elf_info.hpp"

namespace conflux {

struct CodePackageInput {
  std::string flow_name;
  std::filesystem::path binary;  // the flow binary
  std::filesystem::path source;  // the flow's .cpp; skipped (with a note in INFO) if unreadable
};

struct CodePackage {
  std::string tgz;
  std::string sha;  // SHA-1 of tgz: its content address
  nlohmann::ordered_json info;
  ElfInfo elf;
  std::vector<std::string> members;  // archive paths, in order
  std::string binary_member;         // "bin/<name>"
  std::string info_note;             // whether debug info was stripped
};

Result<CodePackage> build_code_package(const CodePackageInput& input);

// The C++ file that declares the flow (where its steps were declared, as the compiler saw it).
std::filesystem::path flow_source_file(const FlowDescription& flow);

// What a runner (a node or an image) provides: its glibc version and the sonames it has.
struct RunnerManifest {
  std::string name;
  std::string glibc;
  std::set<std::string> libraries;
};

// Debian 12 with Conflux's runtime libraries: the default runner (docs/remote-tasks.md).
RunnerManifest default_runner_manifest();
// {"name": ..., "glibc": "2.36", "libraries": ["libc.so.6", ...]}; errors name the file.
Result<RunnerManifest> load_runner_manifest(const std::filesystem::path& file);
// What `runner` lacks to run the package's binary, one sentence each; empty if nothing.
std::vector<std::string> runner_gaps(const ElfInfo& elf, const RunnerManifest& runner);

// A package stored in the datastore, and how tasks and metadata refer to it.
struct StoredCodePackage {
  std::string sha;
  std::string url;      // the blob's full location: a path (local) or s3://...
  std::string ds_type;  // "local" or "s3"
  uint64_t size = 0;
  bool already_stored = false;

  // METAFLOW_CODE_METADATA: {"version": 0, "archive_format": "tgz", "mfcontent_version": 0}
  static std::string package_metadata();
  // The `code-package` metadata row's value: {"ds_type", "sha", "location", "metadata"}.
  std::string metadata_row() const;
  // METAFLOW_CODE_URL, _SHA, _DS, _METADATA.
  std::map<std::string, std::string> env() const;
};

// Saves the package as a raw CAS blob of `flow` (written once; a second save finds it).
// `ds_root` is the datastore root as metadata records it (a directory or s3://bucket/prefix).
Result<StoredCodePackage> store_code_package(StorageBackend& storage, const std::string& flow,
                                             const std::string& ds_root, const CodePackage& package);

}  // namespace conflux
