#include "package/code_package.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>


#include "base/sha256.hpp"
#include "conflux/version.hpp"
#include "datastore/content_addressed_store.hpp"
#include "datastore/gzip_codec.hpp"
#include "datastore/sha1.hpp"
#include "package/debug_strip.hpp"
#include "package/tar_archive.hpp"

namespace conflux {

namespace {

constexpr int64_t kPackageMtime = 1575360000;  // Metaflow's fixed member mtime

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::not_found("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return Status::io_error("cannot read " + path.string());
  return out.str();
}


}  // namespace

Result<CodePackage> build_code_package(const CodePackageInput& input) {
  CodePackage pkg;
  auto binary = read_file(input.binary);
  if (!binary.ok()) return binary.status().with_context("cannot package the flow binary");
  auto elf = read_elf_info(*binary);
  if (!elf.ok()) return elf.status().with_context("cannot package " + input.binary.string());
  pkg.elf = *elf;
  std::string binary_name = input.binary.filename().string();
  pkg.binary_member = "bin/" + binary_name;

  std::vector<TarEntry> entries;
  auto binary_sha256 = sha256_hex(*binary);  // of the binary as built, debug info included
  if (!binary_sha256.ok()) return binary_sha256.status().with_context("cannot package " + input.binary.string());
  auto stripped = strip_debug_info(*binary);
  pkg.info_note = stripped.ok() ? "debug info stripped (objcopy --strip-debug)" : "shipped as built: " + stripped.status().message();
  entries.push_back({pkg.binary_member, stripped.ok() ? std::move(stripped).value() : std::move(binary).value(), 0755});
  std::string script = binary_name;
  if (!input.source.empty()) {
    auto source = read_file(input.source);
    if (source.ok()) {
      script = input.source.filename().string();
      entries.push_back({script, std::move(source).value(), 0644});
    }
  }
  pkg.info = {
      {"script", script},
      {"flow", input.flow_name},
      {"conflux_version", kConfluxVersion},
      {"binary", pkg.binary_member},
      {"binary_sha256", *binary_sha256},
      {"binary_note", pkg.info_note},
      {"build_id", pkg.elf.build_id},
      {"arch", pkg.elf.arch},
      {"glibc_min", pkg.elf.glibc_min},
      {"needed", pkg.elf.needed},
  };
  entries.push_back({"INFO", pkg.info.dump(2), 0644});
  entries.push_back({"CONFIG", "{}", 0644});
  std::sort(entries.begin(), entries.end(), [](const TarEntry& a, const TarEntry& b) { return a.path < b.path; });
  for (const auto& e : entries) pkg.members.push_back(e.path);
  CONFLUX_ASSIGN_OR_RETURN(std::string tar, write_tar(entries, kPackageMtime));
  // zlib's gzip header has mtime 0 and no file name: reproducible bytes.
  CONFLUX_ASSIGN_OR_RETURN(pkg.tgz, gzip_compress(tar, kMetaflowGzipLevel));
  CONFLUX_ASSIGN_OR_RETURN(pkg.sha, Sha1::hex_of(pkg.tgz));
  return pkg;
}

std::filesystem::path flow_source_file(const FlowDescription& flow) {
  if (!flow.location.file.empty()) return flow.location.file;
  for (const StepDescription& step : flow.steps) {
    if (!step.location.file.empty()) return step.location.file;
  }
  return {};
}

RunnerManifest default_runner_manifest() {
  RunnerManifest m;
  m.name = "debian-12 (glibc 2.36 with Conflux's runtime libraries)";
  m.glibc = "2.36";
  m.libraries = {"libc.so.6",        "libm.so.6",        "libstdc++.so.6",        "libgcc_s.so.1",
                 "libpthread.so.0",  "libdl.so.2",       "librt.so.1",            "ld-linux-x86-64.so.2",
                 "libz.so.1",        "libssl.so.3",      "libcrypto.so.3",        "libcurl.so.4",
                 "libsqlite3.so.0",  "libpq.so.5",       "libcpp-httplib.so.0.11"};
  return m;
}

Result<RunnerManifest> load_runner_manifest(const std::filesystem::path& file) {
  CONFLUX_ASSIGN_OR_RETURN(std::string text, read_file(file));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  auto bad = [&](const std::string& why) {
    return Status::invalid_argument("runner manifest " + file.string() + ": " + why);
  };
  if (!j.is_object()) return bad("not a JSON object");
  RunnerManifest m;
  m.name = j.value("name", file.filename().string());
  if (!j.contains("glibc") || !j["glibc"].is_string()) return bad("\"glibc\" must be a version string such as \"2.36\"");
  m.glibc = j["glibc"].get<std::string>();
  if (!j.contains("libraries") || !j["libraries"].is_array()) return bad("\"libraries\" must be a list of sonames");
  for (const auto& lib : j["libraries"]) {
    if (!lib.is_string()) return bad("\"libraries\" must be a list of sonames");
    m.libraries.insert(lib.get<std::string>());
  }
  return m;
}

std::vector<std::string> runner_gaps(const ElfInfo& elf, const RunnerManifest& runner) {
  std::vector<std::string> gaps;
  if (!elf.glibc_min.empty() && compare_versions(elf.glibc_min, runner.glibc) > 0) {
    gaps.push_back("the binary needs glibc " + elf.glibc_min + " but the runner " + runner.name + " has " +
                   runner.glibc + " (build the flow on a system no newer than the runner)");
  }
  for (const std::string& lib : elf.needed) {
    if (!runner.libraries.count(lib)) {
      gaps.push_back("the binary links " + lib + ", which the runner " + runner.name +
                     " does not provide (install it on the nodes, or link it statically)");
    }
  }
  return gaps;
}

std::string StoredCodePackage::package_metadata() {
  return R"({"version": 0, "archive_format": "tgz", "mfcontent_version": 0})";
}

std::string StoredCodePackage::metadata_row() const {
  nlohmann::ordered_json row = {{"ds_type", ds_type}, {"sha", sha}, {"location", url}, {"metadata", package_metadata()}};
  return row.dump();
}

std::map<std::string, std::string> StoredCodePackage::env() const {
  return {{"METAFLOW_CODE_URL", url},
          {"METAFLOW_CODE_SHA", sha},
          {"METAFLOW_CODE_DS", ds_type},
          {"METAFLOW_CODE_METADATA", package_metadata()}};
}

Result<StoredCodePackage> store_code_package(StorageBackend& storage, const std::string& flow,
                                             const std::string& ds_root, const CodePackage& package) {
  ContentAddressedStore cas(storage, flow);
  auto saved = cas.save_bytes(package.tgz, CasEncoding::kRaw);
  if (!saved.ok()) return saved.status().with_context("cannot store the code package");
  StoredCodePackage stored;
  stored.sha = saved->sha;
  stored.size = saved->size;
  stored.already_stored = saved->deduplicated;
  stored.ds_type = std::string(storage.type());
  std::string root = ds_root;
  while (!root.empty() && root.back() == '/') root.pop_back();
  stored.url = root + "/" + cas.blob_key(stored.sha);
  return stored;
}

}  // namespace conflux
